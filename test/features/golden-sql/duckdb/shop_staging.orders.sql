-- incremental shop_staging.orders

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."orders" AS -- shop_staging.orders: the current state of every order, one row per (shop, order_id).
-- Current state = the order event (orders/create, /updated, /paid, /cancelled) with the latest payload
-- updated_at, ties broken by triggered_at, then received_at. Test and cancelled orders are KEPT with flags
-- (is_test, is_cancelled; is_included = neither) so a cancellation arriving later replaces the row on the
-- next incremental run; every feature filters on is_included. Zero-priced orders are kept.
-- Incremental: orders touched by an order or refund event received since the newest one processed here
-- (minus a lookback) are rebuilt from all their events and merged on (shop, order_id).


WITH touched AS (
  -- orders with an order or refund event to (re)process
  SELECT DISTINCT shop, order_id
  FROM "shop_staging"."events_dedup"
  WHERE order_id IS NOT NULL
  
),

events AS (
  -- keys only: ranking never carries the payloads (sorting 7 KB rows dominated the build); the winner's
  -- payload is joined back once in current_state
  SELECT e.shop, e.order_id, e.topic, e.webhook_id, e.triggered_at, e.received_at, e.resource_updated_at
  FROM "shop_staging"."events_dedup" AS e
  INNER JOIN touched AS t ON e.shop = t.shop AND e.order_id = t.order_id
),

ranked AS (
  SELECT *,
    ROW_NUMBER() OVER (
      PARTITION BY shop, order_id
      ORDER BY resource_updated_at DESC NULLS LAST, triggered_at DESC NULLS LAST, received_at DESC, webhook_id DESC
    ) AS state_rank
  FROM events
  WHERE topic IN ('orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled')
),

activity AS (
  SELECT shop, order_id, COUNT(*) AS event_count, MAX(received_at) AS last_received_at
  FROM events
  GROUP BY shop, order_id
),

current_state AS (
  SELECT
    r.shop,
    r.order_id,
    json_extract_string(p.payload, '$.name') AS order_name,
    json_extract_string(p.payload, '$.customer.id') AS customer_id,
    CAST(json_extract_string(p.payload, '$.created_at') AS TIMESTAMPTZ) AS created_at,
    r.resource_updated_at AS updated_at,
    CAST(json_extract_string(p.payload, '$.cancelled_at') AS TIMESTAMPTZ) AS cancelled_at,
    json_extract_string(p.payload, '$.currency') AS currency,
    CAST(json_extract_string(p.payload, '$.subtotal_price') AS DECIMAL(38,9)) AS subtotal_price,
    CAST(json_extract_string(p.payload, '$.total_price') AS DECIMAL(38,9)) AS total_price,
    json_extract_string(p.payload, '$.financial_status') AS financial_status,
    COALESCE((json_extract_string(p.payload, '$.test') = 'true'), FALSE) AS is_test,
    r.webhook_id AS source_webhook_id,
    a.event_count,
    a.last_received_at
  FROM ranked AS r
  INNER JOIN "shop_staging"."events_dedup" AS p ON p.webhook_id = r.webhook_id
  INNER JOIN activity AS a ON r.shop = a.shop AND r.order_id = a.order_id
  WHERE r.state_rank = 1
)

SELECT
  shop,
  order_id,
  order_name,
  customer_id,
  created_at,
  CAST(timezone('America/New_York', created_at) AS DATE) AS order_date,
  updated_at,
  cancelled_at,
  currency,
  subtotal_price,
  total_price,
  financial_status,
  is_test,
  cancelled_at IS NOT NULL AS is_cancelled,
  NOT is_test AND cancelled_at IS NULL AS is_included,
  source_webhook_id,
  event_count,
  last_received_at
FROM current_state

-- incremental run
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TEMP TABLE __incremental AS -- shop_staging.orders: the current state of every order, one row per (shop, order_id).
-- Current state = the order event (orders/create, /updated, /paid, /cancelled) with the latest payload
-- updated_at, ties broken by triggered_at, then received_at. Test and cancelled orders are KEPT with flags
-- (is_test, is_cancelled; is_included = neither) so a cancellation arriving later replaces the row on the
-- next incremental run; every feature filters on is_included. Zero-priced orders are kept.
-- Incremental: orders touched by an order or refund event received since the newest one processed here
-- (minus a lookback) are rebuilt from all their events and merged on (shop, order_id).


WITH touched AS (
  -- orders with an order or refund event to (re)process
  SELECT DISTINCT shop, order_id
  FROM "shop_staging"."events_dedup"
  WHERE order_id IS NOT NULL
  AND received_at > (
    SELECT ((COALESCE(MAX(last_received_at), TIMESTAMPTZ '1970-01-01 00:00:00+00')) - INTERVAL (48) HOUR)
    FROM "shop_staging"."orders")
),

events AS (
  -- keys only: ranking never carries the payloads (sorting 7 KB rows dominated the build); the winner's
  -- payload is joined back once in current_state
  SELECT e.shop, e.order_id, e.topic, e.webhook_id, e.triggered_at, e.received_at, e.resource_updated_at
  FROM "shop_staging"."events_dedup" AS e
  INNER JOIN touched AS t ON e.shop = t.shop AND e.order_id = t.order_id
),

ranked AS (
  SELECT *,
    ROW_NUMBER() OVER (
      PARTITION BY shop, order_id
      ORDER BY resource_updated_at DESC NULLS LAST, triggered_at DESC NULLS LAST, received_at DESC, webhook_id DESC
    ) AS state_rank
  FROM events
  WHERE topic IN ('orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled')
),

activity AS (
  SELECT shop, order_id, COUNT(*) AS event_count, MAX(received_at) AS last_received_at
  FROM events
  GROUP BY shop, order_id
),

current_state AS (
  SELECT
    r.shop,
    r.order_id,
    json_extract_string(p.payload, '$.name') AS order_name,
    json_extract_string(p.payload, '$.customer.id') AS customer_id,
    CAST(json_extract_string(p.payload, '$.created_at') AS TIMESTAMPTZ) AS created_at,
    r.resource_updated_at AS updated_at,
    CAST(json_extract_string(p.payload, '$.cancelled_at') AS TIMESTAMPTZ) AS cancelled_at,
    json_extract_string(p.payload, '$.currency') AS currency,
    CAST(json_extract_string(p.payload, '$.subtotal_price') AS DECIMAL(38,9)) AS subtotal_price,
    CAST(json_extract_string(p.payload, '$.total_price') AS DECIMAL(38,9)) AS total_price,
    json_extract_string(p.payload, '$.financial_status') AS financial_status,
    COALESCE((json_extract_string(p.payload, '$.test') = 'true'), FALSE) AS is_test,
    r.webhook_id AS source_webhook_id,
    a.event_count,
    a.last_received_at
  FROM ranked AS r
  INNER JOIN "shop_staging"."events_dedup" AS p ON p.webhook_id = r.webhook_id
  INNER JOIN activity AS a ON r.shop = a.shop AND r.order_id = a.order_id
  WHERE r.state_rank = 1
)

SELECT
  shop,
  order_id,
  order_name,
  customer_id,
  created_at,
  CAST(timezone('America/New_York', created_at) AS DATE) AS order_date,
  updated_at,
  cancelled_at,
  currency,
  subtotal_price,
  total_price,
  financial_status,
  is_test,
  cancelled_at IS NOT NULL AS is_cancelled,
  NOT is_test AND cancelled_at IS NULL AS is_included,
  source_webhook_id,
  event_count,
  last_received_at
FROM current_state;
DELETE FROM "shop_staging"."orders" AS t USING __incremental AS i WHERE t."shop" IS NOT DISTINCT FROM i."shop" AND t."order_id" IS NOT DISTINCT FROM i."order_id";
INSERT INTO "shop_staging"."orders" BY NAME SELECT * FROM __incremental;
DROP TABLE __incremental
