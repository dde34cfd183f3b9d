-- assertion shop_assertions.shop_staging_order_versions_assertions_uniqueKey_0

SELECT
  *
FROM (
  SELECT
    shop, order_id, appended_at, sign,
    COUNT(1) AS index_row_count
  FROM `demo-shop-mlops.shop_staging.order_versions`
  GROUP BY shop, order_id, appended_at, sign
  ) AS data
WHERE index_row_count > 1
