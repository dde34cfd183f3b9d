-- assertion shop_assertions.order_versions_balanced

-- The order ledger counts every order exactly once: per order the signs sum to 1 (one version counting, each
-- replaced one cancelled by its -1 row). Scoped locally (scope.changed_rows): a sum changes only when the run
-- appends rows of that order.


SELECT shop, order_id, SUM(sign) AS counted_versions, COUNT(*) AS rows_in_ledger
FROM `demo-shop-mlops.shop_staging.order_versions`
GROUP BY shop, order_id
HAVING SUM(sign) <> 1
