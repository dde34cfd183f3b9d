-- incremental shop_features.co_purchase_pairs

-- full build
CREATE SCHEMA IF NOT EXISTS "shop_features";
CREATE OR REPLACE TABLE "shop_features"."co_purchase_pairs" AS -- shop_features.co_purchase_pairs: product pairs bought together, as of a snapshot date, counted once per unordered
-- pair (product_a < product_b). shop_features.co_purchase (a view) shows each pair in both directions with support,
-- confidence and lift; storing one direction and no ratios halves what a daily snapshot writes.
--   baskets         included orders (not test, not cancelled) on or before the snapshot; a basket is the set of
--                   distinct products of its product lines with net_quantity > 0 (fully refunded lines and
--                   postage/fee lines do not count); orders with no such product are not baskets. The sets are
--                   kept in shop_staging.order_versions, a ledger of signed versions per order.
--   orders_together baskets holding both a and b
--   orders_with_a/b baskets holding a / b
-- History: one set of rows per snapshot_date; a run deletes then inserts its snapshot's rows.
-- Incremental: pair counts are carried forward from the shop's newest snapshot of the last 31 days before this one
-- (baskets_through says how far into the ledger it counted): its counts plus the signed versions it did not count
-- (appended after it, or dated after it). Without such a snapshot, or when the ledger was rebuilt since, the
-- versions are counted from scratch, as in a full build. Products and basket totals are always summed afresh.






WITH ledger AS (
  -- per shop, the oldest and newest append: a snapshot counted the ledger up to its baskets_through, and a rebuilt
  -- ledger starts after that
  SELECT shop, MIN(appended_at) AS first_appended_at, MAX(appended_at) AS last_appended_at
  FROM "shop_staging"."order_versions"
  GROUP BY shop
),

shop_totals AS (
  SELECT v.shop, SUM(v.sign) AS baskets, MAX(l.last_appended_at) AS baskets_through
  FROM (
    SELECT shop, order_date, products, product_count, sign, appended_at
    FROM "shop_staging"."order_versions"
    WHERE product_count > 0
      AND order_date <= DATE '2024-03-10') AS v
  INNER JOIN ledger AS l ON l.shop = v.shop
  GROUP BY v.shop
),

product_baskets AS (
  SELECT shop, product_id, SUM(sign) AS orders_with
  FROM (SELECT * EXCLUDE (products), unnest(products) AS product_id FROM (
    SELECT shop, order_date, products, product_count, sign, appended_at
    FROM "shop_staging"."order_versions"
    WHERE product_count > 0
      AND order_date <= DATE '2024-03-10')) AS x
  GROUP BY shop, product_id
),

uncounted AS (
  -- the versions of baskets with pairs that the carried snapshot did not count (every one when there is none)
  SELECT v.shop, v.products, v.sign
  FROM (
    SELECT shop, order_date, products, product_count, sign, appended_at
    FROM "shop_staging"."order_versions"
    WHERE product_count > 0
      AND order_date <= DATE '2024-03-10') AS v
  
  WHERE v.product_count > 1
  
),

counted_pairs AS (
  -- each unordered pair once (product_a < product_b)
  SELECT shop, pair.a AS product_a, pair.b AS product_b, SUM(sign) AS orders_together
  FROM (SELECT * EXCLUDE (products), unnest(flatten(list_transform(products, _a -> list_transform(list_filter(products, _b -> _b > _a), _b -> struct_pack(a := _a, b := _b))))) AS pair FROM uncounted) AS x
  GROUP BY shop, pair.a, pair.b
),

pair_counts AS (
  SELECT * FROM counted_pairs
),

counted AS (
  -- a pair whose baskets all changed away nets to 0 and is gone. LEFT JOINs (every counted pair's products and
  -- shop have totals) keep this join order: DuckDB's inner-join reordering paired the two product lists first
  SELECT h.shop, h.product_a, h.product_b, h.orders_together, pa.orders_with AS with_a, pb.orders_with AS with_b,
    t.baskets, t.baskets_through
  FROM pair_counts AS h
  LEFT JOIN product_baskets AS pa ON pa.shop = h.shop AND pa.product_id = h.product_a
  LEFT JOIN product_baskets AS pb ON pb.shop = h.shop AND pb.product_id = h.product_b
  LEFT JOIN shop_totals AS t ON t.shop = h.shop
  WHERE h.orders_together > 0
)

SELECT
  shop,
  DATE '2024-03-10' AS snapshot_date,
  product_a,
  product_b,
  CAST(orders_together AS BIGINT) AS orders_together,
  CAST(with_a AS BIGINT) AS orders_with_a,
  CAST(with_b AS BIGINT) AS orders_with_b,
  CAST(baskets AS BIGINT) AS baskets,
  baskets_through
FROM counted

-- incremental run
CREATE SCHEMA IF NOT EXISTS "shop_features";
DELETE FROM "shop_features"."co_purchase_pairs" WHERE snapshot_date = DATE '2024-03-10';
CREATE OR REPLACE TEMP TABLE "__new_shop_features__co_purchase_pairs" AS -- shop_features.co_purchase_pairs: product pairs bought together, as of a snapshot date, counted once per unordered
-- pair (product_a < product_b). shop_features.co_purchase (a view) shows each pair in both directions with support,
-- confidence and lift; storing one direction and no ratios halves what a daily snapshot writes.
--   baskets         included orders (not test, not cancelled) on or before the snapshot; a basket is the set of
--                   distinct products of its product lines with net_quantity > 0 (fully refunded lines and
--                   postage/fee lines do not count); orders with no such product are not baskets. The sets are
--                   kept in shop_staging.order_versions, a ledger of signed versions per order.
--   orders_together baskets holding both a and b
--   orders_with_a/b baskets holding a / b
-- History: one set of rows per snapshot_date; a run deletes then inserts its snapshot's rows.
-- Incremental: pair counts are carried forward from the shop's newest snapshot of the last 31 days before this one
-- (baskets_through says how far into the ledger it counted): its counts plus the signed versions it did not count
-- (appended after it, or dated after it). Without such a snapshot, or when the ledger was rebuilt since, the
-- versions are counted from scratch, as in a full build. Products and basket totals are always summed afresh.






WITH ledger AS (
  -- per shop, the oldest and newest append: a snapshot counted the ledger up to its baskets_through, and a rebuilt
  -- ledger starts after that
  SELECT shop, MIN(appended_at) AS first_appended_at, MAX(appended_at) AS last_appended_at
  FROM "shop_staging"."order_versions"
  GROUP BY shop
),

shop_totals AS (
  SELECT v.shop, SUM(v.sign) AS baskets, MAX(l.last_appended_at) AS baskets_through
  FROM (
    SELECT shop, order_date, products, product_count, sign, appended_at
    FROM "shop_staging"."order_versions"
    WHERE product_count > 0
      AND order_date <= DATE '2024-03-10') AS v
  INNER JOIN ledger AS l ON l.shop = v.shop
  GROUP BY v.shop
),

product_baskets AS (
  SELECT shop, product_id, SUM(sign) AS orders_with
  FROM (SELECT * EXCLUDE (products), unnest(products) AS product_id FROM (
    SELECT shop, order_date, products, product_count, sign, appended_at
    FROM "shop_staging"."order_versions"
    WHERE product_count > 0
      AND order_date <= DATE '2024-03-10')) AS x
  GROUP BY shop, product_id
),

carried AS (
  -- per shop, the snapshot this one starts from: the newest one of the last 31 days before it, when the ledger
  -- was not rebuilt after it counted it
  SELECT c.shop, c.snapshot_date, MAX(c.baskets_through) AS baskets_through
  FROM "shop_features"."co_purchase_pairs" AS c
  INNER JOIN (
    SELECT shop, MAX(snapshot_date) AS snapshot_date
    FROM "shop_features"."co_purchase_pairs"
    WHERE snapshot_date >= CAST((DATE '2024-03-10') - to_days(CAST(31 AS INTEGER)) AS DATE) AND snapshot_date < DATE '2024-03-10'
    GROUP BY shop
  ) AS newest ON newest.shop = c.shop AND newest.snapshot_date = c.snapshot_date
  INNER JOIN ledger AS l ON l.shop = c.shop
  WHERE c.snapshot_date >= CAST((DATE '2024-03-10') - to_days(CAST(31 AS INTEGER)) AS DATE) AND c.snapshot_date < DATE '2024-03-10'
  GROUP BY c.shop, c.snapshot_date
  HAVING MAX(c.baskets_through) >= MIN(l.first_appended_at)
),

uncounted AS (
  -- the versions of baskets with pairs that the carried snapshot did not count (every one when there is none)
  SELECT v.shop, v.products, v.sign
  FROM (
    SELECT shop, order_date, products, product_count, sign, appended_at
    FROM "shop_staging"."order_versions"
    WHERE product_count > 0
      AND order_date <= DATE '2024-03-10') AS v
  LEFT JOIN carried AS c ON c.shop = v.shop
  WHERE v.product_count > 1
  AND (c.shop IS NULL OR v.appended_at > c.baskets_through OR v.order_date > c.snapshot_date)
),

counted_pairs AS (
  -- each unordered pair once (product_a < product_b)
  SELECT shop, pair.a AS product_a, pair.b AS product_b, SUM(sign) AS orders_together
  FROM (SELECT * EXCLUDE (products), unnest(flatten(list_transform(products, _a -> list_transform(list_filter(products, _b -> _b > _a), _b -> struct_pack(a := _a, b := _b))))) AS pair FROM uncounted) AS x
  GROUP BY shop, pair.a, pair.b
),

pair_counts AS (
  -- the carried snapshot's counts plus the versions it did not count
  SELECT COALESCE(c.shop, n.shop) AS shop, COALESCE(c.product_a, n.product_a) AS product_a,
    COALESCE(c.product_b, n.product_b) AS product_b,
    COALESCE(c.orders_together, 0) + COALESCE(n.orders_together, 0) AS orders_together
  FROM (
    SELECT s.shop, s.product_a, s.product_b, s.orders_together
    FROM "shop_features"."co_purchase_pairs" AS s
    INNER JOIN carried ON carried.shop = s.shop AND carried.snapshot_date = s.snapshot_date
    WHERE s.snapshot_date >= CAST((DATE '2024-03-10') - to_days(CAST(31 AS INTEGER)) AS DATE) AND s.snapshot_date < DATE '2024-03-10'
  ) AS c
  FULL OUTER JOIN counted_pairs AS n
    ON n.shop = c.shop AND n.product_a = c.product_a AND n.product_b = c.product_b
),

counted AS (
  -- a pair whose baskets all changed away nets to 0 and is gone. LEFT JOINs (every counted pair's products and
  -- shop have totals) keep this join order: DuckDB's inner-join reordering paired the two product lists first
  SELECT h.shop, h.product_a, h.product_b, h.orders_together, pa.orders_with AS with_a, pb.orders_with AS with_b,
    t.baskets, t.baskets_through
  FROM pair_counts AS h
  LEFT JOIN product_baskets AS pa ON pa.shop = h.shop AND pa.product_id = h.product_a
  LEFT JOIN product_baskets AS pb ON pb.shop = h.shop AND pb.product_id = h.product_b
  LEFT JOIN shop_totals AS t ON t.shop = h.shop
  WHERE h.orders_together > 0
)

SELECT
  shop,
  DATE '2024-03-10' AS snapshot_date,
  product_a,
  product_b,
  CAST(orders_together AS BIGINT) AS orders_together,
  CAST(with_a AS BIGINT) AS orders_with_a,
  CAST(with_b AS BIGINT) AS orders_with_b,
  CAST(baskets AS BIGINT) AS baskets,
  baskets_through
FROM counted;
INSERT INTO "shop_features"."co_purchase_pairs" BY NAME SELECT * FROM "__new_shop_features__co_purchase_pairs"
