-- assertion shop_assertions.shop_features_co_purchase_pairs_assertions_uniqueKey_0

SELECT
  *
FROM (
  SELECT
    shop, snapshot_date, product_a, product_b,
    COUNT(1) AS index_row_count
  FROM `demo-shop-mlops.shop_features.co_purchase_pairs`
  GROUP BY shop, snapshot_date, product_a, product_b
  ) AS data
WHERE index_row_count > 1
