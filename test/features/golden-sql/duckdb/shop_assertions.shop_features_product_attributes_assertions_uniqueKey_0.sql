-- assertion shop_assertions.shop_features_product_attributes_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, variant_id,
    COUNT(1) AS index_row_count
  FROM "shop_features"."product_attributes"
  GROUP BY shop, variant_id
  ) AS data
WHERE index_row_count > 1
