-- assertion shop_assertions.raw_events_valid

-- Raw deliveries carry every required header and a JSON object body (the landing path guarantees it; a
-- failure here means the landing table itself drifted). Failing rows name the broken rule.


SELECT 'required header missing' AS failing_rule, shop, topic, webhook_id, received_at
FROM `demo-shop-mlops.shop_raw.events`
WHERE shop IS NULL OR topic IS NULL OR webhook_id IS NULL OR api_version IS NULL OR received_at IS NULL OR payload IS NULL
UNION ALL
SELECT 'payload has no id field' AS failing_rule, shop, topic, webhook_id, received_at
FROM `demo-shop-mlops.shop_raw.events`
WHERE topic IN ('orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled', 'refunds/create',
                'products/create', 'products/update', 'customers/create', 'customers/update')
  AND JSON_VALUE(payload, '$.id') IS NULL
