-- assertion shop_assertions.order_versions_balanced

-- full build
-- The order ledger counts every order exactly once: per order the signs sum to 1 (one version counting, each
-- replaced one cancelled by its -1 row). Scoped locally (scope.changed_rows): a sum changes only when the run
-- appends rows of that order.


SELECT shop, order_id, SUM(sign) AS counted_versions, COUNT(*) AS rows_in_ledger
FROM (SELECT * FROM "shop_staging"."order_versions" /* shop-mlops:changed-rows keys=shop,order_id also= */)
GROUP BY shop, order_id
HAVING SUM(sign) <> 1

-- scoped check (incremental runs of shop_staging.order_versions after a pass)
-- The order ledger counts every order exactly once: per order the signs sum to 1 (one version counting, each
-- replaced one cancelled by its -1 row). Scoped locally (scope.changed_rows): a sum changes only when the run
-- appends rows of that order.


SELECT shop, order_id, SUM(sign) AS counted_versions, COUNT(*) AS rows_in_ledger
FROM (SELECT _t.* FROM "shop_staging"."order_versions" AS _t SEMI JOIN (SELECT "shop", "order_id" FROM "__new_shop_staging__order_versions") AS _n ON _n."shop" IS NOT DISTINCT FROM _t."shop" AND _n."order_id" IS NOT DISTINCT FROM _t."order_id")
GROUP BY shop, order_id
HAVING SUM(sign) <> 1
