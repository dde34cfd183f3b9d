// The metafields write-back's JournalStorage on Cloud Storage (cloud): one object per record under <prefix>/<shop>/journal/, each created with ifGenerationMatch=0 at the next sequence number, so an append is atomic and a second writer on the same journal is refused by the store; a compaction is one snapshot object, the records it replaces deleted after it; redaction deletes by generation (the artifact bucket is versioned).
import { Storage } from '@google-cloud/storage';
import { ShopMlopsError } from '../../core/errors';
import { assertRunId, assertShop, type JournalStorage, type ShopJournalStore } from '../../shopify/journal-storage';

/** Where the journals live in the artifact bucket (metafields/<shop>/). */
export const METAFIELDS_JOURNAL_PREFIX = 'metafields';

export interface GcsJournalStorageOptions {
  storage?: Storage;
  bucket: string;
  /** Folder of the journals (default metafields). */
  prefix?: string;
}

const isStatus = (err: unknown, code: number): boolean => (err as { code?: unknown }).code === code;
const fail = (what: string, err: unknown) => (err instanceof ShopMlopsError ? err : new ShopMlopsError('UNAVAILABLE', `metafield journal ${what}: ${(err as Error).message}`, { cause: err }));

/** `<seq>.json` a record, `<seq>.snapshot.jsonl` a compaction standing for every record before it. */
const ENTRY = /\/journal\/(\d{12})\.(json|snapshot\.jsonl)$/;
const seqName = (n: number) => String(n).padStart(12, '0');

export function createGcsJournalStorage(opts: GcsJournalStorageOptions): JournalStorage {
  const bucket = (opts.storage ?? new Storage()).bucket(opts.bucket);
  const prefix = (opts.prefix ?? METAFIELDS_JOURNAL_PREFIX).replace(/^\/+|\/+$/g, '');
  const createOnly = async (name: string, text: string, contentType: string): Promise<void> => {
    try {
      await bucket.file(name).save(text, { resumable: false, contentType, preconditionOpts: { ifGenerationMatch: 0 } });
    } catch (err) {
      // Another run appended at this position since this one read the journal: its records are not in our state.
      if (isStatus(err, 412)) throw new ShopMlopsError('UNAVAILABLE', `metafield journal ${name} was written by another run; this run stops (the next one resumes from both)`, { cause: err });
      throw fail(`append ${name}`, err);
    }
  };
  const download = async (name: string): Promise<Buffer> => {
    try {
      return (await bucket.file(name).download())[0];
    } catch (err) {
      throw fail(`read ${name}`, err);
    }
  };
  const remove = async (name: string): Promise<void> => {
    try {
      await bucket.file(name).delete();
    } catch (err) {
      if (!isStatus(err, 404)) throw fail(`delete ${name}`, err);
    }
  };
  const list = async (under: string, versions = false) => {
    try {
      return (await bucket.getFiles({ prefix: under, ...(versions ? { versions: true } : {}) }))[0];
    } catch (err) {
      throw fail(`list ${under}`, err);
    }
  };
  /** Deletes the stored generations under a folder: every one, or only the noncurrent ones (listed with versions, carrying timeDeleted). */
  const removeGenerations = async (under: string, which: 'all' | 'noncurrent'): Promise<void> => {
    for (const f of await list(under, true)) {
      if (which === 'noncurrent' && !f.metadata.timeDeleted) continue;
      if (f.metadata.generation === undefined) {
        await remove(f.name);
        continue;
      }
      try {
        await bucket.file(f.name, { generation: String(f.metadata.generation) }).delete();
      } catch (err) {
        if (!isStatus(err, 404)) throw fail(`delete ${f.name}#${String(f.metadata.generation)}`, err);
      }
    }
  };
  return {
    where: `gs://${opts.bucket}/${prefix}`,
    open(shop): ShopJournalStore {
      const base = `${prefix}/${assertShop(shop)}`;
      const runsDir = `${base}/runs/`;
      const journal = `${base}/journal/`;
      const runDir = (runId: string) => `${base}/runs/${assertRunId(runId)}/`;
      const chunk = (runId: string, index: number) => `${runDir(runId)}chunk-${index}.jsonl`;
      /** The next record's sequence number and the journal's bytes, known once read (every use reads first). */
      let next: number | null = null;
      let bytes = 0;
      const entries = async () =>
        (await list(journal))
          .map((f) => ({ name: f.name, m: ENTRY.exec(f.name), size: Number(f.metadata.size ?? 0) }))
          .filter((e): e is { name: string; m: RegExpExecArray; size: number } => e.m !== null)
          .map((e) => ({ name: e.name, seq: Number(e.m[1]), snapshot: e.m[2] !== 'json', size: e.size }))
          .sort((a, b) => a.seq - b.seq);
      const position = async (): Promise<number> => {
        if (next === null) await store.read();
        return next!;
      };
      const store: ShopJournalStore = {
        where: `gs://${opts.bucket}/${journal}`,
        async read() {
          const all = await entries();
          const snapshot = all.filter((e) => e.snapshot).pop();
          const live = all.filter((e) => !snapshot || e.seq >= snapshot.seq).filter((e) => e.snapshot === false || e === snapshot);
          const out: string[] = [];
          for (const e of live) {
            const text = (await download(e.name)).toString('utf8');
            out.push(...(e.snapshot ? text.split('\n').filter((l) => l !== '') : [text]));
          }
          next = (all.at(-1)?.seq ?? -1) + 1;
          bytes = live.reduce((n, e) => n + e.size, 0);
          return out;
        },
        async append(record) {
          const seq = await position();
          await createOnly(`${journal}${seqName(seq)}.json`, record, 'application/json');
          next = seq + 1;
          bytes += Buffer.byteLength(record);
        },
        size: async () => (await position(), bytes),
        async rewrite(records) {
          const seq = await position();
          const text = records.map((r) => r + '\n').join('');
          await createOnly(`${journal}${seqName(seq)}.snapshot.jsonl`, text, 'application/jsonl');
          next = seq + 1;
          bytes = Buffer.byteLength(text);
          // The snapshot stands for everything before it from now on: the old objects are only garbage.
          for (const e of await entries()) if (e.seq < seq) await remove(e.name);
        },
        async putChunk(runId, index, text) {
          try {
            await bucket.file(chunk(runId, index)).save(text, { resumable: false, contentType: 'application/jsonl' });
          } catch (err) {
            throw fail(`write ${chunk(runId, index)}`, err);
          }
        },
        getChunk: (runId, index) => download(chunk(runId, index)),
        async dropRun(runId) {
          for (const f of await list(runDir(runId))) await remove(f.name);
        },
        async runFiles() {
          const out = new Map<string, number[]>();
          for (const f of await list(runsDir)) {
            const m = /^([A-Za-z0-9-]+)\/chunk-(\d+)\.jsonl$/.exec(f.name.slice(runsDir.length));
            if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), Number(m[2])].sort((a, b) => a - b));
          }
          return out;
        },
        purgeOld: () => removeGenerations(`${base}/`, 'noncurrent'),
        async drop() {
          await removeGenerations(`${base}/`, 'all');
          next = null;
          bytes = 0;
        },
      };
      return store;
    },
  };
}
