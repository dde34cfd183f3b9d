-- assertion shop_assertions.shop_staging_inventory_levels_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, inventory_item_id, location_id, updated_at,
    COUNT(1) AS index_row_count
  FROM "shop_staging"."inventory_levels"
  GROUP BY shop, inventory_item_id, location_id, updated_at
  ) AS data
WHERE index_row_count > 1
