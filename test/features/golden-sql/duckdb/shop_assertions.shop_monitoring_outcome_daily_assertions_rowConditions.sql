-- assertion shop_assertions.shop_monitoring_outcome_daily_assertions_rowConditions

-- full build
SELECT
  'trials >= 0' AS failing_row_condition,
  *
FROM "shop_monitoring"."outcome_daily"
WHERE NOT (trials >= 0)
UNION ALL
SELECT
  'successes IS NULL OR (successes >= 0 AND successes <= trials)' AS failing_row_condition,
  *
FROM "shop_monitoring"."outcome_daily"
WHERE NOT (successes IS NULL OR (successes >= 0 AND successes <= trials))
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_monitoring"."outcome_daily"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'model IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_monitoring"."outcome_daily"
WHERE NOT (model IS NOT NULL)
UNION ALL
SELECT
  'arm IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_monitoring"."outcome_daily"
WHERE NOT (arm IS NOT NULL)
UNION ALL
SELECT
  'served_by IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_monitoring"."outcome_daily"
WHERE NOT (served_by IS NOT NULL)
UNION ALL
SELECT
  'served_date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_monitoring"."outcome_daily"
WHERE NOT (served_date IS NOT NULL)
UNION ALL
SELECT
  'metric IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_monitoring"."outcome_daily"
WHERE NOT (metric IS NOT NULL)
UNION ALL
SELECT
  'trials IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_monitoring"."outcome_daily"
WHERE NOT (trials IS NOT NULL)
