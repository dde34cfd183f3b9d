// What online prediction reads besides the model: a shop's latest customer_rfm snapshot and variant stock (for CLV, propensity, days of cover) and product popularity (the no-model experience), cached per shop.
import { ShopMlopsError } from '../core/errors';
import type { Row } from '../ports/warehouse';
import { addDays } from '../core/shop-days';
import * as sql from '../training/extract-sql';
import { parseCustomerRows, type CustomerRow } from './predict-customer';

export interface PopularProduct {
  product_id: string;
  /** Share of the window's buyers who bought it. */
  score: number;
}

export interface ShopFeatures {
  /** The latest customer_rfm snapshot; null when the shop has none yet. */
  snapshot: string | null;
  customers: Map<string, CustomerRow>;
  stock: Map<string, number | null>;
  /** Most bought products of the last POPULAR_DAYS before the snapshot, best first. */
  popular: PopularProduct[];
}

export interface ServingFeatures {
  /** The shop's cached features; loads them the first time (a failure then throws), refreshes stale ones in the background (a failure keeps the old ones). */
  get(shop: string): Promise<ShopFeatures>;
}

export interface ServingFeaturesOptions {
  /** Read-only SQL in the dialect DuckDB and BigQuery share (Warehouse.query). */
  query(sql: string): Promise<Row[]>;
  /** Features are reloaded after this long (ms). */
  ttlMs?: number;
  now?: () => number;
}

/** Popularity window (days before the snapshot). */
export const POPULAR_DAYS = 90;
const POPULAR_LIMIT = 100;

export const popularSql = (shop: string, since: string | null): string => {
  sql.assertShop(shop);
  const window = since ? ` AND order_date > DATE '${since}'` : '';
  return `SELECT product_id, COUNT(DISTINCT customer_id) AS buyers, COUNT(*) AS line_count FROM shop_staging.order_lines
WHERE shop = '${shop}' AND is_included AND NOT is_non_product AND product_id IS NOT NULL${window}
GROUP BY product_id ORDER BY buyers DESC, line_count DESC, product_id LIMIT ${POPULAR_LIMIT}`;
};
export const buyersSql = (shop: string, since: string | null): string => {
  sql.assertShop(shop);
  const window = since ? ` AND order_date > DATE '${since}'` : '';
  return `SELECT COUNT(DISTINCT customer_id) AS buyers FROM shop_staging.order_lines WHERE shop = '${shop}' AND is_included AND NOT is_non_product${window}`;
};

/** Loads each part on its own (a store without feature tables still has popularity); `failed` names the parts that failed. */
async function loadShop(query: ServingFeaturesOptions['query'], shop: string): Promise<{ value: ShopFeatures; failed: string[]; attempted: number }> {
  const failed: string[] = [];
  let attempted = 0;
  const value: ShopFeatures = { snapshot: null, customers: new Map(), stock: new Map(), popular: [] };
  const part = async (name: string, fn: () => Promise<void>) => {
    attempted++;
    try {
      await fn();
    } catch (err) {
      failed.push(`${name}: ${(err as Error).message}`);
    }
  };
  await part('customer_rfm', async () => {
    const latest = (await query(sql.latestSnapshotSql(shop)))[0]?.['snapshot_date'];
    value.snapshot = latest === null || latest === undefined ? null : String(latest).slice(0, 10);
    if (value.snapshot) for (const r of parseCustomerRows(await query(sql.customerRfmSql(shop, [value.snapshot])), `shop_features.customer_rfm at ${value.snapshot}`)) value.customers.set(r.customer_id, r);
  });
  if (value.snapshot) {
    const snapshot = value.snapshot;
    await part('stock', async () => {
      for (const r of await query(sql.variantStockSql(shop, snapshot))) value.stock.set(String(r['variant_id']), r['stock'] === null || r['stock'] === undefined ? null : Number(r['stock']));
    });
  }
  await part('popularity', async () => {
    const since = value.snapshot ? addDays(value.snapshot, -POPULAR_DAYS) : null;
    const total = Number((await query(buyersSql(shop, since)))[0]?.['buyers'] ?? 0);
    value.popular = (await query(popularSql(shop, since))).map((r) => ({ product_id: String(r['product_id']), score: total > 0 ? Number(r['buyers']) / total : 0 }));
  });
  return { value, failed, attempted };
}

/** After a partial failure the features are tried again this soon (ms). */
const RETRY_MS = 5_000;

export function createServingFeatures(o: ServingFeaturesOptions): ServingFeatures {
  const ttl = o.ttlMs ?? 5 * 60_000;
  const now = o.now ?? Date.now;
  const cache = new Map<string, { at: number; value: ShopFeatures }>();
  const loading = new Map<string, Promise<ShopFeatures>>();
  const refresh = (shop: string): Promise<ShopFeatures> => {
    let p = loading.get(shop);
    if (!p) {
      p = loadShop(o.query, shop)
        .then(({ value, failed, attempted }) => {
          if (failed.length === attempted) throw new ShopMlopsError('UNAVAILABLE', `serving features of ${shop}: ${failed.join('; ')}`);
          cache.set(shop, { at: failed.length ? now() - ttl + RETRY_MS : now(), value });
          return value;
        })
        .catch((err: unknown) => {
          throw ShopMlopsError.fromUnknown(err, 'UNAVAILABLE');
        })
        .finally(() => loading.delete(shop));
      loading.set(shop, p);
    }
    return p;
  };
  return {
    get(shop) {
      const hit = cache.get(shop);
      if (!hit) return refresh(shop);
      if (now() - hit.at > ttl) void refresh(shop).catch(() => undefined);
      return Promise.resolve(hit.value);
    },
  };
}
