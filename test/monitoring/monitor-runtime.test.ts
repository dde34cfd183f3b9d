// The monitor inside the local runtime (manual clock): the real outcome join over a hand-built prediction log and staged orders, POST /admin/monitor rolling back a bad canary, /metrics, the scheduler's pass, and the CLI verbs on the store once the runtime is down.
import { loadConfig } from '../../functions/src/core/config';
import { manualClock } from '../../functions/src/core/clock';
import { silentLogger } from '../../functions/src/core/log';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileModelRegistries } from '../../functions/src/adapters/embedded/file-model-registry';
import { createJournalEndpoints } from '../../functions/src/adapters/embedded/journal-endpoints';
import { createPredictionLogIfAbsent } from '../../functions/src/monitoring/outcomes-job';
import type { MonitorReport } from '../../functions/src/monitoring/monitor-job';
import type { MonitorPassResult } from '../../functions/src/runtime/monitor-runtime';
import { paths, startRuntime, type Runtime } from '../../functions/src/runtime/local-runtime';
import { deployVersion } from '../../functions/src/serving/rollout';
import { SECRET, tempDir } from '../helpers/runtime';

const SHOP = 'demo-store.myshopify.com';
const KEY = { shop: SHOP, model: 'propensity' };

let rt: Runtime | null = null;
afterEach(async () => {
  await rt?.close();
  rt = null;
});

const admin = async <T>(r: Runtime, method: string, route: string): Promise<T> => {
  const res = await fetch(`${r.url}${route}`, { method, headers: { authorization: `Bearer ${r.adminToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};

test('a bad canary is rolled back by POST /admin/monitor over the real outcome join; the scheduler passes again on its clock; the CLI reads the same store afterwards', async () => {
  const dataDir = tempDir();
  const p = paths(dataDir);
  const clock = manualClock('2026-10-01T00:00:00Z');
  // Another process (the CLI) registered two versions and deployed v2 as a 5 % canary on the shared journal.
  const artifacts = createFileArtifactStore(p.artifacts);
  const registries = createFileModelRegistries({ dir: p.registry, artifacts });
  const registry = registries.forShop(SHOP);
  for (const v of [1, 2]) {
    const runId = `training-2026092${v}-030000-abcdef`;
    await artifacts.put(`models/propensity/${runId}/model.json`, '{}');
    await registry.registerVersion({ model: 'propensity', runId, artifactKey: `models/propensity/${runId}`, aliases: ['challenger', 'champion'] });
  }
  const endpoints = createJournalEndpoints({ dir: p.endpoints, now: () => clock.now() });
  await deployVersion({ endpoints, registries }, KEY, 1, { actor: 'ops', reason: 'first' });
  await deployVersion({ endpoints, registries }, KEY, 2, { actor: 'ops', reason: 'canary' }, 5);
  await endpoints.close();
  await registries.close();

  const config = loadConfig({}, { shopifyApiSecret: SECRET, port: 0, dataDir, logLevel: 'ERROR', featuresEveryMinutes: 0 });
  rt = await startRuntime({ config, logger: silentLogger, clock });
  const w = rt.warehouse;
  // What serving logged on 2 October: 250 customers told "will repeat" by the canary v2 (100 of them ordered within
  // 30 days), 250 by the champion v1 (220 ordered); staged orders up to 20 November close every window.
  await createPredictionLogIfAbsent(w);
  const log = (arm: string, version: number, prefix: string) =>
    w.execute(`INSERT INTO shop_predictions.prediction_log (prediction_id, shop, served_at, route, model, arm, bucket, assigned_version, version, served_by, fallback, customer_id, inputs_hash, output, latency_ms)
      SELECT '${prefix}-' || i, $1, TIMESTAMPTZ '2026-10-02 12:00:00+00', 'customer_predictions', 'propensity', '${arm}', 0, ${version}, ${version}, 'model', false, '${prefix}' || i, 'h', '{"will_repeat": true, "p_repeat_30d": 0.9}', 1.0 FROM range(250) t(i)`, [SHOP]);
  await log('challenger', 2, 'c');
  await log('champion', 1, 'd');
  await w.execute('CREATE SCHEMA IF NOT EXISTS shop_staging');
  await w.execute('CREATE TABLE shop_staging.orders (shop VARCHAR, order_id VARCHAR, customer_id VARCHAR, created_at TIMESTAMPTZ, order_date DATE, total_price DECIMAL(18, 2), is_included BOOLEAN, checkout_arm VARCHAR)');
  await w.execute('CREATE TABLE shop_staging.order_lines (shop VARCHAR, line_item_id VARCHAR, order_id VARCHAR, customer_id VARCHAR, order_date DATE, product_id VARCHAR, variant_id VARCHAR, net_quantity BIGINT, is_included BOOLEAN, is_non_product BOOLEAN)');
  const order = (prefix: string, n: number) => w.execute(`INSERT INTO shop_staging.orders SELECT $1, 'o-${prefix}' || i, '${prefix}' || i, TIMESTAMPTZ '2026-10-10 10:00:00+00', DATE '2026-10-10', 30.00, true, NULL FROM range(${n}) t(i)`, [SHOP]);
  await order('c', 100);
  await order('d', 220);
  await w.execute(`INSERT INTO shop_staging.orders VALUES ($1, 'o-late', 'someone', TIMESTAMPTZ '2026-11-20 00:00:00+00', DATE '2026-11-20', 30.00, true, NULL)`, [SHOP]);

  clock.set('2026-11-21T00:00:00Z');
  const { report } = await admin<{ report: MonitorPassResult }>(rt, 'POST', '/admin/monitor');
  expect(report.outcomeJoinFailures).toEqual([]);
  expect(report.at).toBe('2026-11-21T00:00:00.000Z');
  expect(report.endpoints).toHaveLength(1);
  const e = report.endpoints[0]!;
  expect(e).toMatchObject({ shop: SHOP, model: 'propensity', acted: true, decision: { action: 'rollback', reason: 'precision_below_threshold' }, precision: { trials: 250, successes: 100, value: 0.4 }, championPrecision: { trials: 250, successes: 220 } });
  expect(e.decision.why).toMatch(/^precision 0\.400 \(95 % interval 0\.341–0\.462, n = 250\) is below the threshold 0\.78/);
  expect((await rt.serving.endpoints.getState(KEY)).split).toEqual({ champion: { version: 1, percent: 100 }, challenger: { version: 2, percent: 0 }, holdout: 0 });
  expect(await rt.monitor.store.decisions()).toHaveLength(1);
  const metrics = await (await fetch(`${rt.url}/metrics`)).text();
  expect(metrics).toContain(`shop_mlops_monitor_decisions_total{shop="${SHOP}",model="propensity",action="rollback",reason="precision_below_threshold"} 1`);
  expect(metrics).toContain(`shop_mlops_live_precision{shop="${SHOP}",model="propensity",version="2",arm="challenger",metric="precision"} 0.4`);

  // the scheduler's pass (every 60 min on the runtime's clock) sees the same evidence and does nothing more
  // (the runtime started at 2026-10-01 on its clock, so a pass is due at once; then not again until 60 min later)
  const monitorRuns = async () => (await rt!.scheduler.tick()).filter((r) => r.job === 'monitor').map((r) => [r.ok, r.startedAt, r.error]);
  expect(await monitorRuns()).toEqual([[true, '2026-11-21T00:00:00.000Z', undefined]]);
  clock.advance(59 * 60_000);
  expect(await monitorRuns()).toEqual([]);
  clock.advance(60_000);
  expect(await monitorRuns()).toEqual([[true, '2026-11-21T01:00:00.000Z', undefined]]);
  expect(Object.keys(rt.scheduler.status()).sort()).toEqual(['drift', 'monitor', 'scheduled_retrain', 'velocity']);
  expect(await rt.monitor.store.decisions()).toHaveLength(1);
  const { report: seen } = await admin<{ report: MonitorReport }>(rt, 'GET', '/admin/rollouts');
  expect(seen.endpoints[0]).toMatchObject({ acted: false, decision: { action: 'hold', reason: 'no_challenger_traffic' } });
  await rt.close();
  rt = null;

  // with the runtime down the CLI opens the store itself
  const out: string[] = [];
  const ctx = { config, json: true, out: (s: string) => void out.push(s), err: () => undefined };
  const rollouts = require('../../functions/src/cli/verbs/rollouts') as { run(a: string[], c: typeof ctx): Promise<number> };
  expect(await rollouts.run([], ctx)).toBe(0);
  const r = JSON.parse(out[0]!) as MonitorReport;
  expect(r.endpoints[0]).toMatchObject({ challenger: 2, decision: { reason: 'no_challenger_traffic' }, precision: { trials: 250, successes: 100 } });
  const monitor = require('../../functions/src/cli/verbs/monitor') as typeof rollouts;
  expect(await monitor.run([], { ...ctx, json: false })).toBe(0);
  expect(out.slice(1).join('\n')).toMatch(/propensity.*hold \(no_challenger_traffic\)[\s\S]*no change/);
});
