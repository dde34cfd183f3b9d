// GCS ArtifactStore: the shared port contract against an in-process GCS JSON API, plus the GCS-specific wire facts.
import { Storage } from '@google-cloud/storage';
import { createGcsArtifactStore } from '../../functions/src/adapters/gcp/gcs-artifact-store';
import { silentLogger } from '../../functions/src/core/log';
import { artifactStoreContract } from '../contracts/artifact-store.contract';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs';

let fake: FakeGcs;
beforeAll(async () => {
  fake = await startFakeGcs();
});
afterAll(() => fake.stop());

const storage = () => new Storage({ projectId: 'demo-shop-mlops', apiEndpoint: fake.endpoint });

artifactStoreContract('gcs', async () => ({
  store: createGcsArtifactStore({ storage: storage(), bucket: 'artifacts-test', prefix: 'shop-mlops', log: silentLogger }),
  cleanup: async () => {
    fake.buckets.clear();
  },
}));

describe('GCS artifact store specifics', () => {
  beforeEach(() => {
    fake.buckets.clear();
    fake.requests.length = 0;
  });

  test('objects live under the prefix, uploads are single-request multipart with the content type, uri is gs://bucket/prefix/key', async () => {
    const store = createGcsArtifactStore({ storage: storage(), bucket: 'artifacts-test', prefix: '/shop-mlops/', log: silentLogger });
    await store.put('exports/c.json', '{"a":1}', { contentType: 'application/json' });
    expect([...fake.buckets.get('artifacts-test')!.keys()]).toEqual(['shop-mlops/exports/c.json']);
    expect(fake.buckets.get('artifacts-test')!.get('shop-mlops/exports/c.json')!.contentType).toBe('application/json');
    const uploads = fake.requests.filter((r) => r.path.startsWith('/upload/'));
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.query['uploadType']).toBe('multipart');
    expect(store.uri('exports/c.json')).toBe('gs://artifacts-test/shop-mlops/exports/c.json');
    const listed = fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/o'));
    expect(listed).toHaveLength(0);
    await store.list('exports/');
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/o')).map((r) => r.query['prefix'])).toEqual(['shop-mlops/exports/']);
  });

  test('without a prefix keys are object names', async () => {
    const store = createGcsArtifactStore({ storage: storage(), bucket: 'b2', log: silentLogger });
    await store.put('x/y.txt', 'y');
    expect([...fake.buckets.get('b2')!.keys()]).toEqual(['x/y.txt']);
    expect(store.uri('x/y.txt')).toBe('gs://b2/x/y.txt');
    expect((await store.list()).map((i) => i.key)).toEqual(['x/y.txt']);
  });

  test('a server error other than 404 propagates', async () => {
    const store = createGcsArtifactStore({ storage: new Storage({ projectId: 'p', apiEndpoint: 'http://127.0.0.1:1', retryOptions: { autoRetry: false } }), bucket: 'b', log: silentLogger });
    await expect(store.get('a.txt')).rejects.toThrow();
  });
});
