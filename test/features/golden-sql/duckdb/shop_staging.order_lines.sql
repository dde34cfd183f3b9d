-- incremental shop_staging.order_lines

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."order_lines" AS -- shop_staging.order_lines: one row per line item of the current state of each order, refunds netted per line.
-- Refunds come from refunds/create events (refund_line_items: quantity and subtotal), each refund line counted
-- once. Non-product lines (postage, fees, manual adjustments, custom items) are flagged, not dropped:
-- product_exists = false, no variant_id, or a _non_product property (as the CSV replay marks them).
-- The order's flags and date are copied so features can filter lines without a join.
-- Incremental: lines of orders whose row in shop_staging.orders changed since the last run are rebuilt and
-- merged on (shop, line_item_id).


WITH touched_orders AS (
  SELECT shop, order_id, customer_id, order_date, is_test, is_cancelled, is_included, source_webhook_id, last_received_at
  FROM "shop_staging"."orders"
  
),

lines AS (
  SELECT
    o.shop,
    json_extract_string(li, '$.id') AS line_item_id,
    o.order_id,
    o.customer_id,
    o.order_date,
    json_extract_string(li, '$.product_id') AS product_id,
    json_extract_string(li, '$.variant_id') AS variant_id,
    json_extract_string(li, '$.sku') AS sku,
    json_extract_string(li, '$.title') AS title,
    CAST(json_extract_string(li, '$.quantity') AS BIGINT) AS quantity,
    CAST(json_extract_string(li, '$.price') AS DECIMAL(38,9)) AS price,
    COALESCE(CAST(json_extract_string(li, '$.total_discount') AS DECIMAL(38,9)), 0) AS total_discount,
    (
      COALESCE(json_extract_string(li, '$.product_exists') = 'false', FALSE)
      OR json_extract_string(li, '$.variant_id') IS NULL
      OR EXISTS (SELECT 1 FROM UNNEST(json_extract(li, '$.properties[*]')) AS __elem(_elem) WHERE json_extract_string(_elem, '$.name') = '_non_product')
    ) AS is_non_product,
    o.is_test,
    o.is_cancelled,
    o.is_included,
    o.last_received_at AS order_last_received_at
  FROM touched_orders AS o
  INNER JOIN "shop_staging"."events_dedup" AS e ON e.webhook_id = o.source_webhook_id
  CROSS JOIN UNNEST(json_extract(e.payload, '$.line_items[*]')) AS _li(li)
),

refund_lines AS (
  -- each refund line once, even if a refund were delivered twice under different event ids
  SELECT DISTINCT
    e.shop,
    e.order_id,
    json_extract_string(e.payload, '$.id') AS refund_id,
    json_extract_string(rli, '$.id') AS refund_line_id,
    json_extract_string(rli, '$.line_item_id') AS line_item_id,
    CAST(json_extract_string(rli, '$.quantity') AS BIGINT) AS quantity,
    COALESCE(CAST(json_extract_string(rli, '$.subtotal') AS DECIMAL(38,9)), 0) AS subtotal
  FROM "shop_staging"."events_dedup" AS e
  INNER JOIN touched_orders AS o ON e.shop = o.shop AND e.order_id = o.order_id
  CROSS JOIN UNNEST(json_extract(e.payload, '$.refund_line_items[*]')) AS _rli(rli)
  WHERE e.topic = 'refunds/create'
),

refunds_per_line AS (
  SELECT shop, order_id, line_item_id, SUM(quantity) AS refunded_quantity, SUM(subtotal) AS refunded_amount
  FROM refund_lines
  GROUP BY shop, order_id, line_item_id
)

SELECT
  l.shop,
  l.line_item_id,
  l.order_id,
  l.customer_id,
  l.order_date,
  l.product_id,
  l.variant_id,
  l.sku,
  l.title,
  l.quantity,
  l.price,
  l.total_discount,
  l.price * l.quantity - l.total_discount AS gross_revenue,
  COALESCE(r.refunded_quantity, 0) AS refunded_quantity,
  COALESCE(r.refunded_amount, 0) AS refunded_amount,
  l.quantity - COALESCE(r.refunded_quantity, 0) AS net_quantity,
  l.price * l.quantity - l.total_discount - COALESCE(r.refunded_amount, 0) AS net_revenue,
  l.is_non_product,
  l.is_test,
  l.is_cancelled,
  l.is_included,
  l.order_last_received_at
FROM lines AS l
LEFT JOIN refunds_per_line AS r
  ON r.shop = l.shop AND r.order_id = l.order_id AND r.line_item_id = l.line_item_id

-- incremental run
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TEMP TABLE __incremental AS -- shop_staging.order_lines: one row per line item of the current state of each order, refunds netted per line.
-- Refunds come from refunds/create events (refund_line_items: quantity and subtotal), each refund line counted
-- once. Non-product lines (postage, fees, manual adjustments, custom items) are flagged, not dropped:
-- product_exists = false, no variant_id, or a _non_product property (as the CSV replay marks them).
-- The order's flags and date are copied so features can filter lines without a join.
-- Incremental: lines of orders whose row in shop_staging.orders changed since the last run are rebuilt and
-- merged on (shop, line_item_id).


WITH touched_orders AS (
  SELECT shop, order_id, customer_id, order_date, is_test, is_cancelled, is_included, source_webhook_id, last_received_at
  FROM "shop_staging"."orders"
  WHERE last_received_at > (
    SELECT ((COALESCE(MAX(order_last_received_at), TIMESTAMPTZ '1970-01-01 00:00:00+00')) - INTERVAL (48) HOUR)
    FROM "shop_staging"."order_lines")
),

lines AS (
  SELECT
    o.shop,
    json_extract_string(li, '$.id') AS line_item_id,
    o.order_id,
    o.customer_id,
    o.order_date,
    json_extract_string(li, '$.product_id') AS product_id,
    json_extract_string(li, '$.variant_id') AS variant_id,
    json_extract_string(li, '$.sku') AS sku,
    json_extract_string(li, '$.title') AS title,
    CAST(json_extract_string(li, '$.quantity') AS BIGINT) AS quantity,
    CAST(json_extract_string(li, '$.price') AS DECIMAL(38,9)) AS price,
    COALESCE(CAST(json_extract_string(li, '$.total_discount') AS DECIMAL(38,9)), 0) AS total_discount,
    (
      COALESCE(json_extract_string(li, '$.product_exists') = 'false', FALSE)
      OR json_extract_string(li, '$.variant_id') IS NULL
      OR EXISTS (SELECT 1 FROM UNNEST(json_extract(li, '$.properties[*]')) AS __elem(_elem) WHERE json_extract_string(_elem, '$.name') = '_non_product')
    ) AS is_non_product,
    o.is_test,
    o.is_cancelled,
    o.is_included,
    o.last_received_at AS order_last_received_at
  FROM touched_orders AS o
  INNER JOIN "shop_staging"."events_dedup" AS e ON e.webhook_id = o.source_webhook_id
  CROSS JOIN UNNEST(json_extract(e.payload, '$.line_items[*]')) AS _li(li)
),

refund_lines AS (
  -- each refund line once, even if a refund were delivered twice under different event ids
  SELECT DISTINCT
    e.shop,
    e.order_id,
    json_extract_string(e.payload, '$.id') AS refund_id,
    json_extract_string(rli, '$.id') AS refund_line_id,
    json_extract_string(rli, '$.line_item_id') AS line_item_id,
    CAST(json_extract_string(rli, '$.quantity') AS BIGINT) AS quantity,
    COALESCE(CAST(json_extract_string(rli, '$.subtotal') AS DECIMAL(38,9)), 0) AS subtotal
  FROM "shop_staging"."events_dedup" AS e
  INNER JOIN touched_orders AS o ON e.shop = o.shop AND e.order_id = o.order_id
  CROSS JOIN UNNEST(json_extract(e.payload, '$.refund_line_items[*]')) AS _rli(rli)
  WHERE e.topic = 'refunds/create'
),

refunds_per_line AS (
  SELECT shop, order_id, line_item_id, SUM(quantity) AS refunded_quantity, SUM(subtotal) AS refunded_amount
  FROM refund_lines
  GROUP BY shop, order_id, line_item_id
)

SELECT
  l.shop,
  l.line_item_id,
  l.order_id,
  l.customer_id,
  l.order_date,
  l.product_id,
  l.variant_id,
  l.sku,
  l.title,
  l.quantity,
  l.price,
  l.total_discount,
  l.price * l.quantity - l.total_discount AS gross_revenue,
  COALESCE(r.refunded_quantity, 0) AS refunded_quantity,
  COALESCE(r.refunded_amount, 0) AS refunded_amount,
  l.quantity - COALESCE(r.refunded_quantity, 0) AS net_quantity,
  l.price * l.quantity - l.total_discount - COALESCE(r.refunded_amount, 0) AS net_revenue,
  l.is_non_product,
  l.is_test,
  l.is_cancelled,
  l.is_included,
  l.order_last_received_at
FROM lines AS l
LEFT JOIN refunds_per_line AS r
  ON r.shop = l.shop AND r.order_id = l.order_id AND r.line_item_id = l.line_item_id;
DELETE FROM "shop_staging"."order_lines" AS t USING __incremental AS i WHERE t."shop" IS NOT DISTINCT FROM i."shop" AND t."line_item_id" IS NOT DISTINCT FROM i."line_item_id";
INSERT INTO "shop_staging"."order_lines" BY NAME SELECT * FROM __incremental;
DROP TABLE __incremental
