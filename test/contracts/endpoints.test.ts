// The Endpoints contract against both adapters: journal files on disk, and Vertex AI endpoints through the in-process Vertex fake built from the aiplatform protos, spoken to over REST/JSON (Vertex's documented REST surface: the same protos' http mapping) (+ fake GCS).
import '../gcp/support/cjs-http-transport';
import { promises as fsp, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { createJournalEndpoints } from '../../functions/src/adapters/embedded/journal-endpoints';
import { createGcsArtifactStore } from '../../functions/src/adapters/gcp/gcs-artifact-store';
import { vertexModelId } from '../../functions/src/adapters/gcp/vertex-common';
import { createVertexEndpoints } from '../../functions/src/adapters/gcp/vertex-endpoints';
import { silentLogger } from '../../functions/src/core/log';
import type { Endpoints } from '../../functions/src/ports/endpoints';
import { fakeClientOptions, startFakeAiplatform, type FakeAiplatform } from '../gcp/support/aiplatform-fake';
import { startFakeGcs, type FakeGcs } from '../gcp/support/fake-gcs';
import { endpointsContract } from './endpoints.contract';
import { createVertexRest, type VertexRest } from '../../functions/src/adapters/gcp/vertex-rest';

endpointsContract('embedded journal files', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-endpoints-'));
  const make = (healthy?: boolean) => createJournalEndpoints({ dir: path.join(dir, 'endpoints'), ...(healthy === undefined ? {} : { healthy: async () => healthy }) });
  return {
    endpoints: make(),
    another: () => make(),
    withHealth: (healthy) => make(healthy),
    registerVersions: async () => undefined,
    cleanup: () => fsp.rm(dir, { recursive: true, force: true }),
  };
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

  endpointsContract('Vertex AI endpoints (REST fake) + rollout history in GCS', async () => {
    const artifacts = createGcsArtifactStore({ storage: new Storage({ projectId: 'demo-shop-mlops', apiEndpoint: gcs.endpoint }), bucket: 'shop-mlops-artifacts', prefix: 'mlops', log: silentLogger });
    const make = (c: typeof client, healthy?: boolean): Endpoints =>
      createVertexEndpoints({ project: 'demo-shop-mlops', location: 'europe-west1', artifacts, client: c, ...(healthy === undefined ? {} : { healthy: async () => healthy }) });
    return {
      endpoints: make(client),
      another: () => make(client2),
      withHealth: (healthy) => make(client, healthy),
      registerVersions: async (shop, model, n) => aip.seedModel(vertexModelId(shop, model), n),
      cleanup: async () => {
        aip.reset();
        gcs.buckets.clear();
      },
    };
  });
});
