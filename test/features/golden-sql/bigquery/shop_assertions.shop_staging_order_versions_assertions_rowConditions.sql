-- assertion shop_assertions.shop_staging_order_versions_assertions_rowConditions

SELECT
  'product_count >= 0' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (product_count >= 0)
UNION ALL
SELECT
  'sign IN (1, -1)' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (sign IN (1, -1))
UNION ALL
SELECT
  'is_included OR product_count = 0' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (is_included OR product_count = 0)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'order_id IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (order_id IS NOT NULL)
UNION ALL
SELECT
  'order_date IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (order_date IS NOT NULL)
UNION ALL
SELECT
  'is_included IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (is_included IS NOT NULL)
UNION ALL
SELECT
  'value IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (value IS NOT NULL)
UNION ALL
SELECT
  'products IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (products IS NOT NULL)
UNION ALL
SELECT
  'product_count IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (product_count IS NOT NULL)
UNION ALL
SELECT
  'sign IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (sign IS NOT NULL)
UNION ALL
SELECT
  'order_last_received_at IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (order_last_received_at IS NOT NULL)
UNION ALL
SELECT
  'appended_at IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.order_versions`
WHERE NOT (appended_at IS NOT NULL)
