-- table shop_staging.products

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."products" AS -- shop_staging.products: current state of each product (products/create and products/update), one row per
-- (shop, product_id): the event with the latest payload updated_at, ties by triggered_at then received_at.


WITH ranked AS (
  SELECT *,
    ROW_NUMBER() OVER (
      PARTITION BY shop, resource_id
      ORDER BY resource_updated_at DESC NULLS LAST, triggered_at DESC NULLS LAST, received_at DESC, webhook_id DESC
    ) AS state_rank
  FROM "shop_staging"."events_dedup"
  WHERE topic IN ('products/create', 'products/update')
)

SELECT
  shop,
  resource_id AS product_id,
  body.title AS title,
  body.product_type AS product_type,
  body.vendor AS vendor,
  COALESCE(list_filter(list_transform(string_split(body.tags, ','), lambda t: trim(t)), lambda t: t <> ''), CAST([] AS VARCHAR[])) AS tags,
  body.status AS status,
  CAST(body.created_at AS TIMESTAMPTZ) AS created_at,
  resource_updated_at AS updated_at,
  COALESCE(CAST(len(body.variants) AS BIGINT), 0) AS variant_count,
  webhook_id AS source_webhook_id
FROM ranked
WHERE state_rank = 1
