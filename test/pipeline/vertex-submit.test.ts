// PipelineJob submission against an in-process gRPC PipelineService built from the protos @google-cloud/aiplatform ships: the request on the wire.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PipelineServiceClient } from '@google-cloud/aiplatform/build/src/v1/pipeline_service_client';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { compilePipeline } from '../../functions/src/pipeline';
import { submitPipelineJob } from '../../functions/src/adapters/gcp/vertex-pipeline-submit';
import { orderStats } from './support/order-stats';

const aiRoot = path.dirname(require.resolve('@google-cloud/aiplatform/package.json'));
function packageRoot(entry: string, name: string): string {
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== name) dir = path.dirname(dir);
  return dir;
}
const gaxRoot = packageRoot(require.resolve('google-gax', { paths: [aiRoot] }), 'google-gax');

type WireValue = { kind?: string; stringValue?: string; numberValue?: number; boolValue?: boolean; nullValue?: unknown; structValue?: WireStruct; listValue?: { values?: WireValue[] } };
type WireStruct = { fields?: Record<string, WireValue> };
const fromWireValue = (v: WireValue): unknown =>
  v.kind === 'structValue' ? fromWireStruct(v.structValue!)
  : v.kind === 'listValue' ? (v.listValue!.values ?? []).map(fromWireValue)
  : v.kind === 'stringValue' ? v.stringValue
  : v.kind === 'numberValue' ? v.numberValue
  : v.kind === 'boolValue' ? v.boolValue
  : null;
const fromWireStruct = (s: WireStruct): Record<string, unknown> => Object.fromEntries(Object.entries(s.fields ?? {}).map(([k, v]) => [k, fromWireValue(v)]));

interface CreateRequest {
  parent: string;
  pipelineJobId?: string;
  pipelineJob: { displayName?: string; pipelineSpec: WireStruct; serviceAccount?: string; labels?: Record<string, string>; runtimeConfig: { gcsOutputDirectory: string; parameterValues?: Record<string, WireValue>; failurePolicy?: string } };
}

let server: grpc.Server;
let port: number;
let client: PipelineServiceClient;
const requests: CreateRequest[] = [];
let failWith: grpc.status | null = null;

beforeAll(async () => {
  const def = protoLoader.loadSync('google/cloud/aiplatform/v1/pipeline_service.proto', { includeDirs: [path.join(aiRoot, 'build/protos'), path.join(gaxRoot, 'build/protos')], keepCase: false, longs: String, enums: String, defaults: false, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { google: { cloud: { aiplatform: { v1: { PipelineService: { service: grpc.ServiceDefinition } } } } } };
  const service = pkg.google.cloud.aiplatform.v1.PipelineService.service;
  const impl: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(service)) impl[name] = ((_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'not in the fake' } as grpc.ServiceError)) as grpc.UntypedHandleCall;
  impl['CreatePipelineJob'] = ((call: grpc.ServerUnaryCall<CreateRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    requests.push(call.request);
    if (failWith !== null) return cb({ code: failWith, details: 'pipeline spec is invalid: task foo' } as grpc.ServiceError);
    cb(null, { ...call.request.pipelineJob, name: `${call.request.parent}/pipelineJobs/${call.request.pipelineJobId ?? 'generated-1'}`, state: 'PIPELINE_STATE_QUEUED' });
  }) as grpc.UntypedHandleCall;
  server = new grpc.Server();
  server.addService(service, impl);
  port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  client = new PipelineServiceClient({ apiEndpoint: '127.0.0.1', port, sslCreds: grpc.credentials.createInsecure(), projectId: 'demo-shop-mlops' });
}, 60_000);

afterAll(async () => {
  await client.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});
beforeEach(() => {
  requests.length = 0;
  failWith = null;
});

const IMAGE = 'us-central1-docker.pkg.dev/demo-shop-mlops/shop-mlops/pipeline:0123abc';
const spec = compilePipeline(orderStats, { image: IMAGE, env: { SHOP_MLOPS_MODE: 'gcp' } });
const base = { project: 'demo-shop-mlops', location: 'us-central1', spec, gcsOutputDirectory: 'gs://demo-shop-mlops-shop-mlops-artifacts/pipeline-root' };

test('createPipelineJob carries the parent, the spec as a Struct, the runtime config, the account and labels', async () => {
  const job = await submitPipelineJob({
    ...base,
    client,
    jobId: 'order-stats-20260101-000000',
    parameterValues: { db_path: '/data/orders.duckdb', registry_dir: 'gs://b/registry', holdout_days: 7 },
    serviceAccount: 'shop-mlops-pipelines@demo-shop-mlops.iam.gserviceaccount.com',
    labels: { trigger: 'manual' },
  });
  expect(requests).toHaveLength(1);
  const r = requests[0]!;
  expect(r.parent).toBe('projects/demo-shop-mlops/locations/us-central1');
  expect(r.pipelineJobId).toBe('order-stats-20260101-000000');
  expect(r.pipelineJob.displayName).toBe('order-stats');
  expect(fromWireStruct(r.pipelineJob.pipelineSpec)).toEqual(JSON.parse(JSON.stringify(spec)));
  expect(r.pipelineJob.runtimeConfig.gcsOutputDirectory).toBe('gs://demo-shop-mlops-shop-mlops-artifacts/pipeline-root');
  expect(Object.fromEntries(Object.entries(r.pipelineJob.runtimeConfig.parameterValues ?? {}).map(([k, v]) => [k, fromWireValue(v)]))).toEqual({ db_path: '/data/orders.duckdb', registry_dir: 'gs://b/registry', holdout_days: 7 });
  expect(r.pipelineJob.runtimeConfig.failurePolicy).toBe('PIPELINE_FAILURE_POLICY_FAIL_FAST');
  expect(r.pipelineJob.serviceAccount).toBe('shop-mlops-pipelines@demo-shop-mlops.iam.gserviceaccount.com');
  expect(r.pipelineJob.labels).toEqual({ trigger: 'manual' });
  expect(job).toEqual({
    name: 'projects/demo-shop-mlops/locations/us-central1/pipelineJobs/order-stats-20260101-000000',
    state: 'PIPELINE_STATE_QUEUED',
    consoleUrl: 'https://console.cloud.google.com/vertex-ai/locations/us-central1/pipelines/runs/order-stats-20260101-000000?project=demo-shop-mlops',
  });
}, 30_000);

test('parameters are checked against the spec before anything is sent', async () => {
  await expect(submitPipelineJob({ ...base, client, parameterValues: { db_path: 'x' } })).rejects.toThrow("pipeline 'order-stats' needs parameter 'registry_dir'");
  await expect(submitPipelineJob({ ...base, client, parameterValues: { db_path: 'x', registry_dir: 'y', holdout: 1 } })).rejects.toThrow("pipeline 'order-stats' has no parameter 'holdout'; its parameters are db_path, holdout_days, min_rows, registry_dir");
  await expect(submitPipelineJob({ ...base, client, parameterValues: { db_path: 'x', registry_dir: 'y', holdout_days: 'seven' } })).rejects.toThrow("pipeline parameter 'holdout_days' must be an integer, got \"seven\"");
  await expect(submitPipelineJob({ ...base, client, gcsOutputDirectory: '/tmp/x', parameterValues: { db_path: 'x', registry_dir: 'y' } })).rejects.toThrow('gcsOutputDirectory must be a gs:// URI');
  await expect(submitPipelineJob({ ...base, client, jobId: 'Bad_Id', parameterValues: { db_path: 'x', registry_dir: 'y' } })).rejects.toThrow('job id must match');
  expect(requests).toHaveLength(0);
});

test('a rejected job is a BAD_REQUEST carrying the service message; optional parameters may be left out', async () => {
  failWith = grpc.status.INVALID_ARGUMENT;
  const err = await submitPipelineJob({ ...base, client, parameterValues: { db_path: 'x', registry_dir: 'y' }, failFast: false }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ShopMlopsError);
  expect((err as ShopMlopsError).code).toBe('BAD_REQUEST');
  expect((err as ShopMlopsError).message).toBe('createPipelineJob failed: pipeline spec is invalid: task foo');
  expect(requests[0]!.pipelineJob.runtimeConfig.failurePolicy).toBe('PIPELINE_FAILURE_POLICY_FAIL_SLOW');
  expect(requests[0]!.pipelineJobId).toBeUndefined();
  expect(Object.keys(requests[0]!.pipelineJob.runtimeConfig.parameterValues ?? {}).sort()).toEqual(['db_path', 'registry_dir']);
}, 30_000);
