// The cloud starter: the retrainer over the DuckDB monitoring store submits one Vertex AI PipelineJob per burst to the in-process
// Vertex AI fake (built from the protos @google-cloud/aiplatform ships; REST: POST v1/{parent}/pipelineJobs); the trigger travels as pipeline parameters and labels.
import * as grpc from '@grpc/grpc-js';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { DEFAULT_MONITORING_POLICY } from '../../functions/src/monitoring/config';
import { createRetrainer } from '../../functions/src/monitoring/retrain';
import { createVertexStarter } from '../../functions/src/monitoring/retrain-start-vertex';
import { training } from '../../functions/src/training/pipeline';
import { cloudRetrainStarter } from '../../functions/src/adapters/gcp/cloud-retrainer';
import { createVertexRest, type VertexRest } from '../../functions/src/adapters/gcp/vertex-rest';
import { loadConfig } from '../../functions/src/core/config';
import { fakeClientOptions, startFakeAiplatform, type FakeAiplatform } from '../gcp/support/aiplatform-fake';

type WireValue = { kind?: string; stringValue?: string; numberValue?: number };
interface CreateRequest {
  parent: string;
  pipelineJobId: string;
  pipelineJob: { displayName?: string; serviceAccount?: string; labels?: Record<string, string>; pipelineSpec: { fields?: Record<string, unknown> }; runtimeConfig: { gcsOutputDirectory: string; parameterValues?: Record<string, WireValue> } };
}

let aip: FakeAiplatform;
let client: VertexRest;
let warehouse: DuckDbWarehouse;
/** The CreatePipelineJob requests the fake received, as it decoded them. */
const requests = () => aip.callsOf('CreatePipelineJob') as CreateRequest[];

beforeAll(async () => {
  aip = await startFakeAiplatform({ project: 'demo-shop-mlops', location: 'us-central1' });
  client = createVertexRest({ location: 'us-central1', ...fakeClientOptions(aip) });
  warehouse = await openDuckDbWarehouse({ path: ':memory:' });
}, 60_000);

afterAll(async () => {
  await aip?.stop();
  await warehouse?.close();
});

const clock = { t: new Date('2026-05-10T09:00:00Z'), now() { return this.t; } };
const starter = () =>
  createVertexStarter({ project: 'demo-shop-mlops', location: 'us-central1', image: 'us-central1-docker.pkg.dev/demo-shop-mlops/shop-mlops/pipeline:0123abc', gcsOutputDirectory: 'gs://demo-shop-mlops-artifacts/pipeline-root', env: { SHOP_MLOPS_MODE: 'gcp' }, clock, client });

test('a burst of 20 requests submits one pipeline job whose parameters and labels name the trigger and the request', async () => {
  const store = createDuckDbMonitoringStore(warehouse);
  const retrainer = createRetrainer({ store, start: starter(), policy: DEFAULT_MONITORING_POLICY, clock });
  const burst = await Promise.all(Array.from({ length: 20 }, () => retrainer.request({ shop: 'cloud-store.myshopify.com', models: ['recommend', 'clv'], trigger: 'drift', reason: 'drift on 3 features' })));
  expect(requests()).toHaveLength(1);
  const owner = burst.find((r) => r.status === 'started')!;
  expect(burst.filter((r) => r.status === 'coalesced')).toHaveLength(19);
  const r = requests()[0]!;
  expect(owner.run_id).toBe(r.pipelineJobId);
  expect(r.pipelineJobId).toMatch(/^training-20260510-090000-[0-9a-f]{8}$/);
  expect(r.parent).toBe('projects/demo-shop-mlops/locations/us-central1');
  expect(Object.fromEntries(Object.entries(r.pipelineJob.runtimeConfig.parameterValues ?? {}).map(([k, v]) => [k, v.stringValue]))).toEqual({
    shop: 'cloud-store.myshopify.com',
    trigger: 'drift',
    trigger_request_id: owner.request_id,
    trigger_models: 'clv,recommend',
  });
  expect(r.pipelineJob.labels).toEqual({ trigger: 'drift', shop: 'cloud-store-myshopify-com' });
  expect(r.pipelineJob.displayName).toBe('training (drift)');
  // The spec declares the trigger parameters (Vertex refuses undeclared ones; the local runner records them as tracked params).
  for (const k of ['trigger', 'trigger_request_id', 'trigger_models']) expect(Object.keys(training.params)).toContain(k);
  // Vertex reports the outcome: the request stays started with the job as its run.
  expect((await store.retrainRequests()).find((x) => x.request_id === owner.request_id)).toMatchObject({ status: 'started', run_id: r.pipelineJobId });
}, 60_000);

test('a refused submission marks the request failed with the reason; the next request is not absorbed by it', async () => {
  const store = createDuckDbMonitoringStore(warehouse);
  const retrainer = createRetrainer({ store, start: starter(), policy: DEFAULT_MONITORING_POLICY, clock });
  aip.calls.length = 0;
  aip.failNext('CreatePipelineJob', grpc.status.PERMISSION_DENIED, 1, 'the account may not create pipeline jobs');
  const failed = await retrainer.request({ shop: 'other.myshopify.com', models: ['clv'], trigger: 'external', reason: 'Flow' });
  expect(failed).toMatchObject({ status: 'failed', run_id: null, error: expect.stringContaining('the account may not create pipeline jobs') });
  const next = await retrainer.request({ shop: 'other.myshopify.com', models: ['clv'], trigger: 'external', reason: 'Flow again' });
  expect(next.status).toBe('started');
  expect(requests()).toHaveLength(2);
}, 60_000);

test("the monitor function's starter runs the job as the pipelines' account (the one infra/pipeline.tf grants the feature reads), not Vertex's default", async () => {
  const store = createDuckDbMonitoringStore(warehouse);
  const config = loadConfig({ SHOP_MLOPS_MODE: 'gcp', GOOGLE_CLOUD_PROJECT: 'demo-shop-mlops', SHOP_MLOPS_ARTIFACT_BUCKET: 'demo-shop-mlops-artifacts', SHOPIFY_API_SECRET: 'hush', SHOP_MLOPS_PIPELINE_IMAGE: 'us-central1-docker.pkg.dev/demo-shop-mlops/shop-mlops/pipeline:0123abc' });
  const retrainer = createRetrainer({ store, start: cloudRetrainStarter(config, { location: 'us-central1', client }), policy: DEFAULT_MONITORING_POLICY, clock });
  aip.calls.length = 0;
  expect(await retrainer.request({ shop: 'sa-store.myshopify.com', models: ['clv'], trigger: 'external', reason: 'Flow' })).toMatchObject({ status: 'started' });
  expect(requests().map((r) => [r.pipelineJob.serviceAccount, r.pipelineJob.runtimeConfig.gcsOutputDirectory])).toEqual([['shop-mlops-pipelines@demo-shop-mlops.iam.gserviceaccount.com', 'gs://demo-shop-mlops-artifacts/pipeline-root']]);
}, 60_000);
