-- assertion shop_assertions.shop_staging_order_lines_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, line_item_id,
    COUNT(1) AS index_row_count
  FROM "shop_staging"."order_lines"
  GROUP BY shop, line_item_id
  ) AS data
WHERE index_row_count > 1

-- scoped check (incremental runs of shop_staging.order_lines after a pass)
SELECT
  *
FROM (
  SELECT
    shop, line_item_id,
    COUNT(1) AS index_row_count
  FROM (SELECT _t.* FROM "shop_staging"."order_lines" AS _t SEMI JOIN "__new_shop_staging__order_lines" AS _n ON _n."shop" IS NOT DISTINCT FROM _t."shop" AND _n."line_item_id" IS NOT DISTINCT FROM _t."line_item_id")
  GROUP BY shop, line_item_id
  ) AS data
WHERE index_row_count > 1
