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


WITH events AS (
  -- every order and refund event of those orders (of every order on a full build)
  SELECT e.shop, e.order_id, e.topic, e.webhook_id, e.triggered_at, e.received_at, e.resource_updated_at
  FROM "shop_staging"."events_dedup" AS e
  WHERE e.order_id IS NOT NULL
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

winners AS (
  -- the winning event of each order with its parsed body (events_dedup parsed the JSON once)
  -- (named fields, not the whole body: the line item arrays stay on disk)
  SELECT r.shop, r.order_id, r.resource_updated_at, r.webhook_id, p.customer_id,
    p.body.name, p.body.created_at, p.body.cancelled_at, p.body.currency, p.body.subtotal_price, p.body.total_price,
    p.body.financial_status, p.body.test,
    p.body.checkout_arm
  FROM ranked AS r
  -- matched on the order too: order ids grow with time, so an incremental run's few orders skip most row groups
  -- by their min/max (webhook ids are random and skip none)
  INNER JOIN "shop_staging"."events_dedup" AS p ON p.shop = r.shop AND p.order_id = r.order_id AND p.webhook_id = r.webhook_id
  WHERE r.state_rank = 1
),

current_state AS (
  SELECT
    w.shop,
    w.order_id,
    w.name AS order_name,
    w.customer_id,
    CAST(w.created_at AS TIMESTAMPTZ) AS created_at,
    w.resource_updated_at AS updated_at,
    CAST(w.cancelled_at AS TIMESTAMPTZ) AS cancelled_at,
    w.currency AS currency,
    COALESCE(CAST(TRY_CAST(w.subtotal_price AS DECIMAL(18,9)) AS DECIMAL(38,9)), CAST(w.subtotal_price AS DECIMAL(38,9))) AS subtotal_price,
    COALESCE(CAST(TRY_CAST(w.total_price AS DECIMAL(18,9)) AS DECIMAL(38,9)), CAST(w.total_price AS DECIMAL(38,9))) AS total_price,
    w.financial_status AS financial_status,
    COALESCE(w.test = 'true', FALSE) AS is_test,
    w.checkout_arm,
    w.webhook_id AS source_webhook_id,
    a.event_count,
    a.last_received_at
  FROM winners AS w
  INNER JOIN activity AS a ON w.shop = a.shop AND w.order_id = a.order_id
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
  checkout_arm,
  source_webhook_id,
  event_count,
  last_received_at
FROM current_state

-- incremental run
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TEMP TABLE "__new_shop_staging__orders" AS -- shop_staging.orders: the current state of every order, one row per (shop, order_id).
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
  -- every order and refund event of those orders (of every order on a full build)
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

winners AS (
  -- the winning event of each order with its parsed body (events_dedup parsed the JSON once)
  -- (named fields, not the whole body: the line item arrays stay on disk)
  SELECT r.shop, r.order_id, r.resource_updated_at, r.webhook_id, p.customer_id,
    p.body.name, p.body.created_at, p.body.cancelled_at, p.body.currency, p.body.subtotal_price, p.body.total_price,
    p.body.financial_status, p.body.test,
    p.body.checkout_arm
  FROM ranked AS r
  -- matched on the order too: order ids grow with time, so an incremental run's few orders skip most row groups
  -- by their min/max (webhook ids are random and skip none)
  INNER JOIN "shop_staging"."events_dedup" AS p ON p.shop = r.shop AND p.order_id = r.order_id AND p.webhook_id = r.webhook_id
  WHERE r.state_rank = 1
),

current_state AS (
  SELECT
    w.shop,
    w.order_id,
    w.name AS order_name,
    w.customer_id,
    CAST(w.created_at AS TIMESTAMPTZ) AS created_at,
    w.resource_updated_at AS updated_at,
    CAST(w.cancelled_at AS TIMESTAMPTZ) AS cancelled_at,
    w.currency AS currency,
    COALESCE(CAST(TRY_CAST(w.subtotal_price AS DECIMAL(18,9)) AS DECIMAL(38,9)), CAST(w.subtotal_price AS DECIMAL(38,9))) AS subtotal_price,
    COALESCE(CAST(TRY_CAST(w.total_price AS DECIMAL(18,9)) AS DECIMAL(38,9)), CAST(w.total_price AS DECIMAL(38,9))) AS total_price,
    w.financial_status AS financial_status,
    COALESCE(w.test = 'true', FALSE) AS is_test,
    w.checkout_arm,
    w.webhook_id AS source_webhook_id,
    a.event_count,
    a.last_received_at
  FROM winners AS w
  INNER JOIN activity AS a ON w.shop = a.shop AND w.order_id = a.order_id
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
  checkout_arm,
  source_webhook_id,
  event_count,
  last_received_at
FROM current_state;
DELETE FROM "shop_staging"."orders" AS t USING "__new_shop_staging__orders" AS i WHERE t."shop" IS NOT DISTINCT FROM i."shop" AND t."order_id" IS NOT DISTINCT FROM i."order_id";
INSERT INTO "shop_staging"."orders" BY NAME SELECT * FROM "__new_shop_staging__orders"
