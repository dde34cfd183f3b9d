-- table shop_monitoring.prediction_outcomes

-- query
-- shop_monitoring.prediction_outcomes: each served prediction joined with what the customer then bought.
-- One row per (shop, model, version, arm, unit, served_date): the unit's first prediction of the UTC day (the unit is
-- the customer; for forecasts the variant). Only predictions with a unit and an answer can be labelled.
-- Windows start at served_at and last whole 24-hour days: propensity 30, recommend 7, clv 90; a forecast's window is
-- its own forecast days (shop-local). A window is closed once it ends at or before the shop's data watermark (its
-- latest order's created_at): only closed windows count in outcome_daily. Orders count when included (not test, not
-- cancelled) and placed after served_at, up to the window's end, and, when the order carries the arm its checkout showed
-- (orders.checkout_arm, the _shop_mlops_arm cart attribute: arm[:vN]), only for predictions of that arm.
--   propensity  predicted_positive = will_repeat; outcome_positive = an order in the window
--   recommend   k = products recommended (the answer's list is of distinct products); hits = of those, products the customer bought (net quantity > 0) in the
--               window; outcome_positive = any order in the window
--   clv         predicted_value = expected_purchases_90d (expected purchase days); actual_value = distinct
--               shop-local days with an order in the window
--   forecast    predicted_value = forecast_total over its horizon; actual_value = net units of the variant sold on
--               the forecast days
-- Rebuilt whole on every monitoring run (tag monitoring; the features run leaves it alone).




WITH watermarks AS (
  SELECT shop, MAX(created_at) AS as_of
  FROM `demo-shop-mlops.shop_staging.orders`
  GROUP BY shop
),

served AS (
  -- labellable predictions with their unit: the customer, or for forecasts the variant
  SELECT
    prediction_id, shop, model, version, assigned_version, arm, served_by, customer_id, entity_id, served_at, output,
    DATE(served_at) AS served_date,
    CASE WHEN model = 'forecast' THEN entity_id ELSE customer_id END AS unit_id
  FROM `demo-shop-mlops.shop_predictions.prediction_log`
  WHERE output IS NOT NULL
    AND ((model IN ('propensity', 'recommend', 'clv') AND customer_id IS NOT NULL) OR (model = 'forecast' AND entity_id IS NOT NULL))
),

first_ids AS (
  -- the unit's first prediction of the day per (model, version, arm): one hash aggregate (a ROW_NUMBER window over the
  -- log sorted every row with its output: 19 of 30 s on 10M logged predictions)
  SELECT ARRAY_AGG(prediction_id ORDER BY served_at, prediction_id LIMIT 1)[OFFSET(0)] AS prediction_id
  FROM served
  GROUP BY shop, model, version, arm, unit_id, served_date
),

kept AS (
  SELECT s.*,
    CASE WHEN s.model = 'forecast' THEN CAST(SUBSTR(JSON_VALUE(s.output, '$.forecast[0].date'), 1, 10) AS DATE) END AS first_date,
    CASE WHEN s.model = 'forecast' THEN CAST(JSON_VALUE(s.output, '$.replenishment.horizon_days') AS INT64) END AS horizon_days
  FROM served AS s
  INNER JOIN first_ids AS i ON i.prediction_id = s.prediction_id
),

firsts AS  (
  -- with its outcome window; a forecast's days: the first forecast date and the horizon (batch answers hold dates as
  -- text or timestamps)
  SELECT
    r.prediction_id, r.shop, r.model, r.version, r.assigned_version, r.arm, r.served_by, r.customer_id, r.entity_id,
    r.served_at, r.served_date, r.output,
    CASE r.model
      WHEN 'propensity' THEN TIMESTAMP_ADD(r.served_at, INTERVAL 720 HOUR)
      WHEN 'recommend' THEN TIMESTAMP_ADD(r.served_at, INTERVAL 168 HOUR)
      WHEN 'clv' THEN TIMESTAMP_ADD(r.served_at, INTERVAL 2160 HOUR)
      WHEN 'forecast' THEN TIMESTAMP(DATE_ADD(r.first_date, INTERVAL r.horizon_days DAY), 'America/New_York')
    END AS window_end,
    r.first_date,
    DATE_ADD(r.first_date, INTERVAL r.horizon_days - 1 DAY) AS last_date
  FROM kept AS r
),

customer_orders AS (
  -- included orders of known customers, with the arm their checkout showed (if any)
  SELECT shop, customer_id, created_at, order_date, checkout_arm
  FROM `demo-shop-mlops.shop_staging.orders`
  WHERE is_included AND customer_id IS NOT NULL
),

ordered AS (
  -- customer models: the shop-local days with an order in the window
  SELECT p.prediction_id, COUNT(DISTINCT o.order_date) AS order_days
  FROM firsts AS p
  INNER JOIN customer_orders AS o
    ON o.shop = p.shop AND o.customer_id = p.customer_id AND o.created_at > p.served_at AND o.created_at <= p.window_end
    AND (o.checkout_arm IS NULL OR o.checkout_arm = p.arm OR o.checkout_arm LIKE CONCAT(p.arm, ':%'))
  WHERE p.model IN ('propensity', 'recommend', 'clv')
  GROUP BY p.prediction_id
),

recommended AS (
  -- recommend: one row per recommended product, for the answers followed by an order in their window (only those can
  -- have hits: unnesting every answer's list cost 77 of 157 s on 10M logged predictions)
  SELECT r.prediction_id, r.shop, r.customer_id, r.arm, r.served_at, r.window_end, JSON_VALUE(rec, '$.recommended_product_id') AS product_id
  FROM (
    SELECT f.* FROM firsts AS f INNER JOIN ordered AS o ON o.prediction_id = f.prediction_id WHERE f.model = 'recommend'
  ) AS r
  CROSS JOIN UNNEST(JSON_QUERY_ARRAY(r.output, '$')) AS rec
),

bought AS (
  -- products bought by known customers, when
  SELECT l.shop, l.customer_id, l.product_id, o.created_at, o.checkout_arm
  FROM `demo-shop-mlops.shop_staging.order_lines` AS l
  INNER JOIN `demo-shop-mlops.shop_staging.orders` AS o ON o.shop = l.shop AND o.order_id = l.order_id
  WHERE l.is_included AND NOT l.is_non_product AND l.net_quantity > 0 AND l.product_id IS NOT NULL AND l.customer_id IS NOT NULL
),

hits AS (
  SELECT r.prediction_id, COUNT(DISTINCT b.product_id) AS hits
  FROM recommended AS r
  INNER JOIN bought AS b
    ON b.shop = r.shop AND b.customer_id = r.customer_id AND b.product_id = r.product_id AND b.created_at > r.served_at AND b.created_at <= r.window_end
    AND (b.checkout_arm IS NULL OR b.checkout_arm = r.arm OR b.checkout_arm LIKE CONCAT(r.arm, ':%'))
  GROUP BY r.prediction_id
),

sold AS (
  -- forecast: net units of the variant sold on the forecast days
  SELECT p.prediction_id, SUM(l.net_quantity) AS units
  FROM (SELECT * FROM firsts WHERE model = 'forecast') AS p
  INNER JOIN `demo-shop-mlops.shop_staging.order_lines` AS l
    ON l.shop = p.shop AND l.variant_id = p.entity_id AND l.order_date >= p.first_date AND l.order_date <= p.last_date
  WHERE l.is_included AND NOT l.is_non_product
  GROUP BY p.prediction_id
)

SELECT
  p.prediction_id,
  p.shop,
  p.model,
  p.version,
  p.assigned_version,
  p.arm,
  p.served_by,
  p.customer_id,
  p.entity_id,
  p.served_at,
  p.served_date,
  p.window_end,
  COALESCE(p.window_end <= w.as_of, FALSE) AS closed,
  w.as_of,
  CASE WHEN p.model = 'propensity' THEN COALESCE(JSON_VALUE(p.output, '$.will_repeat') = 'true', FALSE) END AS predicted_positive,
  CASE WHEN p.model IN ('propensity', 'recommend', 'clv') THEN COALESCE(o.order_days, 0) > 0 END AS outcome_positive,
  CASE WHEN p.model = 'recommend' THEN COALESCE(ARRAY_LENGTH(JSON_QUERY_ARRAY(p.output, '$')), 0) END AS k,
  CASE WHEN p.model = 'recommend' THEN COALESCE(h.hits, 0) END AS hits,
  CASE p.model
    WHEN 'clv' THEN CAST(JSON_VALUE(p.output, '$.expected_purchases_90d') AS FLOAT64)
    WHEN 'forecast' THEN CAST(JSON_VALUE(p.output, '$.replenishment.forecast_total') AS FLOAT64)
  END AS predicted_value,
  CASE p.model
    WHEN 'clv' THEN CAST(COALESCE(o.order_days, 0) AS FLOAT64)
    WHEN 'forecast' THEN CAST(COALESCE(s.units, 0) AS FLOAT64)
  END AS actual_value
FROM firsts AS p
LEFT JOIN watermarks AS w ON w.shop = p.shop
LEFT JOIN ordered AS o ON o.prediction_id = p.prediction_id
LEFT JOIN hits AS h ON h.prediction_id = p.prediction_id
LEFT JOIN sold AS s ON s.prediction_id = p.prediction_id
WHERE p.window_end IS NOT NULL
