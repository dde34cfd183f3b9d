-- assertion shop_assertions.shop_features_variant_daily_demand_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, variant_id, date,
    COUNT(1) AS index_row_count
  FROM "shop_features"."variant_daily_demand"
  GROUP BY shop, variant_id, date
  ) AS data
WHERE index_row_count > 1

-- scoped check (incremental runs of shop_features.variant_daily_demand after a pass)
SELECT
  *
FROM (
  SELECT
    shop, variant_id, date,
    COUNT(1) AS index_row_count
  FROM (SELECT _t.* FROM "shop_features"."variant_daily_demand" AS _t SEMI JOIN "__new_shop_features__variant_daily_demand" AS _n ON _n."shop" IS NOT DISTINCT FROM _t."shop" AND _n."variant_id" IS NOT DISTINCT FROM _t."variant_id" AND _n."date" IS NOT DISTINCT FROM _t."date")
  GROUP BY shop, variant_id, date
  ) AS data
WHERE index_row_count > 1
