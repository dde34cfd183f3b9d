-- assertion shop_assertions.raw_events_valid

-- full build
-- Raw deliveries carry every required header and a body (the landing path guarantees it; a failure here means
-- the landing table itself drifted). Failing rows name the broken rule. It reads no payload (a raw scan of every
-- body on each run dominated incremental builds): that every event names its resource is asserted on the
-- parsed routing columns by events_dedup_keys.


SELECT 'required header missing' AS failing_rule, shop, topic, webhook_id, received_at
FROM "shop_raw"."events"
WHERE shop IS NULL OR topic IS NULL OR webhook_id IS NULL OR api_version IS NULL OR received_at IS NULL OR payload IS NULL
