// Where the metafields write-back keeps each shop's journal and its bulk runs' JSONL files: the port, and the embedded adapter on local files (<dir>/<shop>/journal.jsonl, 0600).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ShopMlopsError } from '../core/errors';
import { MYSHOPIFY_DOMAIN } from '../core/topics';

/** One shop's journal: an append-only list of records (one JSON text each) plus the files of its bulk runs. */
export interface ShopJournalStore {
  /** Where it lives (messages only). */
  readonly where: string;
  /**
   * Every record, oldest first (a rewrite's records, then those appended after it). A record a crash tore mid-append
   * is dropped here, so nothing appended later lands behind it.
   */
  read(): Promise<string[]>;
  /** Appends one record durably: once this resolves, a crash cannot lose it. */
  append(record: string): Promise<void>;
  /** Bytes the journal occupies (what compaction weighs). */
  size(): Promise<number>;
  /** Replaces every record by these, atomically: a crash leaves the old records or the new ones. */
  rewrite(records: readonly string[]): Promise<void>;
  /** A bulk run's JSONL file, stored durably before the run record names it. */
  putChunk(runId: string, index: number, text: string): Promise<void>;
  getChunk(runId: string, index: number): Promise<Buffer>;
  /** A finished run's files, removed. */
  dropRun(runId: string): Promise<void>;
  /** The runs that have files here (the open run's, and any a crash left behind): run id → its files' indexes. */
  runFiles(): Promise<Map<string, number[]>>;
  /** Privacy: drops every stored generation of the journal's objects but the live ones (a versioned bucket keeps what was overwritten or deleted); local files keep none. */
  purgeOld(): Promise<void>;
  /** Privacy (shop/redact): deletes the whole journal, its records and run files, with every stored generation. */
  drop(): Promise<void>;
}

export interface JournalStorage {
  /** Where the journals live (messages, logs). */
  readonly where: string;
  open(shop: string): ShopJournalStore;
}

export function assertShop(shop: string): string {
  if (!MYSHOPIFY_DOMAIN.test(shop)) throw new ShopMlopsError('BAD_REQUEST', `not a <name>.myshopify.com shop: ${JSON.stringify(shop)}`);
  return shop;
}

const RUN_ID = /^[A-Za-z0-9-]+$/;
export function assertRunId(runId: string): string {
  if (!RUN_ID.test(runId)) throw new ShopMlopsError('BAD_REQUEST', `not a run id: ${JSON.stringify(runId)}`);
  return runId;
}

async function writeFileDurably(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  const h = await fs.open(tmp, 'w', 0o600);
  try {
    await h.writeFile(text);
    await h.sync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, file);
}

/** Embedded: the journals' root in a data directory (<data-dir>/metafields). */
export const embeddedJournalDir = (dataDir: string): string => path.join(dataDir, 'metafields');

/** Embedded: <root>/<shop>/journal.jsonl (write + fsync per record) and <root>/<shop>/runs/<runId>/chunk-<i>.jsonl. */
export function fileJournalStorage(root: string): JournalStorage {
  return {
    where: root,
    open(shop) {
      const dir = path.join(root, assertShop(shop));
      const file = path.join(dir, 'journal.jsonl');
      const runDir = (runId: string) => path.join(dir, 'runs', assertRunId(runId));
      const chunk = (runId: string, index: number) => path.join(runDir(runId), `chunk-${index}.jsonl`);
      return {
        where: file,
        async read() {
          await fs.mkdir(dir, { recursive: true, mode: 0o700 });
          let text = '';
          try {
            text = await fs.readFile(file, 'utf8');
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ShopMlopsError.fromUnknown(e);
          }
          const lines = text.split('\n');
          const tail = lines.pop() ?? '';
          if (tail === '') return lines.filter((l) => l !== '');
          // A crash mid-append left a last line without its newline. Whole, it is completed; torn, it is cut off. Either
          // way the next record starts a line of its own (appended to torn bytes it would be unreadable, and lost).
          let whole = true;
          try {
            JSON.parse(tail);
          } catch {
            whole = false;
          }
          if (whole) await fs.appendFile(file, '\n');
          else await fs.truncate(file, Buffer.byteLength(text) - Buffer.byteLength(tail));
          return [...lines.filter((l) => l !== ''), ...(whole ? [tail] : [])];
        },
        async append(record) {
          const h = await fs.open(file, 'a', 0o600);
          try {
            await h.write(record + '\n');
            await h.sync();
          } finally {
            await h.close();
          }
        },
        size: () => fs.stat(file).then((st) => st.size, () => 0),
        async rewrite(records) {
          await writeFileDurably(file, records.map((r) => r + '\n').join(''));
        },
        putChunk: async (runId, index, text) => writeFileDurably(chunk(runId, index), text),
        getChunk: async (runId, index) => fs.readFile(chunk(runId, index)),
        dropRun: async (runId) => fs.rm(runDir(runId), { recursive: true, force: true }),
        async runFiles() {
          const out = new Map<string, number[]>();
          for (const runId of (await fs.readdir(path.join(dir, 'runs')).catch(() => [] as string[])).filter((n) => RUN_ID.test(n))) {
            const names = await fs.readdir(runDir(runId)).catch(() => [] as string[]);
            out.set(runId, names.flatMap((n) => /^chunk-(\d+)\.jsonl$/.exec(n)?.[1] ?? []).map(Number).sort((a, b) => a - b));
          }
          return out;
        },
        // A rewrite renames a new file over the old one and a dropped run is unlinked; only a write a crash cut short
        // leaves an old copy (its .tmp file).
        async purgeOld() {
          const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
          for (const e of entries) if (e.isFile() && e.name.endsWith('.tmp')) await fs.rm(path.join(e.parentPath, e.name), { force: true });
        },
        drop: async () => fs.rm(dir, { recursive: true, force: true }),
      };
    },
  };
}
