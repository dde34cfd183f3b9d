-- assertion shop_assertions.shop_staging_order_versions_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, order_id, appended_at, sign,
    COUNT(1) AS index_row_count
  FROM "shop_staging"."order_versions"
  GROUP BY shop, order_id, appended_at, sign
  ) AS data
WHERE index_row_count > 1

-- scoped check (incremental runs of shop_staging.order_versions after a pass)
SELECT
  *
FROM (
  SELECT
    shop, order_id, appended_at, sign,
    COUNT(1) AS index_row_count
  FROM (SELECT _t.* FROM "shop_staging"."order_versions" AS _t SEMI JOIN "__new_shop_staging__order_versions" AS _n ON _n."shop" IS NOT DISTINCT FROM _t."shop" AND _n."order_id" IS NOT DISTINCT FROM _t."order_id" AND _n."appended_at" IS NOT DISTINCT FROM _t."appended_at" AND _n."sign" IS NOT DISTINCT FROM _t."sign")
  GROUP BY shop, order_id, appended_at, sign
  ) AS data
WHERE index_row_count > 1
