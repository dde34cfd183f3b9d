-- table shop_staging.variants

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."variants" AS -- shop_staging.variants: current variants, one row per (shop, variant_id), taken from the current state of
-- their product (shop_staging.products); inventory_item_id links a variant to its inventory levels.


WITH product_bodies AS (
  SELECT p.shop, p.product_id, p.updated_at, e.body.variants AS variants
  FROM "shop_staging"."products" AS p
  INNER JOIN "shop_staging"."events_dedup" AS e ON e.webhook_id = p.source_webhook_id
)

SELECT
  shop,
  v.id AS variant_id,
  product_id,
  v.sku AS sku,
  v.title AS title,
  COALESCE(CAST(TRY_CAST(v.price AS DECIMAL(18,9)) AS DECIMAL(38,9)), CAST(v.price AS DECIMAL(38,9))) AS price,
  v.inventory_item_id AS inventory_item_id,
  v.option1 AS option1,
  v.option2 AS option2,
  v.option3 AS option3,
  CAST(v.created_at AS TIMESTAMPTZ) AS created_at,
  updated_at AS product_updated_at
FROM (SELECT * EXCLUDE (variants), unnest(variants) AS v FROM product_bodies) AS pv
