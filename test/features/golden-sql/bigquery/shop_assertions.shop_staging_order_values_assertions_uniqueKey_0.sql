-- assertion shop_assertions.shop_staging_order_values_assertions_uniqueKey_0

SELECT
  *
FROM (
  SELECT
    shop, order_id,
    COUNT(1) AS index_row_count
  FROM `demo-shop-mlops.shop_staging.order_values`
  GROUP BY shop, order_id
  ) AS data
WHERE index_row_count > 1
