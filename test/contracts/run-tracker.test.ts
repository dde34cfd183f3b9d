// The RunTracker contract against both adapters: journal files on disk, and Vertex AI Experiments through the in-process Vertex fake built from the aiplatform protos, over REST/JSON (the protos' http mapping) (+ fake GCS).
import '../gcp/support/cjs-http-transport';
import { promises as fsp, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileRunTracker } from '../../functions/src/adapters/embedded/file-run-tracker';
import { createGcsArtifactStore } from '../../functions/src/adapters/gcp/gcs-artifact-store';
import { createVertexRunTracker } from '../../functions/src/adapters/gcp/vertex-run-tracker';
import { silentLogger } from '../../functions/src/core/log';
import { fakeClientOptions, startFakeAiplatform, type FakeAiplatform } from '../gcp/support/aiplatform-fake';
import { startFakeGcs, type FakeGcs } from '../gcp/support/fake-gcs';
import { runTrackerContract } from './run-tracker.contract';
import { createVertexRest, type VertexRest } from '../../functions/src/adapters/gcp/vertex-rest';

runTrackerContract('embedded journal files', async (deps) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-runs-'));
  const artifacts = createFileArtifactStore(path.join(dir, 'artifacts'));
  const make = () => createFileRunTracker({ dir: path.join(dir, 'runs'), artifacts, ...deps });
  return { tracker: make(), artifacts, another: make, cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
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

  runTrackerContract('Vertex AI Experiments (REST fake)', async (deps) => {
    const artifacts = createGcsArtifactStore({ storage: new Storage({ projectId: 'demo-shop-mlops', apiEndpoint: gcs.endpoint }), bucket: 'shop-mlops-artifacts', prefix: 'mlops', log: silentLogger });
    const make = (c: typeof client) => createVertexRunTracker({ project: 'demo-shop-mlops', location: 'europe-west1', artifacts, client: c, ...deps });
    return {
      tracker: make(client),
      artifacts,
      another: () => make(client2),
      cleanup: async () => {
        aip.reset();
        gcs.buckets.clear();
      },
    };
  });
});
