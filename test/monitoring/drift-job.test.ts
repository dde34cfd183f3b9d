// runDriftJob end to end on real DuckDB: a simulated store's real feature tables, the file registry's champions, the DuckDB monitoring store, the prediction log; unchanged data does not drift, a shifted feature or score does and asks for one retrain.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileModelRegistries } from '../../functions/src/adapters/embedded/file-model-registry';
import { DEFAULT_MONITORING_POLICY } from '../../functions/src/monitoring/config';
import { DEFAULT_DRIFT_SPECS, runDriftJob, type DriftJobDeps } from '../../functions/src/monitoring/drift-job';
import { psi } from '../../functions/src/monitoring/stats';
import type { MetricPoint } from '../../functions/src/ports/metrics-sink';
import type { ModelRegistries, ModelRegistry } from '../../functions/src/ports/model-registry';
import type { MonitoringStore, RequestRetrain } from '../../functions/src/ports/monitoring-store';
import { QUALIFIED_PREDICTION_LOG, duckdbCreatePredictionLog } from '../../functions/src/serving/prediction-log-table';
import { tempDir } from '../helpers/runtime';
import { EARLIER, SHOP, SNAPSHOT, buildTrainingStore } from '../training/support/store';

let dir: string;
let warehouse: DuckDbWarehouse;
let store: MonitoringStore;
let registries: ModelRegistries;
let registry: ModelRegistry;
const versions: Record<string, number> = {};
const written: { points: MetricPoint[]; at: Date }[] = [];
const RFM = DEFAULT_DRIFT_SPECS[0]!;

/** The retrainer's entry point reduced to its claim in the monitoring store (coalescing is the retrainer's concern: no window here). */
const requestRetrain: RequestRetrain = (r) => {
  const at = new Date().toISOString();
  return store.claimRetrain({ request_id: randomUUID(), shop: r.shop, models: [...r.models].sort(), trigger: r.trigger, reason: r.reason, requested_at: at }, at);
};

const deps = (over: Partial<DriftJobDeps> = {}): DriftJobDeps => ({
  warehouse,
  store,
  sink: { write: async (points, at) => void written.push({ points: [...points], at }) },
  registries,
  policy: DEFAULT_MONITORING_POLICY,
  timezone: 'UTC',
  requestRetrain,
  ...over,
});

const rows = (sql: string) => warehouse.query(sql);
const numbers = async (sql: string) => (await rows(sql)).map((r) => Number(Object.values(r)[0]));

beforeAll(async () => {
  dir = tempDir();
  await buildTrainingStore(path.join(dir, 'data'));
  warehouse = await openDuckDbWarehouse({ path: path.join(dir, 'data', 'warehouse.duckdb') });
  await warehouse.execute('CREATE SCHEMA IF NOT EXISTS shop_predictions');
  await warehouse.execute(duckdbCreatePredictionLog());
  store = createDuckDbMonitoringStore(warehouse);
  const artifacts = createFileArtifactStore(path.join(dir, 'artifacts'));
  registries = createFileModelRegistries({ dir: path.join(dir, 'registry'), artifacts });
  registry = registries.forShop(SHOP);
  // Champions trained on the EARLIER snapshot, as the training pipeline registers them (params.snapshot_date).
  for (const model of ['clv', 'forecast', 'propensity', 'recommend']) {
    const runId = `training-20260306-030000-${model}`;
    await artifacts.put(`models/${model}/${runId}/model.json`, '{}');
    const v = await registry.registerVersion({ model, runId, artifactKey: `models/${model}/${runId}`, params: { snapshot_date: EARLIER }, aliases: ['challenger', 'champion'] });
    versions[model] = v.version;
  }
}, 300_000);

afterAll(async () => {
  await store?.close();
  await warehouse?.close();
});

test('real feature tables: each model’s tables at its champion’s snapshot against the latest, recorded per feature with the numbers the data gives', async () => {
  const now = new Date(`${SNAPSHOT}T23:00:00Z`);
  const report = await runDriftJob(deps(), now);
  expect(report.errors).toEqual([]);
  expect(report.runDate).toBe(SNAPSHOT);
  expect(report.runs.map((r) => [r.subject, r.model]).sort()).toEqual([
    ['features', 'clv'],
    ['features', 'forecast'],
    ['features', 'propensity'],
    ['features', 'recommend'],
  ]);

  const runs = await store.driftRuns({ shop: SHOP, since: SNAPSHOT });
  expect(runs.map((r) => r.model).sort()).toEqual(['clv', 'forecast', 'propensity', 'recommend']);
  const results = await store.driftResults({ shop: SHOP, since: SNAPSHOT });
  const propensity = results.filter((r) => r.model === 'propensity');
  expect(propensity.map((r) => r.feature).sort()).toEqual(['age_days', 'days_since_last', 'frequency', 'monetary', 'recency_days', 'segment']);

  // The recorded numbers are the data's: the reference is the champion's snapshot, the current one the latest.
  const refMonetary = await numbers(`SELECT monetary FROM shop_features.customer_rfm WHERE shop = '${SHOP}' AND snapshot_date = DATE '${EARLIER}'`);
  const curMonetary = await numbers(`SELECT monetary FROM shop_features.customer_rfm WHERE shop = '${SHOP}' AND snapshot_date = DATE '${SNAPSHOT}'`);
  const monetary = propensity.find((r) => r.feature === 'monetary')!;
  expect(monetary).toMatchObject({ reference: `shop_features.customer_rfm@${EARLIER}`, current: `shop_features.customer_rfm@${SNAPSHOT}`, n_reference: refMonetary.length, n_current: curMonetary.length });
  expect(monetary.psi).toBeCloseTo(psi(refMonetary, curMonetary).psi, 12);
  const segment = propensity.find((r) => r.feature === 'segment')!;
  expect(segment).toMatchObject({ kind: 'categorical', ks_statistic: null });
  expect(segment.js_divergence).not.toBeNull();
  const forecast = results.filter((r) => r.model === 'forecast');
  expect(forecast.map((r) => r.feature).sort()).toEqual(['avg_price', 'in_stock', 'revenue', 'units']);
  const units = await numbers(`SELECT COUNT(*) FROM shop_features.variant_daily_demand WHERE shop = '${SHOP}' AND date > DATE '${EARLIER}' - INTERVAL 28 DAY AND date <= DATE '${EARLIER}'`);
  expect(forecast.find((r) => r.feature === 'units')!.n_reference).toBe(units[0]);

  // Metrics: one PSI gauge per recorded feature, the drifted count per run, the job's last run.
  const points = written.at(-1)!.points;
  expect(points.filter((p) => p.name === 'shop_mlops_drift_psi')).toHaveLength(results.length);
  expect(points.find((p) => p.name === 'shop_mlops_drift_psi' && p.labels['model'] === 'propensity' && p.labels['feature'] === 'monetary')).toEqual({
    name: 'shop_mlops_drift_psi',
    labels: { shop: SHOP, subject: 'features', model: 'propensity', feature: 'monetary' },
    value: monetary.psi,
  });
  for (const r of runs) expect(points).toContainEqual({ name: 'shop_mlops_drift_features_drifted', labels: { shop: SHOP, subject: 'features', model: r.model }, value: r.features_drifted });
  expect(points).toContainEqual({ name: 'shop_mlops_monitor_last_run_timestamp_seconds', labels: { job: 'drift' }, value: now.getTime() / 1000 });

  // A month of a growing store moves its customers' ages: whatever drifted is asked to retrain, in one request.
  const drifted = runs.filter((r) => r.drifted).map((r) => r.model!).sort();
  expect(report.retrains.map((r) => r.models)).toEqual(drifted.length ? [drifted] : []);
  if (drifted.length) expect(report.retrains[0]).toMatchObject({ shop: SHOP, trigger: 'drift', status: 'started' });
});

test('an unchanged snapshot does not drift; a rare-customer shift only warns; a shift of every customer drifts that feature alone and asks one retrain for both models', async () => {
  const copy = (day: string, replace: string) =>
    warehouse.execute(`INSERT INTO shop_features.customer_rfm SELECT * REPLACE (DATE '${day}' AS snapshot_date, ${replace}) FROM shop_features.customer_rfm WHERE shop = '${SHOP}' AND snapshot_date = DATE '${EARLIER}'`);
  const run = (day: string, over: Partial<DriftJobDeps> = {}) => runDriftJob(deps({ specs: [RFM], predictionSpecs: [], ...over }), new Date(`${day}T23:00:00Z`));
  const resultsOf = async (day: string) => (await store.driftResults({ shop: SHOP, since: day })).filter((r) => r.run_date === day && r.model === 'propensity');

  await copy('2026-04-06', 'monetary AS monetary');
  const same = await run('2026-04-06');
  expect(same.errors).toEqual([]);
  expect(same.runs.map((r) => [r.model, r.featuresTested, r.drifted])).toEqual([
    ['clv', 6, false],
    ['propensity', 6, false],
  ]);
  expect(same.retrains).toEqual([]);
  expect((await resultsOf('2026-04-06')).every((r) => r.psi === 0 && r.level === 'ok' && !r.drifted)).toBe(true);

  // Only repeat customers have a monetary value (~11 % here): ×2.5 moves PSI to warn, KS p ≈ 0.009 alone, but after
  // Benjamini-Hochberg over the night's 6 features it is above alpha 0.01: a warning, not drift.
  await copy('2026-04-07', 'monetary * 2.5 AS monetary');
  const warned = await run('2026-04-07');
  expect(warned.runs.map((r) => r.drifted)).toEqual([false, false]);
  expect(warned.retrains).toEqual([]);
  const monetary = (await resultsOf('2026-04-07')).find((r) => r.feature === 'monetary')!;
  expect(monetary).toMatchObject({ level: 'warn', material: true, drifted: false });
  expect(monetary.ks_p_value!).toBeLessThan(0.01);
  expect(monetary.p_adjusted!).toBeGreaterThan(0.01);

  // Every customer 45 days more since their last purchase: days_since_last drifts, nothing else.
  await copy('2026-04-08', 'days_since_last + 45 AS days_since_last');
  const shifted = await run('2026-04-08');
  expect(shifted.runs.map((r) => [r.model, r.featuresDrifted, r.drifted])).toEqual([
    ['clv', 1, true],
    ['propensity', 1, true],
  ]);
  expect((await resultsOf('2026-04-08')).filter((r) => r.drifted).map((r) => [r.feature, r.level, r.material])).toEqual([['days_since_last', 'alert', true]]);
  expect(shifted.retrains).toHaveLength(1);
  expect(shifted.retrains[0]).toMatchObject({ shop: SHOP, models: ['clv', 'propensity'], trigger: 'drift', status: 'started' });
  expect(shifted.retrains[0]!.reason).toMatch(/^drift on 2026-04-08: clv \(features: days_since_last PSI [0-9.]+ KS [0-9.]+\); propensity/);
  expect((await store.retrainRequests({ shop: SHOP })).map((r) => r.request_id)).toContain(shifted.retrains[0]!.request_id);

  // Sampling: at most ~maxSample rows per side, the same sample every time, the shift still found.
  const sampled = await run('2026-04-08', { maxSample: 150 });
  const again = await run('2026-04-08', { maxSample: 150 });
  const full = (await numbers(`SELECT COUNT(*) FROM shop_features.customer_rfm WHERE shop = '${SHOP}' AND snapshot_date = DATE '${EARLIER}'`))[0]!;
  const sampledDays = (await resultsOf('2026-04-08')).find((r) => r.feature === 'days_since_last')!;
  expect(full).toBeGreaterThan(300);
  expect(sampledDays.n_reference).toBeLessThan(full);
  expect(sampledDays.n_reference).toBeGreaterThanOrEqual(100);
  expect(sampled.runs.find((r) => r.model === 'propensity')!.drifted).toBe(true);
  expect(again.runs).toEqual(sampled.runs);
});

test('served scores: the champion’s last day against the 7 days before; other versions are ignored; a shifted score drifts', async () => {
  const now = new Date('2026-04-09T03:00:00Z');
  const shops = { steady: 'steady-store.myshopify.com', shifted: 'shifted-store.myshopify.com' };
  const log: string[] = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const add = (shop: string, version: number, hoursAgo: number, p: number) =>
    log.push(`('${randomUUID()}', '${shop}', CAST('${new Date(now.getTime() - hoursAgo * 3_600_000).toISOString()}' AS TIMESTAMPTZ), 'customer_predictions', 'propensity', 'champion', NULL, ${version}, ${version}, 'model', false, NULL, 'c1', NULL, 'c1', 'h', '{"p_repeat_30d": ${p.toFixed(6)}, "will_repeat": false}', 1.0)`);
  const v = versions['propensity']!;
  // Each shop's champion is in its own registry: the same run registered for both serving shops (version 1 there too).
  for (const shop of Object.values(shops)) {
    const runId = 'training-20260306-030000-propensity';
    expect((await registries.forShop(shop).registerVersion({ model: 'propensity', runId, artifactKey: `models/propensity/${runId}`, params: { snapshot_date: EARLIER }, aliases: ['champion'] })).version).toBe(v);
  }
  for (const shop of Object.values(shops)) {
    for (let i = 0; i < 1400; i++) add(shop, v, 24 + rand() * 167, 0.1 + 0.5 * rand()); // the 7 days before
    for (let i = 0; i < 300; i++) add(shop, v, rand() * 23.9, (shop === shops.shifted ? 0.3 : 0.1) + 0.5 * rand()); // the last day
    for (let i = 0; i < 300; i++) add(shop, v + 1, rand() * 23.9, 0.99); // another version's scores: not the champion's
  }
  for (let i = 0; i < log.length; i += 1000) await warehouse.execute(`INSERT INTO ${QUALIFIED_PREDICTION_LOG} VALUES ${log.slice(i, i + 1000).join(', ')}`);

  const report = await runDriftJob(deps({ specs: [] }), now);
  expect(report.errors).toEqual([]);
  expect(report.runs.map((r) => [r.shop, r.subject, r.model, r.featuresTested, r.drifted])).toEqual([
    [shops.shifted, 'predictions', 'propensity', 1, true],
    [shops.steady, 'predictions', 'propensity', 1, false],
  ]);
  const results = await store.driftResults({ since: '2026-04-09' });
  const steady = results.find((r) => r.shop === shops.steady)!;
  expect(steady).toMatchObject({ subject: 'predictions', feature: 'p_repeat_30d', n_reference: 1400, n_current: 300, level: 'ok' });
  expect(results.find((r) => r.shop === shops.shifted)).toMatchObject({ n_reference: 1400, n_current: 300, drifted: true, level: 'alert' });
  // clv and forecast champions served nothing: no shop to test, nothing recorded for them.
  expect(results.every((r) => r.model === 'propensity')).toBe(true);
  expect(report.retrains.map((r) => [r.shop, r.models, r.trigger])).toEqual([[shops.shifted, ['propensity'], 'drift']]);

  // A shop serving a model its own registry has no champion for is skipped (never measured against another shop's).
  const orphan = 'orphan-store.myshopify.com';
  await warehouse.execute(`INSERT INTO ${QUALIFIED_PREDICTION_LOG} VALUES ${log.slice(0, 50).map((row) => row.replace(`'${shops.steady}'`, `'${orphan}'`).replace(`'${shops.shifted}'`, `'${orphan}'`)).join(', ')}`.replace(/\('[0-9a-f-]{36}'/g, () => `('${randomUUID()}'`));
  const again = await runDriftJob(deps({ specs: [] }), now);
  expect(again.skipped).toContainEqual(expect.objectContaining({ shop: orphan, subject: 'predictions', model: 'propensity', reason: 'no champion' }));
  expect(again.runs.map((r) => r.shop)).not.toContain(orphan);
});
