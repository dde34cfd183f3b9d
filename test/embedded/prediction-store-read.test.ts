// DuckDB PredictionStore.read: the newest batch (snapshot, then scored_at, then version) holding the values, a pinned batch, rows in column types, no table → null.
import { createDuckDbPredictionStore } from '../../functions/src/adapters/embedded/duckdb-prediction-store';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import type { PredictionBatch } from '../../functions/src/serving/prediction-tables';

const SHOP = 'read-store.myshopify.com';
let w: DuckDbWarehouse;
beforeAll(async () => {
  w = await openDuckDbWarehouse({ path: ':memory:' });
});
afterAll(() => w.close());

const recs = (snapshotDate: string, version: number, scoredAt: string, products: string[]): PredictionBatch => ({
  table: 'product_recommendations',
  key: { shop: SHOP, snapshotDate, model: 'recommend', version },
  rows: products.flatMap((p) => [1, 2].map((rank) => ({ product_id: p, rank, recommended_product_id: `${p}-r${rank}-v${version}`, score: 1 / rank, source: 'similar', scored_at: scoredAt }))),
});

test('no table yet → null', async () => {
  expect(await createDuckDbPredictionStore(w).read({ table: 'customer_clv', shop: SHOP, column: 'customer_id', values: ['1'] })).toBeNull();
});

test('the newest batch holding any of the values wins; a pinned batch is read as asked; other shops never', async () => {
  const store = createDuckDbPredictionStore(w);
  await store.replace([recs('2026-03-06', 3, '2026-03-07T00:00:00.000Z', ['a', 'b'])]);
  await store.replace([recs('2026-04-05', 1, '2026-04-06T00:00:00.000Z', ['a'])]);
  await store.replace([recs('2026-04-05', 2, '2026-04-06T01:00:00.000Z', ['a'])]);
  await store.replace([{ ...recs('2026-05-01', 9, '2026-05-02T00:00:00.000Z', ['a']), key: { shop: 'other.myshopify.com', snapshotDate: '2026-05-01', model: 'recommend', version: 9 } }]);
  const r = await store.read({ table: 'product_recommendations', shop: SHOP, column: 'product_id', values: ['a'] });
  expect(r).toMatchObject({ snapshotDate: '2026-04-05', version: 2 });
  expect(r!.rows).toEqual([1, 2].map((rank) => ({ shop: SHOP, snapshot_date: '2026-04-05', model: 'recommend', version: 2, product_id: 'a', rank, recommended_product_id: `a-r${rank}-v2`, score: 1 / rank, source: 'similar', scored_at: '2026-04-06T01:00:00.000Z' })));
  // b only exists in the older batch: that batch is the newest holding it.
  expect(await store.read({ table: 'product_recommendations', shop: SHOP, column: 'product_id', values: ['b'] })).toMatchObject({ snapshotDate: '2026-03-06', version: 3 });
  const pinned = await store.read({ table: 'product_recommendations', shop: SHOP, column: 'product_id', values: ['a', 'b'], batch: { snapshotDate: '2026-03-06', version: 3 } });
  expect(pinned!.rows.map((x) => x['product_id'])).toEqual(['a', 'a', 'b', 'b']);
  expect(await store.read({ table: 'product_recommendations', shop: SHOP, column: 'product_id', values: ['zzz'] })).toBeNull();
  await expect(store.read({ table: 'product_recommendations', shop: SHOP, column: 'score', values: ['1'] })).rejects.toThrow(/not keyed by score/);
});
