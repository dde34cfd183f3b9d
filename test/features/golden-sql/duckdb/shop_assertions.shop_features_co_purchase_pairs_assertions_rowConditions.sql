-- assertion shop_assertions.shop_features_co_purchase_pairs_assertions_rowConditions

-- full build
SELECT
  'product_a < product_b' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (product_a < product_b)
UNION ALL
SELECT
  'orders_together >= 1' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (orders_together >= 1)
UNION ALL
SELECT
  'orders_together <= orders_with_a AND orders_together <= orders_with_b' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (orders_together <= orders_with_a AND orders_together <= orders_with_b)
UNION ALL
SELECT
  'orders_with_a <= baskets AND orders_with_b <= baskets' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (orders_with_a <= baskets AND orders_with_b <= baskets)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'snapshot_date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (snapshot_date IS NOT NULL)
UNION ALL
SELECT
  'product_a IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (product_a IS NOT NULL)
UNION ALL
SELECT
  'product_b IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (product_b IS NOT NULL)
UNION ALL
SELECT
  'orders_together IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (orders_together IS NOT NULL)
UNION ALL
SELECT
  'orders_with_a IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (orders_with_a IS NOT NULL)
UNION ALL
SELECT
  'orders_with_b IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (orders_with_b IS NOT NULL)
UNION ALL
SELECT
  'baskets IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (baskets IS NOT NULL)
UNION ALL
SELECT
  'baskets_through IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."co_purchase_pairs"
WHERE NOT (baskets_through IS NOT NULL)

-- scoped check (incremental runs of shop_features.co_purchase_pairs after a pass)
SELECT
  'product_a < product_b' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (product_a < product_b)
UNION ALL
SELECT
  'orders_together >= 1' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (orders_together >= 1)
UNION ALL
SELECT
  'orders_together <= orders_with_a AND orders_together <= orders_with_b' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (orders_together <= orders_with_a AND orders_together <= orders_with_b)
UNION ALL
SELECT
  'orders_with_a <= baskets AND orders_with_b <= baskets' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (orders_with_a <= baskets AND orders_with_b <= baskets)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'snapshot_date IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (snapshot_date IS NOT NULL)
UNION ALL
SELECT
  'product_a IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (product_a IS NOT NULL)
UNION ALL
SELECT
  'product_b IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (product_b IS NOT NULL)
UNION ALL
SELECT
  'orders_together IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (orders_together IS NOT NULL)
UNION ALL
SELECT
  'orders_with_a IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (orders_with_a IS NOT NULL)
UNION ALL
SELECT
  'orders_with_b IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (orders_with_b IS NOT NULL)
UNION ALL
SELECT
  'baskets IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (baskets IS NOT NULL)
UNION ALL
SELECT
  'baskets_through IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__co_purchase_pairs"
WHERE NOT (baskets_through IS NOT NULL)
