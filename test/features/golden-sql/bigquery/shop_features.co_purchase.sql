-- incremental shop_features.co_purchase

-- query
-- shop_features.co_purchase: products bought together, as of a snapshot date (association rules).
--   baskets         included orders (not test, not cancelled) on or before the snapshot; a basket is the set of
--                   distinct products of its product lines with net_quantity > 0 (fully refunded lines and
--                   postage/fee lines do not count); orders with no such product are not baskets. The sets are
--                   kept per order in shop_staging.baskets, so a snapshot reads one narrow row per order.
--   BOTH DIRECTIONS: a pair appears as (a, b) and as (b, a), so "what goes with product X" is
--                   WHERE product_a = X; support and lift are symmetric, confidence is not
--   orders_together baskets holding both a and b
--   support         orders_together / baskets
--   confidence      orders_together / baskets holding a            (P(b | a))
--   lift            orders_together × baskets / (baskets holding a × baskets holding b)
-- History: one set of rows per snapshot_date; a run deletes then inserts its snapshot's rows.




WITH basket_rows AS (
  -- one row per basket (shop_staging.baskets: distinct products per order, kept up to date incrementally)
  SELECT shop, products, product_count
  FROM `demo-shop-mlops.shop_staging.baskets`
  WHERE is_included
    AND product_count > 0
    AND order_date <= DATE '2024-03-10'
),

baskets AS (
  SELECT shop, COUNT(*) AS baskets
  FROM basket_rows
  GROUP BY shop
),

product_baskets AS (
  SELECT shop, product_id, COUNT(*) AS orders_with
  FROM (SELECT _r.* EXCEPT (products), product_id FROM basket_rows AS _r CROSS JOIN UNNEST(_r.products) AS product_id) AS x
  GROUP BY shop, product_id
),

pairs AS (
  -- only baskets of two or more products make pairs
  SELECT shop, pair.a AS product_a, pair.b AS product_b, COUNT(*) AS orders_together
  FROM (SELECT _r.* EXCEPT (products), STRUCT(_a AS a, _b AS b) AS pair FROM (SELECT shop, products FROM basket_rows WHERE product_count > 1) AS _r CROSS JOIN UNNEST(_r.products) AS _a CROSS JOIN UNNEST(_r.products) AS _b WHERE _a <> _b) AS x
  GROUP BY shop, pair.a, pair.b
)

SELECT
  p.shop,
  DATE '2024-03-10' AS snapshot_date,
  p.product_a,
  p.product_b,
  CAST(p.orders_together AS INT64) AS orders_together,
  CAST(pa.orders_with AS INT64) AS orders_with_a,
  CAST(pb.orders_with AS INT64) AS orders_with_b,
  CAST(n.baskets AS INT64) AS baskets,
  SAFE_DIVIDE(p.orders_together, n.baskets) AS support,
  SAFE_DIVIDE(p.orders_together, pa.orders_with) AS confidence,
  SAFE_DIVIDE(CAST(p.orders_together AS FLOAT64) * n.baskets, CAST(pa.orders_with AS FLOAT64) * pb.orders_with) AS lift
FROM pairs AS p
INNER JOIN product_baskets AS pa ON pa.shop = p.shop AND pa.product_id = p.product_a
INNER JOIN product_baskets AS pb ON pb.shop = p.shop AND pb.product_id = p.product_b
INNER JOIN baskets AS n ON n.shop = p.shop

-- incremental query
-- shop_features.co_purchase: products bought together, as of a snapshot date (association rules).
--   baskets         included orders (not test, not cancelled) on or before the snapshot; a basket is the set of
--                   distinct products of its product lines with net_quantity > 0 (fully refunded lines and
--                   postage/fee lines do not count); orders with no such product are not baskets. The sets are
--                   kept per order in shop_staging.baskets, so a snapshot reads one narrow row per order.
--   BOTH DIRECTIONS: a pair appears as (a, b) and as (b, a), so "what goes with product X" is
--                   WHERE product_a = X; support and lift are symmetric, confidence is not
--   orders_together baskets holding both a and b
--   support         orders_together / baskets
--   confidence      orders_together / baskets holding a            (P(b | a))
--   lift            orders_together × baskets / (baskets holding a × baskets holding b)
-- History: one set of rows per snapshot_date; a run deletes then inserts its snapshot's rows.




WITH basket_rows AS (
  -- one row per basket (shop_staging.baskets: distinct products per order, kept up to date incrementally)
  SELECT shop, products, product_count
  FROM `demo-shop-mlops.shop_staging.baskets`
  WHERE is_included
    AND product_count > 0
    AND order_date <= DATE '2024-03-10'
),

baskets AS (
  SELECT shop, COUNT(*) AS baskets
  FROM basket_rows
  GROUP BY shop
),

product_baskets AS (
  SELECT shop, product_id, COUNT(*) AS orders_with
  FROM (SELECT _r.* EXCEPT (products), product_id FROM basket_rows AS _r CROSS JOIN UNNEST(_r.products) AS product_id) AS x
  GROUP BY shop, product_id
),

pairs AS (
  -- only baskets of two or more products make pairs
  SELECT shop, pair.a AS product_a, pair.b AS product_b, COUNT(*) AS orders_together
  FROM (SELECT _r.* EXCEPT (products), STRUCT(_a AS a, _b AS b) AS pair FROM (SELECT shop, products FROM basket_rows WHERE product_count > 1) AS _r CROSS JOIN UNNEST(_r.products) AS _a CROSS JOIN UNNEST(_r.products) AS _b WHERE _a <> _b) AS x
  GROUP BY shop, pair.a, pair.b
)

SELECT
  p.shop,
  DATE '2024-03-10' AS snapshot_date,
  p.product_a,
  p.product_b,
  CAST(p.orders_together AS INT64) AS orders_together,
  CAST(pa.orders_with AS INT64) AS orders_with_a,
  CAST(pb.orders_with AS INT64) AS orders_with_b,
  CAST(n.baskets AS INT64) AS baskets,
  SAFE_DIVIDE(p.orders_together, n.baskets) AS support,
  SAFE_DIVIDE(p.orders_together, pa.orders_with) AS confidence,
  SAFE_DIVIDE(CAST(p.orders_together AS FLOAT64) * n.baskets, CAST(pa.orders_with AS FLOAT64) * pb.orders_with) AS lift
FROM pairs AS p
INNER JOIN product_baskets AS pa ON pa.shop = p.shop AND pa.product_id = p.product_a
INNER JOIN product_baskets AS pb ON pb.shop = p.shop AND pb.product_id = p.product_b
INNER JOIN baskets AS n ON n.shop = p.shop

-- incremental pre_operation
DELETE FROM `demo-shop-mlops.shop_features.co_purchase` WHERE snapshot_date = DATE '2024-03-10'
