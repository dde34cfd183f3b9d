-- assertion shop_assertions.shop_features_customer_catalog_mix_assertions_uniqueKey_0

SELECT
  *
FROM (
  SELECT
    shop, snapshot_date, customer_id,
    COUNT(1) AS index_row_count
  FROM `demo-shop-mlops.shop_features.customer_catalog_mix`
  GROUP BY shop, snapshot_date, customer_id
  ) AS data
WHERE index_row_count > 1
