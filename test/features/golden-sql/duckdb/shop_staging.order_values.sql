-- incremental shop_staging.order_values

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."order_values" AS -- shop_staging.order_values: what each order is worth to its customer, the value customer features add up.
-- value = the order's own subtotal (line items after discounts, before shipping and tax, as Shopify computed it;
-- exact, where re-adding cent-rounded line prices can drift) less its non-product lines (postage, fees) and less
-- refunds of its product lines; the sum of the product lines' net revenue when the order has no subtotal; 0 when
-- neither is known. The order's customer, date and flags are copied so features read one narrow row per order.
-- Incremental: orders whose row in shop_staging.orders changed since the newest one here (minus a lookback)
-- are rebuilt from the order and its lines (order_lines runs first) and merged on (shop, order_id).


WITH touched AS (
  SELECT shop, order_id, customer_id, order_date, is_included, subtotal_price, last_received_at
  FROM "shop_staging"."orders"
  
),

line_values AS (
  SELECT l.shop, l.order_id,
    SUM(CASE WHEN l.is_non_product THEN l.gross_revenue ELSE 0 END) AS non_product_gross,
    SUM(CASE WHEN l.is_non_product THEN 0 ELSE l.refunded_amount END) AS product_refunds,
    SUM(CASE WHEN l.is_non_product THEN 0 ELSE l.net_revenue END) AS product_net
  FROM "shop_staging"."order_lines" AS l
  
  GROUP BY l.shop, l.order_id
)

SELECT
  t.shop,
  t.order_id,
  t.customer_id,
  t.order_date,
  t.is_included,
  COALESCE(t.subtotal_price - COALESCE(v.non_product_gross, 0) - COALESCE(v.product_refunds, 0), v.product_net, 0) AS value,
  t.last_received_at
FROM touched AS t
LEFT JOIN line_values AS v ON v.shop = t.shop AND v.order_id = t.order_id

-- incremental run
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TEMP TABLE "__new_shop_staging__order_values" AS -- shop_staging.order_values: what each order is worth to its customer, the value customer features add up.
-- value = the order's own subtotal (line items after discounts, before shipping and tax, as Shopify computed it;
-- exact, where re-adding cent-rounded line prices can drift) less its non-product lines (postage, fees) and less
-- refunds of its product lines; the sum of the product lines' net revenue when the order has no subtotal; 0 when
-- neither is known. The order's customer, date and flags are copied so features read one narrow row per order.
-- Incremental: orders whose row in shop_staging.orders changed since the newest one here (minus a lookback)
-- are rebuilt from the order and its lines (order_lines runs first) and merged on (shop, order_id).


WITH touched AS (
  SELECT shop, order_id, customer_id, order_date, is_included, subtotal_price, last_received_at
  FROM "shop_staging"."orders"
  WHERE last_received_at > (
    SELECT ((COALESCE(MAX(last_received_at), TIMESTAMPTZ '1970-01-01 00:00:00+00')) - INTERVAL (48) HOUR)
    FROM "shop_staging"."order_values")
),

line_values AS (
  SELECT l.shop, l.order_id,
    SUM(CASE WHEN l.is_non_product THEN l.gross_revenue ELSE 0 END) AS non_product_gross,
    SUM(CASE WHEN l.is_non_product THEN 0 ELSE l.refunded_amount END) AS product_refunds,
    SUM(CASE WHEN l.is_non_product THEN 0 ELSE l.net_revenue END) AS product_net
  FROM "shop_staging"."order_lines" AS l
  INNER JOIN touched AS t ON t.shop = l.shop AND t.order_id = l.order_id
  GROUP BY l.shop, l.order_id
)

SELECT
  t.shop,
  t.order_id,
  t.customer_id,
  t.order_date,
  t.is_included,
  COALESCE(t.subtotal_price - COALESCE(v.non_product_gross, 0) - COALESCE(v.product_refunds, 0), v.product_net, 0) AS value,
  t.last_received_at
FROM touched AS t
LEFT JOIN line_values AS v ON v.shop = t.shop AND v.order_id = t.order_id;
DELETE FROM "shop_staging"."order_values" AS t USING "__new_shop_staging__order_values" AS i WHERE t."shop" IS NOT DISTINCT FROM i."shop" AND t."order_id" IS NOT DISTINCT FROM i."order_id";
INSERT INTO "shop_staging"."order_values" BY NAME SELECT * FROM "__new_shop_staging__order_values"
