// The `api` function's Flow action (buildApiRuntime mounts it): a signed run claimed in Cloud Storage (the real client against an in-process JSON API server), answered, then handed to the retrainer once; a replay from another instance is a duplicate; an instance that stopped leaves its run to the next one.
import { Storage } from '@google-cloud/storage';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { buildApiRuntime, loadCloudConfig } from '../../functions/src/adapters/gcp/cloud-runtime';
import { createGcsFlowActionRuns } from '../../functions/src/adapters/gcp/gcs-flow-action-runs';
import { DEFAULT_MONITORING_POLICY as DEFAULT_POLICY } from '../../functions/src/monitoring/config';
import { createRetrainer } from '../../functions/src/monitoring/retrain';
import { FLOW_ACTION_PATH } from '../../functions/src/http/flow-action-route';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs';

const SECRET = 'cloud-flow-secret';
const SHOP = 'cloud-flow.myshopify.com';
let fake: FakeGcs;
let w: DuckDbWarehouse;
beforeAll(async () => {
  fake = await startFakeGcs();
  w = await openDuckDbWarehouse({ path: ':memory:' });
});
afterAll(async () => {
  await fake.stop();
  await w.close();
});

/** One function instance: the real api runtime, its Flow ledger in the fake bucket; Vertex AI (the run's start) is the only stand-in. */
function instance(started: string[]) {
  const config = loadCloudConfig({ GOOGLE_CLOUD_PROJECT: 'demo-shop-mlops', SHOP_MLOPS_LOG_LEVEL: 'ERROR' }, SECRET);
  const retrainer = createRetrainer({
    store: createDuckDbMonitoringStore(w),
    start: async (r) => {
      started.push(r.request_id);
      return { runId: `vertex-${started.length}` };
    },
    policy: { ...DEFAULT_POLICY, retrain: { ...DEFAULT_POLICY.retrain, coalesceMinutes: 0 } },
    clock: { now: () => new Date() },
  });
  return buildApiRuntime(config, {
    location: 'us-central1',
    flowAction: {
      runs: createGcsFlowActionRuns({ storage: new Storage({ projectId: 'p', apiEndpoint: fake.endpoint, retryOptions: { autoRetry: false } }), bucket: 'demo-shop-mlops-shop-mlops-artifacts' }),
      requestRetrain: retrainer.request,
      isInstalledShop: async (shop) => shop === SHOP,
    },
  });
}

const body = (id: string, shop = SHOP) => JSON.stringify({ shop_id: 1, shopify_domain: shop, action_run_id: id, handle: 'retrain-models', properties: { models: 'clv', reason: `cloud (${id})` } });
const post = (rt: ReturnType<typeof instance>, b: string, hmac = getHmac(b, SECRET)) =>
  rt.app.fetch(new Request(`https://demo-shop-mlops.web.app${FLOW_ACTION_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': hmac }, body: b }));

test('queued and handed over once; the same action_run_id at another instance is a duplicate; bad signature 401, other shop 403', async () => {
  const started: string[] = [];
  const a = instance(started);
  const r = await post(a, body('cloud-1'));
  expect([r.status, await r.json()]).toEqual([200, { status: 'queued', action_run_id: 'cloud-1' }]);
  await a.flowActions.idle(); // what the api function awaits after the response
  expect(started).toHaveLength(1);
  const b = instance(started);
  const again = await post(b, body('cloud-1'));
  expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate', action_run_id: 'cloud-1' }]);
  await b.flowActions.idle();
  expect(started).toHaveLength(1);
  expect((await post(a, body('cloud-2'), getHmac(body('cloud-2'), 'wrong'))).status).toBe(401);
  expect((await post(a, body('cloud-3', 'elsewhere.myshopify.com'))).status).toBe(403);
  const rows = await w.query(`SELECT trigger, models, reason FROM shop_monitoring.retrain_requests ORDER BY requested_at`);
  expect(rows.map((x) => [x['trigger'], x['reason']])).toEqual([['external', 'cloud (cloud-1)']]);
});

test('a run accepted by an instance that stopped before handing it over is handed over by the next instance', async () => {
  const runs = createGcsFlowActionRuns({ storage: new Storage({ projectId: 'p', apiEndpoint: fake.endpoint, retryOptions: { autoRetry: false } }), bucket: 'demo-shop-mlops-shop-mlops-artifacts' });
  await runs.claim({ action_run_id: 'cloud-orphan', shop: SHOP, handle: 'retrain-models', models: ['forecast'], reason: 'cloud (cloud-orphan)', received_at: new Date().toISOString() });
  const started: string[] = [];
  const next = instance(started);
  await new Promise((r) => setTimeout(r, 200)); // resume() runs as the instance starts
  await next.flowActions.idle();
  expect(started).toHaveLength(1);
  expect((await runs.get('cloud-orphan'))?.outcome).toMatchObject({ status: 'requested' });
  expect(await runs.pending()).toEqual([]);
});
