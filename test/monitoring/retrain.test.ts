// The retrainer on real parts: the DuckDB monitoring store, the in-process training pipeline on a simulated store, the file run tracker. A burst starts one run; every run's tracked params name its trigger.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileRunTracker } from '../../functions/src/adapters/embedded/file-run-tracker';
import { DEFAULT_MONITORING_POLICY } from '../../functions/src/monitoring/config';
import { createRetrainer, runScheduledRetrain, type Retrainer } from '../../functions/src/monitoring/retrain';
import { createEmbeddedStarter } from '../../functions/src/monitoring/retrain-start-embedded';
import type { MetricPoint, MetricsSink } from '../../functions/src/ports/metrics-sink';
import type { MonitoringStore } from '../../functions/src/ports/monitoring-store';
import { buildTrainingStore, SHOP, SNAPSHOT } from '../training/support/store';

const dataDir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-retrain-'));
const tracker = createFileRunTracker({ dir: path.join(dataDir, 'runs'), artifacts: createFileArtifactStore(path.join(dataDir, 'artifacts')) });
const clock = { t: new Date('2026-05-10T09:00:00Z'), now() { return new Date(this.t); }, advance(minutes: number) { this.t = new Date(this.t.getTime() + minutes * 60_000); } };
/** Every point written, in order (a MetricsSink is a port: this one keeps what it is given). */
const points: MetricPoint[] = [];
const sink: MetricsSink = { write: async (p) => void points.push(...p) };

let warehouse: DuckDbWarehouse;
let store: MonitoringStore;
let retrainer: Retrainer;

beforeAll(async () => {
  const built = await buildTrainingStore(dataDir);
  console.log(`training store: ${built.deliveries} deliveries, features at two snapshots, in ${built.seconds.toFixed(1)} s`);
  warehouse = await openDuckDbWarehouse({ path: path.join(dataDir, 'warehouse.duckdb') });
  store = createDuckDbMonitoringStore(warehouse);
  retrainer = createRetrainer({ store, start: createEmbeddedStarter({ dataDir, warehouse, clock }), policy: DEFAULT_MONITORING_POLICY, clock, sink });
}, 300_000);
afterAll(async () => {
  await retrainer?.idle();
  await warehouse?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const row = async (id: string) => (await store.retrainRequests()).find((r) => r.request_id === id)!;

test('a burst of 20 concurrent requests starts exactly one training run; the rest join it; the run ends succeeded with its trigger in its tracked params', async () => {
  const burst = await Promise.all(
    Array.from({ length: 20 }, (_, i) => retrainer.request({ shop: SHOP, models: i % 2 ? ['propensity'] : ['propensity', 'clv'], trigger: 'velocity', reason: `burst ${i}` })),
  );
  const started = burst.filter((r) => r.status === 'started');
  expect(started).toHaveLength(1);
  const owner = started[0]!;
  expect(owner.run_id).toMatch(/^training-20260510-090000-[0-9a-f]{6}$/);
  for (const r of burst.filter((x) => x !== owner)) expect(r).toMatchObject({ status: 'coalesced', run_request_id: owner.request_id });
  expect((await store.retrainRequests({ shop: SHOP })).map((r) => r.status).sort()).toEqual([...Array(19).fill('coalesced'), 'started']);

  await retrainer.idle();
  const done = await row(owner.request_id);
  expect(done).toMatchObject({ status: 'succeeded', run_id: owner.run_id, run_request_id: owner.request_id, error: null });
  expect(done.finished_at).not.toBeNull();
  const runs = await tracker.listRuns({ experiment: 'training' });
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({ id: owner.run_id, status: 'COMPLETE', params: { trigger: 'velocity', trigger_request_id: owner.request_id, trigger_models: owner.models.join(','), shop: SHOP, 'extract.snapshot_date': SNAPSHOT } });
  expect(points.filter((p) => p.name === 'shop_mlops_retrain_runs_total').map((p) => `${p.labels['status']} ${p.labels['trigger']} ${p.op}`).sort()).toEqual([
    ...Array(19).fill('coalesced velocity add'),
    'started velocity add',
    'succeeded velocity add',
  ]);
}, 600_000);

test('within the window a request for a model the run does not share, or for another shop, starts its own run; a failed run absorbs nothing; each run names its trigger', async () => {
  clock.advance(30); // inside the 60-minute window of the burst's run
  const joined = await retrainer.request({ shop: SHOP, models: ['clv'], trigger: 'drift', reason: 'drift on monetary' });
  expect(joined.status).toBe('coalesced'); // the burst's owner named clv and propensity
  expect(joined.run_id).toBe((await store.retrainRequests({ shop: SHOP })).find((r) => r.status === 'succeeded')!.run_id);
  const unshared = await retrainer.request({ shop: SHOP, models: ['recommend'], trigger: 'drift', reason: 'drift on recommendations' });
  expect(unshared.status).toBe('started');
  // Another shop: its own run (it fails at extract: the warehouse has no such shop), recorded and tracked all the same.
  const other = await retrainer.request({ shop: 'other-store.myshopify.com', models: ['forecast'], trigger: 'external', reason: 'Flow action' });
  expect(other.status).toBe('started');
  await retrainer.idle();
  const failed = await row(other.request_id);
  expect(failed).toMatchObject({ status: 'failed', run_id: other.run_id });
  expect(failed.error).toMatch(/other-store\.myshopify\.com/);
  const again = await retrainer.request({ shop: 'other-store.myshopify.com', models: ['forecast'], trigger: 'schedule', reason: 'schedule' });
  expect(again.status).toBe('started'); // the failed run does not absorb it
  await retrainer.idle();
  const runs = await tracker.listRuns({ experiment: 'training' });
  const byId = new Map(runs.map((r) => [r.id, r]));
  expect(byId.get(other.run_id!)).toMatchObject({ status: 'FAILED', params: { trigger: 'external', trigger_request_id: other.request_id, trigger_models: 'forecast' } });
  expect(byId.get(again.run_id!)).toMatchObject({ status: 'FAILED', params: { trigger: 'schedule', trigger_request_id: again.request_id } });
  expect(byId.get(unshared.run_id!)).toMatchObject({ status: 'COMPLETE', params: { trigger: 'drift', trigger_request_id: unshared.request_id, trigger_models: 'recommend' } });
  expect(runs).toHaveLength(4);
}, 300_000);

test('after the window the next request starts a new run', async () => {
  clock.advance(31); // 61 minutes after the burst
  const r = await retrainer.request({ shop: SHOP, models: ['clv'], trigger: 'drift', reason: 'late' });
  expect(r.status).toBe('started');
  await retrainer.idle();
  expect(await row(r.request_id)).toMatchObject({ status: 'succeeded' });
}, 300_000);

test('a bad request is refused before anything is recorded', async () => {
  const before = (await store.retrainRequests()).length;
  await expect(retrainer.request({ shop: SHOP, models: ['nope'], trigger: 'velocity', reason: 'x' })).rejects.toThrow(/models\.0/);
  await expect(retrainer.request({ shop: "x' --", models: ['clv'], trigger: 'velocity', reason: 'x' })).rejects.toThrow(/shop/);
  await expect(retrainer.request({ shop: SHOP, models: [], trigger: 'velocity', reason: 'x' })).rejects.toThrow(/at least one model/);
  await expect(retrainer.request({ shop: SHOP, models: ['clv'], trigger: 'whim' as never, reason: 'x' })).rejects.toThrow(/trigger/);
  expect((await store.retrainRequests()).length).toBe(before);
});

test('the schedule asks for a shop with features when no run started within everyHours (coalesced requests do not count)', async () => {
  const deps = { warehouse, store, policy: { ...DEFAULT_MONITORING_POLICY, retrain: { everyHours: 24, coalesceMinutes: 60 } }, requestRetrain: retrainer.request };
  const lastStart = (await store.retrainRequests({ shop: SHOP })).filter((r) => r.status !== 'coalesced').at(-1)!.requested_at;
  const soon = await runScheduledRetrain(deps, new Date(clock.now().getTime() + 3_600_000));
  expect(soon.shops).toMatchObject([{ shop: SHOP, due: false, lastRunAt: lastStart, request: null }]);
  expect((await runScheduledRetrain({ ...deps, policy: DEFAULT_MONITORING_POLICY }, new Date('2026-05-11T12:00:00Z'))).shops[0]!.due).toBe(false); // every 168 h
  clock.t = new Date('2026-05-11T12:00:00Z');
  const later = await runScheduledRetrain(deps, clock.now());
  expect(later.shops).toMatchObject([{ shop: SHOP, due: true, lastRunAt: null, request: { status: 'started', trigger: 'schedule', models: ['clv', 'forecast', 'propensity', 'recommend'] } }]);
  expect(later.shops[0]!.request!.reason).toBe('scheduled: no retraining run started in the 24 hours before 2026-05-11T12:00:00.000Z');
  await retrainer.idle();
  const run = await tracker.getRun(later.shops[0]!.request!.run_id!);
  expect(run).toMatchObject({ status: 'COMPLETE', params: { trigger: 'schedule', trigger_models: 'clv,forecast,propensity,recommend' } });
  expect((await runScheduledRetrain(deps, new Date('2026-05-11T13:00:00Z'))).shops[0]!.due).toBe(false);
  expect((await runScheduledRetrain({ ...deps, policy: { ...DEFAULT_MONITORING_POLICY, retrain: { everyHours: 0, coalesceMinutes: 60 } } }, new Date('2027-01-01T00:00:00Z'))).shops).toEqual([]);
}, 300_000);
