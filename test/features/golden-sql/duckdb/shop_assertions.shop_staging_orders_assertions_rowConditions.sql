-- assertion shop_assertions.shop_staging_orders_assertions_rowConditions

-- full build
SELECT
  'total_price >= 0' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (total_price >= 0)
UNION ALL
SELECT
  'is_included = (NOT is_test AND NOT is_cancelled)' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (is_included = (NOT is_test AND NOT is_cancelled))
UNION ALL
SELECT
  'is_cancelled = (cancelled_at IS NOT NULL)' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (is_cancelled = (cancelled_at IS NOT NULL))
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'order_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (order_id IS NOT NULL)
UNION ALL
SELECT
  'created_at IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (created_at IS NOT NULL)
UNION ALL
SELECT
  'order_date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (order_date IS NOT NULL)
UNION ALL
SELECT
  'currency IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (currency IS NOT NULL)
UNION ALL
SELECT
  'total_price IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (total_price IS NOT NULL)
UNION ALL
SELECT
  'is_test IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (is_test IS NOT NULL)
UNION ALL
SELECT
  'is_cancelled IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (is_cancelled IS NOT NULL)
UNION ALL
SELECT
  'is_included IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (is_included IS NOT NULL)
UNION ALL
SELECT
  'source_webhook_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (source_webhook_id IS NOT NULL)
UNION ALL
SELECT
  'last_received_at IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."orders"
WHERE NOT (last_received_at IS NOT NULL)

-- scoped check (incremental runs of shop_staging.orders after a pass)
SELECT
  'total_price >= 0' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (total_price >= 0)
UNION ALL
SELECT
  'is_included = (NOT is_test AND NOT is_cancelled)' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (is_included = (NOT is_test AND NOT is_cancelled))
UNION ALL
SELECT
  'is_cancelled = (cancelled_at IS NOT NULL)' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (is_cancelled = (cancelled_at IS NOT NULL))
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'order_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (order_id IS NOT NULL)
UNION ALL
SELECT
  'created_at IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (created_at IS NOT NULL)
UNION ALL
SELECT
  'order_date IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (order_date IS NOT NULL)
UNION ALL
SELECT
  'currency IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (currency IS NOT NULL)
UNION ALL
SELECT
  'total_price IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (total_price IS NOT NULL)
UNION ALL
SELECT
  'is_test IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (is_test IS NOT NULL)
UNION ALL
SELECT
  'is_cancelled IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (is_cancelled IS NOT NULL)
UNION ALL
SELECT
  'is_included IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (is_included IS NOT NULL)
UNION ALL
SELECT
  'source_webhook_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (source_webhook_id IS NOT NULL)
UNION ALL
SELECT
  'last_received_at IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__orders"
WHERE NOT (last_received_at IS NOT NULL)
