-- assertion shop_assertions.shop_staging_variants_assertions_rowConditions

SELECT
  'price >= 0' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.variants`
WHERE NOT (price >= 0)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.variants`
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'variant_id IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.variants`
WHERE NOT (variant_id IS NOT NULL)
UNION ALL
SELECT
  'product_id IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.variants`
WHERE NOT (product_id IS NOT NULL)
UNION ALL
SELECT
  'price IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.variants`
WHERE NOT (price IS NOT NULL)
