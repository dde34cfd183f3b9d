-- assertion shop_assertions.shop_staging_order_values_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, order_id,
    COUNT(1) AS index_row_count
  FROM "shop_staging"."order_values"
  GROUP BY shop, order_id
  ) AS data
WHERE index_row_count > 1

-- scoped check (incremental runs of shop_staging.order_values after a pass)
SELECT
  *
FROM (
  SELECT
    shop, order_id,
    COUNT(1) AS index_row_count
  FROM (SELECT _t.* FROM "shop_staging"."order_values" AS _t SEMI JOIN "__new_shop_staging__order_values" AS _n ON _n."shop" IS NOT DISTINCT FROM _t."shop" AND _n."order_id" IS NOT DISTINCT FROM _t."order_id")
  GROUP BY shop, order_id
  ) AS data
WHERE index_row_count > 1
