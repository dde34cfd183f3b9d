-- table shop_staging.products

-- query
-- shop_staging.products: current state of each product (products/create and products/update), one row per
-- (shop, product_id): the event with the latest payload updated_at, ties by triggered_at then received_at.


WITH ranked AS (
  SELECT *,
    ROW_NUMBER() OVER (
      PARTITION BY shop, resource_id
      ORDER BY resource_updated_at DESC NULLS LAST, triggered_at DESC NULLS LAST, received_at DESC, webhook_id DESC
    ) AS state_rank
  FROM `demo-shop-mlops.shop_staging.events_dedup`
  WHERE topic IN ('products/create', 'products/update')
)

SELECT
  shop,
  resource_id AS product_id,
  body.title AS title,
  body.product_type AS product_type,
  body.vendor AS vendor,
  ARRAY(SELECT TRIM(t) FROM UNNEST(SPLIT(COALESCE(body.tags, ''), ',')) AS t WHERE TRIM(t) != '') AS tags,
  body.status AS status,
  TIMESTAMP(body.created_at) AS created_at,
  resource_updated_at AS updated_at,
  COALESCE(ARRAY_LENGTH(body.variants), 0) AS variant_count,
  webhook_id AS source_webhook_id
FROM ranked
WHERE state_rank = 1
