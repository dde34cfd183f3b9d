// PipelineJob submission against the in-process Vertex AI fake (built from the protos @google-cloud/aiplatform ships), over
// Vertex's REST surface (POST v1/{parent}/pipelineJobs, the protos' http mapping, strict JSON): the request as the service decodes it.
import * as grpc from '@grpc/grpc-js';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { compilePipeline } from '../../functions/src/pipeline';
import { submitPipelineJob } from '../../functions/src/adapters/gcp/vertex-pipeline-submit';
import { createVertexRest, type VertexRest } from '../../functions/src/adapters/gcp/vertex-rest';
import { fakeClientOptions, startFakeAiplatform, structToJs, type FakeAiplatform } from '../gcp/support/aiplatform-fake';
import { orderStats } from './support/order-stats';

type WireValue = { kind?: string; stringValue?: string; numberValue?: number; boolValue?: boolean; nullValue?: unknown; structValue?: WireStruct; listValue?: { values?: WireValue[] } };
type WireStruct = { fields?: Record<string, WireValue> };
const fromWireValue = (v: WireValue): unknown => structToJs({ fields: { v } })['v'];

interface CreateRequest {
  parent: string;
  pipelineJobId: string;
  pipelineJob: { displayName?: string; pipelineSpec: WireStruct; serviceAccount?: string; labels?: Record<string, string>; runtimeConfig: { gcsOutputDirectory: string; parameterValues?: Record<string, WireValue>; failurePolicy?: string } };
}

let aip: FakeAiplatform;
let client: VertexRest;

beforeAll(async () => {
  aip = await startFakeAiplatform({ project: 'demo-shop-mlops', location: 'us-central1' });
  client = createVertexRest({ location: 'us-central1', ...fakeClientOptions(aip) });
}, 60_000);

afterAll(async () => {
  await aip.stop();
});
beforeEach(() => {
  aip.reset();
});
const created = () => aip.callsOf('CreatePipelineJob') as CreateRequest[];

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
  expect(created()).toHaveLength(1);
  const r = created()[0]!;
  expect(r.parent).toBe('projects/demo-shop-mlops/locations/us-central1');
  expect(r.pipelineJobId).toBe('order-stats-20260101-000000');
  expect(r.pipelineJob.displayName).toBe('order-stats');
  expect(structToJs(r.pipelineJob.pipelineSpec)).toEqual(JSON.parse(JSON.stringify(spec)));
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
  expect(created()).toHaveLength(0);
});

test('a rejected job is a BAD_REQUEST carrying the service message; optional parameters may be left out', async () => {
  aip.failNext('CreatePipelineJob', grpc.status.INVALID_ARGUMENT, 1, 'pipeline spec is invalid: task foo');
  const err = await submitPipelineJob({ ...base, client, parameterValues: { db_path: 'x', registry_dir: 'y' }, failFast: false }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ShopMlopsError);
  expect((err as ShopMlopsError).code).toBe('BAD_REQUEST');
  expect((err as ShopMlopsError).message).toBe('createPipelineJob failed: pipeline spec is invalid: task foo');
  expect(created()[0]!.pipelineJob.runtimeConfig.failurePolicy).toBe('PIPELINE_FAILURE_POLICY_FAIL_SLOW');
  expect(created()[0]!.pipelineJobId).toBe(''); // not sent: Vertex makes one up
  expect(Object.keys(created()[0]!.pipelineJob.runtimeConfig.parameterValues ?? {}).sort()).toEqual(['db_path', 'registry_dir']);
}, 30_000);
