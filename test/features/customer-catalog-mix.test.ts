// shop_features.customer_catalog_mix on DuckDB equals the propensity model's catalog terms (catalogMix) on the same lines.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import type { LandedEvent } from '../../functions/src/core/classify';
import { runFeatures, type RunReport } from '../../functions/src/features/runner';
import { catalogMix, type CatalogLine } from '../../functions/src/models/propensity/catalog-mix';
import { planReplay } from '../../functions/src/simulator/replay-csv';
import { testNeedingShared } from '../helpers/shared';

const PROJECT = path.join(__dirname, '../../dataform');
const UCI = path.resolve(__dirname, '../../../shared/data/online_retail/online_retail_uci_2010-12_2011-12.csv');

const failures = (r: RunReport) => r.actions.filter((a) => a.status !== 'ok').map((a) => `${a.name}: ${a.error}`);

let w: DuckDbWarehouse;
beforeEach(async () => {
  w = await openDuckDbWarehouse({ path: ':memory:' });
});
afterEach(async () => w.close());

testNeedingShared(UCI, 'the UCI replay slice')('UCI replay: every customer\'s catalog terms equal catalogMix on the same product lines', async () => {
  // The first 40,000 rows of the file (2010-12-01 .. 12-09), customers buying on several days, products re-bought.
  const text = readFileSync(UCI, 'utf8').split('\n').slice(0, 40_001).join('\n') + '\n';
  const { deliveries } = await planReplay(text, { shop: 'uci.myshopify.com', timezone: 'Europe/London' });
  await w.landEvents(deliveries.map((d) => ({ shop: d.shop, topic: d.topic as LandedEvent['topic'], webhook_id: d.webhookId, event_id: d.eventId, api_version: '2025-10', triggered_at: d.triggeredAt.toISOString(), received_at: d.triggeredAt.toISOString(), payload: d.body })));
  const snapshot = '2010-12-05';
  const report = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: snapshot, timezone: 'Europe/London' });
  expect(failures(report)).toEqual([]);
  const table = await w.query(`SELECT customer_id, CAST(distinct_products AS INTEGER) AS distinct_products, mean_price_band, rebuy_affinity, strftime(snapshot_date, '%Y-%m-%d') AS snapshot_date
    FROM shop_features.customer_catalog_mix ORDER BY customer_id`);
  // the model's definition, fed the product lines the table reads
  const lines = (await w.query(`SELECT customer_id, strftime(order_date, '%Y-%m-%d') AS day, product_id, CAST(quantity AS INTEGER) AS quantity, CAST(price AS DOUBLE) AS price
    FROM shop_staging.order_lines WHERE is_included AND NOT is_non_product AND customer_id IS NOT NULL AND product_id IS NOT NULL AND quantity > 0`)).map(
    (r): CatalogLine => ({ customerId: r['customer_id'] as string, day: r['day'] as string, product: r['product_id'] as string, quantity: r['quantity'] as number, unitPrice: r['price'] as number }),
  );
  const mix = catalogMix(lines, snapshot);
  expect(table.length).toBe(mix.size);
  expect(table.length).toBeGreaterThan(100);
  const off = table.filter((r) => {
    const m = mix.get(r['customer_id'] as string);
    return !m || m.distinct_products !== r['distinct_products'] || Math.abs(m.mean_price_band - (r['mean_price_band'] as number)) > 1e-9 || Math.abs(m.rebuy_affinity - (r['rebuy_affinity'] as number)) > 1e-9;
  });
  expect(off.map((r) => ({ sql: r, ts: mix.get(r['customer_id'] as string) }))).toEqual([]);
  expect(new Set(table.map((r) => r['snapshot_date']))).toEqual(new Set([snapshot]));
  // the slice has re-buys: some customers' products were bought again by others, so the affinity varies
  expect(new Set(table.map((r) => (r['rebuy_affinity'] as number).toFixed(6))).size).toBeGreaterThan(10);
}, 300_000);
