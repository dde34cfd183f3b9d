// shop_features.product_attributes on DuckDB: the golden store's catalog, Shopify's sample product (tags, options), a UCI
// replay slice (Description → title, products known from sales only), and title tokens equal to the recommender's.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import type { LandedEvent } from '../../functions/src/core/classify';
import { runFeatures, type RunReport } from '../../functions/src/features/runner';
import { priceBands, titleTokens } from '../../functions/src/models/recommend/catalog';
import { planReplay, stockCodeIds } from '../../functions/src/simulator/replay-csv';
import { testNeedingShared } from '../helpers/shared';

const PROJECT = path.join(__dirname, '../../dataform');
const GOLDEN = path.join(__dirname, 'golden-store');
const SHARED = path.resolve(__dirname, '../../../shared');
const UCI = path.join(SHARED, 'data/online_retail/online_retail_uci_2010-12_2011-12.csv');

const failures = (r: RunReport) => r.actions.filter((a) => a.status !== 'ok').map((a) => `${a.name}: ${a.error}`);
const jsonl = (file: string): LandedEvent[] =>
  readFileSync(path.join(GOLDEN, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LandedEvent);

let w: DuckDbWarehouse;
beforeEach(async () => {
  w = await openDuckDbWarehouse({ path: ':memory:' });
});
afterEach(async () => w.close());

const attributes = (where = 'TRUE') =>
  w.query(`SELECT product_id, variant_id, title, title_tokens, product_type, vendor, tags, variant_title, option1, option2, option3, CAST(price AS DOUBLE) AS price,
    CAST(price_band AS INTEGER) AS price_band, strftime(created_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S') AS created_at_utc, CAST(age_days AS INTEGER) AS age_days, source,
    strftime(snapshot_date, '%Y-%m-%d') AS snapshot_date
    FROM shop_features.product_attributes WHERE ${where} ORDER BY variant_id`);

test('golden store: one row per variant with type, vendor, tokens, price band and age at the snapshot', async () => {
  await w.landEvents(jsonl('events.jsonl'));
  const report = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2024-03-10', timezone: 'America/New_York' });
  expect(failures(report)).toEqual([]);
  const rows = await attributes();
  // Current state: A's update of 03-15 (price 12, created_at 03-15) is the catalog's; A was sold from 03-01, so it counts
  // as on sale since the start of that New York day (9 days before the snapshot). B and C: created 2024-02-01 09:0x
  // New York, 38 local days before. Price bands (percent ranks 0, ½, 1): C 5 → 1, B 10 → 3, A 12 → 5.
  expect(rows.map((r) => [r['variant_id'], r['title'], r['title_tokens'], r['product_type'], r['vendor'], r['tags'], r['price'], r['price_band'], r['age_days'], r['source'], r['snapshot_date']])).toEqual([
    ['9000000000001', 'Product A', ['product'], 'Widget', 'Golden', [], 12, 5, 9, 'catalog', '2024-03-10'],
    ['9000000000002', 'Product B', ['product'], 'Widget', 'Golden', [], 10, 3, 38, 'catalog', '2024-03-10'],
    ['9000000000003', 'Product C', ['product'], 'Widget', 'Golden', [], 5, 1, 38, 'catalog', '2024-03-10'],
  ]);
  expect(rows.map((r) => r['created_at_utc'])).toEqual(['2024-03-01T05:00:00', '2024-02-01T14:01:00', '2024-02-01T14:02:00']);

  // A snapshot before the products were created leaves them out.
  const early = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2024-01-31', timezone: 'America/New_York' });
  expect(failures(early)).toEqual([]);
  expect(await attributes()).toEqual([]);
}, 120_000);

test("Shopify's sample product: tags split and trimmed, option values per variant", async () => {
  const payload = readFileSync(path.join(SHARED, 'fixtures/shopify/products_update.json'), 'utf8');
  await w.landEvents([{ shop: 'sample.myshopify.com', topic: 'products/update', webhook_id: 'wh-p1', event_id: 'ev-p1', api_version: '2025-10', triggered_at: '2022-01-01T00:00:00.000Z', received_at: '2022-01-02T00:00:01.000Z', payload }]);
  const report = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2022-01-02', timezone: 'UTC' });
  expect(failures(report)).toEqual([]);
  const rows = await attributes();
  expect(rows.map((r) => [r['product_id'], r['variant_id'], r['title_tokens'], r['product_type'], r['vendor'], r['tags'], r['option1'], r['price'], r['age_days'], r['source']])).toEqual([
    ['788032119674292922', '642667041472713922', ['example', 'shirt'], 'Shirts', 'Acme', ['example', 'mens', 't-shirt'], 'Small', 19.99, 1, 'catalog'],
    ['788032119674292922', '757650484644203962', ['example', 'shirt'], 'Shirts', 'Acme', ['example', 'mens', 't-shirt'], 'Medium', 19.99, 1, 'catalog'],
  ]);
}, 120_000);

testNeedingShared(UCI, 'the UCI replay slice')('UCI replay: Description becomes the title, products known from sales only, tokens as the recommender makes them', async () => {
  // The first 3,000 rows of the file (all on 2010-12-01): every product is known from its order lines only.
  const text = readFileSync(UCI, 'utf8').split('\n').slice(0, 3001).join('\n') + '\n';
  const { deliveries } = await planReplay(text, { shop: 'uci.myshopify.com', timezone: 'Europe/London' });
  await w.landEvents(deliveries.map((d) => ({ shop: d.shop, topic: d.topic as LandedEvent['topic'], webhook_id: d.webhookId, event_id: d.eventId, api_version: '2025-10', triggered_at: d.triggeredAt.toISOString(), received_at: d.triggeredAt.toISOString(), payload: d.body })));
  const report = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2010-12-01', timezone: 'Europe/London' });
  expect(failures(report)).toEqual([]);
  const rows = await attributes();
  expect(rows.length).toBeGreaterThan(500);
  expect(new Set(rows.map((r) => r['source']))).toEqual(new Set(['order_lines']));
  // 85123A: WHITE HANGING HEART T-LIGHT HOLDER, first sold on the snapshot day 2010-12-01
  const heart = rows.find((r) => r['variant_id'] === stockCodeIds('85123A').variant)!;
  expect(heart).toMatchObject({ title: 'WHITE HANGING HEART T-LIGHT HOLDER', title_tokens: ['hanging', 'heart', 'holder', 'light', 'white'], age_days: 0, created_at_utc: '2010-12-01T00:00:00' });
  // The SQL's tokens are the recommender's for every title of the slice.
  const mismatches = rows.filter((r) => JSON.stringify([...titleTokens(r['title'] as string)].sort()) !== JSON.stringify(r['title_tokens']));
  expect(mismatches.map((r) => r['title'])).toEqual([]);
  // Price bands are the recommender's (percent-rank fifths of the shop's prices, equal prices alike).
  expect(rows.map((r) => r['price_band'])).toEqual(priceBands(rows.map((r) => r['price'] as number)));
  expect(new Set(rows.map((r) => r['price_band']))).toEqual(new Set([1, 2, 3, 4, 5]));
}, 180_000);
