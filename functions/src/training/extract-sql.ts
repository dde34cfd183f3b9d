// Pure builders of the read-only SQL the extract step sends to the warehouse; one spelling that DuckDB and BigQuery both read.
import { ShopMlopsError } from '../core/errors';
import { addDays } from '../core/shop-days';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Shop domains (and anything else we quote into SQL) are restricted to characters that cannot end a string literal. */
const SHOP = /^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/;

export function assertDay(value: string, what: string): void {
  if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new ShopMlopsError('BAD_REQUEST', `${what} must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
}

export function assertShop(shop: string): void {
  if (!SHOP.test(shop)) throw new ShopMlopsError('BAD_REQUEST', `shop must be a shop domain (letters, digits, '.', '-'), got ${JSON.stringify(shop)}`);
}

const date = (d: string) => {
  assertDay(d, 'date');
  return `DATE '${d}'`;
};
const shopIs = (shop: string) => {
  assertShop(shop);
  return `shop = '${shop}'`;
};
const dates = (ds: readonly string[]) => ds.map(date).join(', ');

/** The shops present in customer_rfm. */
export const shopsSql = (): string => 'SELECT DISTINCT shop FROM shop_features.customer_rfm ORDER BY shop';

/** The latest customer_rfm snapshot of the shop (the default snapshot date). */
export const latestSnapshotSql = (shop: string): string => `SELECT CAST(MAX(snapshot_date) AS STRING) AS snapshot_date FROM shop_features.customer_rfm WHERE ${shopIs(shop)}`;

/** Label snapshots up to `snapshot`: customers and whether every label is complete. */
export const labelSnapshotsSql = (shop: string, snapshot: string): string =>
  `SELECT CAST(snapshot_date AS STRING) AS snapshot_date, COUNT(*) AS customers, MIN(CASE WHEN label_complete THEN 1 ELSE 0 END) AS complete
FROM shop_features.customer_labels WHERE ${shopIs(shop)} AND snapshot_date <= ${date(snapshot)} GROUP BY snapshot_date ORDER BY snapshot_date`;

export const customerRfmSql = (shop: string, snapshots: readonly string[]): string =>
  `SELECT shop, CAST(snapshot_date AS STRING) AS snapshot_date, customer_id, frequency, recency_days, age_days, days_since_last, monetary, r_score, f_score, m_score, segment
FROM shop_features.customer_rfm WHERE ${shopIs(shop)} AND snapshot_date IN (${dates(snapshots)}) ORDER BY snapshot_date, customer_id`;

export const customerLabelsSql = (shop: string, snapshots: readonly string[]): string =>
  snapshots.length === 0
    ? 'SELECT shop, CAST(snapshot_date AS STRING) AS snapshot_date, customer_id, bought_within_30d, label_complete FROM shop_features.customer_labels WHERE 1 = 0'
    : `SELECT shop, CAST(snapshot_date AS STRING) AS snapshot_date, customer_id, bought_within_30d, label_complete
FROM shop_features.customer_labels WHERE ${shopIs(shop)} AND snapshot_date IN (${dates(snapshots)}) ORDER BY snapshot_date, customer_id`;

/**
 * Daily demand per variant in (snapshot − historyDays, snapshot] (the table is its own history: rows after the snapshot are
 * left out), with the product's type from shop_staging.products (the catalog: short histories pool within their type).
 */
export const variantDailyDemandSql = (shop: string, snapshot: string, historyDays: number): string =>
  `SELECT d.shop, d.variant_id, d.product_id, CAST(d.date AS STRING) AS date, d.units, d.revenue, d.avg_price, d.in_stock, p.product_type
FROM shop_features.variant_daily_demand AS d
LEFT JOIN (SELECT shop, product_id, product_type FROM shop_staging.products WHERE ${shopIs(shop)}) AS p ON p.shop = d.shop AND p.product_id = d.product_id
WHERE d.${shopIs(shop)} AND d.date <= ${date(snapshot)} AND d.date > ${date(addDays(snapshot, -historyDays))} ORDER BY d.variant_id, d.date`;

export const coPurchaseSql = (shop: string, snapshot: string): string =>
  `SELECT shop, CAST(snapshot_date AS STRING) AS snapshot_date, product_a, product_b, orders_together, orders_with_a, orders_with_b, baskets, support, confidence, lift
FROM shop_features.co_purchase WHERE ${shopIs(shop)} AND snapshot_date = ${date(snapshot)} ORDER BY product_a, product_b`;

/** Lines of included orders in (snapshot − historyDays, snapshot]. */
export const orderLinesSql = (shop: string, snapshot: string, historyDays: number): string =>
  `SELECT shop, order_id, line_item_id, customer_id, CAST(order_date AS STRING) AS order_date, product_id, variant_id, net_quantity, net_revenue, is_non_product
FROM shop_staging.order_lines WHERE ${shopIs(shop)} AND is_included AND order_date <= ${date(snapshot)} AND order_date > ${date(addDays(snapshot, -historyDays))} ORDER BY order_date, order_id, line_item_id`;

/** The catalog as shop_features.product_attributes last built it (one snapshot: the table is replaced per run). */
export const productAttributesSql = (shop: string): string =>
  `SELECT shop, CAST(snapshot_date AS STRING) AS snapshot_date, product_id, variant_id, title, title_tokens, product_type, vendor, tags, option1, option2, option3, price, price_band, age_days, source
FROM shop_features.product_attributes WHERE ${shopIs(shop)} ORDER BY product_id, variant_id`;

/** Every variant with demand up to the snapshot, its product, and its stock then: each (item, location)'s latest level on or before the snapshot, summed (NULL when none is tracked). */
export const variantStockSql = (shop: string, snapshot: string): string =>
  `SELECT d.variant_id, d.product_id, s.stock
FROM (SELECT variant_id, MAX(product_id) AS product_id FROM shop_features.variant_daily_demand WHERE ${shopIs(shop)} AND date <= ${date(snapshot)} GROUP BY variant_id) AS d
LEFT JOIN (
  SELECT variant_id, SUM(available) AS stock FROM (
    SELECT variant_id, available, ROW_NUMBER() OVER (PARTITION BY inventory_item_id, location_id ORDER BY updated_at DESC, received_at DESC) AS rn
    FROM shop_staging.inventory_levels WHERE ${shopIs(shop)} AND level_date <= ${date(snapshot)} AND variant_id IS NOT NULL
  ) AS l WHERE rn = 1 AND available IS NOT NULL GROUP BY variant_id
) AS s ON s.variant_id = d.variant_id
ORDER BY d.variant_id`;
