-- assertion shop_assertions.shop_staging_customer_days_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, customer_id, order_date,
    COUNT(1) AS index_row_count
  FROM "shop_staging"."customer_days"
  GROUP BY shop, customer_id, order_date
  ) AS data
WHERE index_row_count > 1

-- scoped check (incremental runs of shop_staging.customer_days after a pass)
SELECT
  *
FROM (
  SELECT
    shop, customer_id, order_date,
    COUNT(1) AS index_row_count
  FROM (SELECT _t.* FROM "shop_staging"."customer_days" AS _t SEMI JOIN "__new_shop_staging__customer_days" AS _n ON _n."shop" IS NOT DISTINCT FROM _t."shop" AND _n."customer_id" IS NOT DISTINCT FROM _t."customer_id" AND _n."order_date" IS NOT DISTINCT FROM _t."order_date")
  GROUP BY shop, customer_id, order_date
  ) AS data
WHERE index_row_count > 1
