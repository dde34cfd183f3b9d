-- incremental shop_staging.order_lines

-- query
-- shop_staging.order_lines: one row per line item of the current state of each order, refunds netted per line.
-- Refunds come from refunds/create events (refund_line_items: quantity and subtotal), each refund line counted
-- once. Non-product lines (postage, fees, manual adjustments, custom items) are flagged, not dropped:
-- product_exists = false, no variant_id, or a _non_product property (as the CSV replay marks them).
-- The order's flags and date are copied so features can filter lines without a join.
-- Incremental: lines of orders whose row in shop_staging.orders changed since the last run are rebuilt and
-- merged on (shop, line_item_id).




WITH order_bodies AS (
  SELECT o.shop, o.order_id, o.customer_id, o.order_date, o.is_test, o.is_cancelled, o.is_included, o.last_received_at,
    e.body.line_items AS line_items
  FROM (
    SELECT shop, order_id, customer_id, order_date, is_test, is_cancelled, is_included, source_webhook_id, last_received_at
    FROM `demo-shop-mlops.shop_staging.orders`
    ) AS o
  -- matched on the order too (row groups skipped by the order id's min/max; webhook ids are random)
  INNER JOIN `demo-shop-mlops.shop_staging.events_dedup` AS e
    ON e.shop = o.shop AND e.order_id = o.order_id AND e.webhook_id = o.source_webhook_id
),

line_items AS (
  -- one row per line item (parsed once in events_dedup)
  SELECT l.*, EXISTS (SELECT 1 FROM UNNEST(l.li.properties) AS _x WHERE _x.name = '_non_product') AS has_non_product_property
  FROM (SELECT _r.* EXCEPT (line_items), li FROM order_bodies AS _r CROSS JOIN UNNEST(_r.line_items) AS li) AS l
),

lines AS (
  SELECT
    shop,
    li.id AS line_item_id,
    order_id,
    customer_id,
    order_date,
    li.product_id AS product_id,
    li.variant_id AS variant_id,
    li.sku AS sku,
    li.title AS title,
    CAST(li.quantity AS INT64) AS quantity,
    CAST(li.price AS NUMERIC) AS price,
    COALESCE(CAST(li.total_discount AS NUMERIC), 0) AS total_discount,
    (COALESCE(li.product_exists = 'false', FALSE) OR li.variant_id IS NULL OR has_non_product_property) AS is_non_product,
    is_test,
    is_cancelled,
    is_included,
    last_received_at AS order_last_received_at
  FROM line_items
),

refund_events AS (
  SELECT e.shop, e.order_id, e.resource_id AS refund_id, e.body.refund_line_items AS refund_line_items
  FROM `demo-shop-mlops.shop_staging.events_dedup` AS e
  INNER JOIN (
    SELECT shop, order_id, customer_id, order_date, is_test, is_cancelled, is_included, source_webhook_id, last_received_at
    FROM `demo-shop-mlops.shop_staging.orders`
    ) AS o ON e.shop = o.shop AND e.order_id = o.order_id
  WHERE e.topic = 'refunds/create'
),

refund_lines AS (
  -- each refund line once, even if a refund were delivered twice under different event ids
  SELECT DISTINCT
    shop,
    order_id,
    refund_id,
    rli.id AS refund_line_id,
    rli.line_item_id AS line_item_id,
    CAST(rli.quantity AS INT64) AS quantity,
    COALESCE(CAST(rli.subtotal AS NUMERIC), 0) AS subtotal
  FROM (SELECT _r.* EXCEPT (refund_line_items), rli FROM refund_events AS _r CROSS JOIN UNNEST(_r.refund_line_items) AS rli) AS r
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

-- incremental query
-- shop_staging.order_lines: one row per line item of the current state of each order, refunds netted per line.
-- Refunds come from refunds/create events (refund_line_items: quantity and subtotal), each refund line counted
-- once. Non-product lines (postage, fees, manual adjustments, custom items) are flagged, not dropped:
-- product_exists = false, no variant_id, or a _non_product property (as the CSV replay marks them).
-- The order's flags and date are copied so features can filter lines without a join.
-- Incremental: lines of orders whose row in shop_staging.orders changed since the last run are rebuilt and
-- merged on (shop, line_item_id).




WITH order_bodies AS (
  SELECT o.shop, o.order_id, o.customer_id, o.order_date, o.is_test, o.is_cancelled, o.is_included, o.last_received_at,
    e.body.line_items AS line_items
  FROM (
    SELECT shop, order_id, customer_id, order_date, is_test, is_cancelled, is_included, source_webhook_id, last_received_at
    FROM `demo-shop-mlops.shop_staging.orders`
    WHERE last_received_at > (
      SELECT TIMESTAMP_SUB(COALESCE(MAX(order_last_received_at), TIMESTAMP '1970-01-01 00:00:00 UTC'), INTERVAL 48 HOUR)
      FROM `demo-shop-mlops.shop_staging.order_lines`)) AS o
  -- matched on the order too (row groups skipped by the order id's min/max; webhook ids are random)
  INNER JOIN `demo-shop-mlops.shop_staging.events_dedup` AS e
    ON e.shop = o.shop AND e.order_id = o.order_id AND e.webhook_id = o.source_webhook_id
),

line_items AS (
  -- one row per line item (parsed once in events_dedup)
  SELECT l.*, EXISTS (SELECT 1 FROM UNNEST(l.li.properties) AS _x WHERE _x.name = '_non_product') AS has_non_product_property
  FROM (SELECT _r.* EXCEPT (line_items), li FROM order_bodies AS _r CROSS JOIN UNNEST(_r.line_items) AS li) AS l
),

lines AS (
  SELECT
    shop,
    li.id AS line_item_id,
    order_id,
    customer_id,
    order_date,
    li.product_id AS product_id,
    li.variant_id AS variant_id,
    li.sku AS sku,
    li.title AS title,
    CAST(li.quantity AS INT64) AS quantity,
    CAST(li.price AS NUMERIC) AS price,
    COALESCE(CAST(li.total_discount AS NUMERIC), 0) AS total_discount,
    (COALESCE(li.product_exists = 'false', FALSE) OR li.variant_id IS NULL OR has_non_product_property) AS is_non_product,
    is_test,
    is_cancelled,
    is_included,
    last_received_at AS order_last_received_at
  FROM line_items
),

refund_events AS (
  SELECT e.shop, e.order_id, e.resource_id AS refund_id, e.body.refund_line_items AS refund_line_items
  FROM `demo-shop-mlops.shop_staging.events_dedup` AS e
  INNER JOIN (
    SELECT shop, order_id, customer_id, order_date, is_test, is_cancelled, is_included, source_webhook_id, last_received_at
    FROM `demo-shop-mlops.shop_staging.orders`
    WHERE last_received_at > (
      SELECT TIMESTAMP_SUB(COALESCE(MAX(order_last_received_at), TIMESTAMP '1970-01-01 00:00:00 UTC'), INTERVAL 48 HOUR)
      FROM `demo-shop-mlops.shop_staging.order_lines`)) AS o ON e.shop = o.shop AND e.order_id = o.order_id
  WHERE e.topic = 'refunds/create'
),

refund_lines AS (
  -- each refund line once, even if a refund were delivered twice under different event ids
  SELECT DISTINCT
    shop,
    order_id,
    refund_id,
    rli.id AS refund_line_id,
    rli.line_item_id AS line_item_id,
    CAST(rli.quantity AS INT64) AS quantity,
    COALESCE(CAST(rli.subtotal AS NUMERIC), 0) AS subtotal
  FROM (SELECT _r.* EXCEPT (refund_line_items), rli FROM refund_events AS _r CROSS JOIN UNNEST(_r.refund_line_items) AS rli) AS r
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
