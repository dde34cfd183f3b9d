-- assertion shop_assertions.shop_staging_inventory_levels_assertions_rowConditions

SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.inventory_levels`
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'inventory_item_id IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.inventory_levels`
WHERE NOT (inventory_item_id IS NOT NULL)
UNION ALL
SELECT
  'location_id IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.inventory_levels`
WHERE NOT (location_id IS NOT NULL)
UNION ALL
SELECT
  'updated_at IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.inventory_levels`
WHERE NOT (updated_at IS NOT NULL)
UNION ALL
SELECT
  'level_date IS NOT NULL' AS failing_row_condition,
  *
FROM `demo-shop-mlops.shop_staging.inventory_levels`
WHERE NOT (level_date IS NOT NULL)
