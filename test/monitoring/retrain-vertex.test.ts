// The cloud starter: the retrainer over the DuckDB monitoring store submits one Vertex AI PipelineJob per burst to an in-process gRPC PipelineService built from the protos @google-cloud/aiplatform ships; the trigger travels as pipeline parameters and labels.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PipelineServiceClient } from '@google-cloud/aiplatform/build/src/v1/pipeline_service_client';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { DEFAULT_MONITORING_POLICY } from '../../functions/src/monitoring/config';
import { createRetrainer } from '../../functions/src/monitoring/retrain';
import { createVertexStarter } from '../../functions/src/monitoring/retrain-start-vertex';
import { training } from '../../functions/src/training/pipeline';
import { cloudRetrainStarter } from '../../functions/src/adapters/gcp/cloud-retrainer';
import { loadConfig } from '../../functions/src/core/config';

const aiRoot = path.dirname(require.resolve('@google-cloud/aiplatform/package.json'));
function packageRoot(entry: string, name: string): string {
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== name) dir = path.dirname(dir);
  return dir;
}
const gaxRoot = packageRoot(require.resolve('google-gax', { paths: [aiRoot] }), 'google-gax');

type WireValue = { kind?: string; stringValue?: string; numberValue?: number };
interface CreateRequest {
  parent: string;
  pipelineJobId?: string;
  pipelineJob: { displayName?: string; serviceAccount?: string; labels?: Record<string, string>; pipelineSpec: { fields?: Record<string, unknown> }; runtimeConfig: { gcsOutputDirectory: string; parameterValues?: Record<string, WireValue> } };
}

let server: grpc.Server;
let client: PipelineServiceClient;
let warehouse: DuckDbWarehouse;
const requests: CreateRequest[] = [];
let fail = false;

beforeAll(async () => {
  const def = protoLoader.loadSync('google/cloud/aiplatform/v1/pipeline_service.proto', { includeDirs: [path.join(aiRoot, 'build/protos'), path.join(gaxRoot, 'build/protos')], keepCase: false, longs: String, enums: String, defaults: false, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { google: { cloud: { aiplatform: { v1: { PipelineService: { service: grpc.ServiceDefinition } } } } } };
  const service = pkg.google.cloud.aiplatform.v1.PipelineService.service;
  const impl: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(service)) impl[name] = ((_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'not in the fake' } as grpc.ServiceError)) as grpc.UntypedHandleCall;
  impl['CreatePipelineJob'] = ((call: grpc.ServerUnaryCall<CreateRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    requests.push(call.request);
    if (fail) return cb({ code: grpc.status.PERMISSION_DENIED, details: 'the account may not create pipeline jobs' } as grpc.ServiceError);
    cb(null, { ...call.request.pipelineJob, name: `${call.request.parent}/pipelineJobs/${call.request.pipelineJobId}`, state: 'PIPELINE_STATE_QUEUED' });
  }) as grpc.UntypedHandleCall;
  server = new grpc.Server();
  server.addService(service, impl);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  client = new PipelineServiceClient({ apiEndpoint: '127.0.0.1', port, sslCreds: grpc.credentials.createInsecure(), projectId: 'demo-shop-mlops', universeDomain: 'googleapis.com' });
  warehouse = await openDuckDbWarehouse({ path: ':memory:' });
}, 60_000);

afterAll(async () => {
  await client?.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  await warehouse?.close();
});

const clock = { t: new Date('2026-05-10T09:00:00Z'), now() { return this.t; } };
const starter = () =>
  createVertexStarter({ project: 'demo-shop-mlops', location: 'us-central1', image: 'us-central1-docker.pkg.dev/demo-shop-mlops/shop-mlops/pipeline:0123abc', gcsOutputDirectory: 'gs://demo-shop-mlops-artifacts/pipeline-root', env: { SHOP_MLOPS_MODE: 'gcp' }, clock, client });

test('a burst of 20 requests submits one pipeline job whose parameters and labels name the trigger and the request', async () => {
  const store = createDuckDbMonitoringStore(warehouse);
  const retrainer = createRetrainer({ store, start: starter(), policy: DEFAULT_MONITORING_POLICY, clock });
  const burst = await Promise.all(Array.from({ length: 20 }, () => retrainer.request({ shop: 'cloud-store.myshopify.com', models: ['recommend', 'clv'], trigger: 'drift', reason: 'drift on 3 features' })));
  expect(requests).toHaveLength(1);
  const owner = burst.find((r) => r.status === 'started')!;
  expect(burst.filter((r) => r.status === 'coalesced')).toHaveLength(19);
  const r = requests[0]!;
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
  requests.length = 0;
  fail = true;
  const failed = await retrainer.request({ shop: 'other.myshopify.com', models: ['clv'], trigger: 'external', reason: 'Flow' });
  expect(failed).toMatchObject({ status: 'failed', run_id: null, error: expect.stringContaining('the account may not create pipeline jobs') });
  fail = false;
  const next = await retrainer.request({ shop: 'other.myshopify.com', models: ['clv'], trigger: 'external', reason: 'Flow again' });
  expect(next.status).toBe('started');
  expect(requests).toHaveLength(2);
}, 60_000);

test("the monitor function's starter runs the job as the pipelines' account (the one infra/pipeline.tf grants the feature reads), not Vertex's default", async () => {
  const store = createDuckDbMonitoringStore(warehouse);
  const config = loadConfig({ SHOP_MLOPS_MODE: 'gcp', GOOGLE_CLOUD_PROJECT: 'demo-shop-mlops', SHOP_MLOPS_ARTIFACT_BUCKET: 'demo-shop-mlops-artifacts', SHOPIFY_API_SECRET: 'hush', SHOP_MLOPS_PIPELINE_IMAGE: 'us-central1-docker.pkg.dev/demo-shop-mlops/shop-mlops/pipeline:0123abc' });
  const retrainer = createRetrainer({ store, start: cloudRetrainStarter(config, { location: 'us-central1', client }), policy: DEFAULT_MONITORING_POLICY, clock });
  requests.length = 0;
  expect(await retrainer.request({ shop: 'sa-store.myshopify.com', models: ['clv'], trigger: 'external', reason: 'Flow' })).toMatchObject({ status: 'started' });
  expect(requests.map((r) => [r.pipelineJob.serviceAccount, r.pipelineJob.runtimeConfig.gcsOutputDirectory])).toEqual([['shop-mlops-pipelines@demo-shop-mlops.iam.gserviceaccount.com', 'gs://demo-shop-mlops-artifacts/pipeline-root']]);
}, 60_000);
