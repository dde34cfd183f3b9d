-- assertion shop_assertions.shop_features_customer_rfm_assertions_rowConditions

-- full build
SELECT
  'frequency >= 0' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (frequency >= 0)
UNION ALL
SELECT
  'recency_days >= 0' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (recency_days >= 0)
UNION ALL
SELECT
  'recency_days <= age_days' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (recency_days <= age_days)
UNION ALL
SELECT
  'days_since_last = age_days - recency_days' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (days_since_last = age_days - recency_days)
UNION ALL
SELECT
  'monetary >= 0' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (monetary >= 0)
UNION ALL
SELECT
  'frequency > 0 OR (recency_days = 0 AND monetary = 0)' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (frequency > 0 OR (recency_days = 0 AND monetary = 0))
UNION ALL
SELECT
  'r_score BETWEEN 1 AND 5' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (r_score BETWEEN 1 AND 5)
UNION ALL
SELECT
  'f_score BETWEEN 1 AND 5' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (f_score BETWEEN 1 AND 5)
UNION ALL
SELECT
  'm_score BETWEEN 1 AND 5' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (m_score BETWEEN 1 AND 5)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'snapshot_date IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (snapshot_date IS NOT NULL)
UNION ALL
SELECT
  'customer_id IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (customer_id IS NOT NULL)
UNION ALL
SELECT
  'frequency IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (frequency IS NOT NULL)
UNION ALL
SELECT
  'recency_days IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (recency_days IS NOT NULL)
UNION ALL
SELECT
  'age_days IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (age_days IS NOT NULL)
UNION ALL
SELECT
  'days_since_last IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (days_since_last IS NOT NULL)
UNION ALL
SELECT
  'monetary IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (monetary IS NOT NULL)
UNION ALL
SELECT
  'r_score IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (r_score IS NOT NULL)
UNION ALL
SELECT
  'f_score IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (f_score IS NOT NULL)
UNION ALL
SELECT
  'm_score IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (m_score IS NOT NULL)
UNION ALL
SELECT
  'segment IS NOT NULL' AS failing_row_condition,
  *
FROM "shop_features"."customer_rfm"
WHERE NOT (segment IS NOT NULL)

-- scoped check (incremental runs of shop_features.customer_rfm after a pass)
SELECT
  'frequency >= 0' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (frequency >= 0)
UNION ALL
SELECT
  'recency_days >= 0' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (recency_days >= 0)
UNION ALL
SELECT
  'recency_days <= age_days' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (recency_days <= age_days)
UNION ALL
SELECT
  'days_since_last = age_days - recency_days' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (days_since_last = age_days - recency_days)
UNION ALL
SELECT
  'monetary >= 0' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (monetary >= 0)
UNION ALL
SELECT
  'frequency > 0 OR (recency_days = 0 AND monetary = 0)' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (frequency > 0 OR (recency_days = 0 AND monetary = 0))
UNION ALL
SELECT
  'r_score BETWEEN 1 AND 5' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (r_score BETWEEN 1 AND 5)
UNION ALL
SELECT
  'f_score BETWEEN 1 AND 5' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (f_score BETWEEN 1 AND 5)
UNION ALL
SELECT
  'm_score BETWEEN 1 AND 5' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (m_score BETWEEN 1 AND 5)
UNION ALL
SELECT
  'shop IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (shop IS NOT NULL)
UNION ALL
SELECT
  'snapshot_date IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (snapshot_date IS NOT NULL)
UNION ALL
SELECT
  'customer_id IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (customer_id IS NOT NULL)
UNION ALL
SELECT
  'frequency IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (frequency IS NOT NULL)
UNION ALL
SELECT
  'recency_days IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (recency_days IS NOT NULL)
UNION ALL
SELECT
  'age_days IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (age_days IS NOT NULL)
UNION ALL
SELECT
  'days_since_last IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (days_since_last IS NOT NULL)
UNION ALL
SELECT
  'monetary IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (monetary IS NOT NULL)
UNION ALL
SELECT
  'r_score IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (r_score IS NOT NULL)
UNION ALL
SELECT
  'f_score IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (f_score IS NOT NULL)
UNION ALL
SELECT
  'm_score IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (m_score IS NOT NULL)
UNION ALL
SELECT
  'segment IS NOT NULL' AS failing_row_condition,
  *
FROM "__new_shop_features__customer_rfm"
WHERE NOT (segment IS NOT NULL)
