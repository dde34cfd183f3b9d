// POST /admin/retrain on the running runtime (the operator's and the Flow action's path) and the `retrain` verb, through real HTTP and a real CLI process: a burst of 20 posts starts one run, tracked with trigger 'external'.
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { openDuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileRunTracker } from '../../functions/src/adapters/embedded/file-run-tracker';
import type { RetrainRequest } from '../../functions/src/ports/monitoring-store';
import { FIXTURES, startTestRuntime, tempDir } from '../helpers/runtime';
import { runCli } from '../helpers/process';

const SHOP = 'route-store.myshopify.com';
const trackerOf = (dataDir: string) => createFileRunTracker({ dir: path.join(dataDir, 'runs'), artifacts: createFileArtifactStore(path.join(dataDir, 'artifacts')) });

describe('on the running runtime', () => {
  let rt: Awaited<ReturnType<typeof startTestRuntime>>;
  beforeAll(async () => {
    rt = await startTestRuntime({ featuresEveryMinutes: 0 });
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    if (rt) rmSync(rt.dataDir, { recursive: true, force: true });
  });

  const post = (body: unknown, token = rt.adminToken) =>
    fetch(`${rt.url}/admin/retrain`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('20 concurrent posts start one run (202 started once, 202 coalesced 19 times); the run is tracked with trigger external', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => post({ shop: SHOP, models: ['propensity'], reason: 'Flow action: sales event starts' })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    const requests = await Promise.all(answers.map(async (a) => ((await a.json()) as { request: RetrainRequest }).request));
    const started = requests.filter((r) => r.status === 'started');
    expect(started).toHaveLength(1);
    expect(requests.filter((r) => r.status === 'coalesced' && r.run_request_id === started[0]!.request_id)).toHaveLength(19);
    await rt.retrainer.idle();
    // The runtime's warehouse has no features: the run fails at extract, and says so in the store and the tracker.
    const run = await trackerOf(rt.dataDir).getRun(started[0]!.run_id!);
    expect(run).toMatchObject({ status: 'FAILED', params: { trigger: 'external', trigger_request_id: started[0]!.request_id, trigger_models: 'propensity', shop: SHOP } });
    const rows = await rt.warehouse.query(`SELECT status, count(*) AS n FROM shop_monitoring.retrain_requests GROUP BY status ORDER BY status`);
    expect(rows.map((r) => [r['status'], Number(r['n'])])).toEqual([['coalesced', 19], ['failed', 1]]);
    // The counters on /metrics (the runtime's monitoring sink).
    const metrics = await (await fetch(`${rt.url}/metrics`)).text();
    const count = (status: string) => Number(new RegExp(`^shop_mlops_retrain_runs_total\\{[^}]*status="${status}"[^}]*\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect({ started: count('started'), coalesced: count('coalesced'), failed: count('failed') }).toEqual({ started: 1, coalesced: 19, failed: 1 });
  }, 120_000);

  test('without a shop: the only shop in the warehouse, or 400 naming the problem; bad bodies 400; no token 401', async () => {
    const none = await post({});
    expect([none.status, ((await none.json()) as { error: { message: string } }).error.message]).toEqual([400, 'name the shop: the warehouse has no shop yet']);
    for (const bad of [{ shop: "x' OR 1=1" }, { models: ['nope'] }, { trigger: 'velocity' }, { models: [] }, []]) expect([bad, (await post(bad)).status]).toEqual([bad, 400]);
    expect((await post({ shop: SHOP }, 'wrong')).status).toBe(401);
  });

  test('the retrain verb goes through the runtime', async () => {
    const r = await runCli(['retrain', '--json', '--data-dir', rt.dataDir, '--shop', 'verb-store.myshopify.com', '--model', 'clv', '--why', 'operator']);
    expect(r.stderr).toBe('');
    const req = JSON.parse(r.stdout) as RetrainRequest;
    expect(req).toMatchObject({ shop: 'verb-store.myshopify.com', models: ['clv'], trigger: 'external', reason: 'operator', status: 'started' });
    expect(r.code).toBe(0);
    await rt.retrainer.idle();
    expect(await trackerOf(rt.dataDir).getRun(req.run_id!)).toMatchObject({ params: { trigger: 'external', trigger_request_id: req.request_id } });
    const usage = await runCli(['retrain', '--data-dir', rt.dataDir, '--model', 'nope']);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringMatching(/^--model: .*\nusage: shop-mlops retrain/)]);
  }, 120_000);
});

test('without a runtime the verb runs the request here, defaults to the only shop and waits for the run (exit 1 when it fails)', async () => {
  const dataDir = tempDir();
  const w = await openDuckDbWarehouse({ path: path.join(dataDir, 'warehouse.duckdb') });
  await w.landEvents([{ shop: SHOP, topic: 'orders/create', webhook_id: 'w1', event_id: null, api_version: '2026-10', triggered_at: null, received_at: '2026-05-10T00:00:00.000Z', payload: readFileSync(path.join(FIXTURES, 'orders_create.json'), 'utf8') }]);
  await w.close();
  const r = await runCli(['retrain', '--json', '--data-dir', dataDir]);
  const req = JSON.parse(r.stdout) as RetrainRequest;
  expect(req).toMatchObject({ shop: SHOP, trigger: 'external', models: ['clv', 'forecast', 'propensity', 'recommend'], status: 'failed' });
  expect(req.finished_at).not.toBeNull();
  expect(r.code).toBe(1);
  expect(await trackerOf(dataDir).getRun(req.run_id!)).toMatchObject({ status: 'FAILED', params: { trigger: 'external', trigger_request_id: req.request_id } });
  const w2 = await openDuckDbWarehouse({ path: path.join(dataDir, 'warehouse.duckdb') });
  try {
    expect((await createDuckDbMonitoringStore(w2).retrainRequests()).map((x) => x.status)).toEqual(['failed']);
  } finally {
    await w2.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
