-- incremental shop_staging.order_versions

-- query
-- shop_staging.order_versions: every order as the features that add orders up see it (its customer, shop-local
-- date, whether it counts, its value, its co-purchase basket), kept as a ledger of signed versions, so
-- co_purchase_pairs and customer_days can add what changed since they last ran instead of recounting every order.
-- value and is_included come from shop_staging.order_values; the basket is the set of distinct products of the
-- order's product lines (not postage or fees) with a product id and net_quantity > 0, empty when the order is not
-- included (test or cancelled).
-- Each order has one +1 row per version; when any of those fields changes, a run appends -1 for the version it
-- replaces and +1 for the new one, so summing sign (or sign × value) over the rows counts each order's current
-- version once. Nothing is updated or deleted; unchanged orders (re-read in the lookback window) append nothing.
-- appended_at is when the run appended the row: a reader records the newest one it counted.


WITH touched AS (
  SELECT shop, order_id, customer_id, order_date, is_included, value, last_received_at
  FROM `demo-shop-mlops.shop_staging.order_values`
  
),

baskets AS (
  SELECT l.shop, l.order_id,
    ARRAY_AGG(DISTINCT CASE WHEN l.is_included AND NOT l.is_non_product AND l.net_quantity > 0 THEN l.product_id END IGNORE NULLS ORDER BY CASE WHEN l.is_included AND NOT l.is_non_product AND l.net_quantity > 0 THEN l.product_id END) AS products
  FROM `demo-shop-mlops.shop_staging.order_lines` AS l
  
  GROUP BY l.shop, l.order_id
),

rebuilt AS (
  -- each order as it stands now
  SELECT t.shop, t.order_id, t.order_date, t.customer_id, t.is_included, t.value,
    IFNULL(b.products, ARRAY<STRING>[]) AS products, t.last_received_at AS order_last_received_at
  FROM touched AS t
  LEFT JOIN baskets AS b ON b.shop = t.shop AND b.order_id = t.order_id
),


changed AS (
  -- a full build: every order as it stands now, nothing to replace
  SELECT * FROM rebuilt
)

SELECT shop, order_id, order_date, customer_id, is_included, value, products,
  CAST(COALESCE(ARRAY_LENGTH(products), 0) AS INT64) AS product_count,
  CAST(1 AS INT64) AS sign, order_last_received_at, CURRENT_TIMESTAMP AS appended_at
FROM changed

-- incremental query
-- shop_staging.order_versions: every order as the features that add orders up see it (its customer, shop-local
-- date, whether it counts, its value, its co-purchase basket), kept as a ledger of signed versions, so
-- co_purchase_pairs and customer_days can add what changed since they last ran instead of recounting every order.
-- value and is_included come from shop_staging.order_values; the basket is the set of distinct products of the
-- order's product lines (not postage or fees) with a product id and net_quantity > 0, empty when the order is not
-- included (test or cancelled).
-- Each order has one +1 row per version; when any of those fields changes, a run appends -1 for the version it
-- replaces and +1 for the new one, so summing sign (or sign × value) over the rows counts each order's current
-- version once. Nothing is updated or deleted; unchanged orders (re-read in the lookback window) append nothing.
-- appended_at is when the run appended the row: a reader records the newest one it counted.


WITH touched AS (
  SELECT shop, order_id, customer_id, order_date, is_included, value, last_received_at
  FROM `demo-shop-mlops.shop_staging.order_values`
  WHERE last_received_at > (
    SELECT TIMESTAMP_SUB(COALESCE(MAX(order_last_received_at), TIMESTAMP '1970-01-01 00:00:00 UTC'), INTERVAL 48 HOUR)
    FROM `demo-shop-mlops.shop_staging.order_versions`)
),

baskets AS (
  SELECT l.shop, l.order_id,
    ARRAY_AGG(DISTINCT CASE WHEN l.is_included AND NOT l.is_non_product AND l.net_quantity > 0 THEN l.product_id END IGNORE NULLS ORDER BY CASE WHEN l.is_included AND NOT l.is_non_product AND l.net_quantity > 0 THEN l.product_id END) AS products
  FROM `demo-shop-mlops.shop_staging.order_lines` AS l
  INNER JOIN touched AS t ON t.shop = l.shop AND t.order_id = l.order_id
  GROUP BY l.shop, l.order_id
),

rebuilt AS (
  -- each order as it stands now
  SELECT t.shop, t.order_id, t.order_date, t.customer_id, t.is_included, t.value,
    IFNULL(b.products, ARRAY<STRING>[]) AS products, t.last_received_at AS order_last_received_at
  FROM touched AS t
  LEFT JOIN baskets AS b ON b.shop = t.shop AND b.order_id = t.order_id
),


counted AS (
  -- the version each rebuilt order counts now: its newest +1 row (appended_at orders the runs)
  SELECT v.shop, v.order_id, v.order_date, v.customer_id, v.is_included, v.value, v.products, v.product_count
  FROM `demo-shop-mlops.shop_staging.order_versions` AS v
  INNER JOIN rebuilt AS r ON r.shop = v.shop AND r.order_id = v.order_id
  WHERE v.sign = 1
  QUALIFY ROW_NUMBER() OVER (PARTITION BY v.shop, v.order_id ORDER BY v.appended_at DESC) = 1
),

changed AS (
  SELECT r.*, c.order_id IS NOT NULL AS replaces, c.order_date AS old_order_date, c.customer_id AS old_customer_id,
    c.is_included AS old_is_included, c.value AS old_value, c.products AS old_products,
    c.product_count AS old_product_count
  FROM rebuilt AS r
  LEFT JOIN counted AS c ON c.shop = r.shop AND c.order_id = r.order_id
  WHERE c.order_id IS NULL
    OR r.order_date IS DISTINCT FROM c.order_date
    OR r.customer_id IS DISTINCT FROM c.customer_id
    OR r.is_included IS DISTINCT FROM c.is_included
    OR r.value IS DISTINCT FROM c.value
    OR NOT (TO_JSON_STRING(r.products) = TO_JSON_STRING(c.products))
)

SELECT shop, order_id, order_date, customer_id, is_included, value, products,
  CAST(COALESCE(ARRAY_LENGTH(products), 0) AS INT64) AS product_count,
  CAST(1 AS INT64) AS sign, order_last_received_at, CURRENT_TIMESTAMP AS appended_at
FROM changed
UNION ALL
SELECT shop, order_id, old_order_date AS order_date, old_customer_id AS customer_id, old_is_included AS is_included,
  old_value AS value, old_products AS products, old_product_count AS product_count,
  CAST(-1 AS INT64) AS sign, order_last_received_at, CURRENT_TIMESTAMP AS appended_at
FROM changed
WHERE replaces
