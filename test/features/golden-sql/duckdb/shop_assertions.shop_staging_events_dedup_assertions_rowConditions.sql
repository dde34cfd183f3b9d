-- assertion shop_assertions.shop_staging_events_dedup_assertions_rowConditions

-- full build
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."events_dedup"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'topic IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."events_dedup"
WHERE NOT (topic IS NOT NULL)
UNION ALL
SELECT
  'webhook_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."events_dedup"
WHERE NOT (webhook_id IS NOT NULL)
UNION ALL
SELECT
  'received_at IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."events_dedup"
WHERE NOT (received_at IS NOT NULL)
UNION ALL
SELECT
  'body IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."events_dedup"
WHERE NOT (body IS NOT NULL)

-- scoped check (incremental runs of shop_staging.events_dedup after a pass)
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__events_dedup"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'topic IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__events_dedup"
WHERE NOT (topic IS NOT NULL)
UNION ALL
SELECT
  'webhook_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__events_dedup"
WHERE NOT (webhook_id IS NOT NULL)
UNION ALL
SELECT
  'received_at IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__events_dedup"
WHERE NOT (received_at IS NOT NULL)
UNION ALL
SELECT
  'body IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__events_dedup"
WHERE NOT (body IS NOT NULL)
