-- incremental shop_features.variant_daily_demand

-- query
-- shop_features.variant_daily_demand: a zero-filled daily demand calendar per variant, from the variant's first
-- sale to the snapshot date (shop-local days), for forecasting.
--   units, revenue  net of refunds (a refund is netted on the day of the original order), product lines of
--                   included orders only (no test, cancelled, postage or fee lines); 0 on days without sales
--   avg_price       revenue / units, NULL when units = 0
--   in_stock        as of the end of the day: TRUE when any location tracking the variant's inventory item has
--                   available > 0 by its latest level update on or before that day, FALSE when every known
--                   location has <= 0, NULL when no level is known yet (or inventory is not tracked)
-- The series is its own history (date <= snapshot_date). Incremental: a run rebuilds, per variant, the days from
-- the earliest one its inputs changed (order lines or inventory levels received since the newest input the table
-- has seen, minus the lookback) or from the day after the table's last day (the new days), to the snapshot; the
-- rows are merged on (shop, variant_id, date). Before that, rows after the snapshot go, and so do the rows of a
-- variant whose first sale moved later or that has no sale left, so an incremental table equals a full build. snapshot_date says which run
-- last (re)built a row.






WITH first_sales AS (
  SELECT shop, variant_id, MIN(product_id) AS product_id, MIN(order_date) AS first_sale
  FROM `demo-shop-mlops.shop_staging.order_lines`
  WHERE is_included AND NOT is_non_product AND variant_id IS NOT NULL AND order_date <= DATE '2024-03-10'
  GROUP BY shop, variant_id
),


rebuild_from AS (
  SELECT shop, variant_id, first_sale AS from_date
  FROM first_sales
),

-- the days to (re)build: never before the variant's first sale nor after the snapshot
spans AS (
  SELECT f.shop, f.variant_id, f.product_id, GREATEST(r.from_date, f.first_sale) AS from_date
  FROM rebuild_from AS r
  INNER JOIN first_sales AS f ON f.shop = r.shop AND f.variant_id = r.variant_id
  WHERE GREATEST(r.from_date, f.first_sale) <= DATE '2024-03-10'
),

sales AS (
  SELECT l.shop, l.variant_id, l.order_date AS date, SUM(l.net_quantity) AS units, SUM(l.net_revenue) AS revenue
  FROM `demo-shop-mlops.shop_staging.order_lines` AS l
  INNER JOIN spans AS s ON s.shop = l.shop AND s.variant_id = l.variant_id AND l.order_date >= s.from_date
  WHERE l.is_included AND NOT l.is_non_product AND l.variant_id IS NOT NULL AND l.order_date <= DATE '2024-03-10'
  GROUP BY l.shop, l.variant_id, l.order_date
),

-- inventory: the last level of each (variant, location) per day, valid until the location's next level day
day_levels AS (
  SELECT shop, variant_id, location_id, level_date, available
  FROM (
    SELECT i.shop, i.variant_id, i.location_id, i.level_date, i.available,
      ROW_NUMBER() OVER (PARTITION BY i.shop, i.variant_id, i.location_id, i.level_date ORDER BY i.updated_at DESC, i.received_at DESC) AS last_of_day
    FROM `demo-shop-mlops.shop_staging.inventory_levels` AS i
    INNER JOIN spans AS s ON s.shop = i.shop AND s.variant_id = i.variant_id
    WHERE i.level_date <= DATE '2024-03-10'
  ) AS l
  WHERE last_of_day = 1
),

level_spans AS (
  SELECT shop, variant_id, location_id, available, level_date AS valid_from,
    LEAD(level_date) OVER (PARTITION BY shop, variant_id, location_id ORDER BY level_date) AS valid_until
  FROM day_levels
),

stock AS (
  SELECT c.shop, c.variant_id, c.date, LOGICAL_OR(ls.available > 0) AS in_stock
  FROM (
    SELECT s.shop, s.variant_id, s.product_id, d AS date
    FROM spans AS s
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(s.from_date, DATE '2024-03-10')) AS d) AS c
  INNER JOIN level_spans AS ls
    ON ls.shop = c.shop AND ls.variant_id = c.variant_id AND ls.valid_from <= c.date AND (ls.valid_until IS NULL OR c.date < ls.valid_until)
  GROUP BY c.shop, c.variant_id, c.date
),

inputs AS (
  SELECT MAX(t) AS input_received_at
  FROM (
    SELECT MAX(order_last_received_at) AS t FROM `demo-shop-mlops.shop_staging.order_lines`
    UNION ALL
    SELECT MAX(received_at) AS t FROM `demo-shop-mlops.shop_staging.inventory_levels`
  ) AS m
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
  DATE '2024-03-10' AS snapshot_date,
  inputs.input_received_at
FROM (
    SELECT s.shop, s.variant_id, s.product_id, d AS date
    FROM spans AS s
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(s.from_date, DATE '2024-03-10')) AS d) AS c
CROSS JOIN inputs
LEFT JOIN sales AS s ON s.shop = c.shop AND s.variant_id = c.variant_id AND s.date = c.date
LEFT JOIN stock AS st ON st.shop = c.shop AND st.variant_id = c.variant_id AND st.date = c.date

-- incremental query
-- shop_features.variant_daily_demand: a zero-filled daily demand calendar per variant, from the variant's first
-- sale to the snapshot date (shop-local days), for forecasting.
--   units, revenue  net of refunds (a refund is netted on the day of the original order), product lines of
--                   included orders only (no test, cancelled, postage or fee lines); 0 on days without sales
--   avg_price       revenue / units, NULL when units = 0
--   in_stock        as of the end of the day: TRUE when any location tracking the variant's inventory item has
--                   available > 0 by its latest level update on or before that day, FALSE when every known
--                   location has <= 0, NULL when no level is known yet (or inventory is not tracked)
-- The series is its own history (date <= snapshot_date). Incremental: a run rebuilds, per variant, the days from
-- the earliest one its inputs changed (order lines or inventory levels received since the newest input the table
-- has seen, minus the lookback) or from the day after the table's last day (the new days), to the snapshot; the
-- rows are merged on (shop, variant_id, date). Before that, rows after the snapshot go, and so do the rows of a
-- variant whose first sale moved later or that has no sale left, so an incremental table equals a full build. snapshot_date says which run
-- last (re)built a row.






WITH first_sales AS (
  SELECT shop, variant_id, MIN(product_id) AS product_id, MIN(order_date) AS first_sale
  FROM `demo-shop-mlops.shop_staging.order_lines`
  WHERE is_included AND NOT is_non_product AND variant_id IS NOT NULL AND order_date <= DATE '2024-03-10'
  GROUP BY shop, variant_id
),


seen AS (
  SELECT
    TIMESTAMP_SUB(COALESCE(MAX(input_received_at), TIMESTAMP '1970-01-01 00:00:00 UTC'), INTERVAL 48 HOUR) AS since,
    MAX(date) AS last_date
  FROM `demo-shop-mlops.shop_features.variant_daily_demand`
),

-- the first day to rebuild per variant: changed sales, changed stock, and every variant's new days
changed AS (
  SELECT l.shop, l.variant_id, l.order_date AS from_date
  FROM `demo-shop-mlops.shop_staging.order_lines` AS l CROSS JOIN seen
  WHERE l.variant_id IS NOT NULL AND l.order_last_received_at > seen.since
  UNION ALL
  SELECT i.shop, i.variant_id, i.level_date AS from_date
  FROM `demo-shop-mlops.shop_staging.inventory_levels` AS i CROSS JOIN seen
  WHERE i.variant_id IS NOT NULL AND i.received_at > seen.since
  UNION ALL
  SELECT f.shop, f.variant_id, COALESCE(DATE_ADD(seen.last_date, INTERVAL 1 DAY), f.first_sale) AS from_date
  FROM first_sales AS f CROSS JOIN seen
),

rebuild_from AS (
  SELECT shop, variant_id, MIN(from_date) AS from_date
  FROM changed
  GROUP BY shop, variant_id
),

-- the days to (re)build: never before the variant's first sale nor after the snapshot
spans AS (
  SELECT f.shop, f.variant_id, f.product_id, GREATEST(r.from_date, f.first_sale) AS from_date
  FROM rebuild_from AS r
  INNER JOIN first_sales AS f ON f.shop = r.shop AND f.variant_id = r.variant_id
  WHERE GREATEST(r.from_date, f.first_sale) <= DATE '2024-03-10'
),

sales AS (
  SELECT l.shop, l.variant_id, l.order_date AS date, SUM(l.net_quantity) AS units, SUM(l.net_revenue) AS revenue
  FROM `demo-shop-mlops.shop_staging.order_lines` AS l
  INNER JOIN spans AS s ON s.shop = l.shop AND s.variant_id = l.variant_id AND l.order_date >= s.from_date
  WHERE l.is_included AND NOT l.is_non_product AND l.variant_id IS NOT NULL AND l.order_date <= DATE '2024-03-10'
  GROUP BY l.shop, l.variant_id, l.order_date
),

-- inventory: the last level of each (variant, location) per day, valid until the location's next level day
day_levels AS (
  SELECT shop, variant_id, location_id, level_date, available
  FROM (
    SELECT i.shop, i.variant_id, i.location_id, i.level_date, i.available,
      ROW_NUMBER() OVER (PARTITION BY i.shop, i.variant_id, i.location_id, i.level_date ORDER BY i.updated_at DESC, i.received_at DESC) AS last_of_day
    FROM `demo-shop-mlops.shop_staging.inventory_levels` AS i
    INNER JOIN spans AS s ON s.shop = i.shop AND s.variant_id = i.variant_id
    WHERE i.level_date <= DATE '2024-03-10'
  ) AS l
  WHERE last_of_day = 1
),

level_spans AS (
  SELECT shop, variant_id, location_id, available, level_date AS valid_from,
    LEAD(level_date) OVER (PARTITION BY shop, variant_id, location_id ORDER BY level_date) AS valid_until
  FROM day_levels
),

stock AS (
  SELECT c.shop, c.variant_id, c.date, LOGICAL_OR(ls.available > 0) AS in_stock
  FROM (
    SELECT s.shop, s.variant_id, s.product_id, d AS date
    FROM spans AS s
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(s.from_date, DATE '2024-03-10')) AS d) AS c
  INNER JOIN level_spans AS ls
    ON ls.shop = c.shop AND ls.variant_id = c.variant_id AND ls.valid_from <= c.date AND (ls.valid_until IS NULL OR c.date < ls.valid_until)
  GROUP BY c.shop, c.variant_id, c.date
),

inputs AS (
  SELECT MAX(t) AS input_received_at
  FROM (
    SELECT MAX(order_last_received_at) AS t FROM `demo-shop-mlops.shop_staging.order_lines`
    UNION ALL
    SELECT MAX(received_at) AS t FROM `demo-shop-mlops.shop_staging.inventory_levels`
  ) AS m
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
  DATE '2024-03-10' AS snapshot_date,
  inputs.input_received_at
FROM (
    SELECT s.shop, s.variant_id, s.product_id, d AS date
    FROM spans AS s
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(s.from_date, DATE '2024-03-10')) AS d) AS c
CROSS JOIN inputs
LEFT JOIN sales AS s ON s.shop = c.shop AND s.variant_id = c.variant_id AND s.date = c.date
LEFT JOIN stock AS st ON st.shop = c.shop AND st.variant_id = c.variant_id AND st.date = c.date

-- incremental pre_operation
DELETE FROM `demo-shop-mlops.shop_features.variant_daily_demand` WHERE date > DATE '2024-03-10'

-- incremental pre_operation
DELETE FROM `demo-shop-mlops.shop_features.variant_daily_demand`
  WHERE CONCAT(shop, '|', variant_id) IN (
    -- variants whose calendar starts before their current first sale (it was cancelled or refunded away), or
    -- that have no sale left: dropped whole; their changed lines rebuild them from the new first sale
    SELECT CONCAT(t.shop, '|', t.variant_id)
    FROM (SELECT shop, variant_id, MIN(date) AS first_row FROM `demo-shop-mlops.shop_features.variant_daily_demand` GROUP BY shop, variant_id) AS t
    LEFT JOIN (SELECT shop, variant_id, MIN(order_date) AS first_sale FROM `demo-shop-mlops.shop_staging.order_lines` WHERE is_included AND NOT is_non_product AND variant_id IS NOT NULL AND order_date <= DATE '2024-03-10' GROUP BY shop, variant_id) AS f
      ON f.shop = t.shop AND f.variant_id = t.variant_id
    WHERE f.first_sale IS NULL OR t.first_row < f.first_sale)
