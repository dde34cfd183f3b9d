-- table shop_staging.variants

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."variants" AS -- shop_staging.variants: current variants, one row per (shop, variant_id), taken from the current state of
-- their product (shop_staging.products); inventory_item_id links a variant to its inventory levels.


SELECT
  p.shop,
  json_extract_string(v, '$.id') AS variant_id,
  p.product_id,
  json_extract_string(v, '$.sku') AS sku,
  json_extract_string(v, '$.title') AS title,
  CAST(json_extract_string(v, '$.price') AS DECIMAL(38,9)) AS price,
  json_extract_string(v, '$.inventory_item_id') AS inventory_item_id,
  p.updated_at AS product_updated_at
FROM "shop_staging"."products" AS p
INNER JOIN "shop_staging"."events_dedup" AS e ON e.webhook_id = p.source_webhook_id
CROSS JOIN UNNEST(json_extract(e.payload, '$.variants[*]')) AS _v(v)
