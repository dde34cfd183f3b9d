-- incremental shop_features.customer_labels

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_features";
CREATE OR REPLACE TABLE "shop_features"."customer_labels" AS -- shop_features.customer_labels: the propensity label per customer and snapshot date.
--   customers          those with an included purchase (not test, not cancelled) on or before the snapshot
--                      — the same customers as customer_rfm for that snapshot
--   bought_within_30d  an included order on a shop-local day in (snapshot, snapshot + 30 days]
--   label_complete     the 30-day window is over in the data: the newest landed event happened (triggered_at,
--                      capped at its received_at) on a shop-local day after snapshot + 30. Train only on complete labels; re-running a
--                      snapshot later completes it (the run replaces that snapshot's rows).
-- History: one set of rows per snapshot_date; a run deletes then inserts its snapshot's rows.






WITH customers AS (
  SELECT DISTINCT shop, customer_id
  FROM (
    SELECT shop, customer_id, order_date
    FROM "shop_staging"."orders"
    WHERE is_included AND customer_id IS NOT NULL) AS o
  WHERE order_date <= DATE '2024-03-10'
),

buyers AS (
  SELECT DISTINCT shop, customer_id
  FROM (
    SELECT shop, customer_id, order_date
    FROM "shop_staging"."orders"
    WHERE is_included AND customer_id IS NOT NULL) AS o
  WHERE order_date > DATE '2024-03-10'
    AND order_date <= CAST((DATE '2024-03-10') + to_days(CAST(30 AS INTEGER)) AS DATE)
),

-- how far the data reaches: the newest event's own time (X-Shopify-Triggered-At, never later than its arrival), not
-- when it arrived: a replayed or simulated history lands today but ends when its last event happened
observed AS (
  SELECT shop, CAST(timezone('America/New_York', MAX(LEAST(COALESCE(triggered_at, received_at), received_at))) AS DATE) AS observed_through -- one time-zone conversion per shop
  FROM "shop_staging"."events_dedup"
  GROUP BY shop
)

SELECT
  c.shop,
  DATE '2024-03-10' AS snapshot_date,
  c.customer_id,
  b.customer_id IS NOT NULL AS bought_within_30d,
  COALESCE(o.observed_through > CAST((DATE '2024-03-10') + to_days(CAST(30 AS INTEGER)) AS DATE), FALSE) AS label_complete
FROM customers AS c
LEFT JOIN buyers AS b ON b.shop = c.shop AND b.customer_id = c.customer_id
LEFT JOIN observed AS o ON o.shop = c.shop

-- incremental run
CREATE SCHEMA IF NOT EXISTS "shop_features";
DELETE FROM "shop_features"."customer_labels" WHERE snapshot_date = DATE '2024-03-10';
CREATE OR REPLACE TEMP TABLE "__new_shop_features__customer_labels" AS -- shop_features.customer_labels: the propensity label per customer and snapshot date.
--   customers          those with an included purchase (not test, not cancelled) on or before the snapshot
--                      — the same customers as customer_rfm for that snapshot
--   bought_within_30d  an included order on a shop-local day in (snapshot, snapshot + 30 days]
--   label_complete     the 30-day window is over in the data: the newest landed event happened (triggered_at,
--                      capped at its received_at) on a shop-local day after snapshot + 30. Train only on complete labels; re-running a
--                      snapshot later completes it (the run replaces that snapshot's rows).
-- History: one set of rows per snapshot_date; a run deletes then inserts its snapshot's rows.






WITH customers AS (
  SELECT DISTINCT shop, customer_id
  FROM (
    SELECT shop, customer_id, order_date
    FROM "shop_staging"."orders"
    WHERE is_included AND customer_id IS NOT NULL) AS o
  WHERE order_date <= DATE '2024-03-10'
),

buyers AS (
  SELECT DISTINCT shop, customer_id
  FROM (
    SELECT shop, customer_id, order_date
    FROM "shop_staging"."orders"
    WHERE is_included AND customer_id IS NOT NULL) AS o
  WHERE order_date > DATE '2024-03-10'
    AND order_date <= CAST((DATE '2024-03-10') + to_days(CAST(30 AS INTEGER)) AS DATE)
),

-- how far the data reaches: the newest event's own time (X-Shopify-Triggered-At, never later than its arrival), not
-- when it arrived: a replayed or simulated history lands today but ends when its last event happened
observed AS (
  SELECT shop, CAST(timezone('America/New_York', MAX(LEAST(COALESCE(triggered_at, received_at), received_at))) AS DATE) AS observed_through -- one time-zone conversion per shop
  FROM "shop_staging"."events_dedup"
  GROUP BY shop
)

SELECT
  c.shop,
  DATE '2024-03-10' AS snapshot_date,
  c.customer_id,
  b.customer_id IS NOT NULL AS bought_within_30d,
  COALESCE(o.observed_through > CAST((DATE '2024-03-10') + to_days(CAST(30 AS INTEGER)) AS DATE), FALSE) AS label_complete
FROM customers AS c
LEFT JOIN buyers AS b ON b.shop = c.shop AND b.customer_id = c.customer_id
LEFT JOIN observed AS o ON o.shop = c.shop;
INSERT INTO "shop_features"."customer_labels" BY NAME SELECT * FROM "__new_shop_features__customer_labels"
