-- assertion shop_assertions.shop_staging_order_lines_assertions_rowConditions

-- full build
SELECT
  'refunded_quantity >= 0' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (refunded_quantity >= 0)
UNION ALL
SELECT
  'net_quantity >= 0' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (net_quantity >= 0)
UNION ALL
SELECT
  'price >= 0' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (price >= 0)
UNION ALL
SELECT
  'is_non_product OR variant_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (is_non_product OR variant_id IS NOT NULL)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'line_item_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (line_item_id IS NOT NULL)
UNION ALL
SELECT
  'order_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (order_id IS NOT NULL)
UNION ALL
SELECT
  'order_date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (order_date IS NOT NULL)
UNION ALL
SELECT
  'quantity IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (quantity IS NOT NULL)
UNION ALL
SELECT
  'price IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (price IS NOT NULL)
UNION ALL
SELECT
  'gross_revenue IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (gross_revenue IS NOT NULL)
UNION ALL
SELECT
  'refunded_quantity IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (refunded_quantity IS NOT NULL)
UNION ALL
SELECT
  'refunded_amount IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (refunded_amount IS NOT NULL)
UNION ALL
SELECT
  'net_quantity IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (net_quantity IS NOT NULL)
UNION ALL
SELECT
  'net_revenue IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (net_revenue IS NOT NULL)
UNION ALL
SELECT
  'is_non_product IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (is_non_product IS NOT NULL)
UNION ALL
SELECT
  'is_included IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."order_lines"
WHERE NOT (is_included IS NOT NULL)

-- scoped check (incremental runs of shop_staging.order_lines after a pass)
SELECT
  'refunded_quantity >= 0' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (refunded_quantity >= 0)
UNION ALL
SELECT
  'net_quantity >= 0' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (net_quantity >= 0)
UNION ALL
SELECT
  'price >= 0' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (price >= 0)
UNION ALL
SELECT
  'is_non_product OR variant_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (is_non_product OR variant_id IS NOT NULL)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'line_item_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (line_item_id IS NOT NULL)
UNION ALL
SELECT
  'order_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (order_id IS NOT NULL)
UNION ALL
SELECT
  'order_date IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (order_date IS NOT NULL)
UNION ALL
SELECT
  'quantity IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (quantity IS NOT NULL)
UNION ALL
SELECT
  'price IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (price IS NOT NULL)
UNION ALL
SELECT
  'gross_revenue IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (gross_revenue IS NOT NULL)
UNION ALL
SELECT
  'refunded_quantity IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (refunded_quantity IS NOT NULL)
UNION ALL
SELECT
  'refunded_amount IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (refunded_amount IS NOT NULL)
UNION ALL
SELECT
  'net_quantity IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (net_quantity IS NOT NULL)
UNION ALL
SELECT
  'net_revenue IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (net_revenue IS NOT NULL)
UNION ALL
SELECT
  'is_non_product IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (is_non_product IS NOT NULL)
UNION ALL
SELECT
  'is_included IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__order_lines"
WHERE NOT (is_included IS NOT NULL)
