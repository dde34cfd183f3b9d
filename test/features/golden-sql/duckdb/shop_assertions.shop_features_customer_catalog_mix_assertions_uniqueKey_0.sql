-- assertion shop_assertions.shop_features_customer_catalog_mix_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, snapshot_date, customer_id,
    COUNT(1) AS index_row_count
  FROM "shop_features"."customer_catalog_mix"
  GROUP BY shop, snapshot_date, customer_id
  ) AS data
WHERE index_row_count > 1

-- scoped check (incremental runs of shop_features.customer_catalog_mix after a pass)
SELECT
  *
FROM (
  SELECT
    shop, snapshot_date, customer_id,
    COUNT(1) AS index_row_count
  FROM (SELECT _t.* FROM "shop_features"."customer_catalog_mix" AS _t SEMI JOIN "__new_shop_features__customer_catalog_mix" AS _n ON _n."shop" IS NOT DISTINCT FROM _t."shop" AND _n."snapshot_date" IS NOT DISTINCT FROM _t."snapshot_date" AND _n."customer_id" IS NOT DISTINCT FROM _t."customer_id")
  GROUP BY shop, snapshot_date, customer_id
  ) AS data
WHERE index_row_count > 1
