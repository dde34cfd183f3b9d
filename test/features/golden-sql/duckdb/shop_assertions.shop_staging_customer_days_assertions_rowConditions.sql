-- assertion shop_assertions.shop_staging_customer_days_assertions_rowConditions

-- full build
SELECT
  'orders >= 0' AS failing_row_condition,
  *
FROM "shop_staging"."customer_days"
WHERE NOT (orders >= 0)
UNION ALL
SELECT
  'orders > 0 OR value = 0' AS failing_row_condition,
  *
FROM "shop_staging"."customer_days"
WHERE NOT (orders > 0 OR value = 0)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."customer_days"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'customer_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."customer_days"
WHERE NOT (customer_id IS NOT NULL)
UNION ALL
SELECT
  'order_date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."customer_days"
WHERE NOT (order_date IS NOT NULL)
UNION ALL
SELECT
  'orders IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."customer_days"
WHERE NOT (orders IS NOT NULL)
UNION ALL
SELECT
  'value IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."customer_days"
WHERE NOT (value IS NOT NULL)
UNION ALL
SELECT
  'versions_through IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."customer_days"
WHERE NOT (versions_through IS NOT NULL)

-- scoped check (incremental runs of shop_staging.customer_days after a pass)
SELECT
  'orders >= 0' AS failing_row_condition,
  *
FROM "__new_shop_staging__customer_days"
WHERE NOT (orders >= 0)
UNION ALL
SELECT
  'orders > 0 OR value = 0' AS failing_row_condition,
  *
FROM "__new_shop_staging__customer_days"
WHERE NOT (orders > 0 OR value = 0)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__customer_days"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'customer_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__customer_days"
WHERE NOT (customer_id IS NOT NULL)
UNION ALL
SELECT
  'order_date IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__customer_days"
WHERE NOT (order_date IS NOT NULL)
UNION ALL
SELECT
  'orders IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__customer_days"
WHERE NOT (orders IS NOT NULL)
UNION ALL
SELECT
  'value IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__customer_days"
WHERE NOT (value IS NOT NULL)
UNION ALL
SELECT
  'versions_through IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__customer_days"
WHERE NOT (versions_through IS NOT NULL)
