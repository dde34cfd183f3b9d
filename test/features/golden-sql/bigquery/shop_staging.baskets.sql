-- incremental shop_staging.baskets

-- query
-- shop_staging.baskets: one row per order with the distinct products a co-purchase basket counts: product lines
-- (not postage or fees) with a product id and net_quantity > 0 (fully refunded lines drop out). Kept for every
-- order with lines, empty baskets included (product_count = 0), with the order's date and flags, so a
-- co-purchase snapshot reads one narrow row per order instead of deduplicating every line.
-- Incremental: orders whose lines were rebuilt since the newest one here (minus a lookback) are rebuilt and
-- merged on (shop, order_id).


WITH lines AS (
  SELECT shop, order_id, order_date, is_included, order_last_received_at,
    CASE WHEN NOT is_non_product AND net_quantity > 0 THEN product_id END AS basket_product
  FROM `demo-shop-mlops.shop_staging.order_lines`
  
),

per_order AS (
  SELECT shop, order_id, MIN(order_date) AS order_date, LOGICAL_OR(is_included) AS is_included,
    MAX(order_last_received_at) AS order_last_received_at,
    ARRAY_AGG(DISTINCT basket_product IGNORE NULLS) AS products
  FROM lines
  GROUP BY shop, order_id
)

SELECT
  shop,
  order_id,
  order_date,
  is_included,
  products,
  COALESCE(ARRAY_LENGTH(products), 0) AS product_count,
  order_last_received_at
FROM per_order

-- incremental query
-- shop_staging.baskets: one row per order with the distinct products a co-purchase basket counts: product lines
-- (not postage or fees) with a product id and net_quantity > 0 (fully refunded lines drop out). Kept for every
-- order with lines, empty baskets included (product_count = 0), with the order's date and flags, so a
-- co-purchase snapshot reads one narrow row per order instead of deduplicating every line.
-- Incremental: orders whose lines were rebuilt since the newest one here (minus a lookback) are rebuilt and
-- merged on (shop, order_id).


WITH lines AS (
  SELECT shop, order_id, order_date, is_included, order_last_received_at,
    CASE WHEN NOT is_non_product AND net_quantity > 0 THEN product_id END AS basket_product
  FROM `demo-shop-mlops.shop_staging.order_lines`
  WHERE order_last_received_at > (
    SELECT TIMESTAMP_SUB(COALESCE(MAX(order_last_received_at), TIMESTAMP '1970-01-01 00:00:00 UTC'), INTERVAL 48 HOUR)
    FROM `demo-shop-mlops.shop_staging.baskets`)
),

per_order AS (
  SELECT shop, order_id, MIN(order_date) AS order_date, LOGICAL_OR(is_included) AS is_included,
    MAX(order_last_received_at) AS order_last_received_at,
    ARRAY_AGG(DISTINCT basket_product IGNORE NULLS) AS products
  FROM lines
  GROUP BY shop, order_id
)

SELECT
  shop,
  order_id,
  order_date,
  is_included,
  products,
  COALESCE(ARRAY_LENGTH(products), 0) AS product_count,
  order_last_received_at
FROM per_order
