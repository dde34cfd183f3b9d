// Vertex AI Model Registry adapter: the exact wire requests (upload with parentModel and versionAliases, LRO polling,
// mergeVersionAliases), the service's 'default' alias kept out of the port, first-version races and error mapping.
// The wire is REST/JSON against the fake built from the aiplatform protos (their http mapping; strict JSON).
import './support/cjs-http-transport';
import * as grpc from '@grpc/grpc-js';
import { Storage } from '@google-cloud/storage';
import { createGcsArtifactStore } from '../../functions/src/adapters/gcp/gcs-artifact-store';
import { vertexModelId, vertexShopKey } from '../../functions/src/adapters/gcp/vertex-common';
import { RUN_ID_LABEL, SHOP_LABEL, createVertexModelRegistry, decodeVersionDescription, encodeVersionDescription } from '../../functions/src/adapters/gcp/vertex-model-registry';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { silentLogger } from '../../functions/src/core/log';
import type { ArtifactStore } from '../../functions/src/ports/artifact-store';
import { fakeClientOptions, startFakeAiplatform, type FakeAiplatform } from './support/aiplatform-fake';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs';
import { createVertexRest, type VertexRest } from '../../functions/src/adapters/gcp/vertex-rest';

const PROJECT = 'demo-shop-mlops';
const LOCATION = 'us-central1';
const PARENT = `projects/${PROJECT}/locations/${LOCATION}`;
const IMAGE = 'us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-5:latest';
const RUN1 = 'demand-forecast-20260102-030405-ab12';
const RUN2 = 'demand-forecast-20260103-030405-cd34';

let aip: FakeAiplatform;
let gcs: FakeGcs;
let client: VertexRest;
let artifacts: ArtifactStore;
beforeAll(async () => {
  aip = await startFakeAiplatform({ project: PROJECT, location: LOCATION });
  gcs = await startFakeGcs();
  client = createVertexRest({ location: LOCATION, ...fakeClientOptions(aip) });
  artifacts = createGcsArtifactStore({ storage: new Storage({ projectId: PROJECT, apiEndpoint: gcs.endpoint }), bucket: 'shop-mlops-artifacts', prefix: 'mlops', log: silentLogger });
});
afterAll(async () => {
  await aip.stop();
  await gcs.stop();
});
beforeEach(async () => {
  aip.reset();
  gcs.buckets.clear();
  for (const run of [RUN1, RUN2]) await artifacts.put(`models/forecast/${run}/model.json`, '{"w":[1]}');
});

const SHOP = 'demo-store.myshopify.com';
/** The Vertex model id of the shop's forecast model (the shop's key, then the model). */
const FID = vertexModelId(SHOP, 'forecast');
const registry = () => createVertexModelRegistry({ project: PROJECT, location: LOCATION, artifacts, client, containerImageUri: IMAGE, labels: { team: 'growth' }, shop: SHOP });

test('the first version creates the model with modelId; later ones name it as parentModel; both carry aliases, artifact uri and run lineage', async () => {
  const r = registry();
  const v1 = await r.registerVersion({ model: 'forecast', runId: RUN1, artifactKey: `models/forecast/${RUN1}`, metrics: { mase: 0.81 }, params: { horizon: 28 }, aliases: ['champion'], description: 'croston' });
  const v2 = await r.registerVersion({ model: 'forecast', runId: RUN2, artifactKey: `models/forecast/${RUN2}`, metrics: { mase: 0.77 }, aliases: ['challenger'] });
  const uploads = aip.callsOf('UploadModel');
  expect(uploads).toHaveLength(2);
  expect(uploads[0]).toMatchObject({ parent: PARENT, modelId: FID, parentModel: '' });
  expect(uploads[1]).toMatchObject({ parent: PARENT, modelId: '', parentModel: `${PARENT}/models/${FID}` });
  expect(uploads[0].model).toMatchObject({
    displayName: `forecast (${SHOP})`,
    artifactUri: `gs://shop-mlops-artifacts/mlops/models/forecast/${RUN1}`,
    versionAliases: ['champion'],
    labels: { [RUN_ID_LABEL]: RUN1, [SHOP_LABEL]: vertexShopKey(SHOP), team: 'growth' },
    containerSpec: { imageUri: IMAGE },
  });
  expect(uploads[1].model.versionAliases).toEqual(['challenger']);
  expect(uploads[1].model.labels).toEqual({ [RUN_ID_LABEL]: RUN2, [SHOP_LABEL]: vertexShopKey(SHOP), team: 'growth' });
  expect(decodeVersionDescription(uploads[0].model.versionDescription)).toEqual({ description: 'croston', metrics: { mase: 0.81 }, params: { horizon: 28 } });
  // uploadModel is a long-running operation: the adapter polled it through google.longrunning.Operations.
  expect(aip.callsOf('GetOperation').map((c) => c.name)).toEqual([...aip.operations.keys()]);
  expect([...aip.operations.values()].every((o) => o.done && o.polls >= 1)).toBe(true);
  expect([v1.version, v2.version]).toEqual([1, 2]);
  // Vertex put its own 'default' alias on version 1; the port does not show it.
  expect([...aip.models.get(`${PARENT}/models/${FID}`)!.versions[0]!.aliases].sort()).toEqual(['champion', 'default']);
  expect(v1.aliases).toEqual(['champion']);
  expect(v1.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
});

test('setAlias is one mergeVersionAliases on model@version; deleteAlias finds the holder and sends -alias', async () => {
  const r = registry();
  await r.registerVersion({ model: 'forecast', runId: RUN1, artifactKey: `models/forecast/${RUN1}`, aliases: ['champion'] });
  await r.registerVersion({ model: 'forecast', runId: RUN2, artifactKey: `models/forecast/${RUN2}` });
  aip.calls.length = 0;
  const moved = await r.setAlias('forecast', 'champion', 2);
  expect(moved).toMatchObject({ version: 2, aliases: ['champion'], runId: RUN2 });
  expect(aip.calls.map((c) => c.method)).toEqual(['MergeVersionAliases']);
  expect(aip.callsOf('MergeVersionAliases')[0]).toEqual({ name: `${PARENT}/models/${FID}@2`, versionAliases: ['champion'] });
  aip.calls.length = 0;
  expect(await r.deleteAlias('forecast', 'champion')).toBe(true);
  expect(aip.calls.map((c) => [c.method, c.request.name, c.request.versionAliases ?? null])).toEqual([
    ['GetModel', `${PARENT}/models/${FID}@champion`, null],
    ['MergeVersionAliases', `${PARENT}/models/${FID}@2`, ['-champion']],
    ['GetModel', `${PARENT}/models/${FID}@champion`, null],
  ]);
  expect((await r.listVersions('forecast')).map((v) => v.aliases)).toEqual([[], []]);
  expect(aip.callsOf('ListModelVersions')[0]).toMatchObject({ name: `${PARENT}/models/${FID}` });
});

test('listVersions follows pages (the fake serves two versions per page)', async () => {
  const r = registry();
  for (let i = 0; i < 5; i++) await r.registerVersion({ model: 'forecast', runId: i % 2 ? RUN2 : RUN1, artifactKey: `models/forecast/${i % 2 ? RUN2 : RUN1}` });
  aip.calls.length = 0;
  expect((await r.listVersions('forecast')).map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
  // Several pages are not one read: the listing is read twice, and the two agree (nothing moved in between).
  expect(aip.callsOf('ListModelVersions').map((c) => c.pageToken)).toEqual(['', '2', '4', '', '2', '4']);
});

test('each shop has its own Vertex models: the same model name in two shops is two models, versions and aliases apart', async () => {
  const other = 'other-store.myshopify.com';
  const a = registry();
  const b = createVertexModelRegistry({ project: PROJECT, location: LOCATION, artifacts, client, containerImageUri: IMAGE, shop: other });
  await a.registerVersion({ model: 'forecast', runId: RUN1, artifactKey: `models/forecast/${RUN1}`, aliases: ['champion'] });
  await a.registerVersion({ model: 'forecast', runId: RUN2, artifactKey: `models/forecast/${RUN2}`, aliases: ['champion'] });
  expect(await b.getVersion('forecast', 'champion')).toBeNull();
  expect(await b.listVersions('forecast')).toEqual([]);
  const v = await b.registerVersion({ model: 'forecast', runId: RUN2, artifactKey: `models/forecast/${RUN2}`, aliases: ['champion'] });
  expect(v).toMatchObject({ model: 'forecast', version: 1, aliases: ['champion'] });
  expect(aip.callsOf('UploadModel').map((u) => u.modelId || u.parentModel)).toEqual([FID, `${PARENT}/models/${FID}`, vertexModelId(other, 'forecast')]);
  expect((await a.getVersion('forecast', 'champion'))!.version).toBe(2);
  expect(FID).toMatch(/^m[0-9a-f]{12}-forecast$/);
});

test('a first registration that loses the race to create the model retries as a new version', async () => {
  const r = registry();
  // Another client creates the model between our getModel (NOT_FOUND) and our upload: the service answers ALREADY_EXISTS.
  aip.beforeNext('UploadModel', () => {
    const now = new Date();
    aip.models.set(`${PARENT}/models/${FID}`, {
      name: `${PARENT}/models/${FID}`,
      versions: [{ versionId: '1', displayName: 'forecast', artifactUri: 'gs://b/other', imageUri: IMAGE, labels: { [RUN_ID_LABEL]: RUN2 }, versionDescription: '', aliases: new Set(['default']), createdAt: now, updatedAt: now }],
    });
  });
  const v = await r.registerVersion({ model: 'forecast', runId: RUN1, artifactKey: `models/forecast/${RUN1}` });
  expect(v).toMatchObject({ version: 2, runId: RUN1 });
  expect(aip.callsOf('UploadModel').map((u) => [u.modelId, u.parentModel])).toEqual([
    [FID, ''],
    ['', `${PARENT}/models/${FID}`],
  ]);
  expect((await r.listVersions('forecast')).map((x) => x.runId)).toEqual([RUN2, RUN1]);
  // Two registries creating the same new model at once: both versions land.
  aip.reset();
  for (const run of [RUN1, RUN2]) await artifacts.put(`models/clv/${run}/m.bin`, 'x');
  const both = await Promise.all([RUN1, RUN2].map((run) => registry().registerVersion({ model: 'clv', runId: run, artifactKey: `models/clv/${run}` })));
  expect(both.map((x) => x.version).sort()).toEqual([1, 2]);
});

test('service errors map onto ShopMlopsError: outages retryable, bad requests not', async () => {
  const r = registry();
  aip.failNext('ListModelVersions', grpc.status.UNAVAILABLE);
  const outage = await r.listVersions('forecast').catch((e: unknown) => e);
  expect(outage).toBeInstanceOf(ShopMlopsError);
  expect(outage).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  aip.failNext('UploadModel', grpc.status.INVALID_ARGUMENT);
  const badReq = await r.registerVersion({ model: 'forecast', runId: RUN1, artifactKey: `models/forecast/${RUN1}` }).catch((e: unknown) => e);
  expect(badReq).toMatchObject({ code: 'BAD_REQUEST', retryable: false });
  expect((badReq as Error).message).toMatch(/^uploadModel forecast:/);
});

test('the version description keeps the human text and carries metrics and params on its own line', () => {
  const text = encodeVersionDescription('line one\nline two', { mase: 0.1 + 0.2 }, { method: 'tsb', seasonal: false });
  expect(text).toBe('line one\nline two\nshop-mlops:{"metrics":{"mase":0.30000000000000004},"params":{"method":"tsb","seasonal":false}}');
  expect(decodeVersionDescription(text)).toEqual({ description: 'line one\nline two', metrics: { mase: 0.30000000000000004 }, params: { method: 'tsb', seasonal: false } });
  expect(decodeVersionDescription('edited by hand\nshop-mlops:{broken')).toEqual({ description: 'edited by hand', metrics: {}, params: {} });
  expect(decodeVersionDescription('')).toEqual({ description: '', metrics: {}, params: {} });
});
