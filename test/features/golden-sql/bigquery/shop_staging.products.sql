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
  JSON_VALUE(payload, '$.title') AS title,
  JSON_VALUE(payload, '$.product_type') AS product_type,
  JSON_VALUE(payload, '$.vendor') AS vendor,
  JSON_VALUE(payload, '$.status') AS status,
  TIMESTAMP(JSON_VALUE(payload, '$.created_at')) AS created_at,
  resource_updated_at AS updated_at,
  COALESCE(ARRAY_LENGTH(JSON_QUERY_ARRAY(payload, '$.variants')), 0) AS variant_count,
  webhook_id AS source_webhook_id
FROM ranked
WHERE state_rank = 1
