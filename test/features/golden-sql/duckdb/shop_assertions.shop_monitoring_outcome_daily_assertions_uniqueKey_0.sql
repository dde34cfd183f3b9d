-- assertion shop_assertions.shop_monitoring_outcome_daily_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    shop, model, version, arm, served_by, served_date, metric,
    COUNT(1) AS index_row_count
  FROM "shop_monitoring"."outcome_daily"
  GROUP BY shop, model, version, arm, served_by, served_date, metric
  ) AS data
WHERE index_row_count > 1
