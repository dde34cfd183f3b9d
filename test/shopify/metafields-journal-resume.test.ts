// A crashed write-back resumes without writing twice whichever storage holds its journal: local files (embedded) or Cloud Storage objects (cloud, through the in-process GCS JSON API); each crash as the embedded crash tests stage it, against the Admin GraphQL contract server.
import { Storage } from '@google-cloud/storage';
import { createGcsJournalStorage } from '../../functions/src/adapters/gcp/gcs-journal-storage';
import { desiredMetafields } from '../../functions/src/shopify/metafield-values';
import { writeBackShop, writtenMetafields } from '../../functions/src/shopify/metafields-job';
import { fileJournalStorage, type JournalStorage } from '../../functions/src/shopify/journal-storage';
import { duckDbScoreSource } from '../../functions/src/shopify/score-source';
import { startFakeGcs, type FakeGcs } from '../gcp/support/fake-gcs';
import { duplicateWrites, SHOP, startHarness, syntheticBatches, type Harness } from './support';

let h: Harness;
let gcs: FakeGcs;
beforeAll(async () => {
  gcs = await startFakeGcs();
});
afterAll(() => gcs.stop());
afterEach(async () => {
  await h?.close();
  gcs.buckets.clear();
});

const storages: Array<{ name: string; make: (h: Harness) => JournalStorage }> = [
  { name: 'local files', make: (x) => fileJournalStorage(x.deps().dir) },
  { name: 'Cloud Storage', make: () => createGcsJournalStorage({ storage: new Storage({ projectId: 'demo-shop-mlops', apiEndpoint: gcs.endpoint, retryOptions: { autoRetry: false } }), bucket: 'resume-bucket' }) },
];

async function expectAllWritten(x: Harness, journals: JournalStorage) {
  const desired = desiredMetafields(await duckDbScoreSource(x.warehouse.execute).newest(SHOP));
  for (const m of desired) expect(x.server.metafieldsOf(SHOP, m.ownerId)[m.key]?.value).toBe(m.value);
  // What the journal says is written is what the shop holds.
  const owner = desired[0]!.ownerId;
  expect(await writtenMetafields(journals, SHOP, owner)).toEqual(Object.fromEntries(Object.entries(x.server.metafieldsOf(SHOP, owner)).map(([k, v]) => [k, { type: v.type, value: v.value }])));
}

describe.each(storages)('journal in $name', ({ make }) => {
  const bulkFaults = [
    { name: 'bulkOperationRunMutation applied, its answer lost', fault: { field: 'bulkOperationRunMutation', nth: 2, when: 'after' as const } },
    { name: 'the second file uploaded, its answer lost', fault: { field: 'upload', nth: 2, when: 'after' as const } },
    { name: 'polling cut off while the operation runs', fault: { field: 'node', nth: 3, when: 'before' as const } },
  ];
  test.each(bulkFaults)('full run crashed ($name): a new process over the same journal finishes it, nothing written twice', async ({ fault }) => {
    h = await startHarness({ bulkLineDelayMs: 2 });
    await h.score(syntheticBatches({ customers: 80, variants: 10, products: 6, version: 1 }));
    h.server.faults.push(fault);
    // Each run gets its own journal storage object: nothing but the stored journal survives the crash.
    await expect(writeBackShop(SHOP, 'full', h.deps({ journals: make(h), maxChunkBytes: 24 * 1024 }))).rejects.toThrow(/Admin API call failed|fetch failed|other side closed|socket/i);
    const r = await writeBackShop(SHOP, 'auto', h.deps({ journals: make(h), maxChunkBytes: 24 * 1024 }));
    expect(r.resumed).not.toBeNull();
    expect(r.changed).toBe(0);
    await expectAllWritten(h, make(h));
    expect(duplicateWrites(h.server)).toEqual([]);
  });

  test('delta crashed (metafieldsSet applied, its answer lost): the resumed run reads it back and does not resend it', async () => {
    h = await startHarness();
    await h.score(syntheticBatches({ customers: 12, variants: 0, products: 0, version: 1 }));
    h.server.faults.push({ field: 'metafieldsSet', nth: 2, when: 'after' });
    await expect(writeBackShop(SHOP, 'delta', h.deps({ journals: make(h) }))).rejects.toThrow();
    const r = await writeBackShop(SHOP, 'delta', h.deps({ journals: make(h) }));
    expect(r.delta!.reconciled).toBe(25);
    await expectAllWritten(h, make(h));
    expect(duplicateWrites(h.server)).toEqual([]);
  });
});

test('Cloud Storage: the journal and the run files live under metafields/<shop>/ in the bucket, the run files gone once the run is done', async () => {
  h = await startHarness();
  await h.score(syntheticBatches({ customers: 30, variants: 2, products: 2, version: 1 }));
  const journals = storages[1]!.make(h);
  const r = await writeBackShop(SHOP, 'full', h.deps({ journals, maxChunkBytes: 8 * 1024 }));
  expect(r.bulk!.operations).toBeGreaterThan(1);
  const names = [...gcs.buckets.get('resume-bucket')!.keys()];
  expect(names.length).toBeGreaterThan(3);
  expect(names.every((n) => n.startsWith(`metafields/${SHOP}/journal/`))).toBe(true);
  expect(gcs.requests.some((q) => q.method === 'DELETE' && q.path.includes(encodeURIComponent(`metafields/${SHOP}/runs/`)))).toBe(true);
});
