-- incremental shop_staging.events_dedup

-- query
-- shop_staging.events_dedup: every distinct Shopify event exactly once.
-- BigQuery's raw table is at-least-once (Pub/Sub subscription + Shopify redeliveries); here a delivery is kept
-- once per webhook_id, then once per (shop, topic, event_id) — the keys the embedded loader enforces at landing.
-- The earliest received copy wins. A few routing columns are extracted once so downstream incremental
-- tables can find the events of an order without parsing every payload.
-- Incremental: new deliveries (received in the lookback window before the newest one already here) that are
-- not already present by either key are appended.


WITH deliveries AS (
  SELECT shop, topic, webhook_id, event_id, api_version, triggered_at, received_at, payload
  FROM `demo-shop-mlops.shop_raw.events`
  
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
    STRUCT(JSON_VALUE(payload, '$.id') AS id, JSON_VALUE(payload, '$.order_id') AS order_id, JSON_VALUE(payload, '$.inventory_item_id') AS inventory_item_id, JSON_VALUE(payload, '$.updated_at') AS updated_at) AS j
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
      THEN TIMESTAMP(j.updated_at)
  END AS resource_updated_at,
  payload
FROM chosen

-- incremental query
-- shop_staging.events_dedup: every distinct Shopify event exactly once.
-- BigQuery's raw table is at-least-once (Pub/Sub subscription + Shopify redeliveries); here a delivery is kept
-- once per webhook_id, then once per (shop, topic, event_id) — the keys the embedded loader enforces at landing.
-- The earliest received copy wins. A few routing columns are extracted once so downstream incremental
-- tables can find the events of an order without parsing every payload.
-- Incremental: new deliveries (received in the lookback window before the newest one already here) that are
-- not already present by either key are appended.


WITH deliveries AS (
  SELECT shop, topic, webhook_id, event_id, api_version, triggered_at, received_at, payload
  FROM `demo-shop-mlops.shop_raw.events`
  WHERE received_at > (
    SELECT TIMESTAMP_SUB(COALESCE(MAX(received_at), TIMESTAMP '1970-01-01 00:00:00 UTC'), INTERVAL 48 HOUR)
    FROM `demo-shop-mlops.shop_staging.events_dedup`)
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
    STRUCT(JSON_VALUE(payload, '$.id') AS id, JSON_VALUE(payload, '$.order_id') AS order_id, JSON_VALUE(payload, '$.inventory_item_id') AS inventory_item_id, JSON_VALUE(payload, '$.updated_at') AS updated_at) AS j
  FROM by_event
  WHERE event_copy = 1
  
    AND NOT EXISTS (SELECT 1 FROM `demo-shop-mlops.shop_staging.events_dedup` AS kept WHERE kept.webhook_id = by_event.webhook_id)
    AND (by_event.event_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM `demo-shop-mlops.shop_staging.events_dedup` AS kept
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
      THEN TIMESTAMP(j.updated_at)
  END AS resource_updated_at,
  payload
FROM chosen
