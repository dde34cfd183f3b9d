-- assertion shop_assertions.shop_features_customer_catalog_mix_assertions_rowConditions

SELECT
  'distinct_products >= 1' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.customer_catalog_mix`
WHERE NOT (distinct_products >= 1)
UNION ALL
SELECT
  'mean_price_band BETWEEN 0 AND 1' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.customer_catalog_mix`
WHERE NOT (mean_price_band BETWEEN 0 AND 1)
UNION ALL
SELECT
  'rebuy_affinity BETWEEN 0 AND 1' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.customer_catalog_mix`
WHERE NOT (rebuy_affinity BETWEEN 0 AND 1)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.customer_catalog_mix`
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'snapshot_date IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.customer_catalog_mix`
WHERE NOT (snapshot_date IS NOT NULL)
UNION ALL
SELECT
  'customer_id IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.customer_catalog_mix`
WHERE NOT (customer_id IS NOT NULL)
UNION ALL
SELECT
  'distinct_products IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.customer_catalog_mix`
WHERE NOT (distinct_products IS NOT NULL)
UNION ALL
SELECT
  'mean_price_band IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.customer_catalog_mix`
WHERE NOT (mean_price_band IS NOT NULL)
UNION ALL
SELECT
  'rebuy_affinity IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.customer_catalog_mix`
WHERE NOT (rebuy_affinity IS NOT NULL)
