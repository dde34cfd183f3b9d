-- table shop_features.product_attributes

-- query
-- shop_features.product_attributes: what each sellable variant is, as of a snapshot date, for models that read the
-- catalog (recommendations' content similarity; forecasts and propensity may join it on (shop, variant_id)).
--   catalog rows       every variant of shop_staging.products / variants created (or first sold) on or before the
--                      snapshot, with its current title, type, vendor, tags, options and price (no history is kept of them)
--   order_lines rows   variants sold on or before the snapshot that no product event describes (a CSV replay, or a
--                      product deleted before the app was installed): title and price of the latest sale (the UCI replay
--                      writes Description as the line title), created_at = the shop-local start of the first sale's day
--   title_tokens       dialect.title_tokens(title): lower case, letters/digits, stopwords, numbers, plurals normalised
--   price_band         1 + FLOOR(5 × PERCENT_RANK()) of the price among the shop's variants (at most 5): equal prices
--                      share a band, 1 = the cheapest fifth
--   age_days           whole shop-local days from created_at to the snapshot
-- One snapshot: a run replaces the table (the recommender trains on the catalog as it stands).


WITH sold AS (
  SELECT shop, product_id, variant_id, title, price, order_date,
    ROW_NUMBER() OVER (PARTITION BY shop, variant_id ORDER BY order_date DESC, line_item_id DESC) AS latest,
    MIN(order_date) OVER (PARTITION BY shop, variant_id) AS first_date
  FROM `demo-shop-mlops.shop_staging.order_lines`
  WHERE NOT is_non_product AND variant_id IS NOT NULL AND product_id IS NOT NULL AND order_date <= DATE '2024-03-10'
),

last_sale AS (
  SELECT shop, product_id, variant_id, title, price, TIMESTAMP(first_date, 'America/New_York') AS first_sale_at
  FROM sold
  WHERE latest = 1
),

catalog AS (
  SELECT
    v.shop,
    v.product_id,
    v.variant_id,
    p.title,
    p.product_type,
    p.vendor,
    p.tags,
    v.title AS variant_title,
    v.option1,
    v.option2,
    v.option3,
    v.price,
    -- a variant sold before its payload's created_at (a re-created product) was on sale since that sale
    CASE
      WHEN s.first_sale_at IS NULL THEN COALESCE(v.created_at, p.created_at)
      WHEN COALESCE(v.created_at, p.created_at) IS NULL THEN s.first_sale_at
      ELSE LEAST(COALESCE(v.created_at, p.created_at), s.first_sale_at)
    END AS created_at,
    'catalog' AS source
  FROM `demo-shop-mlops.shop_staging.variants` AS v
  INNER JOIN `demo-shop-mlops.shop_staging.products` AS p ON p.shop = v.shop AND p.product_id = v.product_id
  LEFT JOIN last_sale AS s ON s.shop = v.shop AND s.variant_id = v.variant_id
),

sold_only AS (
  SELECT
    s.shop,
    s.product_id,
    s.variant_id,
    s.title,
    CAST(NULL AS STRING) AS product_type,
    CAST(NULL AS STRING) AS vendor,
    ARRAY(SELECT TRIM(t) FROM UNNEST(SPLIT(COALESCE(CAST(NULL AS STRING), ''), ',')) AS t WHERE TRIM(t) != '') AS tags,
    CAST(NULL AS STRING) AS variant_title,
    CAST(NULL AS STRING) AS option1,
    CAST(NULL AS STRING) AS option2,
    CAST(NULL AS STRING) AS option3,
    s.price,
    s.first_sale_at AS created_at,
    'order_lines' AS source
  FROM last_sale AS s
  LEFT JOIN catalog AS c ON c.shop = s.shop AND c.variant_id = s.variant_id
  WHERE c.variant_id IS NULL
),

variants AS (
  SELECT * FROM catalog
  WHERE created_at IS NULL OR DATE(created_at, 'America/New_York') <= DATE '2024-03-10'
  UNION ALL
  SELECT * FROM sold_only
)

SELECT
  shop,
  DATE '2024-03-10' AS snapshot_date,
  product_id,
  variant_id,
  title,
  ARRAY(SELECT DISTINCT CASE WHEN LENGTH(t) > 3 AND ENDS_WITH(t, 's') AND NOT ENDS_WITH(t, 'ss') THEN SUBSTR(t, 1, LENGTH(t) - 1) ELSE t END AS tok FROM UNNEST(REGEXP_EXTRACT_ALL(LOWER(title), r'[\pL\pN]+')) AS t WHERE LENGTH(t) >= 2 AND NOT REGEXP_CONTAINS(t, r'^[0-9]+$') AND t NOT IN ('a', 'an', 'and', 'the', 'of', 'in', 'on', 'for', 'with', 'to', 'by', 'or', 'at', 'from', 'set', 'pack', 'assorted', 'design', 'colour', 'color', 'size') ORDER BY tok) AS title_tokens,
  product_type,
  vendor,
  tags,
  variant_title,
  option1,
  option2,
  option3,
  price,
  CAST(LEAST(5, 1 + FLOOR(5 * PERCENT_RANK() OVER (PARTITION BY shop ORDER BY price))) AS INT64) AS price_band,
  COALESCE(created_at, TIMESTAMP(DATE '2024-03-10', 'America/New_York')) AS created_at,
  CAST(GREATEST(0, DATE_DIFF(DATE '2024-03-10', COALESCE(DATE(created_at, 'America/New_York'), DATE '2024-03-10'), DAY)) AS INT64) AS age_days,
  source
FROM variants
