// runVelocityCheck end to end on real parts: real order payloads in DuckDB, the orders-per-hour SQL, the DuckDB monitoring store, the retrainer and its in-process starter (the runs fail at extract: no features here), the file run tracker.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileRunTracker } from '../../functions/src/adapters/embedded/file-run-tracker';
import type { LandedEvent } from '../../functions/src/core/classify';
import { parseMonitoringPolicy, type MonitoringPolicy } from '../../functions/src/monitoring/config';
import { createRetrainer, runVelocityCheck, type Retrainer, type RetrainJobDeps } from '../../functions/src/monitoring/retrain';
import { createEmbeddedStarter } from '../../functions/src/monitoring/retrain-start-embedded';
import { HOUR_MS } from '../../functions/src/monitoring/velocity';
import type { MetricPoint } from '../../functions/src/ports/metrics-sink';
import type { MonitoringStore } from '../../functions/src/ports/monitoring-store';
import { FIXTURES } from '../helpers/shared';

const dataDir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-velocity-'));
const tracker = createFileRunTracker({ dir: path.join(dataDir, 'runs'), artifacts: createFileArtifactStore(path.join(dataDir, 'artifacts')) });
const policy: MonitoringPolicy = parseMonitoringPolicy({ velocity: { up: 2, down: 0.5, baselineHours: 24, minOrders: 5, debounceHours: 24 } });
const H = Math.floor(Date.parse('2026-05-10T11:00:00Z') / HOUR_MS); // the first hour judged
const T1 = new Date((H + 1) * HOUR_MS + 10 * 60_000); // 12:10
const clock = { t: T1, now() { return this.t; } };
const points: MetricPoint[] = [];

const FIXTURE = readFileSync(path.join(FIXTURES, 'orders_create.json'), 'utf8');
let seq = 0;
/** `n` real orders/create payloads (new id, created_at inside `hour`, not test) of the shop. */
function orders(shop: string, hour: number, n: number): LandedEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const id = String(900000000000000000n + BigInt(++seq));
    const createdAt = new Date(hour * HOUR_MS + ((i * 59) % 60) * 60_000).toISOString();
    const payload = FIXTURE.replace(/^ {2}"id": \d+,$/m, `  "id": ${id},`).replace(/^ {2}"created_at": "[^"]*",$/m, `  "created_at": "${createdAt}",`).replace(/^ {2}"test": true,$/m, '  "test": false,');
    return { shop, topic: 'orders/create', webhook_id: `w-${seq}`, event_id: null, api_version: '2026-10', triggered_at: createdAt, received_at: createdAt, payload };
  });
}

let warehouse: DuckDbWarehouse;
let store: MonitoringStore;
let retrainer: Retrainer;
let deps: RetrainJobDeps;

beforeAll(async () => {
  warehouse = await openDuckDbWarehouse({ path: path.join(dataDir, 'warehouse.duckdb') });
  const events: LandedEvent[] = [];
  for (let h = H - 24; h < H; h++) events.push(...orders('surge.myshopify.com', h, 6), ...orders('steady.myshopify.com', h, 6), ...orders('quiet.myshopify.com', h, 1));
  events.push(...orders('surge.myshopify.com', H, 15), ...orders('steady.myshopify.com', H, 7), ...orders('quiet.myshopify.com', H, 3));
  for (const h of [H + 1, H + 2]) events.push(...orders('surge.myshopify.com', h, 15), ...orders('steady.myshopify.com', h, 6), ...orders('quiet.myshopify.com', h, 1));
  expect(FIXTURE).toMatch(/^ {2}"test": true,$/m);
  expect((await warehouse.landEvents(events)).inserted).toBe(events.length);
  store = createDuckDbMonitoringStore(warehouse);
  retrainer = createRetrainer({ store, start: createEmbeddedStarter({ dataDir, warehouse, clock }), policy, clock });
  deps = { warehouse, store, policy, requestRetrain: retrainer.request, sink: { write: async (p) => void points.push(...p) } };
}, 120_000);
afterAll(async () => {
  await retrainer?.idle();
  await warehouse?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const verdicts = (r: Awaited<ReturnType<typeof runVelocityCheck>>) => Object.fromEntries(r.shops.map((s) => [s.shop, s.verdict.status]));

test('a surging shop asks to retrain (trigger velocity, the numbers as reason); a steady or quiet one does not', async () => {
  const r = await runVelocityCheck(deps, clock.now());
  expect(verdicts(r)).toEqual({ 'quiet.myshopify.com': 'too_few_orders', 'steady.myshopify.com': 'ok', 'surge.myshopify.com': 'shift' });
  const surge = r.shops.find((s) => s.shop === 'surge.myshopify.com')!;
  expect(surge.verdict).toMatchObject({ current: 15, baselineMean: 6, ratio: 2.5, direction: 'up', hour: '2026-05-10T11:00:00.000Z' });
  expect(surge.request).toMatchObject({ status: 'started', trigger: 'velocity', models: ['clv', 'forecast', 'propensity', 'recommend'], reason: surge.verdict.reason });
  expect(r.shops.filter((s) => s.request)).toHaveLength(1);
  await retrainer.idle();
  const run = await tracker.getRun(surge.request!.run_id!);
  expect(run).toMatchObject({ params: { trigger: 'velocity', trigger_request_id: surge.request!.request_id, shop: 'surge.myshopify.com' } });
  expect(points.filter((p) => p.name === 'shop_mlops_monitor_last_run_timestamp_seconds')).toEqual([{ name: 'shop_mlops_monitor_last_run_timestamp_seconds', labels: { job: 'velocity' }, value: T1.getTime() / 1000 }]);
}, 120_000);

test('debounce: the surge going on an hour later asks nothing; once debounceHours have passed it asks again (a new run: outside the coalescing window)', async () => {
  clock.t = new Date(T1.getTime() + HOUR_MS);
  const next = await runVelocityCheck(deps, clock.now());
  expect(next.shops.find((s) => s.shop === 'surge.myshopify.com')).toMatchObject({ verdict: { status: 'debounced', direction: 'up', trigger: false }, request: null });
  expect((await store.retrainRequests({ shop: 'surge.myshopify.com' })).length).toBe(1);

  clock.t = new Date(T1.getTime() + 2 * HOUR_MS);
  const shortDebounce = { ...deps, policy: { ...policy, velocity: { ...policy.velocity, debounceHours: 1.5 } } };
  const third = await runVelocityCheck(shortDebounce, clock.now());
  const surge = third.shops.find((s) => s.shop === 'surge.myshopify.com')!;
  expect(surge.verdict).toMatchObject({ status: 'shift', current: 15, baselineMean: 6.75 });
  expect(surge.request).toMatchObject({ status: 'started', trigger: 'velocity' });
  await retrainer.idle();
  const requests = await store.retrainRequests({ shop: 'surge.myshopify.com' });
  expect(requests.map((q) => [q.trigger, q.status])).toEqual([
    ['velocity', 'failed'], // no features in this warehouse: the run fails at extract, recorded
    ['velocity', 'failed'],
  ]);
  const runs = await tracker.listRuns({ experiment: 'training' });
  expect(runs.map((x) => [x.id, x.status, x.params['trigger'], x.params['trigger_request_id']]).sort()).toEqual(requests.map((q) => [q.run_id, 'FAILED', 'velocity', q.request_id]).sort());
  expect(verdicts(next)).toEqual({ 'quiet.myshopify.com': 'too_few_orders', 'steady.myshopify.com': 'ok', 'surge.myshopify.com': 'debounced' });
}, 120_000);
