-- incremental shop_staging.events_dedup

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."events_dedup" AS -- shop_staging.events_dedup: every distinct Shopify event exactly once.
-- BigQuery's raw table is at-least-once (Pub/Sub subscription + Shopify redeliveries); here a delivery is kept
-- once per webhook_id, then once per (shop, topic, event_id) — the keys the embedded loader enforces at landing.
-- The earliest received copy wins. A few routing columns are extracted once so downstream incremental
-- tables can find the events of an order without parsing every payload.
-- Incremental: new deliveries (received in the lookback window before the newest one already here) that are
-- not already present by either key are appended.


WITH deliveries AS (
  SELECT shop, topic, webhook_id, event_id, api_version, triggered_at, received_at, payload
  FROM "shop_raw"."events"
  
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

-- 3. the kept deliveries, each payload parsed once for the routing columns
chosen AS (
  SELECT *,
    list_transform([json_extract_string(payload, ['$.id', '$.order_id', '$.inventory_item_id', '$.updated_at'])], _j -> struct_pack(id := _j[1], order_id := _j[2], inventory_item_id := _j[3], updated_at := _j[4]))[1] AS j
  FROM by_event
  WHERE event_copy = 1
  
)

SELECT
  shop,
  topic,
  webhook_id,
  event_id,
  api_version,
  triggered_at,
  received_at,
  CASE
    WHEN topic LIKE 'orders/%' THEN j.id
    WHEN topic = 'refunds/create' THEN j.order_id
  END AS order_id,
  CASE
    WHEN topic = 'inventory_levels/update' THEN j.inventory_item_id
    ELSE j.id
  END AS resource_id,
  CASE
    WHEN topic LIKE 'orders/%' OR topic LIKE 'products/%' OR topic LIKE 'customers/%' OR topic = 'inventory_levels/update'
      THEN CAST(j.updated_at AS TIMESTAMPTZ)
  END AS resource_updated_at,
  payload
FROM chosen

-- incremental run
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TEMP TABLE __incremental AS -- shop_staging.events_dedup: every distinct Shopify event exactly once.
-- BigQuery's raw table is at-least-once (Pub/Sub subscription + Shopify redeliveries); here a delivery is kept
-- once per webhook_id, then once per (shop, topic, event_id) — the keys the embedded loader enforces at landing.
-- The earliest received copy wins. A few routing columns are extracted once so downstream incremental
-- tables can find the events of an order without parsing every payload.
-- Incremental: new deliveries (received in the lookback window before the newest one already here) that are
-- not already present by either key are appended.


WITH deliveries AS (
  SELECT shop, topic, webhook_id, event_id, api_version, triggered_at, received_at, payload
  FROM "shop_raw"."events"
  WHERE received_at > (
    SELECT ((COALESCE(MAX(received_at), TIMESTAMPTZ '1970-01-01 00:00:00+00')) - INTERVAL (48) HOUR)
    FROM "shop_staging"."events_dedup")
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

-- 3. the kept deliveries, each payload parsed once for the routing columns
chosen AS (
  SELECT *,
    list_transform([json_extract_string(payload, ['$.id', '$.order_id', '$.inventory_item_id', '$.updated_at'])], _j -> struct_pack(id := _j[1], order_id := _j[2], inventory_item_id := _j[3], updated_at := _j[4]))[1] AS j
  FROM by_event
  WHERE event_copy = 1
  
    AND NOT EXISTS (SELECT 1 FROM "shop_staging"."events_dedup" AS kept WHERE kept.webhook_id = by_event.webhook_id)
    AND (by_event.event_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM "shop_staging"."events_dedup" AS kept
      WHERE kept.shop = by_event.shop AND kept.topic = by_event.topic AND kept.event_id = by_event.event_id))
)

SELECT
  shop,
  topic,
  webhook_id,
  event_id,
  api_version,
  triggered_at,
  received_at,
  CASE
    WHEN topic LIKE 'orders/%' THEN j.id
    WHEN topic = 'refunds/create' THEN j.order_id
  END AS order_id,
  CASE
    WHEN topic = 'inventory_levels/update' THEN j.inventory_item_id
    ELSE j.id
  END AS resource_id,
  CASE
    WHEN topic LIKE 'orders/%' OR topic LIKE 'products/%' OR topic LIKE 'customers/%' OR topic = 'inventory_levels/update'
      THEN CAST(j.updated_at AS TIMESTAMPTZ)
  END AS resource_updated_at,
  payload
FROM chosen;
INSERT INTO "shop_staging"."events_dedup" BY NAME SELECT * FROM __incremental;
DROP TABLE __incremental
