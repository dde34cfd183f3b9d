// The ModelRegistry contract against both adapters: journal files on disk, and Vertex AI through the in-process Vertex fake built from the aiplatform protos, over REST/JSON (the protos' http mapping) (+ fake GCS).
import '../gcp/support/cjs-http-transport';
import { promises as fsp, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileModelRegistries } from '../../functions/src/adapters/embedded/file-model-registry';
import { createGcsArtifactStore } from '../../functions/src/adapters/gcp/gcs-artifact-store';
import { createVertexModelRegistries } from '../../functions/src/adapters/gcp/vertex-model-registry';
import { silentLogger } from '../../functions/src/core/log';
import type { ModelRegistry } from '../../functions/src/ports/model-registry';
import { fakeClientOptions, startFakeAiplatform, type FakeAiplatform } from '../gcp/support/aiplatform-fake';
import { startFakeGcs, type FakeGcs } from '../gcp/support/fake-gcs';
import { modelRegistryContract } from './model-registry.contract';
import { createVertexRest, type VertexRest } from '../../functions/src/adapters/gcp/vertex-rest';

const SHOP = 'demo-store.myshopify.com';
const OTHER_SHOP = 'other-store.myshopify.com';

modelRegistryContract('embedded journal files', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-registry-'));
  const artifacts = createFileArtifactStore(path.join(dir, 'artifacts'));
  const make = (shop = SHOP) => createFileModelRegistries({ dir: path.join(dir, 'registry'), artifacts }).forShop(shop);
  return { registry: make(), artifacts, another: () => make(), otherShop: () => make(OTHER_SHOP), cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
});

describe('Vertex AI', () => {
  let aip: FakeAiplatform;
  let gcs: FakeGcs;
  let client: VertexRest;
  let client2: VertexRest;
  beforeAll(async () => {
    aip = await startFakeAiplatform({ project: 'demo-shop-mlops', location: 'europe-west1' });
    gcs = await startFakeGcs();
    client = createVertexRest({ location: 'europe-west1', ...fakeClientOptions(aip) });
    client2 = createVertexRest({ location: 'europe-west1', ...fakeClientOptions(aip) });
  });
  afterAll(async () => {
    await aip.stop();
    await gcs.stop();
  });

  modelRegistryContract('Vertex AI Model Registry (REST fake)', async () => {
    const artifacts = createGcsArtifactStore({ storage: new Storage({ projectId: 'demo-shop-mlops', apiEndpoint: gcs.endpoint }), bucket: 'shop-mlops-artifacts', prefix: 'mlops', log: silentLogger });
    const make = (c: typeof client, shop = SHOP): ModelRegistry => createVertexModelRegistries({ project: 'demo-shop-mlops', location: 'europe-west1', artifacts, client: c, containerImageUri: 'europe-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-5:latest' }).forShop(shop);
    return {
      registry: make(client),
      artifacts,
      another: () => make(client2),
      otherShop: () => make(client, OTHER_SHOP),
      cleanup: async () => {
        aip.reset();
        gcs.buckets.clear();
      },
    };
  });
});

test('a registry is only for a shop domain: anything else (a path, another host) is refused before touching storage', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-registry-'));
  const registries = createFileModelRegistries({ dir: path.join(dir, 'registry'), artifacts: createFileArtifactStore(path.join(dir, 'artifacts')) });
  for (const bad of ['../etc', 'demo-store.myshopify.com/../x', 'example.com', '', 'Demo.myshopify.com']) expect(() => registries.forShop(bad)).toThrow(/shop: .* is not a myshopify domain/);
  expect(registries.forShop(SHOP)).toBe(registries.forShop(SHOP));
});
