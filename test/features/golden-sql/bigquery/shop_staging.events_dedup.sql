-- incremental shop_staging.events_dedup

-- query
-- shop_staging.events_dedup: every distinct Shopify event exactly once, its body parsed once.
-- BigQuery's raw table is at-least-once (Pub/Sub subscription + Shopify redeliveries); here a delivery is kept
-- once per webhook_id, then once per (shop, topic, event_id) — the keys the embedded loader enforces at landing.
-- The earliest received copy wins.
-- The JSON body is read here and nowhere else: routing columns (order_id, resource_id, resource_updated_at,
-- customer_id) and body, a STRUCT of the fields the staging tables use (strings as Shopify wrote them; arrays
-- of line items, refund lines and variants as ARRAY<STRUCT>). Downstream SQL never parses JSON, and a payload of
-- kilobytes is read once per build instead of once per table. Personal fields are not copied: a customer's
-- email and phone become has_email / has_phone. The exact body stays in shop_raw.events (join on webhook_id).
-- A customer already redacted (shop_raw.privacy_audit) is never staged again: a late delivery about them is kept
-- without the customer id, their own records are not kept (the redaction itself cleared the rows staged before).
-- Incremental: new deliveries (received in the lookback window before the newest one already here) that are
-- not already present by either key are appended.




WITH deliveries AS (
  -- keys only: the two dedup windows never carry a body
  SELECT shop, topic, webhook_id, event_id, api_version, received_at
  FROM `demo-shop-mlops.shop_raw.events`
  WHERE TRUE
),

-- 1. one row per delivery (webhook id)
by_webhook AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY webhook_id ORDER BY received_at, api_version) AS webhook_copy
  FROM deliveries
),

-- 2. one row per merchant action (shop, topic, event id); deliveries without an event id stand alone
by_event AS (
  SELECT *,
    ROW_NUMBER() OVER (PARTITION BY shop, topic, COALESCE(event_id, webhook_id) ORDER BY received_at, webhook_id) AS event_copy
  FROM by_webhook
  WHERE webhook_copy = 1
),

chosen AS (
  SELECT webhook_id, received_at, api_version
  FROM by_event
  WHERE event_copy = 1
  
),

-- 3. the kept copies' bodies, each read and parsed once, streaming (a semi-join on the copy's keys: no body is
--    sorted or hashed); exact duplicate copies, which only BigQuery's raw table can hold, are dropped last
parsed AS (
  SELECT shop, topic, webhook_id, event_id, api_version, triggered_at, received_at,
    STRUCT(JSON_VALUE(payload, '$.id') AS id, JSON_VALUE(payload, '$.order_id') AS order_id, JSON_VALUE(payload, '$.inventory_item_id') AS inventory_item_id, JSON_VALUE(payload, '$.updated_at') AS updated_at, JSON_VALUE(payload, '$.created_at') AS created_at, JSON_VALUE(payload, '$.customer.id') AS customer_id, JSON_VALUE(payload, '$.name') AS name, JSON_VALUE(payload, '$.cancelled_at') AS cancelled_at, JSON_VALUE(payload, '$.currency') AS currency, JSON_VALUE(payload, '$.subtotal_price') AS subtotal_price, JSON_VALUE(payload, '$.total_price') AS total_price, JSON_VALUE(payload, '$.financial_status') AS financial_status, JSON_VALUE(payload, '$.test') AS test, ARRAY(SELECT AS STRUCT JSON_VALUE(_r1, '$.id') AS id, JSON_VALUE(_r1, '$.product_id') AS product_id, JSON_VALUE(_r1, '$.variant_id') AS variant_id, JSON_VALUE(_r1, '$.sku') AS sku, JSON_VALUE(_r1, '$.title') AS title, JSON_VALUE(_r1, '$.quantity') AS quantity, JSON_VALUE(_r1, '$.price') AS price, JSON_VALUE(_r1, '$.total_discount') AS total_discount, JSON_VALUE(_r1, '$.product_exists') AS product_exists, ARRAY(SELECT AS STRUCT JSON_VALUE(_r2, '$.name') AS name FROM UNNEST(JSON_QUERY_ARRAY(_r1, '$.properties')) AS _r2 WITH OFFSET AS _o2 ORDER BY _o2) AS properties FROM UNNEST(JSON_QUERY_ARRAY(payload, '$.line_items')) AS _r1 WITH OFFSET AS _o1 ORDER BY _o1) AS line_items, ARRAY(SELECT AS STRUCT JSON_VALUE(_r1, '$.name') AS name, JSON_VALUE(_r1, '$.value') AS value FROM UNNEST(JSON_QUERY_ARRAY(payload, '$.note_attributes')) AS _r1 WITH OFFSET AS _o1 ORDER BY _o1) AS note_attributes, ARRAY(SELECT AS STRUCT JSON_VALUE(_r1, '$.id') AS id, JSON_VALUE(_r1, '$.line_item_id') AS line_item_id, JSON_VALUE(_r1, '$.quantity') AS quantity, JSON_VALUE(_r1, '$.subtotal') AS subtotal FROM UNNEST(JSON_QUERY_ARRAY(payload, '$.refund_line_items')) AS _r1 WITH OFFSET AS _o1 ORDER BY _o1) AS refund_line_items, JSON_VALUE(payload, '$.title') AS title, JSON_VALUE(payload, '$.product_type') AS product_type, JSON_VALUE(payload, '$.vendor') AS vendor, JSON_VALUE(payload, '$.status') AS status, JSON_VALUE(payload, '$.tags') AS tags, ARRAY(SELECT AS STRUCT JSON_VALUE(_r1, '$.id') AS id, JSON_VALUE(_r1, '$.sku') AS sku, JSON_VALUE(_r1, '$.title') AS title, JSON_VALUE(_r1, '$.price') AS price, JSON_VALUE(_r1, '$.inventory_item_id') AS inventory_item_id, JSON_VALUE(_r1, '$.option1') AS option1, JSON_VALUE(_r1, '$.option2') AS option2, JSON_VALUE(_r1, '$.option3') AS option3, JSON_VALUE(_r1, '$.created_at') AS created_at FROM UNNEST(JSON_QUERY_ARRAY(payload, '$.variants')) AS _r1 WITH OFFSET AS _o1 ORDER BY _o1) AS variants, JSON_VALUE(payload, '$.location_id') AS location_id, JSON_VALUE(payload, '$.available') AS available, JSON_VALUE(payload, '$.state') AS state, JSON_VALUE(payload, '$.orders_count') AS orders_count, JSON_VALUE(payload, '$.total_spent') AS total_spent, JSON_VALUE(payload, '$.accepts_marketing') AS accepts_marketing, JSON_VALUE(payload, '$.email') AS email, JSON_VALUE(payload, '$.phone') AS phone) AS rec
  FROM `demo-shop-mlops.shop_raw.events`
  WHERE TRUE
    -- one key per copy: DuckDB plans a semi-join on one column as a streaming hash probe, and a correlated EXISTS
    -- over three columns as a delim join 2-3x slower over a million bodies
    AND CONCAT(webhook_id, '|', CAST(received_at AS STRING), '|', api_version) IN (SELECT CONCAT(webhook_id, '|', CAST(received_at AS STRING), '|', api_version) FROM chosen)
  QUALIFY ROW_NUMBER() OVER (PARTITION BY webhook_id ORDER BY received_at, api_version) = 1
),

-- customers already redacted: a late delivery about one (the raw table in the cloud holds it as Shopify sent it)
-- stays unlinked (no customer_id) and their own customer records are not staged, so nothing downstream re-derives them
redacted AS (
  SELECT DISTINCT shop, customer_id
  FROM `demo-shop-mlops.shop_raw.privacy_audit`
  WHERE action = 'customers/redact' AND customer_id IS NOT NULL
),

staged AS (
SELECT
  shop,
  topic,
  webhook_id,
  event_id,
  api_version,
  triggered_at,
  received_at,
  CASE
    WHEN topic LIKE 'orders/%' THEN rec.id
    WHEN topic = 'refunds/create' THEN rec.order_id
  END AS order_id,
  CASE
    WHEN topic = 'inventory_levels/update' THEN rec.inventory_item_id
    ELSE rec.id
  END AS resource_id,
  CASE
    WHEN topic LIKE 'orders/%' OR topic LIKE 'products/%' OR topic LIKE 'customers/%' OR topic = 'inventory_levels/update'
      THEN TIMESTAMP(rec.updated_at)
  END AS resource_updated_at,
  CASE
    WHEN topic IN ('customers/create', 'customers/update') THEN rec.id
    WHEN topic LIKE 'orders/%' OR topic IN ('customers/redact', 'customers/data_request') THEN rec.customer_id
  END AS customer_id,
  STRUCT(rec.created_at AS created_at, rec.name AS name, rec.cancelled_at AS cancelled_at, rec.currency AS currency, rec.subtotal_price AS subtotal_price, rec.total_price AS total_price, rec.financial_status AS financial_status, rec.test AS test, rec.line_items AS line_items, rec.refund_line_items AS refund_line_items, (SELECT _x.value FROM UNNEST(rec.note_attributes) AS _x WITH OFFSET AS _o WHERE _x.name = '_shop_mlops_arm' ORDER BY _o LIMIT 1) AS checkout_arm, rec.title AS title, rec.product_type AS product_type, rec.vendor AS vendor, rec.status AS status, rec.tags AS tags, rec.variants AS variants, rec.location_id AS location_id, rec.available AS available, rec.state AS state, rec.orders_count AS orders_count, rec.total_spent AS total_spent, rec.accepts_marketing AS accepts_marketing, rec.email IS NOT NULL AS has_email, rec.phone IS NOT NULL AS has_phone) AS body
FROM parsed
)

SELECT
  s.shop, s.topic, s.webhook_id, s.event_id, s.api_version, s.triggered_at, s.received_at, s.order_id, s.resource_id, s.resource_updated_at,
  CASE WHEN r.customer_id IS NULL THEN s.customer_id END AS customer_id,
  s.body
FROM staged AS s
LEFT JOIN redacted AS r ON r.shop = s.shop AND r.customer_id = s.customer_id
WHERE r.customer_id IS NULL OR s.topic NOT IN ('customers/create', 'customers/update')

-- incremental query
-- shop_staging.events_dedup: every distinct Shopify event exactly once, its body parsed once.
-- BigQuery's raw table is at-least-once (Pub/Sub subscription + Shopify redeliveries); here a delivery is kept
-- once per webhook_id, then once per (shop, topic, event_id) — the keys the embedded loader enforces at landing.
-- The earliest received copy wins.
-- The JSON body is read here and nowhere else: routing columns (order_id, resource_id, resource_updated_at,
-- customer_id) and body, a STRUCT of the fields the staging tables use (strings as Shopify wrote them; arrays
-- of line items, refund lines and variants as ARRAY<STRUCT>). Downstream SQL never parses JSON, and a payload of
-- kilobytes is read once per build instead of once per table. Personal fields are not copied: a customer's
-- email and phone become has_email / has_phone. The exact body stays in shop_raw.events (join on webhook_id).
-- A customer already redacted (shop_raw.privacy_audit) is never staged again: a late delivery about them is kept
-- without the customer id, their own records are not kept (the redaction itself cleared the rows staged before).
-- Incremental: new deliveries (received in the lookback window before the newest one already here) that are
-- not already present by either key are appended.




WITH deliveries AS (
  -- keys only: the two dedup windows never carry a body
  SELECT shop, topic, webhook_id, event_id, api_version, received_at
  FROM `demo-shop-mlops.shop_raw.events`
  WHERE received_at > (SELECT TIMESTAMP_SUB(COALESCE(MAX(received_at), TIMESTAMP '1970-01-01 00:00:00 UTC'), INTERVAL 48 HOUR) FROM `demo-shop-mlops.shop_staging.events_dedup`)
),

-- 1. one row per delivery (webhook id)
by_webhook AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY webhook_id ORDER BY received_at, api_version) AS webhook_copy
  FROM deliveries
),

-- 2. one row per merchant action (shop, topic, event id); deliveries without an event id stand alone
by_event AS (
  SELECT *,
    ROW_NUMBER() OVER (PARTITION BY shop, topic, COALESCE(event_id, webhook_id) ORDER BY received_at, webhook_id) AS event_copy
  FROM by_webhook
  WHERE webhook_copy = 1
),

chosen AS (
  SELECT webhook_id, received_at, api_version
  FROM by_event
  WHERE event_copy = 1
  
    AND NOT EXISTS (SELECT 1 FROM `demo-shop-mlops.shop_staging.events_dedup` AS kept WHERE kept.webhook_id = by_event.webhook_id)
    AND (by_event.event_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM `demo-shop-mlops.shop_staging.events_dedup` AS kept
      WHERE kept.shop = by_event.shop AND kept.topic = by_event.topic AND kept.event_id = by_event.event_id))
),

-- 3. the kept copies' bodies, each read and parsed once, streaming (a semi-join on the copy's keys: no body is
--    sorted or hashed); exact duplicate copies, which only BigQuery's raw table can hold, are dropped last
parsed AS (
  SELECT shop, topic, webhook_id, event_id, api_version, triggered_at, received_at,
    STRUCT(JSON_VALUE(payload, '$.id') AS id, JSON_VALUE(payload, '$.order_id') AS order_id, JSON_VALUE(payload, '$.inventory_item_id') AS inventory_item_id, JSON_VALUE(payload, '$.updated_at') AS updated_at, JSON_VALUE(payload, '$.created_at') AS created_at, JSON_VALUE(payload, '$.customer.id') AS customer_id, JSON_VALUE(payload, '$.name') AS name, JSON_VALUE(payload, '$.cancelled_at') AS cancelled_at, JSON_VALUE(payload, '$.currency') AS currency, JSON_VALUE(payload, '$.subtotal_price') AS subtotal_price, JSON_VALUE(payload, '$.total_price') AS total_price, JSON_VALUE(payload, '$.financial_status') AS financial_status, JSON_VALUE(payload, '$.test') AS test, ARRAY(SELECT AS STRUCT JSON_VALUE(_r1, '$.id') AS id, JSON_VALUE(_r1, '$.product_id') AS product_id, JSON_VALUE(_r1, '$.variant_id') AS variant_id, JSON_VALUE(_r1, '$.sku') AS sku, JSON_VALUE(_r1, '$.title') AS title, JSON_VALUE(_r1, '$.quantity') AS quantity, JSON_VALUE(_r1, '$.price') AS price, JSON_VALUE(_r1, '$.total_discount') AS total_discount, JSON_VALUE(_r1, '$.product_exists') AS product_exists, ARRAY(SELECT AS STRUCT JSON_VALUE(_r2, '$.name') AS name FROM UNNEST(JSON_QUERY_ARRAY(_r1, '$.properties')) AS _r2 WITH OFFSET AS _o2 ORDER BY _o2) AS properties FROM UNNEST(JSON_QUERY_ARRAY(payload, '$.line_items')) AS _r1 WITH OFFSET AS _o1 ORDER BY _o1) AS line_items, ARRAY(SELECT AS STRUCT JSON_VALUE(_r1, '$.name') AS name, JSON_VALUE(_r1, '$.value') AS value FROM UNNEST(JSON_QUERY_ARRAY(payload, '$.note_attributes')) AS _r1 WITH OFFSET AS _o1 ORDER BY _o1) AS note_attributes, ARRAY(SELECT AS STRUCT JSON_VALUE(_r1, '$.id') AS id, JSON_VALUE(_r1, '$.line_item_id') AS line_item_id, JSON_VALUE(_r1, '$.quantity') AS quantity, JSON_VALUE(_r1, '$.subtotal') AS subtotal FROM UNNEST(JSON_QUERY_ARRAY(payload, '$.refund_line_items')) AS _r1 WITH OFFSET AS _o1 ORDER BY _o1) AS refund_line_items, JSON_VALUE(payload, '$.title') AS title, JSON_VALUE(payload, '$.product_type') AS product_type, JSON_VALUE(payload, '$.vendor') AS vendor, JSON_VALUE(payload, '$.status') AS status, JSON_VALUE(payload, '$.tags') AS tags, ARRAY(SELECT AS STRUCT JSON_VALUE(_r1, '$.id') AS id, JSON_VALUE(_r1, '$.sku') AS sku, JSON_VALUE(_r1, '$.title') AS title, JSON_VALUE(_r1, '$.price') AS price, JSON_VALUE(_r1, '$.inventory_item_id') AS inventory_item_id, JSON_VALUE(_r1, '$.option1') AS option1, JSON_VALUE(_r1, '$.option2') AS option2, JSON_VALUE(_r1, '$.option3') AS option3, JSON_VALUE(_r1, '$.created_at') AS created_at FROM UNNEST(JSON_QUERY_ARRAY(payload, '$.variants')) AS _r1 WITH OFFSET AS _o1 ORDER BY _o1) AS variants, JSON_VALUE(payload, '$.location_id') AS location_id, JSON_VALUE(payload, '$.available') AS available, JSON_VALUE(payload, '$.state') AS state, JSON_VALUE(payload, '$.orders_count') AS orders_count, JSON_VALUE(payload, '$.total_spent') AS total_spent, JSON_VALUE(payload, '$.accepts_marketing') AS accepts_marketing, JSON_VALUE(payload, '$.email') AS email, JSON_VALUE(payload, '$.phone') AS phone) AS rec
  FROM `demo-shop-mlops.shop_raw.events`
  WHERE received_at > (SELECT TIMESTAMP_SUB(COALESCE(MAX(received_at), TIMESTAMP '1970-01-01 00:00:00 UTC'), INTERVAL 48 HOUR) FROM `demo-shop-mlops.shop_staging.events_dedup`)
    -- one key per copy: DuckDB plans a semi-join on one column as a streaming hash probe, and a correlated EXISTS
    -- over three columns as a delim join 2-3x slower over a million bodies
    AND CONCAT(webhook_id, '|', CAST(received_at AS STRING), '|', api_version) IN (SELECT CONCAT(webhook_id, '|', CAST(received_at AS STRING), '|', api_version) FROM chosen)
  QUALIFY ROW_NUMBER() OVER (PARTITION BY webhook_id ORDER BY received_at, api_version) = 1
),

-- customers already redacted: a late delivery about one (the raw table in the cloud holds it as Shopify sent it)
-- stays unlinked (no customer_id) and their own customer records are not staged, so nothing downstream re-derives them
redacted AS (
  SELECT DISTINCT shop, customer_id
  FROM `demo-shop-mlops.shop_raw.privacy_audit`
  WHERE action = 'customers/redact' AND customer_id IS NOT NULL
),

staged AS (
SELECT
  shop,
  topic,
  webhook_id,
  event_id,
  api_version,
  triggered_at,
  received_at,
  CASE
    WHEN topic LIKE 'orders/%' THEN rec.id
    WHEN topic = 'refunds/create' THEN rec.order_id
  END AS order_id,
  CASE
    WHEN topic = 'inventory_levels/update' THEN rec.inventory_item_id
    ELSE rec.id
  END AS resource_id,
  CASE
    WHEN topic LIKE 'orders/%' OR topic LIKE 'products/%' OR topic LIKE 'customers/%' OR topic = 'inventory_levels/update'
      THEN TIMESTAMP(rec.updated_at)
  END AS resource_updated_at,
  CASE
    WHEN topic IN ('customers/create', 'customers/update') THEN rec.id
    WHEN topic LIKE 'orders/%' OR topic IN ('customers/redact', 'customers/data_request') THEN rec.customer_id
  END AS customer_id,
  STRUCT(rec.created_at AS created_at, rec.name AS name, rec.cancelled_at AS cancelled_at, rec.currency AS currency, rec.subtotal_price AS subtotal_price, rec.total_price AS total_price, rec.financial_status AS financial_status, rec.test AS test, rec.line_items AS line_items, rec.refund_line_items AS refund_line_items, (SELECT _x.value FROM UNNEST(rec.note_attributes) AS _x WITH OFFSET AS _o WHERE _x.name = '_shop_mlops_arm' ORDER BY _o LIMIT 1) AS checkout_arm, rec.title AS title, rec.product_type AS product_type, rec.vendor AS vendor, rec.status AS status, rec.tags AS tags, rec.variants AS variants, rec.location_id AS location_id, rec.available AS available, rec.state AS state, rec.orders_count AS orders_count, rec.total_spent AS total_spent, rec.accepts_marketing AS accepts_marketing, rec.email IS NOT NULL AS has_email, rec.phone IS NOT NULL AS has_phone) AS body
FROM parsed
)

SELECT
  s.shop, s.topic, s.webhook_id, s.event_id, s.api_version, s.triggered_at, s.received_at, s.order_id, s.resource_id, s.resource_updated_at,
  CASE WHEN r.customer_id IS NULL THEN s.customer_id END AS customer_id,
  s.body
FROM staged AS s
LEFT JOIN redacted AS r ON r.shop = s.shop AND r.customer_id = s.customer_id
WHERE r.customer_id IS NULL OR s.topic NOT IN ('customers/create', 'customers/update')
