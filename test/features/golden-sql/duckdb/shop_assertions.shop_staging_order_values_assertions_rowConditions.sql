-- assertion shop_assertions.shop_staging_order_values_assertions_rowConditions

-- full build
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_values"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'order_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_values"
WHERE NOT (order_id IS NOT NULL)
UNION ALL
SELECT
  'order_date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_values"
WHERE NOT (order_date IS NOT NULL)
UNION ALL
SELECT
  'is_included IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_values"
WHERE NOT (is_included IS NOT NULL)
UNION ALL
SELECT
  'value IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_values"
WHERE NOT (value IS NOT NULL)
UNION ALL
SELECT
  'last_received_at IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_values"
WHERE NOT (last_received_at IS NOT NULL)

-- scoped check (incremental runs of shop_staging.order_values after a pass)
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_values"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'order_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_values"
WHERE NOT (order_id IS NOT NULL)
UNION ALL
SELECT
  'order_date IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_values"
WHERE NOT (order_date IS NOT NULL)
UNION ALL
SELECT
  'is_included IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_values"
WHERE NOT (is_included IS NOT NULL)
UNION ALL
SELECT
  'value IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_values"
WHERE NOT (value IS NOT NULL)
UNION ALL
SELECT
  'last_received_at IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_values"
WHERE NOT (last_received_at IS NOT NULL)
