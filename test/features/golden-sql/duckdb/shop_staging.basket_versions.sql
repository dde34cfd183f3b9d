-- incremental shop_staging.basket_versions

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."basket_versions" AS -- shop_staging.basket_versions: the co-purchase basket of every order as a ledger of signed versions, so a
-- co-purchase snapshot can add what changed since the previous one instead of recounting every basket.
-- A basket is the set of distinct products of the order's product lines (not postage or fees) with a product id
-- and net_quantity > 0, empty when the order is not included (test or cancelled).
-- Each order has one +1 row per version; when its basket or date changes, a run appends -1 for the version it
-- replaces and +1 for the new one, so summing sign over the rows (of any date range) counts each order's current
-- basket once. Nothing is updated or deleted; unchanged orders (re-read in the lookback window) append nothing.
-- appended_at is when the run appended the row: a co-purchase snapshot records the newest one it counted.


WITH lines AS (
  SELECT shop, order_id, order_date, order_last_received_at,
    CASE WHEN is_included AND NOT is_non_product AND net_quantity > 0 THEN product_id END AS basket_product
  FROM "shop_staging"."order_lines"
  
),

rebuilt AS (
  -- each order's basket as its lines stand now
  SELECT shop, order_id, MIN(order_date) AS order_date, MAX(order_last_received_at) AS order_last_received_at,
    COALESCE(list_sort(list(DISTINCT basket_product) FILTER (WHERE basket_product IS NOT NULL)), CAST([] AS VARCHAR[])) AS products
  FROM lines
  GROUP BY shop, order_id
),


changed AS (
  -- a full build: every order's current basket, nothing to replace
  SELECT * FROM rebuilt
)

SELECT shop, order_id, order_date, products, CAST(COALESCE(CAST(len(products) AS BIGINT), 0) AS BIGINT) AS product_count,
  CAST(1 AS BIGINT) AS sign, order_last_received_at, CURRENT_TIMESTAMP AS appended_at
FROM changed

-- incremental run
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TEMP TABLE "__new_shop_staging__basket_versions" AS -- shop_staging.basket_versions: the co-purchase basket of every order as a ledger of signed versions, so a
-- co-purchase snapshot can add what changed since the previous one instead of recounting every basket.
-- A basket is the set of distinct products of the order's product lines (not postage or fees) with a product id
-- and net_quantity > 0, empty when the order is not included (test or cancelled).
-- Each order has one +1 row per version; when its basket or date changes, a run appends -1 for the version it
-- replaces and +1 for the new one, so summing sign over the rows (of any date range) counts each order's current
-- basket once. Nothing is updated or deleted; unchanged orders (re-read in the lookback window) append nothing.
-- appended_at is when the run appended the row: a co-purchase snapshot records the newest one it counted.


WITH lines AS (
  SELECT shop, order_id, order_date, order_last_received_at,
    CASE WHEN is_included AND NOT is_non_product AND net_quantity > 0 THEN product_id END AS basket_product
  FROM "shop_staging"."order_lines"
  WHERE order_last_received_at > (
    SELECT ((COALESCE(MAX(order_last_received_at), TIMESTAMPTZ '1970-01-01 00:00:00+00')) - INTERVAL (48) HOUR)
    FROM "shop_staging"."basket_versions")
),

rebuilt AS (
  -- each order's basket as its lines stand now
  SELECT shop, order_id, MIN(order_date) AS order_date, MAX(order_last_received_at) AS order_last_received_at,
    COALESCE(list_sort(list(DISTINCT basket_product) FILTER (WHERE basket_product IS NOT NULL)), CAST([] AS VARCHAR[])) AS products
  FROM lines
  GROUP BY shop, order_id
),


counted AS (
  -- the version each rebuilt order counts now: its newest +1 row (appended_at orders the runs)
  SELECT v.shop, v.order_id, v.order_date, v.products, v.product_count
  FROM "shop_staging"."basket_versions" AS v
  INNER JOIN rebuilt AS r ON r.shop = v.shop AND r.order_id = v.order_id
  WHERE v.sign = 1
  QUALIFY ROW_NUMBER() OVER (PARTITION BY v.shop, v.order_id ORDER BY v.appended_at DESC) = 1
),

changed AS (
  SELECT r.*, c.order_id IS NOT NULL AS replaces, c.order_date AS old_order_date, c.products AS old_products,
    c.product_count AS old_product_count
  FROM rebuilt AS r
  LEFT JOIN counted AS c ON c.shop = r.shop AND c.order_id = r.order_id
  WHERE c.order_id IS NULL
    OR r.order_date <> c.order_date
    OR NOT (r.products = c.products)
)

SELECT shop, order_id, order_date, products, CAST(COALESCE(CAST(len(products) AS BIGINT), 0) AS BIGINT) AS product_count,
  CAST(1 AS BIGINT) AS sign, order_last_received_at, CURRENT_TIMESTAMP AS appended_at
FROM changed
UNION ALL
SELECT shop, order_id, old_order_date AS order_date, old_products AS products, old_product_count AS product_count,
  CAST(-1 AS BIGINT) AS sign, order_last_received_at, CURRENT_TIMESTAMP AS appended_at
FROM changed
WHERE replaces;
INSERT INTO "shop_staging"."basket_versions" BY NAME SELECT * FROM "__new_shop_staging__basket_versions"
