WITH exposed AS (
  SELECT CASE WHEN customer_id IS NOT NULL THEN CONCAT('c:', customer_id) ELSE CONCAT('v:', visitor_id) END AS unit, customer_id, arm, assigned_version, served_at,
    ROW_NUMBER() OVER (PARTITION BY CASE WHEN customer_id IS NOT NULL THEN CONCAT('c:', customer_id) ELSE CONCAT('v:', visitor_id) END ORDER BY served_at, prediction_id) AS exposure
  FROM shop_predictions.prediction_log
  WHERE shop = @shop AND model = @model AND served_at >= TIMESTAMP(@since) AND (customer_id IS NOT NULL OR visitor_id IS NOT NULL)
),
watermark AS (
  SELECT MAX(created_at) AS as_of FROM shop_staging.orders WHERE shop = @shop
),
units AS (
  SELECT e.unit, e.customer_id, e.arm, e.assigned_version, e.first_at, e.window_end, COALESCE(e.window_end <= w.as_of, FALSE) AS closed
  FROM (SELECT unit, customer_id, arm, assigned_version, served_at AS first_at, TIMESTAMP_ADD(served_at, INTERVAL @window_hours HOUR) AS window_end FROM exposed WHERE exposure = 1) AS e
  CROSS JOIN watermark AS w
),
outcomes AS (
  SELECT u.unit, u.arm, u.assigned_version, u.closed, COUNT(o.order_id) AS orders, COALESCE(SUM(CAST(o.total_price AS FLOAT64)), 0) AS revenue
  FROM units AS u
  LEFT JOIN shop_staging.orders AS o
    ON o.shop = @shop AND o.customer_id = u.customer_id AND o.is_included AND o.created_at > u.first_at AND o.created_at <= u.window_end
  GROUP BY u.unit, u.arm, u.assigned_version, u.closed
)
SELECT arm, assigned_version,
  COUNT(*) AS units,
  COUNT(CASE WHEN closed THEN 1 END) AS closed_units,
  COUNT(CASE WHEN closed AND orders > 0 THEN 1 END) AS conversions,
  CAST(COALESCE(SUM(CASE WHEN closed THEN revenue END), 0) AS FLOAT64) AS revenue,
  CAST(COALESCE(SUM(CASE WHEN closed THEN revenue * revenue END), 0) AS FLOAT64) AS revenue_squares
FROM outcomes
GROUP BY arm, assigned_version
ORDER BY arm, assigned_version
