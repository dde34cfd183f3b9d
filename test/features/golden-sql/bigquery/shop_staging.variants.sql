-- table shop_staging.variants

-- query
-- shop_staging.variants: current variants, one row per (shop, variant_id), taken from the current state of
-- their product (shop_staging.products); inventory_item_id links a variant to its inventory levels.


SELECT
  p.shop,
  JSON_VALUE(v, '$.id') AS variant_id,
  p.product_id,
  JSON_VALUE(v, '$.sku') AS sku,
  JSON_VALUE(v, '$.title') AS title,
  CAST(JSON_VALUE(v, '$.price') AS NUMERIC) AS price,
  JSON_VALUE(v, '$.inventory_item_id') AS inventory_item_id,
  p.updated_at AS product_updated_at
FROM `demo-shop-mlops.shop_staging.products` AS p
INNER JOIN `demo-shop-mlops.shop_staging.events_dedup` AS e ON e.webhook_id = p.source_webhook_id
CROSS JOIN UNNEST(JSON_QUERY_ARRAY(e.payload, '$.variants')) AS v
