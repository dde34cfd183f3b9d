-- incremental shop_staging.events_dedup

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."events_dedup" AS -- shop_staging.events_dedup: every distinct Shopify event exactly once, its body parsed once.
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
  FROM "shop_raw"."events"
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
    list_transform([json_transform(payload, '{"id":"VARCHAR","order_id":"VARCHAR","inventory_item_id":"VARCHAR","updated_at":"VARCHAR","created_at":"VARCHAR","customer":{"id":"VARCHAR"},"name":"VARCHAR","cancelled_at":"VARCHAR","currency":"VARCHAR","subtotal_price":"VARCHAR","total_price":"VARCHAR","financial_status":"VARCHAR","test":"VARCHAR","line_items":[{"id":"VARCHAR","product_id":"VARCHAR","variant_id":"VARCHAR","sku":"VARCHAR","title":"VARCHAR","quantity":"VARCHAR","price":"VARCHAR","total_discount":"VARCHAR","product_exists":"VARCHAR","properties":[{"name":"VARCHAR"}]}],"note_attributes":[{"name":"VARCHAR","value":"VARCHAR"}],"refund_line_items":[{"id":"VARCHAR","line_item_id":"VARCHAR","quantity":"VARCHAR","subtotal":"VARCHAR"}],"title":"VARCHAR","product_type":"VARCHAR","vendor":"VARCHAR","status":"VARCHAR","tags":"VARCHAR","variants":[{"id":"VARCHAR","sku":"VARCHAR","title":"VARCHAR","price":"VARCHAR","inventory_item_id":"VARCHAR","option1":"VARCHAR","option2":"VARCHAR","option3":"VARCHAR","created_at":"VARCHAR"}],"location_id":"VARCHAR","available":"VARCHAR","state":"VARCHAR","orders_count":"VARCHAR","total_spent":"VARCHAR","accepts_marketing":"VARCHAR","email":"VARCHAR","phone":"VARCHAR"}')], _r0 -> struct_pack(id := _r0."id", order_id := _r0."order_id", inventory_item_id := _r0."inventory_item_id", updated_at := _r0."updated_at", created_at := _r0."created_at", customer_id := _r0."customer"."id", name := _r0."name", cancelled_at := _r0."cancelled_at", currency := _r0."currency", subtotal_price := _r0."subtotal_price", total_price := _r0."total_price", financial_status := _r0."financial_status", test := _r0."test", line_items := list_transform(_r0."line_items", _r1 -> struct_pack(id := _r1."id", product_id := _r1."product_id", variant_id := _r1."variant_id", sku := _r1."sku", title := _r1."title", quantity := _r1."quantity", price := _r1."price", total_discount := _r1."total_discount", product_exists := _r1."product_exists", properties := list_transform(_r1."properties", _r2 -> struct_pack(name := _r2."name")))), note_attributes := list_transform(_r0."note_attributes", _r1 -> struct_pack(name := _r1."name", value := _r1."value")), refund_line_items := list_transform(_r0."refund_line_items", _r1 -> struct_pack(id := _r1."id", line_item_id := _r1."line_item_id", quantity := _r1."quantity", subtotal := _r1."subtotal")), title := _r0."title", product_type := _r0."product_type", vendor := _r0."vendor", status := _r0."status", tags := _r0."tags", variants := list_transform(_r0."variants", _r1 -> struct_pack(id := _r1."id", sku := _r1."sku", title := _r1."title", price := _r1."price", inventory_item_id := _r1."inventory_item_id", option1 := _r1."option1", option2 := _r1."option2", option3 := _r1."option3", created_at := _r1."created_at")), location_id := _r0."location_id", available := _r0."available", state := _r0."state", orders_count := _r0."orders_count", total_spent := _r0."total_spent", accepts_marketing := _r0."accepts_marketing", email := _r0."email", phone := _r0."phone"))[1] AS rec
  FROM "shop_raw"."events"
  WHERE TRUE
    -- one key per copy: DuckDB plans a semi-join on one column as a streaming hash probe, and a correlated EXISTS
    -- over three columns as a delim join 2-3x slower over a million bodies
    AND CONCAT(webhook_id, '|', CAST(received_at AS VARCHAR), '|', api_version) IN (SELECT CONCAT(webhook_id, '|', CAST(received_at AS VARCHAR), '|', api_version) FROM chosen)
  
),

-- customers already redacted: a late delivery about one (the raw table in the cloud holds it as Shopify sent it)
-- stays unlinked (no customer_id) and their own customer records are not staged, so nothing downstream re-derives them
redacted AS (
  SELECT DISTINCT shop, customer_id
  FROM "shop_raw"."privacy_audit"
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
      THEN CAST(rec.updated_at AS TIMESTAMPTZ)
  END AS resource_updated_at,
  CASE
    WHEN topic IN ('customers/create', 'customers/update') THEN rec.id
    WHEN topic LIKE 'orders/%' OR topic IN ('customers/redact', 'customers/data_request') THEN rec.customer_id
  END AS customer_id,
  struct_pack(created_at := rec.created_at, name := rec.name, cancelled_at := rec.cancelled_at, currency := rec.currency, subtotal_price := rec.subtotal_price, total_price := rec.total_price, financial_status := rec.financial_status, test := rec.test, line_items := rec.line_items, refund_line_items := rec.refund_line_items, checkout_arm := list_extract(list_transform(list_filter(rec.note_attributes, _x -> _x.name = '_shop_mlops_arm'), _x -> _x.value), 1), title := rec.title, product_type := rec.product_type, vendor := rec.vendor, status := rec.status, tags := rec.tags, variants := rec.variants, location_id := rec.location_id, available := rec.available, state := rec.state, orders_count := rec.orders_count, total_spent := rec.total_spent, accepts_marketing := rec.accepts_marketing, has_email := rec.email IS NOT NULL, has_phone := rec.phone IS NOT NULL) AS body
FROM parsed
)

SELECT
  s.shop, s.topic, s.webhook_id, s.event_id, s.api_version, s.triggered_at, s.received_at, s.order_id, s.resource_id, s.resource_updated_at,
  CASE WHEN r.customer_id IS NULL THEN s.customer_id END AS customer_id,
  s.body
FROM staged AS s
LEFT JOIN redacted AS r ON r.shop = s.shop AND r.customer_id = s.customer_id
WHERE r.customer_id IS NULL OR s.topic NOT IN ('customers/create', 'customers/update')

-- incremental run
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TEMP TABLE "__new_shop_staging__events_dedup" AS -- shop_staging.events_dedup: every distinct Shopify event exactly once, its body parsed once.
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
  FROM "shop_raw"."events"
  WHERE received_at > (SELECT ((COALESCE(MAX(received_at), TIMESTAMPTZ '1970-01-01 00:00:00+00')) - INTERVAL (48) HOUR) FROM "shop_staging"."events_dedup")
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
  
    AND NOT EXISTS (SELECT 1 FROM "shop_staging"."events_dedup" AS kept WHERE kept.webhook_id = by_event.webhook_id)
    AND (by_event.event_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM "shop_staging"."events_dedup" AS kept
      WHERE kept.shop = by_event.shop AND kept.topic = by_event.topic AND kept.event_id = by_event.event_id))
),

-- 3. the kept copies' bodies, each read and parsed once, streaming (a semi-join on the copy's keys: no body is
--    sorted or hashed); exact duplicate copies, which only BigQuery's raw table can hold, are dropped last
parsed AS (
  SELECT shop, topic, webhook_id, event_id, api_version, triggered_at, received_at,
    list_transform([json_transform(payload, '{"id":"VARCHAR","order_id":"VARCHAR","inventory_item_id":"VARCHAR","updated_at":"VARCHAR","created_at":"VARCHAR","customer":{"id":"VARCHAR"},"name":"VARCHAR","cancelled_at":"VARCHAR","currency":"VARCHAR","subtotal_price":"VARCHAR","total_price":"VARCHAR","financial_status":"VARCHAR","test":"VARCHAR","line_items":[{"id":"VARCHAR","product_id":"VARCHAR","variant_id":"VARCHAR","sku":"VARCHAR","title":"VARCHAR","quantity":"VARCHAR","price":"VARCHAR","total_discount":"VARCHAR","product_exists":"VARCHAR","properties":[{"name":"VARCHAR"}]}],"note_attributes":[{"name":"VARCHAR","value":"VARCHAR"}],"refund_line_items":[{"id":"VARCHAR","line_item_id":"VARCHAR","quantity":"VARCHAR","subtotal":"VARCHAR"}],"title":"VARCHAR","product_type":"VARCHAR","vendor":"VARCHAR","status":"VARCHAR","tags":"VARCHAR","variants":[{"id":"VARCHAR","sku":"VARCHAR","title":"VARCHAR","price":"VARCHAR","inventory_item_id":"VARCHAR","option1":"VARCHAR","option2":"VARCHAR","option3":"VARCHAR","created_at":"VARCHAR"}],"location_id":"VARCHAR","available":"VARCHAR","state":"VARCHAR","orders_count":"VARCHAR","total_spent":"VARCHAR","accepts_marketing":"VARCHAR","email":"VARCHAR","phone":"VARCHAR"}')], _r0 -> struct_pack(id := _r0."id", order_id := _r0."order_id", inventory_item_id := _r0."inventory_item_id", updated_at := _r0."updated_at", created_at := _r0."created_at", customer_id := _r0."customer"."id", name := _r0."name", cancelled_at := _r0."cancelled_at", currency := _r0."currency", subtotal_price := _r0."subtotal_price", total_price := _r0."total_price", financial_status := _r0."financial_status", test := _r0."test", line_items := list_transform(_r0."line_items", _r1 -> struct_pack(id := _r1."id", product_id := _r1."product_id", variant_id := _r1."variant_id", sku := _r1."sku", title := _r1."title", quantity := _r1."quantity", price := _r1."price", total_discount := _r1."total_discount", product_exists := _r1."product_exists", properties := list_transform(_r1."properties", _r2 -> struct_pack(name := _r2."name")))), note_attributes := list_transform(_r0."note_attributes", _r1 -> struct_pack(name := _r1."name", value := _r1."value")), refund_line_items := list_transform(_r0."refund_line_items", _r1 -> struct_pack(id := _r1."id", line_item_id := _r1."line_item_id", quantity := _r1."quantity", subtotal := _r1."subtotal")), title := _r0."title", product_type := _r0."product_type", vendor := _r0."vendor", status := _r0."status", tags := _r0."tags", variants := list_transform(_r0."variants", _r1 -> struct_pack(id := _r1."id", sku := _r1."sku", title := _r1."title", price := _r1."price", inventory_item_id := _r1."inventory_item_id", option1 := _r1."option1", option2 := _r1."option2", option3 := _r1."option3", created_at := _r1."created_at")), location_id := _r0."location_id", available := _r0."available", state := _r0."state", orders_count := _r0."orders_count", total_spent := _r0."total_spent", accepts_marketing := _r0."accepts_marketing", email := _r0."email", phone := _r0."phone"))[1] AS rec
  FROM "shop_raw"."events"
  WHERE received_at > (SELECT ((COALESCE(MAX(received_at), TIMESTAMPTZ '1970-01-01 00:00:00+00')) - INTERVAL (48) HOUR) FROM "shop_staging"."events_dedup")
    -- one key per copy: DuckDB plans a semi-join on one column as a streaming hash probe, and a correlated EXISTS
    -- over three columns as a delim join 2-3x slower over a million bodies
    AND CONCAT(webhook_id, '|', CAST(received_at AS VARCHAR), '|', api_version) IN (SELECT CONCAT(webhook_id, '|', CAST(received_at AS VARCHAR), '|', api_version) FROM chosen)
  
),

-- customers already redacted: a late delivery about one (the raw table in the cloud holds it as Shopify sent it)
-- stays unlinked (no customer_id) and their own customer records are not staged, so nothing downstream re-derives them
redacted AS (
  SELECT DISTINCT shop, customer_id
  FROM "shop_raw"."privacy_audit"
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
      THEN CAST(rec.updated_at AS TIMESTAMPTZ)
  END AS resource_updated_at,
  CASE
    WHEN topic IN ('customers/create', 'customers/update') THEN rec.id
    WHEN topic LIKE 'orders/%' OR topic IN ('customers/redact', 'customers/data_request') THEN rec.customer_id
  END AS customer_id,
  struct_pack(created_at := rec.created_at, name := rec.name, cancelled_at := rec.cancelled_at, currency := rec.currency, subtotal_price := rec.subtotal_price, total_price := rec.total_price, financial_status := rec.financial_status, test := rec.test, line_items := rec.line_items, refund_line_items := rec.refund_line_items, checkout_arm := list_extract(list_transform(list_filter(rec.note_attributes, _x -> _x.name = '_shop_mlops_arm'), _x -> _x.value), 1), title := rec.title, product_type := rec.product_type, vendor := rec.vendor, status := rec.status, tags := rec.tags, variants := rec.variants, location_id := rec.location_id, available := rec.available, state := rec.state, orders_count := rec.orders_count, total_spent := rec.total_spent, accepts_marketing := rec.accepts_marketing, has_email := rec.email IS NOT NULL, has_phone := rec.phone IS NOT NULL) AS body
FROM parsed
)

SELECT
  s.shop, s.topic, s.webhook_id, s.event_id, s.api_version, s.triggered_at, s.received_at, s.order_id, s.resource_id, s.resource_updated_at,
  CASE WHEN r.customer_id IS NULL THEN s.customer_id END AS customer_id,
  s.body
FROM staged AS s
LEFT JOIN redacted AS r ON r.shop = s.shop AND r.customer_id = s.customer_id
WHERE r.customer_id IS NULL OR s.topic NOT IN ('customers/create', 'customers/update');
INSERT INTO "shop_staging"."events_dedup" BY NAME SELECT * FROM "__new_shop_staging__events_dedup"
