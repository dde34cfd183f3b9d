-- assertion shop_assertions.shop_staging_customers_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, customer_id,
    COUNT(1) AS index_row_count
  FROM "shop_staging"."customers"
  GROUP BY shop, customer_id
  ) AS data
WHERE index_row_count > 1
