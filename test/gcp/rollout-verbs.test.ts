// The rollout verbs in gcp mode: createTrainingServices wires the Vertex AI endpoints (and registry) it builds for gcp; deploy + traffic against the in-process Vertex and GCS fakes.
import './support/cjs-http-transport';
import { Storage } from '@google-cloud/storage';
import { loadConfig } from '../../functions/src/core/config';
import type { CliContext } from '../../functions/src/cli/context';
import { run as deploy } from '../../functions/src/cli/verbs/deploy';
import { run as traffic } from '../../functions/src/cli/verbs/traffic';
import { endpointId } from '../../functions/src/adapters/gcp/vertex-endpoints';
import { createTrainingServices, DEFAULT_SERVING_IMAGE, type WorldServices } from '../../functions/src/training/services';
import { fakeClientOptions, startFakeAiplatform, type FakeAiplatform } from './support/aiplatform-fake';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs';

const PROJECT = 'demo-shop-mlops';
const LOCATION = 'us-central1';
const SHOP = 'demo-store.myshopify.com';
const RUNS = ['training-20261124-030000-aaaaaa', 'training-20261125-030000-bbbbbb'];

let aip: FakeAiplatform;
let gcs: FakeGcs;
let services: WorldServices;
beforeAll(async () => {
  aip = await startFakeAiplatform({ project: PROJECT, location: LOCATION });
  gcs = await startFakeGcs();
  services = createTrainingServices({
    mode: 'gcp',
    project: PROJECT,
    location: LOCATION,
    bucket: 'shop-mlops-artifacts',
    servingImage: DEFAULT_SERVING_IMAGE,
    clients: { vertex: fakeClientOptions(aip), storage: new Storage({ projectId: PROJECT, apiEndpoint: gcs.endpoint }) },
  });
});
afterAll(async () => {
  await services.close();
  await aip.stop();
  await gcs.stop();
});

const out: string[] = [];
const ctx: CliContext = { config: loadConfig({ SHOP_MLOPS_MODE: 'gcp', GOOGLE_CLOUD_PROJECT: PROJECT, SHOP_MLOPS_ARTIFACT_BUCKET: 'shop-mlops-artifacts', SHOPIFY_API_SECRET: 'unused-here' }, {}), json: true, out: (s) => out.push(s), err: (s) => out.push(s) };
/** The verbs with the world's services; closing is left to afterAll (one set of clients for the file). */
const open = () => ({ ...services, close: async () => undefined });

test('gcp mode: deploy puts the champion on a Vertex endpoint and a 5 % canary beside it; traffic reads split, aliases and history back', async () => {
  // Two versions as the training pipeline registers them: each takes `champion` and `challenger`.
  for (const run of RUNS) {
    await services.artifacts.put(`models/clv/${run}/model.json`, '{}');
    await services.registries.forShop(SHOP).registerVersion({ model: 'clv', runId: run, artifactKey: `models/clv/${run}`, aliases: ['challenger', 'champion'] });
    if (run === RUNS[0]) expect(await deploy(['clv', '--version', 'champion', '--shop', SHOP, '--who', 'ops'], ctx, open)).toBe(0);
  }
  expect(await deploy(['clv', '--version', 'challenger', '--canary', '5', '--shop', SHOP, '--who', 'ops', '--why', 'canary v2'], ctx, open)).toBe(0);

  // On Vertex: one endpoint for (shop, clv), both versions deployed, the traffic split 95/5 by DeployedModel id.
  const ep = aip.endpoints.get(`projects/${PROJECT}/locations/${LOCATION}/endpoints/${endpointId(SHOP, 'clv')}`)!;
  const idOf = (v: number) => ep.deployedModels.find((d) => d.modelVersionId === String(v))!.id;
  expect(ep.trafficSplit).toEqual({ [idOf(1)]: 95, [idOf(2)]: 5 });
  expect(aip.callsOf('DeployModel').map((d) => d.deployedModel.serviceAccount)).toEqual([`shop-mlops-serving@${PROJECT}.iam.gserviceaccount.com`, `shop-mlops-serving@${PROJECT}.iam.gserviceaccount.com`]);
  // The registry's champion follows the endpoint's champion arm (training had moved it onto v2).
  expect((await services.registries.forShop(SHOP).getVersion('clv', 'champion'))!.version).toBe(1);

  expect(await traffic(['clv', '--shop', SHOP], ctx, open)).toBe(0);
  const t = JSON.parse(out.at(-1)!) as { split: unknown; aliases: unknown; history: { actor: string; reason: string; action: string }[] };
  expect(t.split).toEqual({ champion: { version: 1, percent: 95 }, challenger: { version: 2, percent: 5 }, holdout: 0 });
  expect(t.aliases).toEqual({ champion: 1, challenger: 2 });
  expect(t.history.map((h) => [h.actor, h.action, h.reason])).toEqual([
    ['ops', 'deploy', 'deploy version champion'],
    ['ops', 'deploy', 'canary v2'],
    ['ops', 'split', 'canary v2'],
  ]);
});
