-- assertion shop_assertions.shop_staging_products_assertions_uniqueKey_0

SELECT
  *
FROM (
  SELECT
    shop, product_id,
    COUNT(1) AS index_row_count
  FROM `demo-shop-mlops.shop_staging.products`
  GROUP BY shop, product_id
  ) AS data
WHERE index_row_count > 1
