WITH orders AS (
  SELECT DISTINCT shop, json_extract_string(payload, '$.id') AS order_id, CAST(json_extract_string(payload, '$.created_at') AS TIMESTAMPTZ) AS created_at
  FROM shop_raw.events
  WHERE topic IN ('orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled')
    AND COALESCE(json_extract_string(payload, '$.test'), 'false') <> 'true'
)
SELECT shop, CAST(floor(epoch(created_at) / 3600) AS BIGINT) AS hour, COUNT(DISTINCT order_id) AS orders
FROM orders
WHERE created_at >= TIMESTAMPTZ '2026-05-10 00:00:00+00' AND created_at < TIMESTAMPTZ '2026-05-10 03:00:00+00'
GROUP BY shop, hour
ORDER BY shop, hour
-- one shop:
WITH orders AS (
  SELECT DISTINCT shop, json_extract_string(payload, '$.id') AS order_id, CAST(json_extract_string(payload, '$.created_at') AS TIMESTAMPTZ) AS created_at
  FROM shop_raw.events
  WHERE topic IN ('orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled')
    AND shop = 'a.myshopify.com'
    AND COALESCE(json_extract_string(payload, '$.test'), 'false') <> 'true'
)
SELECT shop, CAST(floor(epoch(created_at) / 3600) AS BIGINT) AS hour, COUNT(DISTINCT order_id) AS orders
FROM orders
WHERE created_at >= TIMESTAMPTZ '2026-05-10 00:00:00+00' AND created_at < TIMESTAMPTZ '2026-05-10 03:00:00+00'
GROUP BY shop, hour
ORDER BY shop, hour
