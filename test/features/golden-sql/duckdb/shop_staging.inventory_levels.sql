-- table shop_staging.inventory_levels

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_staging";
CREATE OR REPLACE TABLE "shop_staging"."inventory_levels" AS -- shop_staging.inventory_levels: inventory over time, one row per (shop, inventory_item_id, location_id,
-- updated_at) from inventory_levels/update (a second event for the same instant: the latest triggered/received
-- wins). The variant comes from current variants' inventory_item_id (null when no product event maps it).


WITH levels AS (
  SELECT
    shop,
    resource_id AS inventory_item_id,
    body.location_id AS location_id,
    CAST(body.available AS BIGINT) AS available,
    resource_updated_at AS updated_at,
    received_at,
    ROW_NUMBER() OVER (
      PARTITION BY shop, resource_id, body.location_id, resource_updated_at
      ORDER BY triggered_at DESC NULLS LAST, received_at DESC, webhook_id DESC
    ) AS copy_rank
  FROM "shop_staging"."events_dedup"
  WHERE topic = 'inventory_levels/update'
)

SELECT
  l.shop,
  l.inventory_item_id,
  l.location_id,
  v.variant_id,
  v.product_id,
  l.available,
  l.updated_at,
  CAST(timezone('America/New_York', l.updated_at) AS DATE) AS level_date,
  l.received_at
FROM levels AS l
LEFT JOIN "shop_staging"."variants" AS v ON v.shop = l.shop AND v.inventory_item_id = l.inventory_item_id
WHERE l.copy_rank = 1
