-- assertion shop_assertions.shop_staging_products_assertions_rowConditions

-- full build
SELECT
  'variant_count >= 0' AS failing_row_condition,
  *
FROM "shop_staging"."products"
WHERE NOT (variant_count >= 0)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."products"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'product_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."products"
WHERE NOT (product_id IS NOT NULL)
UNION ALL
SELECT
  'title IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."products"
WHERE NOT (title IS NOT NULL)
UNION ALL
SELECT
  'source_webhook_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."products"
WHERE NOT (source_webhook_id IS NOT NULL)
