// Vertex AI Endpoints adapter on the wire: endpoint per shop+model, deployModel's "0" key, updateEndpoint replacing the whole
// traffic_split under an etag, undeployModel only without traffic, never mutateDeployedModel; the fake's own traffic rules.
// The fake is built from the protos @google-cloud/aiplatform ships (issue 13); the wire is now REST/JSON: Vertex's documented REST
// surface, i.e. the same protos' google.api.http mapping and the proto3 JSON mapping, checked strictly (an unknown field is a 400).
import './support/cjs-http-transport';
import * as grpc from '@grpc/grpc-js';
import { Storage } from '@google-cloud/storage';
import { createGcsArtifactStore } from '../../functions/src/adapters/gcp/gcs-artifact-store';
import { vertexModelId } from '../../functions/src/adapters/gcp/vertex-common';
import { STATE_MARKER, createVertexEndpoints, endpointId, vertexTrafficSplit } from '../../functions/src/adapters/gcp/vertex-endpoints';
import { silentLogger } from '../../functions/src/core/log';
import type { ArtifactStore } from '../../functions/src/ports/artifact-store';
import type { Endpoints } from '../../functions/src/ports/endpoints';
import { fakeClientOptions, startFakeAiplatform, type FakeAiplatform } from './support/aiplatform-fake';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs';
import { createVertexRest, operationSchema, type VertexRest } from '../../functions/src/adapters/gcp/vertex-rest';

const PROJECT = 'demo-shop-mlops';
const LOCATION = 'us-central1';
const PARENT = `projects/${PROJECT}/locations/${LOCATION}`;
const SHOP = 'demo-store.myshopify.com';
const KEY = { shop: SHOP, model: 'repeat_propensity' };
const WHO = { actor: 'ops@example.com', reason: 'wire test' };
const EP = `${PARENT}/endpoints/${endpointId(SHOP, 'repeat_propensity')}`;

let aip: FakeAiplatform;
let gcs: FakeGcs;
let client: VertexRest;
let artifacts: ArtifactStore;
let e: Endpoints;
beforeAll(async () => {
  aip = await startFakeAiplatform({ project: PROJECT, location: LOCATION });
  gcs = await startFakeGcs();
  client = createVertexRest({ location: LOCATION, ...fakeClientOptions(aip) });
  artifacts = createGcsArtifactStore({ storage: new Storage({ projectId: PROJECT, apiEndpoint: gcs.endpoint }), bucket: 'shop-mlops-artifacts', prefix: 'mlops', log: silentLogger });
  e = createVertexEndpoints({ project: PROJECT, location: LOCATION, artifacts, client, machineType: 'e2-standard-2' });
});
afterAll(async () => {
  await aip.stop();
  await gcs.stop();
});
beforeEach(() => {
  aip.reset();
  gcs.buckets.clear();
  aip.seedModel(vertexModelId(SHOP, 'repeat_propensity'), 3);
  aip.seedModel(vertexModelId(SHOP, 'recommend'), 1);
});

const idOf = (version: number) => aip.endpoints.get(EP)!.deployedModels.find((d) => d.modelVersionId === String(version))!.id;

test('one endpoint per shop and model, named by a stable id, with shop and model in its display name and labels', async () => {
  await e.deploy({ ...KEY, ...WHO, version: 1 });
  // The other shop deploys its own model (its registry's), never this shop's.
  aip.seedModel(vertexModelId('other-store.myshopify.com', 'repeat_propensity'), 1);
  await e.deploy({ shop: 'other-store.myshopify.com', model: 'repeat_propensity', ...WHO, version: 1 });
  expect(aip.callsOf('DeployModel').map((d) => d.deployedModel.model)).toEqual([`${PARENT}/models/${vertexModelId(SHOP, 'repeat_propensity')}@1`, `${PARENT}/models/${vertexModelId('other-store.myshopify.com', 'repeat_propensity')}@1`]);
  await e.deploy({ shop: SHOP, model: 'recommend', ...WHO, version: 1 });
  expect(aip.endpoints.size).toBe(3);
  const ep = aip.endpoints.get(EP)!;
  expect(endpointId(SHOP, 'repeat_propensity')).toMatch(/^sm-repeat-propensity-[0-9a-f]{16}$/);
  expect(ep.displayName).toBe(`repeat_propensity @ ${SHOP}`);
  expect(ep.labels).toEqual({ shop_mlops: 'serving', shop_mlops_model: 'repeat_propensity', shop_mlops_shop: 'demo-store_myshopify_com' });
  const create = aip.callsOf('CreateEndpoint');
  expect(create).toHaveLength(3);
  expect(create[0]).toMatchObject({ parent: PARENT, endpointId: endpointId(SHOP, 'repeat_propensity') });
});

test('deployModel: the first version takes all traffic through the "0" key, later versions deploy with an empty split (no traffic)', async () => {
  await e.deploy({ ...KEY, ...WHO, version: 1 });
  await e.deploy({ ...KEY, ...WHO, version: 2 });
  const deploys = aip.callsOf('DeployModel');
  expect(deploys.map((d) => d.trafficSplit)).toEqual([{ '0': 100 }, {}]);
  expect(deploys[0].endpoint).toBe(EP);
  expect(deploys[0].deployedModel).toMatchObject({ model: `${PARENT}/models/${vertexModelId(SHOP, 'repeat_propensity')}@1`, dedicatedResources: { machineSpec: { machineType: 'e2-standard-2' }, minReplicaCount: 1 } });
  const ep = aip.endpoints.get(EP)!;
  expect(ep.trafficSplit).toEqual({ [idOf(1)]: 100 });
  expect(ep.description.split('\n').at(-1)!.startsWith(STATE_MARKER)).toBe(true);
  const s = await e.getState(KEY);
  expect(s.deployed.map((d) => [d.version, d.deployedModelId])).toEqual([
    [1, idOf(1)],
    [2, idOf(2)],
  ]);
});

test('a split is one updateEndpoint with update mask traffic_split (+ the state line) replacing the whole map; mutateDeployedModel is never used', async () => {
  await e.deploy({ ...KEY, ...WHO, version: 1 });
  await e.deploy({ ...KEY, ...WHO, version: 2 });
  aip.calls.length = 0;
  await e.setSplit({ ...KEY, ...WHO, split: { champion: { version: 1, percent: 95 }, challenger: { version: 2, percent: 5 } } });
  const updates = aip.callsOf('UpdateEndpoint');
  expect(updates).toHaveLength(1);
  expect(updates[0].updateMask.paths).toEqual(['traffic_split', 'description']);
  expect(updates[0].endpoint.trafficSplit).toEqual({ [idOf(1)]: 95, [idOf(2)]: 5 });
  expect(updates[0].endpoint.etag).not.toBe('');
  expect(aip.endpoints.get(EP)!.trafficSplit).toEqual({ [idOf(1)]: 95, [idOf(2)]: 5 });
  // A challenger at 0 % disappears from Vertex's map: the whole map is replaced, not merged.
  await e.setSplit({ ...KEY, ...WHO, split: { champion: { version: 1, percent: 100 }, challenger: { version: 2, percent: 0 } } });
  expect(aip.endpoints.get(EP)!.trafficSplit).toEqual({ [idOf(1)]: 100 });
  await e.swap({ ...KEY, ...WHO, version: 3 });
  await e.ramp({ ...KEY, ...WHO }).catch(() => undefined);
  expect(aip.callsOf('MutateDeployedModel')).toEqual([]);
});

test('the holdout never reaches Vertex: its percentages are the model arms scaled to 100', async () => {
  await e.deploy({ ...KEY, ...WHO, version: 1 });
  await e.deploy({ ...KEY, ...WHO, version: 2 });
  const s = await e.setSplit({ ...KEY, ...WHO, split: { champion: { version: 1, percent: 85 }, challenger: { version: 2, percent: 5 }, holdout: 10 } });
  expect(s.split).toEqual({ champion: { version: 1, percent: 85 }, challenger: { version: 2, percent: 5 }, holdout: 10 });
  expect(aip.endpoints.get(EP)!.trafficSplit).toEqual({ [idOf(1)]: 94, [idOf(2)]: 6 });
  const d = (v: number, id: string) => ({ version: v, deployedAt: '', deployedModelId: id });
  expect(vertexTrafficSplit({ champion: { version: 1, percent: 98 }, challenger: { version: 2, percent: 1 }, holdout: 1 }, [d(1, '11'), d(2, '22')])).toEqual({ '11': 99, '22': 1 });
  expect(vertexTrafficSplit({ champion: { version: 1, percent: 0 }, challenger: null, holdout: 100 }, [d(1, '11')])).toEqual({});
  for (let c = 0; c <= 100; c++)
    for (const h of [0, 1, 7, 33]) {
      if (c + h > 100) continue;
      const m = vertexTrafficSplit({ champion: { version: 1, percent: 100 - c - h }, challenger: { version: 2, percent: c }, holdout: h }, [d(1, '11'), d(2, '22')]);
      const sum = Object.values(m).reduce((a, b) => a + b, 0);
      expect(sum === 100 || (sum === 0 && h === 100)).toBe(true);
    }
});

test('undeploy: the adapter takes the version out of the split first; the fake itself refuses to undeploy a model that has traffic', async () => {
  await e.deploy({ ...KEY, ...WHO, version: 1 });
  await e.deploy({ ...KEY, ...WHO, version: 2 });
  await e.setSplit({ ...KEY, ...WHO, split: { champion: { version: 1, percent: 95 }, challenger: { version: 2, percent: 5 } } });
  const direct = await client.request('POST', EP, { verb: 'undeployModel', body: { deployedModelId: idOf(2) } }).then(
    () => null,
    (err: { code: number; details: string }) => err,
  );
  expect(direct?.code).toBe(grpc.status.FAILED_PRECONDITION);
  await expect(e.undeploy({ ...KEY, ...WHO, version: 2 })).rejects.toThrow(/still has traffic/);
  expect(aip.callsOf('UndeployModel')).toHaveLength(1); // only the direct call above
  await e.setSplit({ ...KEY, ...WHO, split: { champion: { version: 1, percent: 100 }, challenger: { version: 2, percent: 0 } } });
  aip.calls.length = 0;
  await e.undeploy({ ...KEY, ...WHO, version: 2 });
  expect(aip.calls.map((c) => c.method).filter((m) => m === 'UpdateEndpoint' || m === 'UndeployModel')).toEqual(['UpdateEndpoint', 'UndeployModel']);
  expect(aip.endpoints.get(EP)!.deployedModels.map((d) => d.modelVersionId)).toEqual(['1']);
});

test('the fake keeps Vertex traffic rules: percentages add up to 100, keys are deployed models, "0" is substituted', async () => {
  await e.deploy({ ...KEY, ...WHO, version: 1 });
  const bad = async (p: Promise<unknown>) => p.then(() => null, (err: { code: number }) => err.code);
  const patch = (endpoint: Record<string, unknown>) => client.request('PATCH', EP, { query: { updateMask: 'trafficSplit' }, body: { name: EP, ...endpoint } });
  expect(await bad(patch({ trafficSplit: { [idOf(1)]: 90 } }))).toBe(grpc.status.INVALID_ARGUMENT);
  expect(await bad(patch({ trafficSplit: { '999': 100 } }))).toBe(grpc.status.INVALID_ARGUMENT);
  expect(await bad(patch({ trafficSplit: { [idOf(1)]: 100 }, etag: 'stale' }))).toBe(grpc.status.ABORTED);
  const deployedModel = (v: number) => ({ model: `${PARENT}/models/${vertexModelId(SHOP, 'repeat_propensity')}@${v}`, dedicatedResources: { machineSpec: { machineType: 'n1-standard-2' }, minReplicaCount: 1 } });
  const op = await client.request('POST', EP, { verb: 'deployModel', body: { deployedModel: deployedModel(2), trafficSplit: { '0': 30, [idOf(1)]: 70 } }, schema: operationSchema });
  const res = (await client.wait(op)) as { deployedModel: { id: string } };
  expect(aip.endpoints.get(EP)!.trafficSplit).toEqual({ [idOf(1)]: 70, [res.deployedModel.id]: 30 });
  expect(await bad(client.request('POST', EP, { verb: 'deployModel', body: { deployedModel: deployedModel(9) } }))).toBe(grpc.status.NOT_FOUND);
  // The REST body is the request type's JSON, strictly: a misspelt field is refused as Vertex refuses it (400).
  expect(await bad(patch({ traficSplit: { [idOf(1)]: 100 } }))).toBe(grpc.status.INVALID_ARGUMENT);
  expect(aip.refused).toEqual([expect.stringContaining('traficSplit: unknown field of google.cloud.aiplatform.v1.Endpoint')]);
});

test('a concurrent writer between read and update (etag mismatch) makes the adapter read and plan again', async () => {
  await e.deploy({ ...KEY, ...WHO, version: 1 });
  await e.deploy({ ...KEY, ...WHO, version: 2 });
  aip.calls.length = 0;
  aip.beforeNext('UpdateEndpoint', () => {
    const ep = aip.endpoints.get(EP)!;
    ep.etag++; // another client updated the endpoint in between
  });
  const s = await e.setSplit({ ...KEY, ...WHO, split: { champion: { version: 1, percent: 75 }, challenger: { version: 2, percent: 25 } } });
  expect(aip.callsOf('UpdateEndpoint')).toHaveLength(2);
  expect(s.split!.challenger!.percent).toBe(25);
  expect((await e.history(KEY)).map((r) => r.revision)).toEqual([1, 2, 3]);
});

test('the rollout history is one JSON object per revision in the artifact bucket, readable by a new adapter instance', async () => {
  await e.deploy({ ...KEY, ...WHO, version: 1 });
  await e.swap({ ...KEY, actor: 'dana', reason: 'release', version: 2 });
  const keys = [...(gcs.buckets.get('shop-mlops-artifacts')?.keys() ?? [])].filter((k) => k.includes('rollouts/')).sort();
  expect(keys).toEqual([1, 2, 3].map((n) => `mlops/rollouts/${SHOP}/repeat_propensity/0000000${n}.json`));
  const fresh = createVertexEndpoints({ project: PROJECT, location: LOCATION, artifacts, client });
  expect((await fresh.history(KEY)).map((r) => [r.action, r.version, r.actor])).toEqual([
    ['deploy', 1, 'ops@example.com'],
    ['deploy', 2, 'dana'],
    ['swap', 2, 'dana'],
  ]);
});

test('a crash between deployModel and the state update still reads the deployed version as the champion', async () => {
  aip.failNext('UpdateEndpoint', grpc.status.UNAVAILABLE, 1);
  await expect(e.deploy({ ...KEY, ...WHO, version: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  const s = await e.getState(KEY);
  expect(s.split).toEqual({ champion: { version: 1, percent: 100 }, challenger: null, holdout: 0 });
  expect(s.deployed.map((d) => d.version)).toEqual([1]);
  expect(await e.history(KEY)).toEqual([]);
  // Deploying again does not deploy twice: it records what the failed call left unrecorded.
  const again = await e.deploy({ ...KEY, ...WHO, version: 1 });
  expect(aip.callsOf('DeployModel')).toHaveLength(1);
  expect(again.revision).toBe(1);
  expect((await e.history(KEY)).map((r) => [r.action, r.version, r.before, r.after?.champion])).toEqual([['deploy', 1, null, { version: 1, percent: 100 }]]);
});
