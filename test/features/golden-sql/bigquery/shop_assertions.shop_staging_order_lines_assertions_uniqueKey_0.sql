-- assertion shop_assertions.shop_staging_order_lines_assertions_uniqueKey_0

SELECT
  *
FROM (
  SELECT
    shop, line_item_id,
    COUNT(1) AS index_row_count
  FROM `demo-shop-mlops.shop_staging.order_lines`
  GROUP BY shop, line_item_id
  ) AS data
WHERE index_row_count > 1
