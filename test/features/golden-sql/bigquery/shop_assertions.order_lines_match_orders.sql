-- assertion shop_assertions.order_lines_match_orders

-- The two incremental staging tables agree: every line belongs to an order in shop_staging.orders and carries
-- that order's current flags and date (a stale line after a cancellation, or a bad join, fails here).
-- Scoped locally (scope.changed_rows): a line can only start failing when it or its order is written (neither table
-- deletes rows), so an incremental run checks the lines of the orders it wrote to either table.


SELECT l.shop, l.order_id, l.line_item_id,
  o.order_id IS NULL AS order_missing,
  l.is_included AS line_is_included, o.is_included AS order_is_included,
  l.order_date AS line_order_date, o.order_date AS order_order_date
FROM `demo-shop-mlops.shop_staging.order_lines` AS l
LEFT JOIN `demo-shop-mlops.shop_staging.orders` AS o ON o.shop = l.shop AND o.order_id = l.order_id
WHERE o.order_id IS NULL
  OR l.is_included <> o.is_included
  OR l.order_date <> o.order_date
  OR l.customer_id IS DISTINCT FROM o.customer_id
