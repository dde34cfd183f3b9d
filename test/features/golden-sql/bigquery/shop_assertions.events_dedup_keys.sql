-- assertion shop_assertions.events_dedup_keys

-- shop_staging.events_dedup is exactly-once on both landing keys, holds only subscribed topics, and its routing
-- columns are filled for the topics that need them. Failing rows name the broken rule.
-- Scoped locally (events_dedup only appends): a duplicate involves a row the run appended (scope.changed_rows), and
-- only appended rows can break a row rule (scope.written_rows: the appended rows themselves).


WITH appended AS (
  -- the routing columns only: DuckDB copies a CTE read four times, and the parsed bodies are large
  SELECT shop, topic, webhook_id, order_id, resource_id, resource_updated_at
  FROM `demo-shop-mlops.shop_staging.events_dedup`
)

SELECT 'duplicate (shop, topic, event_id)' AS failing_rule, shop, topic, event_id AS key_value, COUNT(*) AS n
FROM `demo-shop-mlops.shop_staging.events_dedup`
WHERE event_id IS NOT NULL
GROUP BY shop, topic, event_id
HAVING COUNT(*) > 1
UNION ALL
SELECT 'topic not subscribed' AS failing_rule, shop, topic, webhook_id AS key_value, 1 AS n
FROM appended
WHERE topic NOT IN ('orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled', 'refunds/create',
                    'products/create', 'products/update', 'customers/create', 'customers/update',
                    'inventory_levels/update', 'app/uninstalled', 'bulk_operations/finish',
                    'customers/data_request', 'customers/redact', 'shop/redact')
UNION ALL
SELECT 'order/refund event without order_id' AS failing_rule, shop, topic, webhook_id AS key_value, 1 AS n
FROM appended
WHERE (topic LIKE 'orders/%' OR topic = 'refunds/create') AND order_id IS NULL
UNION ALL
SELECT 'event without resource id' AS failing_rule, shop, topic, webhook_id AS key_value, 1 AS n
FROM appended
WHERE topic IN ('orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled', 'refunds/create',
                'products/create', 'products/update', 'customers/create', 'customers/update')
  AND resource_id IS NULL
UNION ALL
SELECT 'stateful event without updated_at' AS failing_rule, shop, topic, webhook_id AS key_value, 1 AS n
FROM appended
WHERE topic IN ('orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled', 'inventory_levels/update')
  AND resource_updated_at IS NULL
