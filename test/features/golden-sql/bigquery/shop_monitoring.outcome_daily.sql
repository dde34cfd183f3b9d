-- table shop_monitoring.outcome_daily

-- query
-- shop_monitoring.outcome_daily: additive outcome counts per (shop, model, version, arm, served_by, served_date, metric),
-- closed windows only (sum any range of days to get a period's totals):
--   precision        propensity: trials = predicted positives, successes = those who ordered in the window
--   recall           propensity: trials = customers who ordered in the window, successes = those predicted positive
--   precision_at_k   recommend: trials = products recommended (k per prediction), successes = recommended products bought
--   clv_purchases    clv: trials = predictions; sum_abs_error, sum_error (predicted − actual) and sum_actual in purchase days
--   forecast_units   forecast: trials = predictions; the same sums in units
-- successes is NULL for the error metrics; the sums are NULL for the counting ones.




WITH closed AS (
  SELECT *
  FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes`
  WHERE closed
)

  SELECT shop, model, version, arm, served_by, served_date, 'precision' AS metric,
    CAST(COUNT(CASE WHEN predicted_positive THEN 1 END) AS INT64) AS trials, CAST(COUNT(CASE WHEN predicted_positive AND outcome_positive THEN 1 END) AS INT64) AS successes,
    CAST(NULL AS FLOAT64) AS sum_abs_error, CAST(NULL AS FLOAT64) AS sum_error, CAST(NULL AS FLOAT64) AS sum_actual, MAX(as_of) AS as_of
  FROM closed
  WHERE model = 'propensity'
  GROUP BY shop, model, version, arm, served_by, served_date
UNION ALL

  SELECT shop, model, version, arm, served_by, served_date, 'recall' AS metric,
    CAST(COUNT(CASE WHEN outcome_positive THEN 1 END) AS INT64) AS trials, CAST(COUNT(CASE WHEN outcome_positive AND predicted_positive THEN 1 END) AS INT64) AS successes,
    CAST(NULL AS FLOAT64) AS sum_abs_error, CAST(NULL AS FLOAT64) AS sum_error, CAST(NULL AS FLOAT64) AS sum_actual, MAX(as_of) AS as_of
  FROM closed
  WHERE model = 'propensity'
  GROUP BY shop, model, version, arm, served_by, served_date
UNION ALL

  SELECT shop, model, version, arm, served_by, served_date, 'precision_at_k' AS metric,
    CAST(SUM(k) AS INT64) AS trials, CAST(SUM(hits) AS INT64) AS successes,
    CAST(NULL AS FLOAT64) AS sum_abs_error, CAST(NULL AS FLOAT64) AS sum_error, CAST(NULL AS FLOAT64) AS sum_actual, MAX(as_of) AS as_of
  FROM closed
  WHERE model = 'recommend'
  GROUP BY shop, model, version, arm, served_by, served_date
UNION ALL

  SELECT shop, model, version, arm, served_by, served_date, 'clv_purchases' AS metric,
    COUNT(*) AS trials, CAST(NULL AS INT64) AS successes,
    CAST(SUM(ABS(predicted_value - actual_value)) AS FLOAT64) AS sum_abs_error,
    CAST(SUM(predicted_value - actual_value) AS FLOAT64) AS sum_error,
    CAST(SUM(actual_value) AS FLOAT64) AS sum_actual,
    MAX(as_of) AS as_of
  FROM closed
  WHERE model = 'clv' AND predicted_value IS NOT NULL
  GROUP BY shop, model, version, arm, served_by, served_date
UNION ALL

  SELECT shop, model, version, arm, served_by, served_date, 'forecast_units' AS metric,
    COUNT(*) AS trials, CAST(NULL AS INT64) AS successes,
    CAST(SUM(ABS(predicted_value - actual_value)) AS FLOAT64) AS sum_abs_error,
    CAST(SUM(predicted_value - actual_value) AS FLOAT64) AS sum_error,
    CAST(SUM(actual_value) AS FLOAT64) AS sum_actual,
    MAX(as_of) AS as_of
  FROM closed
  WHERE model = 'forecast' AND predicted_value IS NOT NULL
  GROUP BY shop, model, version, arm, served_by, served_date
