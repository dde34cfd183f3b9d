// Never break the storefront: faults injected into each serving layer (the model throws, is too slow, the registry,
// the artifact store, the batch-score store, the endpoint state unavailable) each give a 200 with the right fallback
// label, counted by the fallback metric and logged; the holdout gets the no-model experience without a fallback flag.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { createDuckDbPredictionStore } from '../../functions/src/adapters/embedded/duckdb-prediction-store';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileModelRegistries } from '../../functions/src/adapters/embedded/file-model-registry';
import { createJournalEndpoints, listEndpointKeys } from '../../functions/src/adapters/embedded/journal-endpoints';
import { createJournalPredictionLog, type JournalPredictionLog } from '../../functions/src/adapters/embedded/journal-prediction-log';
import { silentLogger } from '../../functions/src/core/log';
import { createServingMetrics, type ServingMetrics } from '../../functions/src/core/metrics';
import { createPredictionRoutes } from '../../functions/src/http/prediction-routes';
import { trainRecommender } from '../../functions/src/models/recommend';
import { syntheticPurchases } from '../../functions/src/models/recommend/synthetic';
import type { ArtifactStore } from '../../functions/src/ports/artifact-store';
import type { Endpoints } from '../../functions/src/ports/endpoints';
import type { ModelRegistries, ModelRegistry } from '../../functions/src/ports/model-registry';
import type { PredictionStore } from '../../functions/src/ports/prediction-store';
import { localAdminCaller } from '../../functions/src/runtime/local-admin-caller';
import { bucketOf } from '../../functions/src/serving/assignment';
import { createModelCache } from '../../functions/src/serving/model-cache';
import { scoreBatches } from '../../functions/src/serving/score-batches';
import { createServingCore } from '../../functions/src/serving/serve';
import { createServingFeatures } from '../../functions/src/serving/serving-features';
import { ARTIFACT_FORMAT } from '../../functions/src/training/models/types';

const SHOP = 'faulty-store.myshopify.com';
const TOKEN = 'fault-test-token';
const WHO = { actor: 'test', reason: 'fault injection' };
const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-faults-'));
const model = trainRecommender(syntheticPurchases({ lines: 4_000, customers: 400, items: 40, seed: 11 }));
const product = model.items[0]!;

/** Faults the test switches on and off, injected at the ports' boundary (the adapters behind them are the real ones). */
const faults = { registryDown: false, artifactsDown: false, storeDown: false, endpointsDown: false, slowKeys: new Set<string>(), slowMs: 3_000 };
/** model.json reads per artifact key (how often a version was loaded). */
const reads = new Map<string, number>();

let w: DuckDbWarehouse;
let artifacts: ArtifactStore;
let registries: ModelRegistries;
let registry: ModelRegistry;
let endpoints: Endpoints;
let log: JournalPredictionLog;
let metricsRegistry: Registry;
let metrics: ServingMetrics;
/** A unit (visitor id) in each arm of the split champion 80 / challenger 10 / holdout 10. */
const unitIn: Record<string, string> = {};

const faultyArtifacts = (a: ArtifactStore): ArtifactStore => ({
  ...a,
  async get(key) {
    if (faults.artifactsDown) throw new Error('connect ECONNREFUSED (fault injection)');
    if ([...faults.slowKeys].some((k) => key.startsWith(k))) await new Promise((r) => setTimeout(r, faults.slowMs));
    reads.set(key, (reads.get(key) ?? 0) + 1);
    return a.get(key);
  },
});
const faultyRegistry = (r: ModelRegistry): ModelRegistry => ({
  ...r,
  async getVersion(m, ref) {
    if (faults.registryDown) throw new Error('registry unavailable (fault injection)');
    return r.getVersion(m, ref);
  },
});
const faultyStore = (s: PredictionStore): PredictionStore => ({
  ...s,
  async read(q) {
    if (faults.storeDown) throw new Error('warehouse unavailable (fault injection)');
    return s.read(q);
  },
});
const faultyEndpoints = (e: Endpoints): Endpoints => ({
  ...e,
  async getState(k) {
    if (faults.endpointsDown) throw new Error('journal unreadable (fault injection)');
    return e.getState(k);
  },
});

/** Versions: 1 champion, 2 challenger, 3 a corrupt artifact (the model throws), 4 a copy whose files load slowly. */
async function register(version: number, production: unknown) {
  const key = `models/recommend/recfault-v${version}`;
  await artifacts.put(`${key}/model.json`, JSON.stringify({ format: ARTIFACT_FORMAT, model: 'recommend', snapshotDate: '2026-04-05', trained: true, production, evaluation: null, summary: {}, notes: [] }));
  const v = await registry.registerVersion({ model: 'recommend', runId: `recfault-v${version}`, artifactKey: key, params: { artifact_key: key }, ...(version === 1 ? { aliases: ['champion'] } : {}) });
  expect(v.version).toBe(version);
}

beforeAll(async () => {
  w = await openDuckDbWarehouse({ path: ':memory:', readableDirs: [path.join(dir, 'prediction-log')] });
  artifacts = createFileArtifactStore(path.join(dir, 'artifacts'));
  registries = createFileModelRegistries({ dir: path.join(dir, 'registry'), artifacts });
  registry = registries.forShop(SHOP);
  await register(1, model);
  await register(2, model);
  await register(3, { format: 'not-a-recommender' });
  await register(4, model);
  endpoints = createJournalEndpoints({ dir: path.join(dir, 'endpoints') });
  for (const version of [1, 2, 3, 4]) await endpoints.deploy({ shop: SHOP, model: 'recommend', version, ...WHO });
  await endpoints.setSplit({ shop: SHOP, model: 'recommend', split: { champion: { version: 1, percent: 80 }, challenger: { version: 2, percent: 10 }, holdout: 10 }, ...WHO });
  // The last batch scores (version 1) and order lines for popularity, in the real DuckDB adapter.
  const inputs = { shop: SHOP, snapshotDate: '2026-04-05', customers: [], stock: new Map(), productOf: new Map(), k: 5, clvHorizonDays: 365, scoredAt: '2026-04-05T06:00:00.000Z' };
  await createDuckDbPredictionStore(w).replace(scoreBatches('recommend', 1, model, inputs));
  await w.execute(`CREATE SCHEMA shop_staging`);
  await w.execute(`CREATE TABLE shop_staging.order_lines (shop VARCHAR, customer_id VARCHAR, order_date DATE, product_id VARCHAR, is_included BOOLEAN, is_non_product BOOLEAN)`);
  await w.execute(`INSERT INTO shop_staging.order_lines VALUES ('${SHOP}', 'c1', DATE '2026-04-01', 'pop-a', true, false), ('${SHOP}', 'c2', DATE '2026-04-01', 'pop-a', true, false), ('${SHOP}', 'c1', DATE '2026-04-02', 'pop-b', true, false), ('${SHOP}', 'c3', DATE '2026-04-02', 'shipping', true, true)`);
  log = createJournalPredictionLog({ dir: path.join(dir, 'prediction-log'), warehouse: w, logger: silentLogger });
  metricsRegistry = new Registry();
  metrics = createServingMetrics(metricsRegistry);
  const state = await endpoints.getState({ shop: SHOP, model: 'recommend' });
  for (let i = 0; Object.keys(unitIn).length < 3; i++) {
    const b = bucketOf(SHOP, 'recommend', { kind: 'visitor', id: `v${i}` });
    const arm = b < 1000 ? 'challenger' : b < 9000 ? 'champion' : 'holdout';
    unitIn[arm] ??= `v${i}`;
  }
  expect(state.split).toMatchObject({ champion: { version: 1 } });
});
afterAll(async () => {
  await log.close();
  await endpoints.close();
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => Object.assign(faults, { registryDown: false, artifactsDown: false, storeDown: false, endpointsDown: false, slowKeys: new Set() }));

/** A serving stack with nothing loaded yet (each scenario starts cold), on the shared real adapters behind the fault wrappers. */
function stack(budgetMs = 5_000) {
  const reg = faultyRegistry(registry);
  const serving = createServingCore({
    endpoints: faultyEndpoints(endpoints),
    models: createModelCache({ registries: { forShop: () => reg, close: () => registries.close() }, artifacts: faultyArtifacts(artifacts) }),
    predictions: faultyStore(createDuckDbPredictionStore(w)),
    features: createServingFeatures({ query: (sql) => w.query(sql) }),
    log,
    metrics,
    budgetMs,
    logger: silentLogger,
  });
  const routes = createPredictionRoutes({ resolveCaller: localAdminCaller(TOKEN), serving, logger: silentLogger, metrics, remoteAddress: () => '127.0.0.1' });
  return Object.assign(async (arm: 'champion' | 'challenger' | 'holdout') => {
    const res = await routes.request(`/recommendations/product?shop=${SHOP}&product_id=${product}&k=3&visitor_id=${unitIn[arm]}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { arm: string; version: number | null; served_by: string; fallback: boolean; fallback_reason: string | null; prediction: Array<{ recommended_product_id: string; source: string }> };
  }, { serving });
}

const setChallenger = (version: number) => endpoints.setSplit({ shop: SHOP, model: 'recommend', split: { champion: { version: 1, percent: 80 }, challenger: { version, percent: 10 }, holdout: 10 }, ...WHO });

test('no fault: each arm is served by its own version; the holdout gets popularity, labelled holdout and not a fallback', async () => {
  await setChallenger(2);
  const get = stack();
  expect(await get('challenger')).toMatchObject({ arm: 'challenger', version: 2, served_by: 'model', fallback: false, fallback_reason: null });
  expect(await get('champion')).toMatchObject({ arm: 'champion', version: 1, served_by: 'model', fallback: false });
  const h = await get('holdout');
  expect(h).toMatchObject({ arm: 'holdout', version: null, served_by: 'popularity', fallback: false, fallback_reason: null });
  // Most bought first; non-product lines never recommended.
  expect(h.prediction.map((p) => p.recommended_product_id)).toEqual(['pop-a', 'pop-b']);
});

test('a version is loaded once: concurrent first requests share one load, later ones reuse it', async () => {
  await setChallenger(2);
  reads.clear();
  const get = stack();
  const answers = await Promise.all(Array.from({ length: 10 }, () => get('challenger')));
  expect(answers.every((a) => a.served_by === 'model' && a.version === 2)).toBe(true);
  await get('challenger');
  expect(reads.get('models/recommend/recfault-v2/model.json')).toBe(1);
});

test('the challenger\'s model throws → the champion answers, model_error', async () => {
  await setChallenger(3);
  expect(await stack()('challenger')).toMatchObject({ arm: 'challenger', version: 1, served_by: 'champion', fallback: true, fallback_reason: 'model_error' });
  await setChallenger(2);
});

test('the challenger is too slow for the budget → the champion answers, timeout', async () => {
  await setChallenger(4);
  faults.slowKeys.add('models/recommend/recfault-v4/');
  const get = stack(500);
  await get('champion'); // the champion is loaded (a warm version); the challenger's files take 3 s
  expect(await get('challenger')).toMatchObject({ arm: 'challenger', version: 1, served_by: 'champion', fallback: true, fallback_reason: 'timeout' });
  await setChallenger(2);
});

test('the registry is unavailable (nothing loaded) → the last batch score, unavailable', async () => {
  faults.registryDown = true;
  const r = await stack()('champion');
  expect(r).toMatchObject({ arm: 'champion', version: 1, served_by: 'batch', fallback: true, fallback_reason: 'unavailable' });
  expect(r.prediction).toHaveLength(3);
});

test('the artifact store is unavailable → the last batch score, unavailable', async () => {
  faults.artifactsDown = true;
  expect(await stack()('challenger')).toMatchObject({ arm: 'challenger', version: 1, served_by: 'batch', fallback: true, fallback_reason: 'unavailable' });
});

test('registry and batch-score store both unavailable → popularity, unavailable', async () => {
  faults.registryDown = true;
  faults.storeDown = true;
  const r = await stack()('champion');
  expect(r).toMatchObject({ arm: 'champion', version: null, served_by: 'popularity', fallback: true, fallback_reason: 'unavailable' });
  expect(r.prediction.map((p) => p.source)).toEqual(['popular', 'popular']);
});

test('the endpoint state is unreadable → the registry\'s champion answers, unavailable', async () => {
  faults.endpointsDown = true;
  expect(await stack()('challenger')).toMatchObject({ arm: 'champion', version: 1, served_by: 'champion', fallback: true, fallback_reason: 'unavailable' });
});

test('the fallback metric counted each fault by reason, and the log holds every answer with its label', async () => {
  const text = await metricsRegistry.metrics();
  const count = (reason: string, servedBy: string) => Number(new RegExp(`shop_mlops_serving_fallbacks_total\\{model="recommend",reason="${reason}",served_by="${servedBy}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  expect([count('model_error', 'champion'), count('timeout', 'champion'), count('unavailable', 'batch'), count('unavailable', 'popularity'), count('unavailable', 'champion')]).toEqual([1, 1, 2, 1, 1]);
  await log.drain();
  const rows = await w.query(`SELECT served_by, fallback_reason, count(*) AS n FROM shop_predictions.prediction_log WHERE fallback GROUP BY ALL ORDER BY ALL`);
  expect(rows).toEqual([
    { served_by: 'batch', fallback_reason: 'unavailable', n: '2' },
    { served_by: 'champion', fallback_reason: 'model_error', n: '1' },
    { served_by: 'champion', fallback_reason: 'timeout', n: '1' },
    { served_by: 'champion', fallback_reason: 'unavailable', n: '1' },
    { served_by: 'popularity', fallback_reason: 'unavailable', n: '1' },
  ]);
  expect(await w.query(`SELECT arm, served_by, fallback FROM shop_predictions.prediction_log WHERE arm = 'holdout'`)).toEqual([{ arm: 'holdout', served_by: 'popularity', fallback: false }]);
});

test('the per-version latency histogram counts every answer under the version that answered (none: no version), as the log labels it', async () => {
  const text = await metricsRegistry.metrics();
  const histogram: Record<string, number> = {};
  for (const m of text.matchAll(/^shop_mlops_prediction_seconds_count\{model="recommend",version="([^"]+)"\} (\d+)$/gm)) histogram[m[1]!] = Number(m[2]);
  await log.drain();
  const rows = await w.query(`SELECT coalesce(CAST(version AS VARCHAR), 'none') AS version, count(*) AS n FROM shop_predictions.prediction_log GROUP BY ALL`);
  expect(rows.length).toBeGreaterThan(1);
  expect(histogram).toEqual(Object.fromEntries(rows.map((r) => [String(r['version']), Number(r['n'])])));
  // Buckets are in seconds (the 1 s bucket exists).
  expect(text).toMatch(/shop_mlops_prediction_seconds_bucket\{le="1",model="recommend",version="1"\} \d+/);
});

// Last: its cold request adds a fallback the counting tests above do not expect.
test('warmed before traffic, every deployed version answers its first request even with the registry and artifacts down', async () => {
  await setChallenger(2);
  const get = stack();
  expect(await listEndpointKeys(path.join(dir, 'endpoints'))).toEqual([{ shop: SHOP, model: 'recommend' }]);
  await get.serving.warm({ shop: SHOP, model: 'recommend' });
  Object.assign(faults, { registryDown: true, artifactsDown: true });
  expect(await get('challenger')).toMatchObject({ arm: 'challenger', version: 2, served_by: 'model', fallback: false });
  expect(await get('champion')).toMatchObject({ arm: 'champion', version: 1, served_by: 'model', fallback: false });
  // Cold, the same first request falls back (what a restart under traffic did until the loads landed).
  expect(await stack()('challenger')).toMatchObject({ fallback: true });
});
