// The monitor pass on real components (DuckDB warehouse and monitoring store, journal endpoints, file registry, prom-client sink) with hand-built outcome rows: rollback with an audit row, promotion one step per hold window to 100 %, too little data, the same evidence never acting twice.
import { Registry } from 'prom-client';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileModelRegistries } from '../../functions/src/adapters/embedded/file-model-registry';
import { createJournalEndpoints } from '../../functions/src/adapters/embedded/journal-endpoints';
import { createPromMetricsSink } from '../../functions/src/adapters/embedded/prom-metrics-sink';
import { manualClock, type ManualClock } from '../../functions/src/core/clock';
import { createMonitoringMetrics } from '../../functions/src/core/metrics';
import { DEFAULT_MONITORING_POLICY } from '../../functions/src/monitoring/config';
import { assessRollouts, decisionId, runMonitorPass, type MonitorDeps } from '../../functions/src/monitoring/monitor-job';
import { createMonitorQueries } from '../../functions/src/monitoring/monitor-queries';
import { createPredictionLogIfAbsent } from '../../functions/src/monitoring/outcomes-job';
import type { MonitorDecision } from '../../functions/src/ports/monitoring-store';
import { deployVersion } from '../../functions/src/serving/rollout';
import { tempDir } from '../helpers/runtime';

const SHOP = 'demo-store.myshopify.com';
const KEY = { shop: SHOP, model: 'propensity' };
const OPS = { actor: 'ops', reason: 'canary of the new model' };
const HOUR = 3_600_000;

interface World {
  warehouse: DuckDbWarehouse;
  clock: ManualClock;
  deps: MonitorDeps;
  metrics: Registry;
  close(): Promise<void>;
}

const open: World[] = [];
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
});

/** v1 champion at 100 % since 2026-11-01 00:00Z, v2 a 5 % canary since 01:00Z; the clock at 02:00Z. */
async function world(): Promise<World> {
  const dir = tempDir();
  const clock = manualClock('2026-11-01T00:00:00Z');
  const artifacts = createFileArtifactStore(`${dir}/artifacts`);
  const registries = createFileModelRegistries({ dir: `${dir}/registry`, artifacts });
  const registry = registries.forShop(SHOP);
  for (const v of [1, 2]) {
    const runId = `training-2026102${v}-030000-abcdef`;
    await artifacts.put(`models/propensity/${runId}/model.json`, '{}');
    await registry.registerVersion({ model: 'propensity', runId, artifactKey: `models/propensity/${runId}`, aliases: ['challenger', 'champion'] });
  }
  const endpoints = createJournalEndpoints({ dir: `${dir}/endpoints`, now: () => clock.now() });
  await deployVersion({ endpoints, registries }, KEY, 1, OPS);
  clock.advance(HOUR);
  await deployVersion({ endpoints, registries }, KEY, 2, OPS, 5);
  clock.advance(HOUR);

  const warehouse = await openDuckDbWarehouse({ path: `${dir}/warehouse.duckdb` });
  await createPredictionLogIfAbsent(warehouse);
  await warehouse.execute('CREATE SCHEMA IF NOT EXISTS shop_monitoring');
  // outcome_daily as the outcome join builds it (the contract's columns)
  await warehouse.execute(`CREATE TABLE shop_monitoring.outcome_daily (shop VARCHAR, model VARCHAR, version BIGINT, arm VARCHAR, served_by VARCHAR, served_date DATE, metric VARCHAR,
    trials BIGINT, successes BIGINT, sum_abs_error DOUBLE, sum_error DOUBLE, sum_actual DOUBLE, as_of TIMESTAMP)`);
  // the staged orders the A/B guardrails read (the features run builds them)
  await warehouse.execute('CREATE SCHEMA IF NOT EXISTS shop_staging');
  await warehouse.execute('CREATE TABLE shop_staging.orders (shop VARCHAR, order_id VARCHAR, customer_id VARCHAR, created_at TIMESTAMPTZ, total_price DECIMAL(18, 2), is_included BOOLEAN)');
  const metrics = new Registry();
  const deps: MonitorDeps = {
    endpoints,
    registries,
    store: createDuckDbMonitoringStore(warehouse),
    sink: createPromMetricsSink(createMonitoringMetrics(metrics)),
    policy: DEFAULT_MONITORING_POLICY,
    shops: [SHOP],
    queries: createMonitorQueries((s) => warehouse.execute(s.sql, (s.params as unknown[] | undefined) ?? []), 'duckdb'),
  };
  const w: World = {
    warehouse,
    clock,
    deps,
    metrics,
    close: async () => {
      await endpoints.close();
      await registries.close();
      await warehouse.close();
    },
  };
  open.push(w);
  return w;
}

/** Outcome rows of one (version, arm) spread over days from 2026-11-01: trials and successes per day. */
async function outcomes(w: World, version: number, arm: string, days: Array<[trials: number, successes: number]>, metric = 'precision'): Promise<void> {
  for (const [i, [trials, successes]] of days.entries()) {
    await w.warehouse.execute(`INSERT INTO shop_monitoring.outcome_daily VALUES ($1, 'propensity', $2, $3, 'model', DATE '2026-11-01' + $4::INTEGER, $5, $6, $7, NULL, NULL, NULL, TIMESTAMP '2026-12-01 00:00:00')`, [SHOP, version, arm, i, metric, trials, successes]);
  }
}

const split = async (w: World) => (await w.deps.endpoints.getState(KEY)).split;
const metricValue = async (w: World, name: string, labels: Record<string, string>) => {
  const m = (await w.metrics.getMetricsAsJSON()).find((x) => x.name === name);
  return m?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
};

test('a bad challenger is rolled back to 0 % with an audit row naming precision, interval and sample size; a second pass on the same evidence does nothing', async () => {
  const w = await world();
  await outcomes(w, 2, 'challenger', [[100, 50], [100, 46], [50, 24]]); // 120 of 250
  await outcomes(w, 1, 'champion', [[1000, 850], [1000, 860]]);
  await outcomes(w, 2, 'champion', [[5000, 0]]); // another arm's rows are not the challenger's evidence
  await outcomes(w, 2, 'challenger', [[5000, 5000]], 'recall'); // nor another metric's
  w.clock.set('2026-11-10T00:00:00Z');
  const r = await runMonitorPass(w.deps, w.clock.now());
  expect(r.endpoints).toHaveLength(1);
  const e = r.endpoints[0]!;
  expect(e).toMatchObject({ acted: true, decision: { action: 'rollback', reason: 'precision_below_threshold' }, since: '2026-11-01T01:00:00.000Z', revision: 3 });
  expect(e.decision.why).toBe('precision 0.480 (95 % interval 0.419–0.542, n = 250) is below the threshold 0.78, upper bound included');
  expect(await split(w)).toEqual({ champion: { version: 1, percent: 100 }, challenger: { version: 2, percent: 0 }, holdout: 0 });

  const decisions = await w.deps.store.decisions({ shop: SHOP });
  expect(decisions).toHaveLength(1);
  const d = decisions[0]!;
  expect(d).toMatchObject<Partial<MonitorDecision>>({
    decision_id: decisionId(SHOP, 'propensity', 3, 'rollback'),
    shop: SHOP,
    model: 'propensity',
    decided_at: '2026-11-10T00:00:00.000Z',
    action: 'rollback',
    reason: 'precision_below_threshold',
    version: 2,
    before: { champion: { version: 1, percent: 95 }, challenger: { version: 2, percent: 5 }, holdout: 0 },
    after: { champion: { version: 1, percent: 100 }, challenger: { version: 2, percent: 0 }, holdout: 0 },
    revision_before: 3,
    revision_after: 4,
    flow_event: { trigger: 'model_rolled_back', shop: SHOP, model: 'propensity', version: 2, precision: 0.48, reason: 'precision_below_threshold' },
  });
  // Wilson 95 % for 120 / 250 (scipy: 0.418842, 0.541763)
  expect(d.precision).toMatchObject({ metric: 'precision', trials: 250, successes: 120, value: 0.48, confidence: 0.95, threshold: 0.78, from: '2026-11-01', to: '2026-11-03' });
  expect(d.precision!.low).toBeCloseTo(0.4188424, 6);
  expect(d.precision!.high).toBeCloseTo(0.5417629, 6);
  // the rollout table says who and why; the registry's champion stays on v1
  const last = (await w.deps.endpoints.history(KEY)).at(-1)!;
  expect(last).toMatchObject({ actor: 'monitor', revision: 4, at: '2026-11-10T00:00:00.000Z' });
  expect(last.reason).toMatch(/^precision_below_threshold: precision 0\.480 \(95 % interval 0\.419–0\.542, n = 250\)/);
  expect((await w.deps.registries.forShop(SHOP).getVersion('propensity', 'champion'))!.version).toBe(1);
  // series: the decision counter, live precision of both arms with bounds and n, the threshold, the last run
  expect(await metricValue(w, 'shop_mlops_monitor_decisions_total', { action: 'rollback', reason: 'precision_below_threshold' })).toBe(1);
  expect(await metricValue(w, 'shop_mlops_live_precision', { version: '2', arm: 'challenger' })).toBe(0.48);
  expect(await metricValue(w, 'shop_mlops_live_outcomes', { version: '2', arm: 'challenger' })).toBe(250);
  expect(await metricValue(w, 'shop_mlops_live_precision', { version: '1', arm: 'champion' })).toBeCloseTo(0.855, 10);
  expect(await metricValue(w, 'shop_mlops_precision_threshold', { model: 'propensity' })).toBe(0.78);
  expect(await metricValue(w, 'shop_mlops_monitor_last_run_timestamp_seconds', { job: 'monitor' })).toBe(Date.parse('2026-11-10T00:00:00Z') / 1000);

  // the same evidence again, later: nothing moves, nothing is recorded
  w.clock.advance(2 * HOUR);
  const again = await runMonitorPass(w.deps, w.clock.now());
  expect(again.endpoints[0]).toMatchObject({ acted: false, decision: { action: 'hold', reason: 'no_challenger_traffic' } });
  expect((await w.deps.endpoints.getState(KEY)).revision).toBe(4);
  expect(await w.deps.store.decisions()).toHaveLength(1);
  expect(await metricValue(w, 'shop_mlops_monitor_decisions_total', { action: 'rollback' })).toBe(1);
});

test('a good challenger is promoted one ramp step per hold window, 5 → 25 → 50 → 100 % (a swap), never two steps in one window', async () => {
  const w = await world();
  await outcomes(w, 2, 'challenger', [[500, 450], [500, 450]]); // 900 of 1000: Wilson low 0.8798 ≥ 0.78
  const pass = () => runMonitorPass(w.deps, w.clock.now());
  // 1 h after the canary started: the evidence is good but the hold (24 h) has not passed
  expect((await pass()).endpoints[0]).toMatchObject({ acted: false, decision: { action: 'hold', reason: 'within_hold' } });
  const seen: unknown[] = [];
  for (let step = 0; step < 3; step++) {
    w.clock.advance(24 * HOUR);
    const r = (await pass()).endpoints[0]!;
    expect(r).toMatchObject({ acted: true, decision: { action: 'promote', reason: 'guardrails_held' } });
    seen.push(await split(w));
    // a second pass in the same window: the step just taken restarted the hold
    expect((await pass()).endpoints[0]?.decision.reason ?? 'no challenger').toMatch(/within_hold|no challenger/);
  }
  expect(seen).toEqual([
    { champion: { version: 1, percent: 75 }, challenger: { version: 2, percent: 25 }, holdout: 0 },
    { champion: { version: 1, percent: 50 }, challenger: { version: 2, percent: 50 }, holdout: 0 },
    { champion: { version: 2, percent: 100 }, challenger: null, holdout: 0 },
  ]);
  expect((await w.deps.registries.forShop(SHOP).getVersion('propensity', 'champion'))!.version).toBe(2);
  const ds = await w.deps.store.decisions({ shop: SHOP, model: 'propensity' });
  expect(ds.map((d) => [d.action, d.revision_before, d.revision_after, d.after?.challenger?.percent ?? 100, d.flow_event.trigger])).toEqual([
    ['promote', 3, 4, 25, 'model_promoted'],
    ['promote', 4, 5, 50, 'model_promoted'],
    ['promote', 5, 6, 100, 'model_promoted'],
  ]);
  expect(ds[0]!.precision).toMatchObject({ trials: 1000, successes: 900 });
  // the champion is v2 now: nothing left to watch
  w.clock.advance(48 * HOUR);
  expect((await pass()).endpoints).toEqual([]);
  expect(await metricValue(w, 'shop_mlops_monitor_decisions_total', { action: 'promote' })).toBe(3);
});

test('too little data does nothing, however bad; evidence from before the challenger started is not its evidence', async () => {
  const w = await world();
  await outcomes(w, 2, 'challenger', [[199, 10]]);
  w.clock.set('2026-11-20T00:00:00Z');
  const r = (await runMonitorPass(w.deps, w.clock.now())).endpoints[0]!;
  expect(r).toMatchObject({ acted: false, decision: { action: 'hold', reason: 'too_little_data', why: '199 labelled precision outcomes of the 200 needed' } });
  expect(r.precision).toMatchObject({ trials: 199, successes: 10 });
  expect(await w.deps.store.decisions()).toEqual([]);
  expect((await w.deps.endpoints.getState(KEY)).revision).toBe(3);
  // a row served before the canary's start date does not count
  await w.warehouse.execute(`INSERT INTO shop_monitoring.outcome_daily VALUES ($1, 'propensity', 2, 'challenger', 'model', DATE '2026-10-31', 'precision', 500, 0, NULL, NULL, NULL, TIMESTAMP '2026-12-01 00:00:00')`, [SHOP]);
  expect((await runMonitorPass(w.deps, w.clock.now())).endpoints[0]!.decision.reason).toBe('too_little_data');
});

test('the decision row is the claim: evidence another monitor already decided on is not acted on again, unless its change never landed', async () => {
  const w = await world();
  await outcomes(w, 2, 'challenger', [[250, 120]]);
  w.clock.set('2026-11-10T00:00:00Z');
  // `rollouts` sees the decision but changes nothing
  const seen = await assessRollouts(w.deps, w.clock.now());
  expect(seen.endpoints[0]).toMatchObject({ acted: false, decision: { action: 'rollback' } });
  expect((await w.deps.endpoints.getState(KEY)).revision).toBe(3);
  // another monitor claimed the same evidence a minute ago (and is applying it)
  const claim = await w.deps.store.recordDecision({
    decision_id: decisionId(SHOP, 'propensity', 3, 'rollback'),
    shop: SHOP,
    model: 'propensity',
    decided_at: '2026-11-09T23:59:00.000Z',
    action: 'rollback',
    reason: 'precision_below_threshold',
    version: 2,
    precision: null,
    guardrails: [],
    before: null,
    after: null,
    revision_before: 3,
    revision_after: 4,
    flow_event: { trigger: 'model_rolled_back', shop: SHOP, model: 'propensity', version: 2, precision: null, reason: 'precision_below_threshold' },
  });
  expect(claim).toBe(true);
  expect((await runMonitorPass(w.deps, w.clock.now())).endpoints[0]).toMatchObject({ acted: false, decision: { action: 'rollback' } });
  expect((await w.deps.endpoints.getState(KEY)).revision).toBe(3);
  // a pass interval later the endpoint is still at revision 3: the claimed change never landed, so it is applied (once)
  w.clock.advance(DEFAULT_MONITORING_POLICY.everyMinutes * 60_000);
  expect((await runMonitorPass(w.deps, w.clock.now())).endpoints[0]).toMatchObject({ acted: true });
  expect((await w.deps.endpoints.getState(KEY)).split!.challenger!.percent).toBe(0);
  expect(await w.deps.store.decisions()).toHaveLength(1);
});

test('a challenger worse on conversion with always-valid evidence is rolled back on the guardrail, whatever its precision', async () => {
  const w = await world();
  await outcomes(w, 2, 'challenger', [[500, 450], [500, 450]]); // precision alone would promote
  await w.deps.endpoints.setSplit({ ...KEY, ...OPS, split: { champion: { version: 1, percent: 50 }, challenger: { version: 2, percent: 50 }, holdout: 0 } });
  // 600 customers per arm exposed on 2 November; 300 of the champion's and 150 of the challenger's ordered (40.00 each) within 7 days
  const expose = (arm: string, version: number, prefix: string) =>
    w.warehouse.execute(`INSERT INTO shop_predictions.prediction_log (prediction_id, shop, served_at, route, model, arm, bucket, assigned_version, version, served_by, fallback, customer_id, inputs_hash, output, latency_ms)
      SELECT '${prefix}-' || i, $1, TIMESTAMPTZ '2026-11-02 12:00:00+00', 'customer_predictions', 'propensity', '${arm}', 0, ${version}, ${version}, 'model', false, '${prefix}' || i, 'h', '{"will_repeat": true}', 1.0 FROM range(600) t(i)`, [SHOP]);
  await expose('champion', 1, 'a');
  await expose('challenger', 2, 'b');
  const buy = (prefix: string, n: number) => w.warehouse.execute(`INSERT INTO shop_staging.orders SELECT $1, 'o-${prefix}' || i, '${prefix}' || i, TIMESTAMPTZ '2026-11-04 10:00:00+00', 40.00, true FROM range(${n}) t(i)`, [SHOP]);
  await buy('a', 300);
  await buy('b', 150);
  await w.warehouse.execute(`INSERT INTO shop_staging.orders VALUES ($1, 'o-late', 'x', TIMESTAMPTZ '2026-11-20 00:00:00+00', 10.00, true)`, [SHOP]);
  w.clock.set('2026-11-21T00:00:00Z');
  const e = (await runMonitorPass(w.deps, w.clock.now())).endpoints[0]!;
  expect(e.ab.verdict).toBe('challenger_worse');
  const [conv, rev] = e.ab.guardrails;
  expect(conv).toMatchObject({ metric: 'conversion', champion: { units: 600, mean: 0.5 }, challenger: { units: 600, mean: 0.25 }, difference: -0.25, since: '2026-11-01T01:00:00.000Z' });
  expect(conv!.high).toBeLessThan(0);
  expect(rev).toMatchObject({ metric: 'revenue_per_exposure', champion: { units: 600, mean: 20 }, challenger: { units: 600, mean: 10 } });
  expect(e).toMatchObject({ acted: true, decision: { action: 'rollback', reason: 'guardrail_conversion' } });
  expect(e.decision.why).toMatch(/^the challenger is worse than the champion: conversion challenger 0\.250 vs champion 0\.500 \(difference -0\.250, always-valid 95 % interval -0\.\d+ to -0\.\d+, units 600 \/ 600\)$/);
  const [d] = await w.deps.store.decisions();
  expect(d).toMatchObject({ action: 'rollback', reason: 'guardrail_conversion', guardrails: [{ metric: 'conversion', difference: -0.25 }, { metric: 'revenue_per_exposure', difference: -10 }], precision: { trials: 1000, successes: 900 } });
  expect(await split(w)).toEqual({ champion: { version: 1, percent: 100 }, challenger: { version: 2, percent: 0 }, holdout: 0 });
  // 600 / 600 against 50 / 50: no sample-ratio mismatch
  expect(e.ab.srm).toMatchObject({ observed: { champion: 600, challenger: 600, holdout: 0 }, mismatch: false });
  expect(await metricValue(w, 'shop_mlops_ab_srm_p_value', { model: 'propensity' })).toBe(1);
});

test('a sample-ratio mismatch holds a promotion that precision alone would make', async () => {
  const w = await world(); // 95 / 5
  await outcomes(w, 2, 'challenger', [[500, 450], [500, 450]]);
  const expose = (arm: string, version: number, n: number) =>
    w.warehouse.execute(`INSERT INTO shop_predictions.prediction_log (prediction_id, shop, served_at, route, model, arm, bucket, assigned_version, version, served_by, fallback, visitor_id, inputs_hash, output, latency_ms)
      SELECT '${arm}-' || i, $1, TIMESTAMPTZ '2026-11-02 12:00:00+00', 'customer_predictions', 'propensity', '${arm}', 0, ${version}, ${version}, 'model', false, '${arm}' || i, 'h', '{}', 1.0 FROM range(${n}) t(i)`, [SHOP]);
  await expose('champion', 1, 600);
  await expose('challenger', 2, 600);
  w.clock.set('2026-11-21T00:00:00Z');
  const e = (await runMonitorPass(w.deps, w.clock.now())).endpoints[0]!;
  expect(e).toMatchObject({ acted: false, ab: { verdict: 'sample_ratio_mismatch' }, decision: { action: 'hold', reason: 'sample_ratio_mismatch' } });
  expect(await w.deps.store.decisions()).toEqual([]);
  expect(await metricValue(w, 'shop_mlops_ab_srm_p_value', { model: 'propensity' })).toBeLessThan(1e-6);
});

test('a shop the app was uninstalled from is left alone: no decision, no change, however bad its challenger', async () => {
  const w = await world();
  await outcomes(w, 2, 'challenger', [[100, 50], [100, 46], [50, 24]]);
  w.clock.set('2026-11-10T00:00:00Z');
  const before = await split(w);
  const r = await runMonitorPass({ ...w.deps, skipShop: async (shop) => shop === SHOP }, w.clock.now());
  expect(r.endpoints).toEqual([]);
  expect(await split(w)).toEqual(before);
  expect(await w.deps.store.decisions()).toEqual([]);
});
