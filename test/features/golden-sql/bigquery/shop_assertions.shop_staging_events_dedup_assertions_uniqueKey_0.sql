-- assertion shop_assertions.shop_staging_events_dedup_assertions_uniqueKey_0

SELECT
  *
FROM (
  SELECT
    webhook_id,
    COUNT(1) AS index_row_count
  FROM `demo-shop-mlops.shop_staging.events_dedup`
  GROUP BY webhook_id
  ) AS data
WHERE index_row_count > 1
