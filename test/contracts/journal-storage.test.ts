// The write-back journal's storage contract against both adapters: local files (embedded) and Cloud Storage objects created with generation preconditions (cloud, through the in-process GCS JSON API); then what only one of them can get wrong (a torn file line, a second writer on the same objects).
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { createGcsJournalStorage } from '../../functions/src/adapters/gcp/gcs-journal-storage';
import { fileJournalStorage, type JournalStorage } from '../../functions/src/shopify/journal-storage';
import { WriteJournal, type JournalRecord } from '../../functions/src/shopify/write-journal';
import { startFakeGcs, type FakeGcs } from '../gcp/support/fake-gcs';

const SHOP = 'journal-store.myshopify.com';
const OTHER = 'journal-other.myshopify.com';
const BUCKET = 'journal-bucket';
const rec = (i: number) => JSON.stringify({ t: 'run_done', runId: `r${i}`, at: `2026-12-07T00:00:0${i}.000Z` });

let gcs: FakeGcs;
beforeAll(async () => {
  gcs = await startFakeGcs();
});
afterAll(() => gcs.stop());
const storage = () => new Storage({ projectId: 'demo-shop-mlops', apiEndpoint: gcs.endpoint, retryOptions: { autoRetry: false } });

function contract(name: string, make: () => { journals: JournalStorage; cleanup(): void }) {
  describe(`JournalStorage contract: ${name}`, () => {
    let h: ReturnType<typeof make>;
    beforeEach(() => {
      h = make();
    });
    afterEach(() => h.cleanup());

    test('appended records come back in order to a fresh reader; shops are apart; an empty journal reads empty', async () => {
      const a = h.journals.open(SHOP);
      expect(await a.read()).toEqual([]);
      expect(await a.size()).toBe(0);
      for (let i = 0; i < 3; i++) await a.append(rec(i));
      expect(await h.journals.open(SHOP).read()).toEqual([rec(0), rec(1), rec(2)]);
      expect(await h.journals.open(OTHER).read()).toEqual([]);
      expect(await a.size()).toBeGreaterThanOrEqual([0, 1, 2].map((i) => rec(i).length).reduce((x, y) => x + y));
      expect(() => h.journals.open('../etc.myshopify.com')).toThrow(/myshopify/);
    });

    test('a rewrite replaces every record at once; records appended after it follow it, for a fresh reader too', async () => {
      const a = h.journals.open(SHOP);
      await a.read();
      for (let i = 0; i < 4; i++) await a.append(rec(i));
      const before = await a.size();
      await a.rewrite([rec(7)]);
      await a.append(rec(8));
      expect(await a.size()).toBeLessThan(before);
      const fresh = h.journals.open(SHOP);
      expect(await fresh.read()).toEqual([rec(7), rec(8)]);
      await fresh.append(rec(9));
      await fresh.rewrite([rec(5), rec(6)]);
      expect(await h.journals.open(SHOP).read()).toEqual([rec(5), rec(6)]);
    });

    test('a run\'s files: stored, read back byte-exact, dropped with the run; run ids are checked', async () => {
      const a = h.journals.open(SHOP);
      const text = '{"metafields":[{"value":"Zoë 820982911946154508"}]}\n';
      await a.putChunk('20261207T000000-abcd1234', 0, text);
      await a.putChunk('20261207T000000-abcd1234', 1, 'x\n');
      expect((await a.getChunk('20261207T000000-abcd1234', 0)).toString('utf8')).toBe(text);
      await a.dropRun('20261207T000000-abcd1234');
      await expect(a.getChunk('20261207T000000-abcd1234', 0)).rejects.toThrow();
      await expect(a.putChunk('../x', 0, 'x')).rejects.toThrow(/run id/);
    });

    test('the runs with files are listed with their files\' indexes; drop deletes the shop\'s whole journal and nothing of another shop', async () => {
      const a = h.journals.open(SHOP);
      expect(await a.runFiles()).toEqual(new Map());
      await a.read();
      await a.append(rec(1));
      for (const i of [0, 1, 10]) await a.putChunk('run-a', i, `a${i}\n`);
      await a.putChunk('run-b', 0, 'b0\n');
      await a.rewrite([rec(2)]);
      await a.putChunk('run-a', 1, 'overwritten\n');
      const other = h.journals.open(OTHER);
      await other.read();
      await other.append(rec(3));
      await other.putChunk('run-c', 0, 'c0\n');
      expect(await a.runFiles()).toEqual(new Map([['run-a', [0, 1, 10]], ['run-b', [0]]]));
      await a.purgeOld(); // keeps every live object
      expect(await h.journals.open(SHOP).read()).toEqual([rec(2)]);
      expect((await a.getChunk('run-a', 1)).toString('utf8')).toBe('overwritten\n');
      await a.drop();
      expect(await h.journals.open(SHOP).read()).toEqual([]);
      expect(await a.runFiles()).toEqual(new Map());
      expect(await h.journals.open(OTHER).read()).toEqual([rec(3)]);
      expect(await other.runFiles()).toEqual(new Map([['run-c', [0]]]));
      // A journal dropped and started again reads only what follows.
      const again = h.journals.open(SHOP);
      expect(await again.read()).toEqual([]);
      await again.append(rec(4));
      expect(await h.journals.open(SHOP).read()).toEqual([rec(4)]);
    });
  });
}

contract('local files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-journal-'));
  return { journals: fileJournalStorage(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
});

contract('Cloud Storage', () => ({
  journals: createGcsJournalStorage({ storage: storage(), bucket: BUCKET }),
  cleanup: () => {
    gcs.buckets.clear();
    gcs.noncurrent.clear();
  },
}));

test('Cloud Storage (versioned bucket): purgeOld leaves no noncurrent generation of the shop\'s journal, drop leaves no generation at all; another shop\'s stay', async () => {
  gcs.buckets.clear();
  gcs.noncurrent.clear();
  const journals = createGcsJournalStorage({ storage: storage(), bucket: BUCKET });
  const a = journals.open(SHOP);
  await a.read();
  for (let i = 0; i < 3; i++) await a.append(rec(i));
  await a.rewrite([rec(5)]); // the three records become noncurrent generations
  await a.putChunk('run-a', 0, 'first\n');
  await a.putChunk('run-a', 0, 'second\n'); // the first becomes noncurrent
  const other = journals.open(OTHER);
  await other.read();
  await other.append(rec(6));
  await other.rewrite([rec(7)]);
  const old = (shop: string) => (gcs.noncurrent.get(BUCKET) ?? []).filter((o) => o.name.startsWith(`metafields/${shop}/`)).length;
  expect(old(SHOP)).toBe(4);
  await a.purgeOld();
  expect(old(SHOP)).toBe(0);
  expect(old(OTHER)).toBe(1);
  expect((await a.getChunk('run-a', 0)).toString('utf8')).toBe('second\n');
  await a.drop();
  const everything = [...gcs.buckets.get(BUCKET)!.keys(), ...(gcs.noncurrent.get(BUCKET) ?? []).map((o) => o.name)];
  expect(everything.filter((n) => n.startsWith(`metafields/${SHOP}/`))).toEqual([]);
  expect(everything.filter((n) => n.startsWith(`metafields/${OTHER}/`)).length).toBe(2);
});

const set = (id: string, value: string): JournalRecord => ({ t: 'set_done', id, written: [{ ownerId: 'gid://shopify/Customer/1', namespace: '$app:shop_mlops', key: 'clv', type: 'number_decimal', value }], rejected: [] });

test('files: a record torn by a crash mid-append does not swallow the next record appended after it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-journal-'));
  try {
    await (await WriteJournal.open(dir, SHOP)).append({ t: 'definitions', at: '2026-12-07T00:00:00.000Z', created: 1, existing: 0 });
    appendFileSync(path.join(dir, SHOP, 'journal.jsonl'), '{"t":"set_done","id":"torn","wri');
    const resumed = await WriteJournal.open(dir, SHOP);
    expect(resumed.state.written.size).toBe(0);
    await resumed.append(set('after-crash', '10.00'));
    const again = await WriteJournal.open(dir, SHOP);
    expect([...again.state.written.values()].map((m) => m.value)).toEqual(['10.00']);
    expect(readFileSync(path.join(dir, SHOP, 'journal.jsonl'), 'utf8')).not.toContain('torn');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files: purgeOld removes what a crash left of a write cut short (a .tmp copy), nothing else', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-journal-'));
  try {
    const a = fileJournalStorage(dir).open(SHOP);
    await a.read();
    await a.append(rec(1));
    await a.putChunk('run-a', 0, 'kept\n');
    writeFileSync(path.join(dir, SHOP, 'runs', 'run-a', 'chunk-1.jsonl.tmp'), 'cut short\n');
    writeFileSync(path.join(dir, SHOP, 'journal.jsonl.tmp'), 'cut short\n');
    await a.purgeOld();
    expect(readdirSync(path.join(dir, SHOP), { recursive: true }).map(String).sort()).toEqual(['journal.jsonl', 'runs', path.join('runs', 'run-a'), path.join('runs', 'run-a', 'chunk-0.jsonl')]);
    expect(await a.read()).toEqual([rec(1)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Cloud Storage: each record is its own object, created only if absent; a second run writing the same journal is refused, not interleaved', async () => {
  gcs.buckets.clear();
  const journals = createGcsJournalStorage({ storage: storage(), bucket: BUCKET, prefix: 'metafields' });
  const first = await WriteJournal.open(journals, SHOP);
  const second = await WriteJournal.open(journals, SHOP);
  await first.append(set('a', '1.00'));
  await expect(second.append(set('b', '2.00'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  expect([...gcs.buckets.get(BUCKET)!.keys()]).toEqual([`metafields/${SHOP}/journal/000000000000.json`]);
  expect([...(await WriteJournal.open(journals, SHOP)).state.written.values()].map((m) => m.value)).toEqual(['1.00']);
  // A compaction is one snapshot object; the records it stands for are deleted.
  await first.append(set('c', '3.00'));
  expect(await first.compact(1)).toBe(true);
  expect([...gcs.buckets.get(BUCKET)!.keys()]).toEqual([`metafields/${SHOP}/journal/000000000002.snapshot.jsonl`]);
  expect([...(await WriteJournal.open(journals, SHOP)).state.written.values()].map((m) => m.value)).toEqual(['3.00']);
});
