-- assertion shop_assertions.shop_staging_events_dedup_assertions_uniqueKey_0

-- full build
SELECT
  *
FROM (
  SELECT
    webhook_id,
    COUNT(1) AS index_row_count
  FROM "shop_staging"."events_dedup"
  GROUP BY webhook_id
  ) AS data
WHERE index_row_count > 1

-- scoped check (incremental runs of shop_staging.events_dedup after a pass)
SELECT
  *
FROM (
  SELECT
    webhook_id,
    COUNT(1) AS index_row_count
  FROM (SELECT _t.* FROM "shop_staging"."events_dedup" AS _t SEMI JOIN "__new_shop_staging__events_dedup" AS _n ON _n."webhook_id" IS NOT DISTINCT FROM _t."webhook_id")
  GROUP BY webhook_id
  ) AS data
WHERE index_row_count > 1
