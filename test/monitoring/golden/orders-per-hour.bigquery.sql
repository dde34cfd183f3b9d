WITH orders AS (
  SELECT DISTINCT shop, JSON_VALUE(payload, '$.id') AS order_id, TIMESTAMP(JSON_VALUE(payload, '$.created_at')) AS created_at
  FROM shop_raw.events
  WHERE topic IN ('orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled')
    AND COALESCE(JSON_VALUE(payload, '$.test'), 'false') <> 'true'
)
SELECT shop, DIV(UNIX_SECONDS(created_at), 3600) AS hour, COUNT(DISTINCT order_id) AS orders
FROM orders
WHERE created_at >= TIMESTAMP '2026-05-10 00:00:00 UTC' AND created_at < TIMESTAMP '2026-05-10 03:00:00 UTC'
GROUP BY shop, hour
ORDER BY shop, hour
-- one shop:
WITH orders AS (
  SELECT DISTINCT shop, JSON_VALUE(payload, '$.id') AS order_id, TIMESTAMP(JSON_VALUE(payload, '$.created_at')) AS created_at
  FROM shop_raw.events
  WHERE topic IN ('orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled')
    AND shop = 'a.myshopify.com'
    AND COALESCE(JSON_VALUE(payload, '$.test'), 'false') <> 'true'
)
SELECT shop, DIV(UNIX_SECONDS(created_at), 3600) AS hour, COUNT(DISTINCT order_id) AS orders
FROM orders
WHERE created_at >= TIMESTAMP '2026-05-10 00:00:00 UTC' AND created_at < TIMESTAMP '2026-05-10 03:00:00 UTC'
GROUP BY shop, hour
ORDER BY shop, hour
