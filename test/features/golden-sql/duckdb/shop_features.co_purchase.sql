-- view shop_features.co_purchase

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_features";
CREATE OR REPLACE VIEW "shop_features"."co_purchase" AS -- shop_features.co_purchase: products bought together, as of a snapshot date (association rules), in both directions.
-- A view over shop_features.co_purchase_pairs (each unordered pair counted once per snapshot; its row conditions
-- bound every ratio here: 1 <= orders_together <= orders_with_a, orders_with_b <= baskets).
--   BOTH DIRECTIONS: a pair appears as (a, b) and as (b, a), so "what goes with product X" is
--                   WHERE product_a = X; support and lift are symmetric, confidence is not
--   orders_together baskets holding both a and b (baskets: see co_purchase_pairs)
--   support         orders_together / baskets
--   confidence      orders_together / baskets holding a            (P(b | a))
--   lift            orders_together × baskets / (baskets holding a × baskets holding b)
-- A UNION ALL rather than a flip join, so a filter on product_a reaches the stored table in both branches.




SELECT
  shop,
  snapshot_date,
  product_a AS product_a,
  product_b AS product_b,
  orders_together,
  orders_with_a AS orders_with_a,
  orders_with_b AS orders_with_b,
  baskets,
  (CAST(orders_together AS DOUBLE) / NULLIF(CAST(baskets AS DOUBLE), 0)) AS support,
  (CAST(orders_together AS DOUBLE) / NULLIF(CAST(orders_with_a AS DOUBLE), 0)) AS confidence,
  (CAST(CAST(orders_together AS DOUBLE) * baskets AS DOUBLE) / NULLIF(CAST(CAST(orders_with_a AS DOUBLE) * orders_with_b AS DOUBLE), 0)) AS lift
FROM "shop_features"."co_purchase_pairs"
UNION ALL
SELECT
  shop,
  snapshot_date,
  product_b AS product_a,
  product_a AS product_b,
  orders_together,
  orders_with_b AS orders_with_a,
  orders_with_a AS orders_with_b,
  baskets,
  (CAST(orders_together AS DOUBLE) / NULLIF(CAST(baskets AS DOUBLE), 0)) AS support,
  (CAST(orders_together AS DOUBLE) / NULLIF(CAST(orders_with_b AS DOUBLE), 0)) AS confidence,
  (CAST(CAST(orders_together AS DOUBLE) * baskets AS DOUBLE) / NULLIF(CAST(CAST(orders_with_a AS DOUBLE) * orders_with_b AS DOUBLE), 0)) AS lift
FROM "shop_features"."co_purchase_pairs"
