-- assertion shop_assertions.shop_features_product_attributes_assertions_rowConditions

-- full build
SELECT
  'price_band BETWEEN 1 AND 5' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (price_band BETWEEN 1 AND 5)
UNION ALL
SELECT
  'age_days >= 0' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (age_days >= 0)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'snapshot_date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (snapshot_date IS NOT NULL)
UNION ALL
SELECT
  'product_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (product_id IS NOT NULL)
UNION ALL
SELECT
  'variant_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (variant_id IS NOT NULL)
UNION ALL
SELECT
  'title_tokens IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (title_tokens IS NOT NULL)
UNION ALL
SELECT
  'tags IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (tags IS NOT NULL)
UNION ALL
SELECT
  'price IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (price IS NOT NULL)
UNION ALL
SELECT
  'price_band IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (price_band IS NOT NULL)
UNION ALL
SELECT
  'created_at IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (created_at IS NOT NULL)
UNION ALL
SELECT
  'age_days IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (age_days IS NOT NULL)
UNION ALL
SELECT
  'source IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."product_attributes"
WHERE NOT (source IS NOT NULL)
