// Privacy reaches the metafields write-back journal in both storages (local files, Cloud Storage with its noncurrent generations): customers/redact through the privacy service leaves no byte of the customer in the journal or its run files, and a run a crash left open resumes without writing twice and without writing the redacted customer; shop/redact deletes the shop's journal.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createGcsJournalStorage } from '../../functions/src/adapters/gcp/gcs-journal-storage';
import type { LandedEvent } from '../../functions/src/core/classify';
import { silentLogger } from '../../functions/src/core/log';
import { createPrivacyService } from '../../functions/src/core/privacy-service';
import { fileJournalStorage, type JournalStorage } from '../../functions/src/shopify/journal-storage';
import { desiredMetafields } from '../../functions/src/shopify/metafield-values';
import { writeBackShop, writtenMetafields } from '../../functions/src/shopify/metafields-job';
import { duckDbScoreSource } from '../../functions/src/shopify/score-source';
import { startFakeGcs, type FakeGcs } from '../gcp/support/fake-gcs';
import { duplicateWrites, SHOP, startHarness, syntheticBatches, type Harness } from './support';

const BUCKET = 'redaction-bucket';
let h: Harness;
let gcs: FakeGcs;
beforeAll(async () => {
  gcs = await startFakeGcs();
});
afterAll(() => gcs.stop());
afterEach(async () => {
  await h?.close();
  gcs.buckets.clear();
  gcs.noncurrent.clear();
});

/** Every file under a directory. */
const filesUnder = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)) : []);

const storages: Array<{ name: string; make: (h: Harness) => JournalStorage; bytes: (h: Harness) => string; names: (h: Harness) => string[] }> = [
  {
    name: 'local files',
    make: (x) => fileJournalStorage(x.deps().dir),
    bytes: (x) => filesUnder(x.deps().dir).map((f) => readFileSync(f, 'utf8')).join('\n'),
    names: (x) => filesUnder(path.join(x.deps().dir, SHOP)),
  },
  {
    name: 'Cloud Storage',
    make: () => createGcsJournalStorage({ storage: new Storage({ projectId: 'demo-shop-mlops', apiEndpoint: gcs.endpoint, retryOptions: { autoRetry: false } }), bucket: BUCKET }),
    // Every generation the versioned bucket holds, live and noncurrent.
    bytes: () => gcs.allBytes(BUCKET).map((b) => b.toString('utf8')).join('\n'),
    names: () => [...(gcs.buckets.get(BUCKET)?.keys() ?? []), ...(gcs.noncurrent.get(BUCKET) ?? []).map((o) => o.name)].filter((n) => n.startsWith(`metafields/${SHOP}/`)),
  },
];

const event = (topic: 'customers/redact' | 'shop/redact', payload: unknown): LandedEvent => ({
  shop: SHOP, topic, webhook_id: `wh-${topic}-${JSON.stringify(payload).length}-${Math.random()}`, event_id: null, api_version: '2026-10', triggered_at: null, received_at: new Date().toISOString(), payload: JSON.stringify(payload),
});
const privacy = (x: Harness, journals: JournalStorage) => createPrivacyService({ warehouse: x.warehouse, artifacts: createFileArtifactStore(path.join(x.dir, 'artifacts')), journals, log: silentLogger });
const redactCustomer = (id: string) => event('customers/redact', { shop_id: 1, shop_domain: SHOP, customer: { id: Number(id), email: null, phone: null }, orders_to_redact: [] });
const customerIn = (text: string) => /gid:\/\/shopify\/Customer\/(\d+)/.exec(text)![1]!;

describe.each(storages)('journal in $name', ({ make, bytes, names }) => {
  test('customers/redact while a bulk run is open: no byte of the customer stays in the journal; the resumed run writes nothing twice and never writes them again', async () => {
    h = await startHarness({ bulkLineDelayMs: 2 });
    await h.score(syntheticBatches({ customers: 80, variants: 10, products: 6, version: 1 }));
    // First every value as metafieldsSet calls (intents and confirmations journaled), then a rescoring as a bulk run
    // that crashes while its first operation runs: its other files are planned, not yet sent.
    expect((await writeBackShop(SHOP, 'delta', h.deps({ journals: make(h) }))).delta!.rejected).toEqual([]);
    await h.score(syntheticBatches({ customers: 80, variants: 10, products: 6, version: 2 }));
    h.server.faults.push({ field: 'node', nth: 3, when: 'before' });
    // auto with a low delta limit: only the changed values, as a bulk run (a full run would rewrite unchanged ones too).
    await expect(writeBackShop(SHOP, 'auto', h.deps({ journals: make(h), maxChunkBytes: 12 * 1024, deltaLimit: 10 }))).rejects.toThrow();
    const store = make(h).open(SHOP);
    const [[runId, files]] = [...(await store.runFiles())] as [[string, number[]]];
    expect(files.length).toBeGreaterThan(2);
    // One customer in the file whose operation was sent, one in a file never sent.
    const sent = customerIn((await store.getChunk(runId, 0)).toString('utf8'));
    const planned = customerIn((await store.getChunk(runId, files.at(-1)!)).toString('utf8'));
    expect(sent).not.toBe(planned);
    for (const c of [sent, planned]) expect(bytes(h)).toContain(`gid://shopify/Customer/${c}"`);
    await h.server.idle();

    for (const c of [sent, planned]) {
      const out = await privacy(h, make(h)).handle(redactCustomer(c));
      expect(out.details).toMatchObject({ writeBackJournal: { values: expect.any(Number) } });
      expect((out.details as { writeBackJournal: { values: number } }).writeBackJournal.values).toBeGreaterThan(0);
    }
    for (const c of [sent, planned]) expect(bytes(h)).not.toContain(`gid://shopify/Customer/${c}"`);
    // Redacting again finds nothing (idempotent).
    expect((await privacy(h, make(h)).handle(redactCustomer(planned))).details).toMatchObject({ writeBackJournal: { values: 0 } });

    const gids = new Set([sent, planned].map((c) => `gid://shopify/Customer/${c}`));
    const writesOf = () => h.server.writes.filter((w) => gids.has(w.ownerId)).length;
    const before = writesOf();
    const r = await writeBackShop(SHOP, 'auto', h.deps({ journals: make(h), maxChunkBytes: 12 * 1024, deltaLimit: 10 }));
    expect(r.resumed).not.toBeNull();
    expect(r.changed).toBe(0);
    expect(writesOf()).toBe(before);
    expect(duplicateWrites(h.server)).toEqual([]);
    // Everyone else's values are written, and the journal says so.
    const desired = desiredMetafields(await duckDbScoreSource(h.warehouse.execute).newest(SHOP));
    expect(desired.some((m) => gids.has(m.ownerId))).toBe(false);
    for (const m of desired) expect(h.server.metafieldsOf(SHOP, m.ownerId)[m.key]?.value).toBe(m.value);
    for (const g of gids) expect(await writtenMetafields(make(h), SHOP, g)).toEqual({});
    for (const c of [sent, planned]) expect(bytes(h)).not.toContain(`gid://shopify/Customer/${c}"`);
    expect(names(h).length).toBeGreaterThan(0);
  });

  test('customers/redact after a file was staged but its operation never started: the resumed run stages the filtered file again (the staged copy holds the customer)', async () => {
    h = await startHarness();
    await h.score(syntheticBatches({ customers: 12, variants: 0, products: 0, version: 1 }));
    h.server.faults.push({ field: 'bulkOperationRunMutation', nth: 1, when: 'before' });
    await expect(writeBackShop(SHOP, 'full', h.deps({ journals: make(h) }))).rejects.toThrow();
    expect(h.server.ops).toHaveLength(0);
    expect([...h.server.uploads.values()].join('\n')).toContain('gid://shopify/Customer/7000000000003"');
    await privacy(h, make(h)).handle(redactCustomer('7000000000003'));
    expect(bytes(h)).not.toContain('gid://shopify/Customer/7000000000003"');
    const r = await writeBackShop(SHOP, 'auto', h.deps({ journals: make(h) }));
    expect(r.resumed).toMatchObject({ operations: 1, rejected: 0 });
    expect(h.server.writes.filter((w) => w.ownerId === 'gid://shopify/Customer/7000000000003')).toEqual([]);
    expect(h.server.writes.filter((w) => w.ownerId === 'gid://shopify/Customer/7000000000004').length).toBeGreaterThan(0);
    expect(duplicateWrites(h.server)).toEqual([]);
  });

  test('shop/redact deletes the shop\'s journal and run files, every stored generation of them', async () => {
    h = await startHarness();
    await h.score(syntheticBatches({ customers: 30, variants: 4, products: 3, version: 1 }));
    await writeBackShop(SHOP, 'delta', h.deps({ journals: make(h), compactAboveBytes: 1 })); // compacted: the old records are deleted objects
    h.server.faults.push({ field: 'bulkOperationRunMutation', nth: 1, when: 'before' });
    await h.score(syntheticBatches({ customers: 30, variants: 4, products: 3, version: 2 }));
    await expect(writeBackShop(SHOP, 'full', h.deps({ journals: make(h), maxChunkBytes: 8 * 1024 }))).rejects.toThrow();
    expect(names(h).some((n) => n.includes('/runs/'))).toBe(true);
    expect(bytes(h)).toContain('gid://shopify/Customer/');

    await privacy(h, make(h)).handle(event('shop/redact', { shop_id: 1, shop_domain: SHOP }));
    expect(names(h)).toEqual([]);
    expect(bytes(h)).not.toContain('gid://shopify/');
  });
});

test('a redaction waits a bounded time for a write-back run holding the journal in this process, then is left pending for the scheduled retry (the run is not cut short)', async () => {
  h = await startHarness({ bulkLineDelayMs: 1_500 });
  await h.score(syntheticBatches({ customers: 12, variants: 0, products: 0, version: 1 }));
  const journals = storages[0]!.make(h);
  const run = writeBackShop(SHOP, 'full', h.deps({ journals })); // 4 lines of 25: about 6 s of bulk operation, past the 5 s wait
  while (!h.server.ops.length) await new Promise((r) => setTimeout(r, 20));
  const busy = await privacy(h, journals).handle(redactCustomer('7000000000003')).catch((e: unknown) => e);
  expect(busy).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
  expect((await run).bulk).toMatchObject({ operations: 1, rejected: 0 });
  // The retry, once the run is done, finds the journal free.
  expect((await privacy(h, journals).handle(redactCustomer('7000000000003'))).details).toMatchObject({ writeBackJournal: { values: 8 } });
  expect(storages[0]!.bytes(h)).not.toContain('gid://shopify/Customer/7000000000003"');
}, 30_000);
