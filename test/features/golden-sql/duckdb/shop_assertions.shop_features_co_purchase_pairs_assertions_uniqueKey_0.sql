-- assertion shop_assertions.shop_features_co_purchase_pairs_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, snapshot_date, product_a, product_b,
    COUNT(1) AS index_row_count
  FROM "shop_features"."co_purchase_pairs"
  GROUP BY shop, snapshot_date, product_a, product_b
  ) AS data
WHERE index_row_count > 1

-- scoped check (incremental runs of shop_features.co_purchase_pairs after a pass)
SELECT
  *
FROM (
  SELECT
    shop, snapshot_date, product_a, product_b,
    COUNT(1) AS index_row_count
  FROM (SELECT _t.* FROM "shop_features"."co_purchase_pairs" AS _t SEMI JOIN "__new_shop_features__co_purchase_pairs" AS _n ON _n."shop" IS NOT DISTINCT FROM _t."shop" AND _n."snapshot_date" IS NOT DISTINCT FROM _t."snapshot_date" AND _n."product_a" IS NOT DISTINCT FROM _t."product_a" AND _n."product_b" IS NOT DISTINCT FROM _t."product_b")
  GROUP BY shop, snapshot_date, product_a, product_b
  ) AS data
WHERE index_row_count > 1
