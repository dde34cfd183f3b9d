-- assertion shop_assertions.shop_staging_customer_days_assertions_uniqueKey_0

SELECT
  *
FROM (
  SELECT
    shop, customer_id, order_date,
    COUNT(1) AS index_row_count
  FROM `demo-shop-mlops.shop_staging.customer_days`
  GROUP BY shop, customer_id, order_date
  ) AS data
WHERE index_row_count > 1
