// Prediction routes end to end on the real runtime over HTTP: a simulated store trained into all four models, endpoints deployed, every route answered and labelled, bad input → 400, the local admin caller check, and every answer in the prediction log.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runTraining } from '../../functions/src/training/run';
import { SECRET, startTestRuntime } from '../helpers/runtime';
import { signAppProxyQuery } from '../../functions/src/testing/app-proxy-signer';
import { buildTrainingStore, SHOP, SNAPSHOT } from '../training/support/store';
import type { Runtime } from '../../functions/src/runtime/local-runtime';
import { createDuckDbPredictionStore } from '../../functions/src/adapters/embedded/duckdb-prediction-store';
import { clvFromBatch, clvScore, parseCustomerRows } from '../../functions/src/serving/predict-customer';

const dataDir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-routes-'));
let rt: Runtime;
const WHO = { actor: 'test', reason: 'prediction routes test' };
let productId: string;
let customerId: string;
let variantId: string;

beforeAll(async () => {
  await buildTrainingStore(dataDir);
  const { summary } = await runTraining({ world: { mode: 'embedded', dataDir, via: 'direct' } });
  expect(summary.ok).toBe(true);
  // A generous budget: these tests check answers, not speed (the fault tests miss a small budget on purpose).
  rt = await startTestRuntime({ dataDir, servingBudgetMs: 10_000 });
  for (const model of ['clv', 'propensity', 'forecast', 'recommend']) await rt.serving.endpoints.deploy({ shop: SHOP, model, version: 1, ...WHO });
  productId = String((await rt.warehouse.query(`SELECT product_id FROM shop_predictions.product_recommendations ORDER BY product_id LIMIT 1`))[0]!['product_id']);
  customerId = String((await rt.warehouse.query(`SELECT customer_id FROM shop_features.customer_rfm WHERE snapshot_date = DATE '${SNAPSHOT}' ORDER BY frequency DESC, customer_id LIMIT 1`))[0]!['customer_id']);
  variantId = String((await rt.warehouse.query(`SELECT variant_id FROM shop_predictions.variant_replenishment ORDER BY variant_id LIMIT 1`))[0]!['variant_id']);
}, 300_000);
afterAll(async () => {
  await rt?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(route: string, query: Record<string, string>, init: { token?: string | null; method?: string; body?: unknown } = {}) {
  const url = `${rt.url}/api/${route}?${new URLSearchParams({ shop: SHOP, ...query })}`;
  const token = init.token === undefined ? rt.adminToken : init.token;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field below
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

test('recommendations for a product: the deployed champion answers, labelled with model, version, arm and no fallback', async () => {
  const r = await call('recommendations/product', { product_id: productId, k: '5', visitor_id: 'visitor-1' });
  expect(r.status).toBe(200);
  expect(r.json).toMatchObject({ shop: SHOP, product_ids: [productId], model: 'recommend', version: 1, arm: 'champion', assigned_version: 1, served_by: 'model', fallback: false, fallback_reason: null });
  expect(r.json['bucket']).toEqual(expect.any(Number));
  const recs = r.json['prediction'] as Array<{ recommended_product_id: string; rank: number }>;
  expect(recs.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5]);
  expect(recs.some((x) => x.recommended_product_id === productId)).toBe(false);
  // The same list the batch scores hold for the product (one model, online or in batch).
  const batch = await rt.warehouse.query(`SELECT recommended_product_id FROM shop_predictions.product_recommendations WHERE product_id = '${productId}' AND version = 1 ORDER BY rank LIMIT 5`);
  expect(recs.map((x) => x.recommended_product_id)).toEqual(batch.map((b) => String(b['recommended_product_id'])));
});

test('a cart, a customer and a variant: each answered by its model', async () => {
  const other = String((await rt.warehouse.query(`SELECT max(product_id) AS p FROM shop_predictions.product_recommendations`))[0]!['p']);
  const cart = await call('recommendations/cart', { product_ids: `${productId},${other}`, k: '3' });
  expect(cart.status).toBe(200);
  expect(cart.json).toMatchObject({ product_ids: [productId, other], model: 'recommend', served_by: 'model', fallback: false });
  expect((cart.json['prediction'] as Array<{ recommended_product_id: string }>).some((x) => [productId, other].includes(x.recommended_product_id))).toBe(false);

  const c = await call('customers/predictions', { customer_id: customerId });
  expect(c.status).toBe(200);
  expect(c.json['customer_id']).toBe(customerId);
  expect(c.json['clv']).toMatchObject({ model: 'clv', version: 1, served_by: 'model', fallback: false, snapshot_date: SNAPSHOT, prediction: { customer_id: customerId, p_alive: expect.any(Number), expected_purchases_90d: expect.any(Number) } });
  expect(c.json['propensity']).toMatchObject({ model: 'propensity', version: 1, served_by: 'model', prediction: { customer_id: customerId, p_repeat_30d: expect.any(Number), will_repeat: expect.any(Boolean) } });
  // Online equals the batch score of the same version and snapshot.
  const batch = await rt.warehouse.query(`SELECT p_alive, rfm_segment FROM shop_predictions.customer_clv WHERE customer_id = '${customerId}' AND version = 1`);
  expect(c.json['clv']['prediction']['p_alive']).toBeCloseTo(Number(batch[0]!['p_alive']), 12);
  expect(c.json['clv']['prediction']['rfm_segment']).toBe(batch[0]!['rfm_segment']);

  const f = await call('variants/forecast', { variant_id: variantId });
  expect(f.status).toBe(200);
  expect(f.json).toMatchObject({ model: 'forecast', version: 1, served_by: 'model', variant_id: variantId });
  expect(f.json['prediction']['forecast'].length).toBeGreaterThan(0);
  expect(f.json['prediction']['replenishment']).toMatchObject({ variant_id: variantId, reorder_point: expect.any(Number), safety_stock: expect.any(Number) });
});

test('CLV answers seeded from the score step\'s batch equal the version computing them, field for field, for every customer of the snapshot', async () => {
  // The first customer request reads this version's batch for the snapshot into memory (serve.ts seedClv); here every
  // customer's batch row, read the same way, is held to the model computing that customer alone.
  const m = await rt.serving.models.get(SHOP, 'clv', 1);
  if (m.model !== 'clv') throw new Error('not a clv version');
  const rows = parseCustomerRows(await rt.warehouse.query(`SELECT * FROM shop_features.customer_rfm WHERE snapshot_date = DATE '${SNAPSHOT}' ORDER BY customer_id`), 'customer_rfm');
  expect(rows.length).toBeGreaterThan(20);
  const batch = await createDuckDbPredictionStore(rt.warehouse).read({ table: 'customer_clv', shop: SHOP, column: 'customer_id', values: rows.map((r) => r.customer_id), batch: { snapshotDate: SNAPSHOT, version: 1 } });
  expect(batch?.rows).toHaveLength(rows.length);
  const byId = new Map(batch!.rows.map((r) => [String(r['customer_id']), r]));
  for (const row of rows) expect(clvFromBatch(byId.get(row.customer_id)!)).toEqual(clvScore(m.production, row, { snapshot: SNAPSHOT }));
  // And the route answers a customer it has not seen with that same score, from the model.
  const other = rows.find((r) => r.customer_id !== customerId)!;
  const c = await call('customers/predictions', { customer_id: other.customer_id });
  expect(c.json['clv']).toMatchObject({ served_by: 'model', fallback: false, version: 1 });
  expect(c.json['clv']['prediction']).toEqual(clvScore(m.production, other, { snapshot: SNAPSHOT }));
});

test('a customer unknown to the features falls back to nothing personalised, labelled no_data, still 200', async () => {
  const c = await call('customers/predictions', { customer_id: 'no-such-customer' });
  expect(c.status).toBe(200);
  expect(c.json['clv']).toMatchObject({ served_by: 'none', fallback: true, fallback_reason: 'no_data', prediction: null });
});

test('the batch route answers several requests in one call, each labelled; a bad entry gets its own 400', async () => {
  const r = await call('batch', {}, {
    method: 'POST',
    body: { requests: [{ route: 'recommendations/product', query: { product_id: productId, k: '2' } }, { route: 'variants/forecast', query: { variant_id: variantId } }, { route: 'recommendations/product', query: { k: '2' } }] },
  });
  expect(r.status).toBe(200);
  const rs = r.json['responses'] as Array<{ status: number; body: typeof r.json }>;
  expect(rs.map((x) => x.status)).toEqual([200, 200, 400]);
  expect(rs[0]!.body).toMatchObject({ model: 'recommend', served_by: 'model' });
  expect(rs[1]!.body).toMatchObject({ model: 'forecast', served_by: 'model' });
  expect(rs[2]!.body).toMatchObject({ error: { code: 'BAD_REQUEST', retryable: false } });
  expect(rs[2]!.body['error']['message']).toMatch(/product_id/);
});

test('bad input gets a 400 with the webhooks\' JSON error body; an over-long batch is refused whole', async () => {
  for (const [route, q] of [
    ['recommendations/product', {}],
    ['recommendations/product', { product_id: productId, k: '0' }],
    ['recommendations/product', { product_id: 'a b' }],
    ['recommendations/cart', { product_ids: ',' }],
    ['variants/forecast', {}],
    ['customers/predictions', {}],
  ] as const) {
    const r = await call(route, q);
    expect([route, r.status]).toEqual([route, 400]);
    expect(r.json).toEqual({ error: { code: 'BAD_REQUEST', message: expect.any(String), retryable: false, ...(r.json['error']['details'] ? { details: expect.anything() } : {}) } });
  }
  const many = Array.from({ length: 21 }, () => ({ route: 'variants/forecast', query: { variant_id: variantId } }));
  const r = await call('batch', {}, { method: 'POST', body: { requests: many } });
  expect(r.status).toBe(400);
  expect(r.json['error']['message']).toMatch(/at most 20/);
  const unknown = await call('batch', {}, { method: 'POST', body: { requests: [{ route: 'admin/sql', query: {} }] } });
  expect(unknown.status).toBe(400);
});

test('the local admin caller: no token → 401, a wrong token → 401, no shop → 400', async () => {
  expect((await call('recommendations/product', { product_id: productId }, { token: null })).status).toBe(401);
  expect((await call('recommendations/product', { product_id: productId }, { token: 'wrong' })).json).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  const res = await fetch(`${rt.url}/api/recommendations/product?product_id=${productId}`, { headers: { authorization: `Bearer ${rt.adminToken}` } });
  expect(res.status).toBe(400);
});

test('the runtime\'s /metrics exposes the serving counters next to the ingest ones', async () => {
  const text = await (await fetch(`${rt.url}/metrics`)).text();
  expect(text).toMatch(/shop_mlops_predictions_total\{model="recommend",arm="champion",served_by="model"\} [1-9]/);
  expect(text).toMatch(/shop_mlops_serving_fallbacks_total\{model="clv",reason="no_data",served_by="none"\} 1/);
  expect(text).toContain('shop_mlops_prediction_route_seconds_bucket');
  expect(text).toContain('shop_mlops_webhooks_in_flight');
});

test('every served prediction lands in shop_predictions.prediction_log with its labels; the exposures query reads it', async () => {
  await call('recommendations/product', { product_id: productId, logged_in_customer_id: customerId });
  await rt.serving.predictionLog.drain();
  const rows = await rt.warehouse.query(`SELECT route, model, arm, version, served_by, fallback, customer_id, visitor_id, entity_id, length(inputs_hash) AS h, output IS NOT NULL AS has_output, latency_ms >= 0 AS timed FROM shop_predictions.prediction_log WHERE customer_id = '${customerId}' AND route = 'recommendations_product'`);
  expect(rows).toEqual([{ route: 'recommendations_product', model: 'recommend', arm: 'champion', version: '1', served_by: 'model', fallback: false, customer_id: customerId, visitor_id: null, entity_id: productId, h: '64', has_output: true, timed: true }]);
  // Every answer so far: 1 + (1 cart + 2 customer + 1 variant) + 2 seeded customer + 2 + 2 batch + this one.
  const all = await rt.warehouse.query(`SELECT route, model, count(*) AS n FROM shop_predictions.prediction_log GROUP BY ALL ORDER BY ALL`);
  expect(all).toEqual([
    { route: 'customer_predictions', model: 'clv', n: '3' },
    { route: 'customer_predictions', model: 'propensity', n: '3' },
    { route: 'recommendations_cart', model: 'recommend', n: '1' },
    { route: 'recommendations_product', model: 'recommend', n: '3' },
    { route: 'variant_forecast', model: 'forecast', n: '2' },
  ]);
  // Exposures for A/B analysis: the query docs/data-contracts.md gives, as written there.
  const doc = readFileSync(path.join(__dirname, '../../docs/data-contracts.md'), 'utf8');
  const exposuresSql = /\*\*Exposures for A\/B analysis\.\*\*[\s\S]*?```sql\n([\s\S]*?)```/.exec(doc)![1]!;
  const exposures = await rt.warehouse.query(exposuresSql);
  const mine = exposures.filter((e) => e['unit'] === customerId);
  expect(mine.map((e) => [e['model'], e['arm']]).sort()).toEqual([['clv', expect.any(String)], ['propensity', expect.any(String)], ['recommend', expect.any(String)]]);
  expect(mine.find((e) => e['model'] === 'clv')).toMatchObject({ shop: SHOP, served: '1', fallbacks: '0' });
});

test('the storefront through the App Proxy: a signed call gets its shop\'s prediction (its own customer only); a tampered one 401', async () => {
  const signed = (params: Record<string, string>, loggedInCustomerId = '') => signAppProxyQuery({ secret: SECRET, shop: SHOP, loggedInCustomerId, params });
  const get = async (route: string, query: string) => {
    const res = await fetch(`${rt.url}/api/${route}?${query}`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field below
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  const recs = await get('recommendations/product', signed({ product_id: productId, k: '3', visitor_id: 'v-42' }));
  expect(recs.status).toBe(200);
  expect(recs.json).toMatchObject({ shop: SHOP, product_ids: [productId], model: 'recommend', version: 1, arm: 'champion', fallback: false });
  expect(recs.json['prediction']).toHaveLength(3);
  const mine = await get('customers/predictions', signed({}, customerId));
  expect(mine.status).toBe(200);
  expect(mine.json).toMatchObject({ shop: SHOP, customer_id: customerId, clv: { model: 'clv', version: 1 }, propensity: { model: 'propensity', version: 1 } });
  // Another customer's predictions are not a shopper's to read.
  expect((await get('customers/predictions', signed({ customer_id: 'someone-else' }, customerId))).status).toBe(403);
  // Tampered: a parameter changed after signing, or another secret.
  const tampered = signed({ product_id: productId, k: '3' }).replace(`product_id=${productId}`, 'product_id=other');
  expect(await get('recommendations/product', tampered)).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHORIZED' } } });
  const otherSecret = signAppProxyQuery({ secret: 'not-the-secret', shop: SHOP, params: { product_id: productId } });
  expect((await get('recommendations/product', otherSecret)).status).toBe(401);
});
