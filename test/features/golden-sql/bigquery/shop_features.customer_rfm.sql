-- incremental shop_features.customer_rfm

-- query
-- shop_features.customer_rfm: RFM per customer as of a snapshot date, in the BG/NBD convention
-- (as lifetimes.utils.summary_data_from_transaction_data computes it with freq D).
--   purchase days   shop-local dates with at least one included order (not test, not cancelled; zero-value
--                   orders count) up to and including the snapshot; guests (no customer id) are left out
--   frequency       distinct purchase days − 1 (repeat purchase days)
--   recency_days    last purchase day − first purchase day
--   age_days        snapshot − first purchase day
--   days_since_last snapshot − last purchase day
--   monetary        mean value of the repeat purchase days (orders of one day summed; 0 when frequency = 0);
--                   the days and their values come from shop_staging.customer_days (kept current from the order
--                   ledger); an order's value (shop_staging.order_values) = its own subtotal (line items after discounts,
--                   before shipping and tax, as Shopify computed it) less its non-product lines (postage, fees) and
--                   less refunds of its product lines; the sum of the product lines' net revenue without a subtotal
--   r/f/m_score     NTILE(5) per shop; r over days_since_last (5 = most recent), f over frequency, m over
--                   monetary (5 = highest); ties broken by customer_id (ascending string order)
--   segment         R × FM map, FM = ceil((f_score + m_score) / 2), first rule that matches:
--                     Champions            R >= 4 and FM >= 4
--                     Loyal                R >= 3 and FM >= 3
--                     New                  R >= 4 and FM = 1
--                     Potential loyalists  R >= 3 (FM 1-2)
--                     Cannot lose          R <= 2 and FM = 5
--                     At risk              R <= 2 and FM >= 3
--                     Hibernating          R = 2
--                     Lost                 R = 1
-- History: one set of rows per snapshot_date; a run deletes then inserts its snapshot's rows.




WITH purchase_days AS (
  -- same-day orders are one purchase, their values summed: shop_staging.customer_days
  SELECT shop, customer_id, order_date AS day, value AS day_value
  FROM `demo-shop-mlops.shop_staging.customer_days`
  WHERE orders > 0
    AND order_date <= DATE '2024-03-10'
),

summary AS (
  SELECT
    shop,
    customer_id,
    COUNT(*) - 1 AS frequency,
    MIN(day) AS first_day,
    MAX(day) AS last_day,
    SUM(day_value) - ANY_VALUE(day_value HAVING MIN day) AS repeat_value
  FROM purchase_days
  GROUP BY shop, customer_id
),

rfm AS (
  SELECT
    shop,
    DATE '2024-03-10' AS snapshot_date,
    customer_id,
    frequency,
    DATE_DIFF(last_day, first_day, DAY) AS recency_days,
    DATE_DIFF(DATE '2024-03-10', first_day, DAY) AS age_days,
    DATE_DIFF(DATE '2024-03-10', last_day, DAY) AS days_since_last,
    CASE WHEN frequency = 0 THEN 0 ELSE CAST(repeat_value AS FLOAT64) / frequency END AS monetary
  FROM summary
),

scored AS (
  SELECT *,
    NTILE(5) OVER (PARTITION BY shop ORDER BY days_since_last DESC, customer_id) AS r_score,
    NTILE(5) OVER (PARTITION BY shop ORDER BY frequency, customer_id) AS f_score,
    NTILE(5) OVER (PARTITION BY shop ORDER BY ROUND(monetary, 6), customer_id) AS m_score -- rounded: equal means (30.15/3, 10.05/1) must tie exactly
  FROM rfm
),

with_fm AS (
  SELECT *, DIV(f_score + m_score + 1, 2) AS fm_score
  FROM scored
)

SELECT
  shop,
  snapshot_date,
  customer_id,
  CAST(frequency AS INT64) AS frequency,
  CAST(recency_days AS INT64) AS recency_days,
  CAST(age_days AS INT64) AS age_days,
  CAST(days_since_last AS INT64) AS days_since_last,
  CAST(monetary AS FLOAT64) AS monetary,
  CAST(r_score AS INT64) AS r_score,
  CAST(f_score AS INT64) AS f_score,
  CAST(m_score AS INT64) AS m_score,
  CASE
    WHEN r_score >= 4 AND fm_score >= 4 THEN 'Champions'
    WHEN r_score >= 3 AND fm_score >= 3 THEN 'Loyal'
    WHEN r_score >= 4 AND fm_score = 1 THEN 'New'
    WHEN r_score >= 3 THEN 'Potential loyalists'
    WHEN fm_score = 5 THEN 'Cannot lose'
    WHEN fm_score >= 3 THEN 'At risk'
    WHEN r_score = 2 THEN 'Hibernating'
    ELSE 'Lost'
  END AS segment
FROM with_fm

-- incremental query
-- shop_features.customer_rfm: RFM per customer as of a snapshot date, in the BG/NBD convention
-- (as lifetimes.utils.summary_data_from_transaction_data computes it with freq D).
--   purchase days   shop-local dates with at least one included order (not test, not cancelled; zero-value
--                   orders count) up to and including the snapshot; guests (no customer id) are left out
--   frequency       distinct purchase days − 1 (repeat purchase days)
--   recency_days    last purchase day − first purchase day
--   age_days        snapshot − first purchase day
--   days_since_last snapshot − last purchase day
--   monetary        mean value of the repeat purchase days (orders of one day summed; 0 when frequency = 0);
--                   the days and their values come from shop_staging.customer_days (kept current from the order
--                   ledger); an order's value (shop_staging.order_values) = its own subtotal (line items after discounts,
--                   before shipping and tax, as Shopify computed it) less its non-product lines (postage, fees) and
--                   less refunds of its product lines; the sum of the product lines' net revenue without a subtotal
--   r/f/m_score     NTILE(5) per shop; r over days_since_last (5 = most recent), f over frequency, m over
--                   monetary (5 = highest); ties broken by customer_id (ascending string order)
--   segment         R × FM map, FM = ceil((f_score + m_score) / 2), first rule that matches:
--                     Champions            R >= 4 and FM >= 4
--                     Loyal                R >= 3 and FM >= 3
--                     New                  R >= 4 and FM = 1
--                     Potential loyalists  R >= 3 (FM 1-2)
--                     Cannot lose          R <= 2 and FM = 5
--                     At risk              R <= 2 and FM >= 3
--                     Hibernating          R = 2
--                     Lost                 R = 1
-- History: one set of rows per snapshot_date; a run deletes then inserts its snapshot's rows.




WITH purchase_days AS (
  -- same-day orders are one purchase, their values summed: shop_staging.customer_days
  SELECT shop, customer_id, order_date AS day, value AS day_value
  FROM `demo-shop-mlops.shop_staging.customer_days`
  WHERE orders > 0
    AND order_date <= DATE '2024-03-10'
),

summary AS (
  SELECT
    shop,
    customer_id,
    COUNT(*) - 1 AS frequency,
    MIN(day) AS first_day,
    MAX(day) AS last_day,
    SUM(day_value) - ANY_VALUE(day_value HAVING MIN day) AS repeat_value
  FROM purchase_days
  GROUP BY shop, customer_id
),

rfm AS (
  SELECT
    shop,
    DATE '2024-03-10' AS snapshot_date,
    customer_id,
    frequency,
    DATE_DIFF(last_day, first_day, DAY) AS recency_days,
    DATE_DIFF(DATE '2024-03-10', first_day, DAY) AS age_days,
    DATE_DIFF(DATE '2024-03-10', last_day, DAY) AS days_since_last,
    CASE WHEN frequency = 0 THEN 0 ELSE CAST(repeat_value AS FLOAT64) / frequency END AS monetary
  FROM summary
),

scored AS (
  SELECT *,
    NTILE(5) OVER (PARTITION BY shop ORDER BY days_since_last DESC, customer_id) AS r_score,
    NTILE(5) OVER (PARTITION BY shop ORDER BY frequency, customer_id) AS f_score,
    NTILE(5) OVER (PARTITION BY shop ORDER BY ROUND(monetary, 6), customer_id) AS m_score -- rounded: equal means (30.15/3, 10.05/1) must tie exactly
  FROM rfm
),

with_fm AS (
  SELECT *, DIV(f_score + m_score + 1, 2) AS fm_score
  FROM scored
)

SELECT
  shop,
  snapshot_date,
  customer_id,
  CAST(frequency AS INT64) AS frequency,
  CAST(recency_days AS INT64) AS recency_days,
  CAST(age_days AS INT64) AS age_days,
  CAST(days_since_last AS INT64) AS days_since_last,
  CAST(monetary AS FLOAT64) AS monetary,
  CAST(r_score AS INT64) AS r_score,
  CAST(f_score AS INT64) AS f_score,
  CAST(m_score AS INT64) AS m_score,
  CASE
    WHEN r_score >= 4 AND fm_score >= 4 THEN 'Champions'
    WHEN r_score >= 3 AND fm_score >= 3 THEN 'Loyal'
    WHEN r_score >= 4 AND fm_score = 1 THEN 'New'
    WHEN r_score >= 3 THEN 'Potential loyalists'
    WHEN fm_score = 5 THEN 'Cannot lose'
    WHEN fm_score >= 3 THEN 'At risk'
    WHEN r_score = 2 THEN 'Hibernating'
    ELSE 'Lost'
  END AS segment
FROM with_fm

-- incremental pre_operation
DELETE FROM `demo-shop-mlops.shop_features.customer_rfm` WHERE snapshot_date = DATE '2024-03-10'
