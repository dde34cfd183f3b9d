-- table shop_staging.customers

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."customers" AS -- shop_staging.customers: current state of each customer from customers/create and customers/update, one row
-- per (shop, customer_id): latest payload updated_at, ties by triggered_at then received_at. Only what the
-- features need is extracted (no names or addresses); email/phone presence is kept as flags.
-- Customers seen only on orders (no customers/* event) are not here; features key on orders.customer_id.


WITH ranked AS (
  SELECT *,
    ROW_NUMBER() OVER (
      PARTITION BY shop, resource_id
      ORDER BY resource_updated_at DESC NULLS LAST, triggered_at DESC NULLS LAST, received_at DESC, webhook_id DESC
    ) AS state_rank
  FROM "shop_staging"."events_dedup"
  WHERE topic IN ('customers/create', 'customers/update')
)

SELECT
  shop,
  resource_id AS customer_id,
  CAST(body.created_at AS TIMESTAMPTZ) AS created_at,
  resource_updated_at AS updated_at,
  body.state AS state,
  CAST(body.orders_count AS BIGINT) AS orders_count,
  COALESCE(CAST(TRY_CAST(body.total_spent AS DECIMAL(18,9)) AS DECIMAL(38,9)), CAST(body.total_spent AS DECIMAL(38,9))) AS total_spent,
  (body.accepts_marketing = 'true') AS accepts_marketing,
  body.has_email AS has_email,
  body.has_phone AS has_phone,
  webhook_id AS source_webhook_id
FROM ranked
WHERE state_rank = 1
