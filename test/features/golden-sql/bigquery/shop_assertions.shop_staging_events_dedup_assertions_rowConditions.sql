-- assertion shop_assertions.shop_staging_events_dedup_assertions_rowConditions

SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.events_dedup`
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'topic IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.events_dedup`
WHERE NOT (topic IS NOT NULL)
UNION ALL
SELECT
  'webhook_id IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.events_dedup`
WHERE NOT (webhook_id IS NOT NULL)
UNION ALL
SELECT
  'received_at IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.events_dedup`
WHERE NOT (received_at IS NOT NULL)
UNION ALL
SELECT
  'body IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.events_dedup`
WHERE NOT (body IS NOT NULL)
