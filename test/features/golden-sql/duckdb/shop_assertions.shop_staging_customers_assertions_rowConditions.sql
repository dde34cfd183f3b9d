-- assertion shop_assertions.shop_staging_customers_assertions_rowConditions

-- full build
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."customers"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'customer_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."customers"
WHERE NOT (customer_id IS NOT NULL)
UNION ALL
SELECT
  'source_webhook_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."customers"
WHERE NOT (source_webhook_id IS NOT NULL)
