// Vertex AI Experiments adapter: the Metadata-service requests laid out as the Vertex SDK lays them out (store, Experiment and
// ExperimentRun contexts, _params/_metrics/_state, execution + artifact events), etag conflicts, and runs written by the SDK.
// The wire is REST/JSON against the fake built from the aiplatform protos (their http mapping; strict JSON).
import './support/cjs-http-transport';
import * as grpc from '@grpc/grpc-js';
import { Storage } from '@google-cloud/storage';
import { createGcsArtifactStore } from '../../functions/src/adapters/gcp/gcs-artifact-store';
import { createVertexRunTracker } from '../../functions/src/adapters/gcp/vertex-run-tracker';
import { silentLogger } from '../../functions/src/core/log';
import type { ArtifactStore } from '../../functions/src/ports/artifact-store';
import { startInput, testDeps } from '../contracts/run-tracker.contract';
import { fakeClientOptions, jsToStruct, startFakeAiplatform, structToJs, type FakeAiplatform } from './support/aiplatform-fake';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs';
import { createVertexRest, type VertexRest } from '../../functions/src/adapters/gcp/vertex-rest';

const PROJECT = 'demo-shop-mlops';
const LOCATION = 'us-central1';
const STORE = `projects/${PROJECT}/locations/${LOCATION}/metadataStores/default`;

let aip: FakeAiplatform;
let gcs: FakeGcs;
let client: VertexRest;
let artifacts: ArtifactStore;
beforeAll(async () => {
  aip = await startFakeAiplatform({ project: PROJECT, location: LOCATION });
  gcs = await startFakeGcs();
  client = createVertexRest({ location: LOCATION, ...fakeClientOptions(aip) });
  artifacts = createGcsArtifactStore({ storage: new Storage({ projectId: PROJECT, apiEndpoint: gcs.endpoint }), bucket: 'shop-mlops-artifacts', log: silentLogger });
});
afterAll(async () => {
  await aip.stop();
  await gcs.stop();
});
beforeEach(() => {
  aip.reset();
  gcs.buckets.clear();
});

const tracker = () => createVertexRunTracker({ project: PROJECT, location: LOCATION, artifacts, client, ...testDeps() });

test('a run is laid out as the Vertex SDK does it: store, Experiment context, ExperimentRun child, execution, artifact with an OUTPUT event', async () => {
  const t = tracker();
  const run = await t.startRun(startInput());
  const id = 'demand-forecast-20260102-030405-a000';
  // The default metadata store did not exist: created through a long-running operation, which was polled.
  expect(aip.calls.slice(0, 3).map((c) => c.method)).toEqual(['GetMetadataStore', 'CreateMetadataStore', 'GetOperation']);
  expect(aip.callsOf('CreateMetadataStore')[0]).toMatchObject({ parent: `projects/${PROJECT}/locations/${LOCATION}`, metadataStoreId: 'default' });
  const [expCreate, runCreate] = aip.callsOf('CreateContext');
  expect(expCreate).toMatchObject({ parent: STORE, contextId: 'demand-forecast', context: { displayName: 'demand-forecast', schemaTitle: 'system.Experiment', schemaVersion: '0.0.1' } });
  expect(structToJs(expCreate.context.metadata)).toEqual({ experiment_deleted: false });
  expect(runCreate).toMatchObject({ parent: STORE, contextId: id, context: { displayName: '20260102-030405-a000', schemaTitle: 'system.ExperimentRun', schemaVersion: '0.0.1' } });
  expect(structToJs(runCreate.context.metadata)).toEqual({
    _params: { horizon: 28, method: 'croston' },
    _metrics: {},
    _state: 'RUNNING',
    experiment: 'demand-forecast',
    run_id: id,
    started_at: '2026-01-02T03:04:05.000Z',
    data_snapshot: { rows: { orders: 1200, order_lines: 3456 }, content_hash: 'sha256:0f3c', source: 'duckdb:shop_features@2026-01-01' },
    code_version: { package_version: '0.1.0', git_commit: '0123456789abcdef0123456789abcdef01234567', git_dirty: false },
    step_seconds: {},
    artifacts: [],
  });
  expect(aip.callsOf('AddContextChildren')).toEqual([{ context: `${STORE}/contexts/demand-forecast`, childContexts: [`${STORE}/contexts/${id}`] }]);
  expect(aip.contexts.get(`${STORE}/contexts/${id}`)!.parentContexts).toEqual([`${STORE}/contexts/demand-forecast`]);
  expect(aip.callsOf('CreateExecution')[0]).toMatchObject({ parent: STORE, executionId: id, execution: { schemaTitle: 'system.ContainerExecution', state: 'RUNNING' } });
  expect(aip.contexts.get(`${STORE}/contexts/${id}`)!.executions).toEqual([`${STORE}/executions/${id}`]);

  await run.logMetrics({ mase: 0.8 });
  const upd = aip.callsOf('UpdateContext')[0];
  expect(upd.context.name).toBe(`${STORE}/contexts/${id}`);
  expect(upd.context.etag).toBe('1');
  expect(structToJs(upd.context.metadata)['_metrics']).toEqual({ mase: 0.8 });

  await artifacts.put(`models/forecast/${id}/model.json`, '{}');
  await run.logArtifact({ name: 'model', key: `models/forecast/${id}` });
  const [art] = [...aip.artifacts.values()];
  expect(art).toMatchObject({ displayName: 'model', uri: `gs://shop-mlops-artifacts/models/forecast/${id}`, schemaTitle: 'system.Artifact', state: 'LIVE' });
  expect(aip.contexts.get(`${STORE}/contexts/${id}`)!.artifacts).toEqual([art!.name]);
  expect(aip.executions.get(`${STORE}/executions/${id}`)!.events.map((e) => [e.artifact, e.type])).toEqual([[art!.name, 'OUTPUT']]);

  const done = await run.end('FAILED');
  expect(done.status).toBe('FAILED');
  expect(aip.contexts.get(`${STORE}/contexts/${id}`)!.metadata['_state']).toBe('FAILED');
  expect(aip.executions.get(`${STORE}/executions/${id}`)!.state).toBe('FAILED');

  // A second run reuses the store and the experiment: no more creates for them.
  aip.calls.length = 0;
  await (await t.startRun(startInput())).end();
  expect(aip.callsOf('CreateMetadataStore')).toHaveLength(0);
  expect(aip.callsOf('CreateContext').map((c) => c.context.schemaTitle)).toEqual(['system.ExperimentRun']);
});

test('listRuns sends the SDK filter (schema_title and parent_contexts) and follows pages', async () => {
  const t = tracker();
  for (let i = 0; i < 3; i++) await (await t.startRun(startInput())).end();
  await (await t.startRun(startInput({ experiment: 'customer-clv' }))).end();
  aip.calls.length = 0;
  expect(await t.listRuns({ experiment: 'demand-forecast' })).toHaveLength(3);
  expect(aip.callsOf('ListContexts').map((c) => [c.filter, c.pageToken])).toEqual([
    [`schema_title="system.ExperimentRun" AND parent_contexts:"${STORE}/contexts/demand-forecast"`, ''],
    [`schema_title="system.ExperimentRun" AND parent_contexts:"${STORE}/contexts/demand-forecast"`, '2'],
  ]);
  expect(await t.listRuns()).toHaveLength(4);
  expect(aip.callsOf('ListContexts').at(-1)!.filter).toBe('schema_title="system.ExperimentRun"');
});

test('a stale etag (another writer changed the run) is re-read and the change re-applied, keeping both', async () => {
  const t = tracker();
  const run = await t.startRun(startInput());
  const ctx = aip.contexts.get(`${STORE}/contexts/${run.id}`)!;
  // Someone else (the Vertex console, another process with the SDK) logs a metric meanwhile.
  ctx.metadata = { ...ctx.metadata, _metrics: { from_sdk: 1 } };
  ctx.etag++;
  await run.logMetrics({ mase: 0.8 });
  const updates = aip.callsOf('UpdateContext');
  expect(updates.map((u) => u.context.etag)).toEqual(['1', '2']);
  expect(aip.calls.map((c) => c.method).slice(-3)).toEqual(['UpdateContext', 'GetContext', 'UpdateContext']);
  expect((await t.getRun(run.id))!.metrics).toEqual({ from_sdk: 1, mase: 0.8 });
});

test('runs written by the Vertex SDK itself are listed and read', async () => {
  const t = tracker();
  await (await t.startRun(startInput())).end();
  const now = new Date('2026-02-03T04:05:06.000Z');
  const name = `${STORE}/contexts/demand-forecast-notebook-1`;
  aip.contexts.set(name, {
    name,
    displayName: 'notebook-1',
    schemaTitle: 'system.ExperimentRun',
    schemaVersion: '0.0.1',
    metadata: structToJs(jsToStruct({ _params: { lr: 0.1, note: 'x' }, _metrics: { acc: 0.9, label: 'text' }, _state: 'CANCELLED' })),
    labels: {},
    description: '',
    parentContexts: [`${STORE}/contexts/demand-forecast`],
    artifacts: [],
    executions: [],
    etag: 1,
    createdAt: now,
    updatedAt: now,
  });
  const runs = await t.listRuns({ experiment: 'demand-forecast' });
  expect(runs.map((r) => r.id)).toEqual(['demand-forecast-notebook-1', 'demand-forecast-20260102-030405-a000']);
  expect(runs[0]).toMatchObject({ experiment: 'demand-forecast', name: 'notebook-1', status: 'FAILED', startedAt: '2026-02-03T04:05:06.000Z', endedAt: null, params: { lr: 0.1, note: 'x' }, metrics: { acc: 0.9 }, dataSnapshot: { rows: {}, contentHash: '' }, codeVersion: { packageVersion: '', gitCommit: null } });
});

test('an experiment id taken by another kind of context is refused; outages are retryable errors', async () => {
  const t = tracker();
  await (await t.startRun(startInput())).end();
  const now = new Date();
  aip.contexts.set(`${STORE}/contexts/pipeline-x1`, { name: `${STORE}/contexts/pipeline-x1`, displayName: 'p', schemaTitle: 'system.PipelineRun', schemaVersion: '0.0.1', metadata: {}, labels: {}, description: '', parentContexts: [], artifacts: [], executions: [], etag: 1, createdAt: now, updatedAt: now });
  await expect(t.startRun(startInput({ experiment: 'pipeline-x1' }))).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/system\.PipelineRun/) });
  expect(await t.getRun('pipeline-x1')).toBeNull();
  aip.failNext('ListContexts', grpc.status.UNAVAILABLE);
  await expect(t.listRuns()).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  // No metadata store at all yet: nothing to list.
  aip.reset();
  expect(await tracker().listRuns()).toEqual([]);
  expect(await tracker().getRun('demand-forecast-x')).toBeNull();
});
