-- assertion shop_assertions.shop_monitoring_prediction_outcomes_assertions_rowConditions

SELECT
  'hits IS NULL OR (hits >= 0 AND hits <= k)' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
WHERE NOT (hits IS NULL OR (hits >= 0 AND hits <= k))
UNION ALL
SELECT
  'customer_id IS NOT NULL OR entity_id IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
WHERE NOT (customer_id IS NOT NULL OR entity_id IS NOT NULL)
UNION ALL
SELECT
  'prediction_id IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
WHERE NOT (prediction_id IS NOT NULL)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'model IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
WHERE NOT (model IS NOT NULL)
UNION ALL
SELECT
  'arm IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
WHERE NOT (arm IS NOT NULL)
UNION ALL
SELECT
  'served_by IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
WHERE NOT (served_by IS NOT NULL)
UNION ALL
SELECT
  'served_at IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
WHERE NOT (served_at IS NOT NULL)
UNION ALL
SELECT
  'served_date IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
WHERE NOT (served_date IS NOT NULL)
UNION ALL
SELECT
  'window_end IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
WHERE NOT (window_end IS NOT NULL)
UNION ALL
SELECT
  'closed IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
WHERE NOT (closed IS NOT NULL)
