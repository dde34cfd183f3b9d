-- assertion shop_assertions.shop_features_variant_daily_demand_assertions_uniqueKey_0

SELECT
  *
FROM (
  SELECT
    shop, variant_id, date,
    COUNT(1) AS index_row_count
  FROM `demo-shop-mlops.shop_features.variant_daily_demand`
  GROUP BY shop, variant_id, date
  ) AS data
WHERE index_row_count > 1
