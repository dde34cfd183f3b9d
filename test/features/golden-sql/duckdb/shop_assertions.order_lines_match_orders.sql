-- assertion shop_assertions.order_lines_match_orders

-- full build
-- The two incremental staging tables agree: every line belongs to an order in shop_staging.orders and carries
-- that order's current flags and date (a stale line after a cancellation, or a bad join, fails here).
-- Scoped locally (scope.changed_rows): a line can only start failing when it or its order is written (neither table
-- deletes rows), so an incremental run checks the lines of the orders it wrote to either table.


SELECT l.shop, l.order_id, l.line_item_id,
  o.order_id IS NULL AS order_missing,
  l.is_included AS line_is_included, o.is_included AS order_is_included,
  l.order_date AS line_order_date, o.order_date AS order_order_date
FROM (SELECT * FROM "shop_staging"."order_lines" /* shop-mlops:changed-rows keys=shop,order_id also="shop_staging"."orders" */) AS l
LEFT JOIN "shop_staging"."orders" AS o ON o.shop = l.shop AND o.order_id = l.order_id
WHERE o.order_id IS NULL
  OR l.is_included <> o.is_included
  OR l.order_date <> o.order_date
  OR l.customer_id IS DISTINCT FROM o.customer_id

-- scoped check (incremental runs of shop_staging.order_lines, shop_staging.orders after a pass)
-- The two incremental staging tables agree: every line belongs to an order in shop_staging.orders and carries
-- that order's current flags and date (a stale line after a cancellation, or a bad join, fails here).
-- Scoped locally (scope.changed_rows): a line can only start failing when it or its order is written (neither table
-- deletes rows), so an incremental run checks the lines of the orders it wrote to either table.


SELECT l.shop, l.order_id, l.line_item_id,
  o.order_id IS NULL AS order_missing,
  l.is_included AS line_is_included, o.is_included AS order_is_included,
  l.order_date AS line_order_date, o.order_date AS order_order_date
FROM (SELECT _t.* FROM "shop_staging"."order_lines" AS _t SEMI JOIN (SELECT "shop", "order_id" FROM "__new_shop_staging__order_lines" UNION ALL SELECT "shop", "order_id" FROM "__new_shop_staging__orders") AS _n ON _n."shop" IS NOT DISTINCT FROM _t."shop" AND _n."order_id" IS NOT DISTINCT FROM _t."order_id") AS l
LEFT JOIN "shop_staging"."orders" AS o ON o.shop = l.shop AND o.order_id = l.order_id
WHERE o.order_id IS NULL
  OR l.is_included <> o.is_included
  OR l.order_date <> o.order_date
  OR l.customer_id IS DISTINCT FROM o.customer_id
