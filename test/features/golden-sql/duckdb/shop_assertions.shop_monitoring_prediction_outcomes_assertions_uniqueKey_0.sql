-- assertion shop_assertions.shop_monitoring_prediction_outcomes_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    prediction_id,
    COUNT(1) AS index_row_count
  FROM "shop_monitoring"."prediction_outcomes"
  GROUP BY prediction_id
  ) AS data
WHERE index_row_count > 1
