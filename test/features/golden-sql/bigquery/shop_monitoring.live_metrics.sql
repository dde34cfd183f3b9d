-- view shop_monitoring.live_metrics

-- query
-- shop_monitoring.live_metrics: each (shop, model, version, arm, metric) over every closed day of outcome_daily, with
-- its value and, for the counting metrics, the Wilson 95 % score interval in closed form:
--   p = successes / n, z = 1.959963984540054, centre = (p + z²/2n) / (1 + z²/n),
--   half-width = z √(p(1 − p)/n + z²/4n²) / (1 + z²/n); n = 0 gives value NULL, low 0, high 1.
-- The error metrics' value is the mean absolute error (mean_error: the signed mean, predicted − actual).
-- What shop-mlops rollouts and the dashboard read; the monitor job sums outcome_daily itself over the rollout's days.




WITH totals AS (
  SELECT shop, model, version, arm, metric,
    CAST(SUM(trials) AS INT64) AS n,
    CAST(SUM(successes) AS INT64) AS successes,
    SUM(sum_abs_error) AS sum_abs_error,
    SUM(sum_error) AS sum_error,
    SUM(sum_actual) AS sum_actual,
    MIN(served_date) AS first_served_date,
    MAX(served_date) AS last_served_date,
    MAX(as_of) AS as_of
  FROM `demo-shop-mlops.shop_monitoring.outcome_daily`
  GROUP BY shop, model, version, arm, metric
)

SELECT
  shop, model, version, arm, metric, n, successes,
  CASE WHEN n = 0 THEN NULL WHEN metric IN ('precision', 'recall', 'precision_at_k') THEN (CAST(successes AS FLOAT64) / CAST(n AS FLOAT64)) ELSE CAST(sum_abs_error AS FLOAT64) / CAST(n AS FLOAT64) END AS value,
  CASE WHEN NOT metric IN ('precision', 'recall', 'precision_at_k') THEN NULL WHEN n = 0 THEN CAST(0 AS FLOAT64) ELSE GREATEST(CAST(0 AS FLOAT64), (((CAST(successes AS FLOAT64) / CAST(n AS FLOAT64)) + 3.8414588206941254 / (2 * CAST(n AS FLOAT64))) / (1 + 3.8414588206941254 / CAST(n AS FLOAT64))) - (1.959963984540054 * SQRT((CAST(successes AS FLOAT64) / CAST(n AS FLOAT64)) * (1 - (CAST(successes AS FLOAT64) / CAST(n AS FLOAT64))) / CAST(n AS FLOAT64) + 3.8414588206941254 / (4 * CAST(n AS FLOAT64) * CAST(n AS FLOAT64))) / (1 + 3.8414588206941254 / CAST(n AS FLOAT64)))) END AS low,
  CASE WHEN NOT metric IN ('precision', 'recall', 'precision_at_k') THEN NULL WHEN n = 0 THEN CAST(1 AS FLOAT64) ELSE LEAST(CAST(1 AS FLOAT64), (((CAST(successes AS FLOAT64) / CAST(n AS FLOAT64)) + 3.8414588206941254 / (2 * CAST(n AS FLOAT64))) / (1 + 3.8414588206941254 / CAST(n AS FLOAT64))) + (1.959963984540054 * SQRT((CAST(successes AS FLOAT64) / CAST(n AS FLOAT64)) * (1 - (CAST(successes AS FLOAT64) / CAST(n AS FLOAT64))) / CAST(n AS FLOAT64) + 3.8414588206941254 / (4 * CAST(n AS FLOAT64) * CAST(n AS FLOAT64))) / (1 + 3.8414588206941254 / CAST(n AS FLOAT64)))) END AS high,
  CASE WHEN metric IN ('precision', 'recall', 'precision_at_k') OR n = 0 THEN NULL ELSE CAST(sum_error AS FLOAT64) / CAST(n AS FLOAT64) END AS mean_error,
  CASE WHEN metric IN ('precision', 'recall', 'precision_at_k') OR n = 0 THEN NULL ELSE CAST(sum_actual AS FLOAT64) / CAST(n AS FLOAT64) END AS mean_actual,
  first_served_date,
  last_served_date,
  as_of
FROM totals
