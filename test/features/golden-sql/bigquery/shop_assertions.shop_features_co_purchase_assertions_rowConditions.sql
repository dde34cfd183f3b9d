-- assertion shop_assertions.shop_features_co_purchase_assertions_rowConditions

SELECT
  'product_a <> product_b' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (product_a <> product_b)
UNION ALL
SELECT
  'orders_together >= 1' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (orders_together >= 1)
UNION ALL
SELECT
  'orders_together <= orders_with_a AND orders_together <= orders_with_b' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (orders_together <= orders_with_a AND orders_together <= orders_with_b)
UNION ALL
SELECT
  'support > 0 AND support <= 1' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (support > 0 AND support <= 1)
UNION ALL
SELECT
  'confidence > 0 AND confidence <= 1' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (confidence > 0 AND confidence <= 1)
UNION ALL
SELECT
  'lift > 0' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (lift > 0)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'snapshot_date IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (snapshot_date IS NOT NULL)
UNION ALL
SELECT
  'product_a IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (product_a IS NOT NULL)
UNION ALL
SELECT
  'product_b IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (product_b IS NOT NULL)
UNION ALL
SELECT
  'orders_together IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (orders_together IS NOT NULL)
UNION ALL
SELECT
  'support IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (support IS NOT NULL)
UNION ALL
SELECT
  'confidence IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (confidence IS NOT NULL)
UNION ALL
SELECT
  'lift IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (lift IS NOT NULL)
UNION ALL
SELECT
  'baskets_through IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_features.co_purchase`
WHERE NOT (baskets_through IS NOT NULL)
