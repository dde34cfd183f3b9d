-- table shop_features.variant_daily_demand

-- query
-- shop_features.variant_daily_demand: a zero-filled daily demand calendar per variant, from the variant's first
-- sale to the snapshot date (shop-local days), for forecasting.
--   units, revenue  net of refunds (a refund is netted on the day of the original order), product lines of
--                   included orders only (no test, cancelled, postage or fee lines); 0 on days without sales
--   avg_price       revenue / units, NULL when units = 0
--   in_stock        as of the end of the day: TRUE when any location tracking the variant's inventory item has
--                   available > 0 by its latest level update on or before that day, FALSE when every known
--                   location has <= 0, NULL when no level is known yet (or inventory is not tracked)
-- Rebuilt in full each run: the series is its own history (date <= snapshot_date); rows for past dates change
-- only through late refunds or cancellations. snapshot_date says which build the rows come from.


WITH sales AS (
  SELECT shop, variant_id, MIN(product_id) AS product_id, order_date AS date,
    SUM(net_quantity) AS units, SUM(net_revenue) AS revenue
  FROM `demo-shop-mlops.shop_staging.order_lines`
  WHERE is_included
    AND NOT is_non_product
    AND order_date <= DATE '2024-03-10'
  GROUP BY shop, variant_id, order_date
),

variants AS (
  SELECT shop, variant_id, MIN(product_id) AS product_id, MIN(date) AS first_sale
  FROM sales
  GROUP BY shop, variant_id
),

-- inventory: the last level of each (variant, location) per day
day_levels AS (
  SELECT shop, variant_id, location_id, level_date, available
  FROM (
    SELECT shop, variant_id, location_id, level_date, available,
      ROW_NUMBER() OVER (PARTITION BY shop, variant_id, location_id, level_date ORDER BY updated_at DESC, received_at DESC) AS last_of_day
    FROM `demo-shop-mlops.shop_staging.inventory_levels`
    WHERE variant_id IS NOT NULL AND level_date <= DATE '2024-03-10'
  ) AS l
  WHERE last_of_day = 1
),

locations AS (
  SELECT shop, variant_id, location_id, MIN(level_date) AS first_level
  FROM day_levels
  GROUP BY shop, variant_id, location_id
),

-- per (variant, location): every day from the earlier of first sale / first level, carrying the last level forward
stock_days AS (
  SELECT
    l.shop, l.variant_id, l.location_id, d AS date,
    LAST_VALUE(dl.available IGNORE NULLS) OVER (
      PARTITION BY l.shop, l.variant_id, l.location_id ORDER BY d
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS available
  FROM locations AS l
  INNER JOIN variants AS v ON v.shop = l.shop AND v.variant_id = l.variant_id
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(LEAST(l.first_level, v.first_sale), DATE '2024-03-10')) AS d
  LEFT JOIN day_levels AS dl
    ON dl.shop = l.shop AND dl.variant_id = l.variant_id AND dl.location_id = l.location_id AND dl.level_date = d
),

stock AS (
  SELECT shop, variant_id, date, LOGICAL_OR(available > 0) AS in_stock
  FROM stock_days
  GROUP BY shop, variant_id, date
),

calendar AS (
  SELECT v.shop, v.variant_id, v.product_id, d AS date
  FROM variants AS v
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(v.first_sale, DATE '2024-03-10')) AS d
)

SELECT
  c.shop,
  c.variant_id,
  c.product_id,
  c.date,
  CAST(COALESCE(s.units, 0) AS INT64) AS units,
  CAST(COALESCE(s.revenue, 0) AS FLOAT64) AS revenue,
  CASE WHEN COALESCE(s.units, 0) = 0 THEN NULL ELSE SAFE_DIVIDE(CAST(s.revenue AS FLOAT64), s.units) END AS avg_price,
  st.in_stock,
  DATE '2024-03-10' AS snapshot_date
FROM calendar AS c
LEFT JOIN sales AS s ON s.shop = c.shop AND s.variant_id = c.variant_id AND s.date = c.date
LEFT JOIN stock AS st ON st.shop = c.shop AND st.variant_id = c.variant_id AND st.date = c.date
