-- assertion shop_assertions.shop_staging_baskets_assertions_rowConditions

-- full build
SELECT
  'product_count >= 0' AS failing_row_condition,
  *
FROM "shop_staging"."baskets"
WHERE NOT (product_count >= 0)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."baskets"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'order_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."baskets"
WHERE NOT (order_id IS NOT NULL)
UNION ALL
SELECT
  'order_date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."baskets"
WHERE NOT (order_date IS NOT NULL)
UNION ALL
SELECT
  'is_included IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."baskets"
WHERE NOT (is_included IS NOT NULL)
UNION ALL
SELECT
  'product_count IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."baskets"
WHERE NOT (product_count IS NOT NULL)
UNION ALL
SELECT
  'order_last_received_at IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_staging"."baskets"
WHERE NOT (order_last_received_at IS NOT NULL)

-- scoped check (incremental runs of shop_staging.baskets after a pass)
SELECT
  'product_count >= 0' AS failing_row_condition,
  *
FROM "__new_shop_staging__baskets"
WHERE NOT (product_count >= 0)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__baskets"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'order_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__baskets"
WHERE NOT (order_id IS NOT NULL)
UNION ALL
SELECT
  'order_date IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__baskets"
WHERE NOT (order_date IS NOT NULL)
UNION ALL
SELECT
  'is_included IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__baskets"
WHERE NOT (is_included IS NOT NULL)
UNION ALL
SELECT
  'product_count IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__baskets"
WHERE NOT (product_count IS NOT NULL)
UNION ALL
SELECT
  'order_last_received_at IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_staging__baskets"
WHERE NOT (order_last_received_at IS NOT NULL)
