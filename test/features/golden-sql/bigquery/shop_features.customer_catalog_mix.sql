-- incremental shop_features.customer_catalog_mix

-- query
-- shop_features.customer_catalog_mix: what each customer buys from the catalog, as of a snapshot date — the propensity
-- model's catalog terms (functions/src/models/propensity/catalog-mix.ts defines them; this table computes the same).
--   lines             product lines (not postage, fees or custom lines; quantity > 0) of included orders of known
--                     customers on a shop-local day on or before the snapshot
--   distinct_products products the customer bought
--   mean_price_band   mean over the customer's lines of the product's price percentile within the shop's products sold so
--                     far: (rank − 1) / (products − 1), 0 cheapest … 1 dearest (0.5 when the shop sold one product); a
--                     product's price is the mean unit price of its lines rounded to 6 decimals, ties ranked by product_id
--   rebuy_affinity    mean over the customer's products of the share of that product's *other* buyers who bought it on
--                     two or more days, shrunk by 5 pseudo-buyers toward the shop's share (all products' re-buyers / buyers)
-- Customers without product lines have no row (the model gives them neutral values). Refunds do not undo a line: a bought
-- product counts as bought.
-- History: one set of rows per snapshot_date; a run deletes then inserts its snapshot's rows.






WITH product_price AS (
  SELECT shop, product_id, ROUND(AVG(price), 6) AS price
  FROM (
    SELECT shop, customer_id, product_id, order_date, price
    FROM `demo-shop-mlops.shop_staging.order_lines`
    WHERE is_included AND NOT is_non_product AND customer_id IS NOT NULL AND product_id IS NOT NULL
      AND quantity > 0 AND order_date <= DATE '2024-03-10') AS l
  GROUP BY shop, product_id
),

bands AS (
  SELECT shop, product_id,
    CASE WHEN COUNT(*) OVER (PARTITION BY shop) > 1
      THEN CAST(ROW_NUMBER() OVER (PARTITION BY shop ORDER BY price, product_id) - 1 AS FLOAT64) / CAST(COUNT(*) OVER (PARTITION BY shop) - 1 AS FLOAT64)
      ELSE 0.5 END AS band
  FROM product_price
),

-- (customer, product): on how many distinct days the customer bought it
bought AS (
  SELECT shop, product_id, customer_id, COUNT(DISTINCT order_date) AS days
  FROM (
    SELECT shop, customer_id, product_id, order_date, price
    FROM `demo-shop-mlops.shop_staging.order_lines`
    WHERE is_included AND NOT is_non_product AND customer_id IS NOT NULL AND product_id IS NOT NULL
      AND quantity > 0 AND order_date <= DATE '2024-03-10') AS l
  GROUP BY shop, product_id, customer_id
),

rebuy AS (
  SELECT shop, product_id, COUNT(*) AS buyers, SUM(CASE WHEN days >= 2 THEN 1 ELSE 0 END) AS rebuyers
  FROM bought
  GROUP BY shop, product_id
),

shop_rate AS (
  SELECT shop, CAST(SUM(rebuyers) AS FLOAT64) / CAST(SUM(buyers) AS FLOAT64) AS rate
  FROM rebuy
  GROUP BY shop
),

affinity AS (
  SELECT b.shop, b.customer_id, COUNT(*) AS distinct_products,
    -- the others' behaviour: the customer's own re-buy is left out (it is in their frequency already)
    AVG((r.rebuyers - CASE WHEN b.days >= 2 THEN 1 ELSE 0 END + 5 * s.rate) / CAST(r.buyers - 1 + 5 AS FLOAT64)) AS rebuy_affinity
  FROM bought AS b
  INNER JOIN rebuy AS r ON r.shop = b.shop AND r.product_id = b.product_id
  INNER JOIN shop_rate AS s ON s.shop = b.shop
  GROUP BY b.shop, b.customer_id
),

price_mix AS (
  SELECT l.shop, l.customer_id, AVG(bd.band) AS mean_price_band
  FROM (
    SELECT shop, customer_id, product_id, order_date, price
    FROM `demo-shop-mlops.shop_staging.order_lines`
    WHERE is_included AND NOT is_non_product AND customer_id IS NOT NULL AND product_id IS NOT NULL
      AND quantity > 0 AND order_date <= DATE '2024-03-10') AS l
  INNER JOIN bands AS bd ON bd.shop = l.shop AND bd.product_id = l.product_id
  GROUP BY l.shop, l.customer_id
)

SELECT
  a.shop,
  DATE '2024-03-10' AS snapshot_date,
  a.customer_id,
  CAST(a.distinct_products AS INT64) AS distinct_products,
  CAST(p.mean_price_band AS FLOAT64) AS mean_price_band,
  CAST(a.rebuy_affinity AS FLOAT64) AS rebuy_affinity
FROM affinity AS a
INNER JOIN price_mix AS p ON p.shop = a.shop AND p.customer_id = a.customer_id

-- incremental query
-- shop_features.customer_catalog_mix: what each customer buys from the catalog, as of a snapshot date — the propensity
-- model's catalog terms (functions/src/models/propensity/catalog-mix.ts defines them; this table computes the same).
--   lines             product lines (not postage, fees or custom lines; quantity > 0) of included orders of known
--                     customers on a shop-local day on or before the snapshot
--   distinct_products products the customer bought
--   mean_price_band   mean over the customer's lines of the product's price percentile within the shop's products sold so
--                     far: (rank − 1) / (products − 1), 0 cheapest … 1 dearest (0.5 when the shop sold one product); a
--                     product's price is the mean unit price of its lines rounded to 6 decimals, ties ranked by product_id
--   rebuy_affinity    mean over the customer's products of the share of that product's *other* buyers who bought it on
--                     two or more days, shrunk by 5 pseudo-buyers toward the shop's share (all products' re-buyers / buyers)
-- Customers without product lines have no row (the model gives them neutral values). Refunds do not undo a line: a bought
-- product counts as bought.
-- History: one set of rows per snapshot_date; a run deletes then inserts its snapshot's rows.






WITH product_price AS (
  SELECT shop, product_id, ROUND(AVG(price), 6) AS price
  FROM (
    SELECT shop, customer_id, product_id, order_date, price
    FROM `demo-shop-mlops.shop_staging.order_lines`
    WHERE is_included AND NOT is_non_product AND customer_id IS NOT NULL AND product_id IS NOT NULL
      AND quantity > 0 AND order_date <= DATE '2024-03-10') AS l
  GROUP BY shop, product_id
),

bands AS (
  SELECT shop, product_id,
    CASE WHEN COUNT(*) OVER (PARTITION BY shop) > 1
      THEN CAST(ROW_NUMBER() OVER (PARTITION BY shop ORDER BY price, product_id) - 1 AS FLOAT64) / CAST(COUNT(*) OVER (PARTITION BY shop) - 1 AS FLOAT64)
      ELSE 0.5 END AS band
  FROM product_price
),

-- (customer, product): on how many distinct days the customer bought it
bought AS (
  SELECT shop, product_id, customer_id, COUNT(DISTINCT order_date) AS days
  FROM (
    SELECT shop, customer_id, product_id, order_date, price
    FROM `demo-shop-mlops.shop_staging.order_lines`
    WHERE is_included AND NOT is_non_product AND customer_id IS NOT NULL AND product_id IS NOT NULL
      AND quantity > 0 AND order_date <= DATE '2024-03-10') AS l
  GROUP BY shop, product_id, customer_id
),

rebuy AS (
  SELECT shop, product_id, COUNT(*) AS buyers, SUM(CASE WHEN days >= 2 THEN 1 ELSE 0 END) AS rebuyers
  FROM bought
  GROUP BY shop, product_id
),

shop_rate AS (
  SELECT shop, CAST(SUM(rebuyers) AS FLOAT64) / CAST(SUM(buyers) AS FLOAT64) AS rate
  FROM rebuy
  GROUP BY shop
),

affinity AS (
  SELECT b.shop, b.customer_id, COUNT(*) AS distinct_products,
    -- the others' behaviour: the customer's own re-buy is left out (it is in their frequency already)
    AVG((r.rebuyers - CASE WHEN b.days >= 2 THEN 1 ELSE 0 END + 5 * s.rate) / CAST(r.buyers - 1 + 5 AS FLOAT64)) AS rebuy_affinity
  FROM bought AS b
  INNER JOIN rebuy AS r ON r.shop = b.shop AND r.product_id = b.product_id
  INNER JOIN shop_rate AS s ON s.shop = b.shop
  GROUP BY b.shop, b.customer_id
),

price_mix AS (
  SELECT l.shop, l.customer_id, AVG(bd.band) AS mean_price_band
  FROM (
    SELECT shop, customer_id, product_id, order_date, price
    FROM `demo-shop-mlops.shop_staging.order_lines`
    WHERE is_included AND NOT is_non_product AND customer_id IS NOT NULL AND product_id IS NOT NULL
      AND quantity > 0 AND order_date <= DATE '2024-03-10') AS l
  INNER JOIN bands AS bd ON bd.shop = l.shop AND bd.product_id = l.product_id
  GROUP BY l.shop, l.customer_id
)

SELECT
  a.shop,
  DATE '2024-03-10' AS snapshot_date,
  a.customer_id,
  CAST(a.distinct_products AS INT64) AS distinct_products,
  CAST(p.mean_price_band AS FLOAT64) AS mean_price_band,
  CAST(a.rebuy_affinity AS FLOAT64) AS rebuy_affinity
FROM affinity AS a
INNER JOIN price_mix AS p ON p.shop = a.shop AND p.customer_id = a.customer_id

-- incremental pre_operation
DELETE FROM `demo-shop-mlops.shop_features.customer_catalog_mix` WHERE snapshot_date = DATE '2024-03-10'
