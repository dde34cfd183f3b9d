// The runtime's POST /admin/predictions (how a training or score run in another process writes scores while the runtime owns DuckDB): validated, idempotent per batch key.
import { adminCall } from '../../functions/src/cli/store-client';
import type { PredictionBatch } from '../../functions/src/serving/prediction-tables';
import { startTestRuntime } from '../helpers/runtime';

let rt: Awaited<ReturnType<typeof startTestRuntime>>;
beforeAll(async () => {
  rt = await startTestRuntime({ featuresEveryMinutes: 0 });
}, 60_000);
afterAll(async () => rt.close());

const batch = (version: number, n: number): PredictionBatch => ({
  table: 'product_recommendations',
  key: { shop: 's.myshopify.com', snapshotDate: '2026-04-05', model: 'recommend', version },
  rows: Array.from({ length: n }, (_, i) => ({ product_id: 'p1', rank: i + 1, recommended_product_id: `p${i + 2}`, score: 1 / (i + 1), source: 'similar', scored_at: '2026-04-06T00:00:00.000Z' })),
});

test('a batch replaces its key only; writing it again replaces, never duplicates', async () => {
  const info = { url: rt.url, adminToken: rt.adminToken };
  expect((await adminCall<{ written: unknown[] }>(info as never, 'POST', '/admin/predictions', { batches: [batch(1, 3)] })).written).toEqual([{ table: 'shop_predictions.product_recommendations', replaced: 0, inserted: 3 }]);
  await adminCall(info as never, 'POST', '/admin/predictions', { batches: [batch(2, 2)] });
  expect((await adminCall<{ written: unknown[] }>(info as never, 'POST', '/admin/predictions', { batches: [batch(1, 4)] })).written).toEqual([{ table: 'shop_predictions.product_recommendations', replaced: 3, inserted: 4 }]);
  expect(await rt.warehouse.query('SELECT version, count(*) AS n, min(rank) AS lo, max(rank) AS hi FROM shop_predictions.product_recommendations GROUP BY version ORDER BY version')).toEqual([
    { version: '1', n: '4', lo: '1', hi: '4' },
    { version: '2', n: '2', lo: '1', hi: '2' },
  ]);
});

test('a batch for a table its model does not write, an unknown table or a bad key is refused with 400', async () => {
  const post = (body: unknown) => fetch(`${rt.url}/admin/predictions`, { method: 'POST', headers: { authorization: `Bearer ${rt.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  for (const bad of [
    { batches: [{ ...batch(1, 1), key: { ...batch(1, 1).key, model: 'clv' } }] },
    { batches: [{ ...batch(1, 1), table: 'customers' }] },
    { batches: [{ ...batch(1, 1), key: { ...batch(1, 1).key, snapshotDate: '5 April' } }] },
    { rows: [] },
  ]) {
    const res = await post(bad);
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([400, 'BAD_REQUEST']);
  }
  const unauth = await fetch(`${rt.url}/admin/predictions`, { method: 'POST', body: JSON.stringify({ batches: [batch(1, 1)] }) });
  expect(unauth.status).toBe(401);
});
