-- assertion shop_assertions.shop_features_customer_labels_assertions_rowConditions

-- full build
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_labels"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'snapshot_date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_labels"
WHERE NOT (snapshot_date IS NOT NULL)
UNION ALL
SELECT
  'customer_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_labels"
WHERE NOT (customer_id IS NOT NULL)
UNION ALL
SELECT
  'bought_within_30d IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_labels"
WHERE NOT (bought_within_30d IS NOT NULL)
UNION ALL
SELECT
  'label_complete IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_labels"
WHERE NOT (label_complete IS NOT NULL)

-- scoped check (incremental runs of shop_features.customer_labels after a pass)
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_labels"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'snapshot_date IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_labels"
WHERE NOT (snapshot_date IS NOT NULL)
UNION ALL
SELECT
  'customer_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_labels"
WHERE NOT (customer_id IS NOT NULL)
UNION ALL
SELECT
  'bought_within_30d IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_labels"
WHERE NOT (bought_within_30d IS NOT NULL)
UNION ALL
SELECT
  'label_complete IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_labels"
WHERE NOT (label_complete IS NOT NULL)
