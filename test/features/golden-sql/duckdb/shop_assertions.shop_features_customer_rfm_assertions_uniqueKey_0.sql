-- assertion shop_assertions.shop_features_customer_rfm_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, snapshot_date, customer_id,
    COUNT(1) AS index_row_count
  FROM "shop_features"."customer_rfm"
  GROUP BY shop, snapshot_date, customer_id
  ) AS data
WHERE index_row_count > 1
