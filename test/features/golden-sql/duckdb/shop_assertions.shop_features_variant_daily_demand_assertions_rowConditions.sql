-- assertion shop_assertions.shop_features_variant_daily_demand_assertions_rowConditions

-- full build
SELECT
  'units >= 0' AS failing_row_condition,
  *
FROM "shop_features"."variant_daily_demand"
WHERE NOT (units >= 0)
UNION ALL
SELECT
  'date <= snapshot_date' AS failing_row_condition,
  *
FROM "shop_features"."variant_daily_demand"
WHERE NOT (date <= snapshot_date)
UNION ALL
SELECT
  'avg_price IS NULL OR avg_price >= 0' AS failing_row_condition,
  *
FROM "shop_features"."variant_daily_demand"
WHERE NOT (avg_price IS NULL OR avg_price >= 0)
UNION ALL
SELECT
  '(units = 0) = (avg_price IS NULL)' AS failing_row_condition,
  *
FROM "shop_features"."variant_daily_demand"
WHERE NOT ((units = 0) = (avg_price IS NULL))
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."variant_daily_demand"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'variant_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."variant_daily_demand"
WHERE NOT (variant_id IS NOT NULL)
UNION ALL
SELECT
  'date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."variant_daily_demand"
WHERE NOT (date IS NOT NULL)
UNION ALL
SELECT
  'units IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."variant_daily_demand"
WHERE NOT (units IS NOT NULL)
UNION ALL
SELECT
  'revenue IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."variant_daily_demand"
WHERE NOT (revenue IS NOT NULL)
UNION ALL
SELECT
  'snapshot_date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."variant_daily_demand"
WHERE NOT (snapshot_date IS NOT NULL)

-- scoped check (incremental runs of shop_features.variant_daily_demand after a pass)
SELECT
  'units >= 0' AS failing_row_condition,
  *
FROM "__new_shop_features__variant_daily_demand"
WHERE NOT (units >= 0)
UNION ALL
SELECT
  'date <= snapshot_date' AS failing_row_condition,
  *
FROM "__new_shop_features__variant_daily_demand"
WHERE NOT (date <= snapshot_date)
UNION ALL
SELECT
  'avg_price IS NULL OR avg_price >= 0' AS failing_row_condition,
  *
FROM "__new_shop_features__variant_daily_demand"
WHERE NOT (avg_price IS NULL OR avg_price >= 0)
UNION ALL
SELECT
  '(units = 0) = (avg_price IS NULL)' AS failing_row_condition,
  *
FROM "__new_shop_features__variant_daily_demand"
WHERE NOT ((units = 0) = (avg_price IS NULL))
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__variant_daily_demand"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'variant_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__variant_daily_demand"
WHERE NOT (variant_id IS NOT NULL)
UNION ALL
SELECT
  'date IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__variant_daily_demand"
WHERE NOT (date IS NOT NULL)
UNION ALL
SELECT
  'units IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__variant_daily_demand"
WHERE NOT (units IS NOT NULL)
UNION ALL
SELECT
  'revenue IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__variant_daily_demand"
WHERE NOT (revenue IS NOT NULL)
UNION ALL
SELECT
  'snapshot_date IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__variant_daily_demand"
WHERE NOT (snapshot_date IS NOT NULL)
