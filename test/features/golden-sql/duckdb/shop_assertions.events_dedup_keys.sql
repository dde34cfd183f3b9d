-- assertion shop_assertions.events_dedup_keys

-- full build
-- shop_staging.events_dedup is exactly-once on both landing keys, holds only subscribed topics, and its routing
-- columns are filled for the topics that need them. Failing rows name the broken rule.
-- Scoped locally (events_dedup only appends): a duplicate involves a row the run appended (scope.changed_rows), and
-- only appended rows can break a row rule (scope.written_rows: the appended rows themselves).


WITH appended AS (
  -- the routing columns only: DuckDB copies a CTE read four times, and the parsed bodies are large
  SELECT shop, topic, webhook_id, order_id, resource_id, resource_updated_at
  FROM (SELECT * FROM "shop_staging"."events_dedup" /* shop-mlops:written-rows */)
)

SELECT 'duplicate (shop, topic, event_id)' AS failing_rule, shop, topic, event_id AS key_value, COUNT(*) AS n
FROM (SELECT * FROM "shop_staging"."events_dedup" /* shop-mlops:changed-rows keys=shop,topic,event_id also= */)
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

-- scoped check (incremental runs of shop_staging.events_dedup after a pass)
-- shop_staging.events_dedup is exactly-once on both landing keys, holds only subscribed topics, and its routing
-- columns are filled for the topics that need them. Failing rows name the broken rule.
-- Scoped locally (events_dedup only appends): a duplicate involves a row the run appended (scope.changed_rows), and
-- only appended rows can break a row rule (scope.written_rows: the appended rows themselves).


WITH appended AS (
  -- the routing columns only: DuckDB copies a CTE read four times, and the parsed bodies are large
  SELECT shop, topic, webhook_id, order_id, resource_id, resource_updated_at
  FROM (SELECT * FROM "__new_shop_staging__events_dedup")
)

SELECT 'duplicate (shop, topic, event_id)' AS failing_rule, shop, topic, event_id AS key_value, COUNT(*) AS n
FROM (SELECT _t.* FROM "shop_staging"."events_dedup" AS _t SEMI JOIN (SELECT "shop", "topic", "event_id" FROM "__new_shop_staging__events_dedup") AS _n ON _n."shop" IS NOT DISTINCT FROM _t."shop" AND _n."topic" IS NOT DISTINCT FROM _t."topic" AND _n."event_id" IS NOT DISTINCT FROM _t."event_id")
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
