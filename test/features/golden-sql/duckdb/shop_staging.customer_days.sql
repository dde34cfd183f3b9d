-- incremental shop_staging.customer_days

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."customer_days" AS -- shop_staging.customer_days: each customer's purchase days (shop-local), the included orders of the day and
-- their summed value: what customer_rfm adds up, kept current from the order ledger instead of regrouping every
-- order on each run.
--   orders, value   SUM(sign) and SUM(sign × value) over the shop_staging.order_versions rows of included
--                   orders with a customer on that day. A day whose orders were all cancelled or moved keeps its
--                   row with orders = 0 and value = 0 (readers filter orders > 0).
-- Incremental: adds the ledger rows appended after the newest versions_through here to the rows they touch
-- (merge on the key). When the ledger was rebuilt since (its oldest row is newer than versions_through), the
-- pre-operation empties the table and the run adds up the whole ledger, as a full build does.






WITH delta AS (
  SELECT shop, customer_id, order_date, SUM(sign) AS orders, SUM(sign * value) AS value
  FROM "shop_staging"."order_versions"
  WHERE is_included
    AND customer_id IS NOT NULL
    
  GROUP BY shop, customer_id, order_date
),

ledger AS (
  SELECT MAX(appended_at) AS versions_through
  FROM "shop_staging"."order_versions"
)

SELECT
  d.shop,
  d.customer_id,
  d.order_date,
  CAST(d.orders AS BIGINT) AS orders,
  d.value AS value,
  l.versions_through
FROM delta AS d

CROSS JOIN ledger AS l

-- incremental run
CREATE SCHEMA IF NOT EXISTS "shop_staging";
DELETE FROM "shop_staging"."customer_days" WHERE (SELECT MIN(appended_at) FROM "shop_staging"."order_versions") > (SELECT COALESCE(MAX(versions_through), TIMESTAMPTZ '1970-01-01 00:00:00+00') FROM "shop_staging"."customer_days");
CREATE OR REPLACE TEMP TABLE "__new_shop_staging__customer_days" AS -- shop_staging.customer_days: each customer's purchase days (shop-local), the included orders of the day and
-- their summed value: what customer_rfm adds up, kept current from the order ledger instead of regrouping every
-- order on each run.
--   orders, value   SUM(sign) and SUM(sign × value) over the shop_staging.order_versions rows of included
--                   orders with a customer on that day. A day whose orders were all cancelled or moved keeps its
--                   row with orders = 0 and value = 0 (readers filter orders > 0).
-- Incremental: adds the ledger rows appended after the newest versions_through here to the rows they touch
-- (merge on the key). When the ledger was rebuilt since (its oldest row is newer than versions_through), the
-- pre-operation empties the table and the run adds up the whole ledger, as a full build does.






WITH delta AS (
  SELECT shop, customer_id, order_date, SUM(sign) AS orders, SUM(sign * value) AS value
  FROM "shop_staging"."order_versions"
  WHERE is_included
    AND customer_id IS NOT NULL
    AND appended_at > (SELECT COALESCE(MAX(versions_through), TIMESTAMPTZ '1970-01-01 00:00:00+00') FROM "shop_staging"."customer_days")
  GROUP BY shop, customer_id, order_date
),

ledger AS (
  SELECT MAX(appended_at) AS versions_through
  FROM "shop_staging"."order_versions"
)

SELECT
  d.shop,
  d.customer_id,
  d.order_date,
  CAST(COALESCE(c.orders, 0) + d.orders AS BIGINT) AS orders,
  COALESCE(c.value, 0) + d.value AS value,
  l.versions_through
FROM delta AS d
LEFT JOIN "shop_staging"."customer_days" AS c
  ON c.shop = d.shop AND c.customer_id = d.customer_id AND c.order_date = d.order_date
CROSS JOIN ledger AS l;
DELETE FROM "shop_staging"."customer_days" AS t USING "__new_shop_staging__customer_days" AS i WHERE t."shop" IS NOT DISTINCT FROM i."shop" AND t."customer_id" IS NOT DISTINCT FROM i."customer_id" AND t."order_date" IS NOT DISTINCT FROM i."order_date";
INSERT INTO "shop_staging"."customer_days" BY NAME SELECT * FROM "__new_shop_staging__customer_days"
