-- incremental shop_staging.baskets

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."baskets" AS -- shop_staging.baskets: one row per order with the distinct products a co-purchase basket counts: product lines
-- (not postage or fees) with a product id and net_quantity > 0 (fully refunded lines drop out). Kept for every
-- order with lines, empty baskets included (product_count = 0), with the order's date and flags, so a
-- co-purchase snapshot reads one narrow row per order instead of deduplicating every line.
-- Incremental: orders whose lines were rebuilt since the newest one here (minus a lookback) are rebuilt and
-- merged on (shop, order_id).


WITH lines AS (
  SELECT shop, order_id, order_date, is_included, order_last_received_at,
    CASE WHEN NOT is_non_product AND net_quantity > 0 THEN product_id END AS basket_product
  FROM "shop_staging"."order_lines"
  
),

per_order AS (
  SELECT shop, order_id, MIN(order_date) AS order_date, bool_or(is_included) AS is_included,
    MAX(order_last_received_at) AS order_last_received_at,
    list(DISTINCT basket_product) FILTER (WHERE basket_product IS NOT NULL) AS products
  FROM lines
  GROUP BY shop, order_id
)

SELECT
  shop,
  order_id,
  order_date,
  is_included,
  products,
  COALESCE(CAST(len(products) AS BIGINT), 0) AS product_count,
  order_last_received_at
FROM per_order

-- incremental run
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TEMP TABLE "__new_shop_staging__baskets" AS -- shop_staging.baskets: one row per order with the distinct products a co-purchase basket counts: product lines
-- (not postage or fees) with a product id and net_quantity > 0 (fully refunded lines drop out). Kept for every
-- order with lines, empty baskets included (product_count = 0), with the order's date and flags, so a
-- co-purchase snapshot reads one narrow row per order instead of deduplicating every line.
-- Incremental: orders whose lines were rebuilt since the newest one here (minus a lookback) are rebuilt and
-- merged on (shop, order_id).


WITH lines AS (
  SELECT shop, order_id, order_date, is_included, order_last_received_at,
    CASE WHEN NOT is_non_product AND net_quantity > 0 THEN product_id END AS basket_product
  FROM "shop_staging"."order_lines"
  WHERE order_last_received_at > (
    SELECT ((COALESCE(MAX(order_last_received_at), TIMESTAMPTZ '1970-01-01 00:00:00+00')) - INTERVAL (48) HOUR)
    FROM "shop_staging"."baskets")
),

per_order AS (
  SELECT shop, order_id, MIN(order_date) AS order_date, bool_or(is_included) AS is_included,
    MAX(order_last_received_at) AS order_last_received_at,
    list(DISTINCT basket_product) FILTER (WHERE basket_product IS NOT NULL) AS products
  FROM lines
  GROUP BY shop, order_id
)

SELECT
  shop,
  order_id,
  order_date,
  is_included,
  products,
  COALESCE(CAST(len(products) AS BIGINT), 0) AS product_count,
  order_last_received_at
FROM per_order;
DELETE FROM "shop_staging"."baskets" AS t USING "__new_shop_staging__baskets" AS i WHERE t."shop" IS NOT DISTINCT FROM i."shop" AND t."order_id" IS NOT DISTINCT FROM i."order_id";
INSERT INTO "shop_staging"."baskets" BY NAME SELECT * FROM "__new_shop_staging__baskets"
