-- assertion shop_assertions.customer_features_agree

-- The snapshot's customer features are well formed and consistent: accepted segment names, and
-- customer_labels holds exactly the customers of customer_rfm for the same snapshot.


SELECT 'unknown segment' AS failing_rule, shop, customer_id, segment AS detail
FROM `demo-shop-mlops.shop_features.customer_rfm`
WHERE snapshot_date = DATE '2024-03-10'
  AND segment NOT IN ('Champions', 'Loyal', 'Potential loyalists', 'New', 'At risk', 'Cannot lose', 'Hibernating', 'Lost')
UNION ALL
SELECT 'in customer_rfm, not in customer_labels' AS failing_rule, r.shop, r.customer_id, NULL AS detail
FROM `demo-shop-mlops.shop_features.customer_rfm` AS r
LEFT JOIN `demo-shop-mlops.shop_features.customer_labels` AS l
  ON l.shop = r.shop AND l.customer_id = r.customer_id AND l.snapshot_date = r.snapshot_date
WHERE r.snapshot_date = DATE '2024-03-10' AND l.customer_id IS NULL
UNION ALL
SELECT 'in customer_labels, not in customer_rfm' AS failing_rule, l.shop, l.customer_id, NULL AS detail
FROM `demo-shop-mlops.shop_features.customer_labels` AS l
LEFT JOIN `demo-shop-mlops.shop_features.customer_rfm` AS r
  ON r.shop = l.shop AND r.customer_id = l.customer_id AND r.snapshot_date = l.snapshot_date
WHERE l.snapshot_date = DATE '2024-03-10' AND r.customer_id IS NULL
