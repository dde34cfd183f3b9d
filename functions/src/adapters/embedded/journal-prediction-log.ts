// PredictionLog embedded: entries group-committed to an append-only journal (fdatasync) off the response path, then drained in batches into DuckDB shop_predictions.prediction_log through the runtime's one writer.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../core/log';
import type { PredictionLog, PredictionLogEntry, PredictionLogStats } from '../../ports/prediction-log';
import { duckdbType } from '../../serving/prediction-tables';
import { PREDICTION_LOG_COLUMNS, QUALIFIED_PREDICTION_LOG } from '../../serving/prediction-log-table';
import { ensurePredictionLogTable, type DuckDbTransactions } from './duckdb-prediction-store';
import { DuckDBBlobValue } from '@duckdb/node-api';
import { appendLines, syncDir } from './jsonl-journal';
import { sqlLiteral } from './sql-literal';

type Exec = Parameters<Parameters<DuckDbTransactions['transaction']>[0]>[0];

export interface JournalPredictionLogOptions {
  /** Directory of the journal files, e.g. `<dataDir>/prediction-log`. */
  dir: string;
  /** The runtime's warehouse: drains run in its transactions, so they queue behind (never beside) the loader's. */
  warehouse: DuckDbTransactions;
  logger: Logger;
  /** Group commit: buffered entries are appended and fdatasync'd at least this often (ms). */
  commitMs?: number;
  /** The journal is drained into DuckDB this often (ms). */
  drainMs?: number;
  /** Entries held in memory before new ones are dropped (and counted). */
  maxBuffered?: number;
}

export interface JournalPredictionLog extends PredictionLog {
  /** Commits the buffer, then loads every journal file into DuckDB; resolves with the rows inserted. */
  drain(): Promise<number>;
}

const PENDING = 'pending.jsonl';
const DRAINING = /^draining-\d+-\d+\.jsonl$/;
/** Entries per INSERT when inserting entries given in memory (insertLogEntries). */
const CHUNK = 500;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const wire = (t: string) => (t === 'TIMESTAMPTZ' ? 'VARCHAR' : t);
const COLUMN_LIST = PREDICTION_LOG_COLUMNS.map((c) => `"${c.name}"`).join(', ');
/** The columns as a journal line carries them (timestamps as ISO text), for DuckDB's JSON readers. */
const LINE_COLUMNS = PREDICTION_LOG_COLUMNS.map((c) => [c.name, wire(duckdbType(c.type))] as const);

/**
 * The one INSERT both paths run, from `lines` (a relation of journal lines with the columns as text): rows not yet in
 * the table (a journal drained twice after a crash lands once; the check reads only rows served since `since`, the
 * batch's earliest served_at, a constant so DuckDB prunes by it: computed in the query it made the insert 4x slower),
 * and none about a customer a customers/redact has removed or a shop a shop/redact has: answers still in the journal
 * when the redaction ran (at most the last drain interval's) would otherwise reach the table after its DELETE. Lines
 * without prediction_id, shop or served_at are not entries and are skipped.
 */
function insertNewRows(lines: string, since: string): string {
  const typed = PREDICTION_LOG_COLUMNS.map((c) => `"${c.name}"::${duckdbType(c.type)} AS "${c.name}"`).join(', ');
  return `INSERT INTO ${QUALIFIED_PREDICTION_LOG} (${COLUMN_LIST})
    WITH s AS (SELECT ${typed} FROM ${lines} WHERE prediction_id IS NOT NULL AND shop IS NOT NULL AND served_at IS NOT NULL)
    SELECT ${COLUMN_LIST} FROM s
    WHERE NOT EXISTS (SELECT 1 FROM ${QUALIFIED_PREDICTION_LOG} AS l WHERE l.served_at >= ${since}::TIMESTAMPTZ AND l.prediction_id = s.prediction_id)
      AND NOT EXISTS (SELECT 1 FROM shop_raw.privacy_audit AS a WHERE a.shop = s.shop AND (a.action = 'shop/redact' OR (a.action = 'customers/redact' AND a.customer_id = s.customer_id)))`;
}

/** Bytes of each chunk entries are serialised into (an entry is ~1 KB; a larger one gets a chunk of its own size). */
const LINE_CHUNK_BYTES = 64 * 1024;

/**
 * Entries waiting for the next commit, serialised as they are recorded ("\n" + JSON each) into off-heap chunks.
 * Held as objects until the commit (100 ms), each entry outlived a young-generation collection or two, which copies
 * every live object it finds: at 2,000 predictions/s that copying was most of each scavenge's pause, in the
 * prediction routes' tail latency. Bytes in a Buffer are not on the JS heap; the entry and its JSON text die young.
 */
class LineBuffer {
  /** Filled parts, in order (views of their chunks). */
  private parts: Buffer[] = [];
  private chunk: Buffer | null = null;
  private used = 0;
  /** Entries held. */
  count = 0;
  /** Their earliest served_at (null when empty). */
  since: string | null = null;

  push(json: string, servedAt: string): void {
    // Worst case 3 bytes per UTF-16 unit; measured exactly only when that might not fit.
    let need = json.length * 3 + 1;
    if (!this.chunk || this.used + need > this.chunk.length) {
      need = Buffer.byteLength(json, 'utf8') + 1;
      if (!this.chunk || this.used + need > this.chunk.length) {
        this.seal();
        this.chunk = Buffer.allocUnsafeSlow(Math.max(LINE_CHUNK_BYTES, need));
      }
    }
    const c = this.chunk!;
    c[this.used++] = 0x0a;
    this.used += c.write(json, this.used, 'utf8');
    this.count++;
    if (this.since === null || servedAt < this.since) this.since = servedAt;
  }

  /** Everything held, in order; the buffer is empty afterwards. */
  take(): { parts: Buffer[]; count: number; since: string | null } {
    this.seal();
    const out = { parts: this.parts, count: this.count, since: this.since };
    this.parts = [];
    this.count = 0;
    this.since = null;
    return out;
  }

  /** Puts back what a failed commit took, ahead of what came since. */
  restore(taken: { parts: Buffer[]; count: number; since: string | null }): void {
    this.seal();
    this.parts = taken.parts.concat(this.parts);
    this.count += taken.count;
    if (taken.since !== null && (this.since === null || taken.since < this.since)) this.since = taken.since;
  }

  private seal(): void {
    if (this.chunk && this.used > 0) this.parts.push(this.chunk.subarray(0, this.used));
    this.chunk = null;
    this.used = 0;
  }
}

const earliest = (entries: readonly { served_at: string }[]): string => entries.reduce((m, e) => (e.served_at < m ? e.served_at : m), entries[0]!.served_at);

const countOf = (rows: Record<string, unknown>[]): number => Number(rows[0]?.['Count'] ?? 0);

/** Inserts entries given in memory (tests, tools): their JSON lines go to DuckDB as one BLOB per CHUNK entries. */
export async function insertLogEntries(exec: Exec, entries: readonly PredictionLogEntry[]): Promise<number> {
  const structure = JSON.stringify(Object.fromEntries(LINE_COLUMNS));
  const lines = `(SELECT r.* FROM (SELECT from_json(line, '${structure}') AS r FROM (SELECT unnest(string_split(decode($1), chr(10))) AS line) WHERE line <> ''))`;
  let inserted = 0;
  for (let i = 0; i < entries.length; i += CHUNK) {
    const part = entries.slice(i, i + CHUNK);
    const bytes = Buffer.from(part.map((e) => JSON.stringify(e)).join('\n'), 'utf8');
    inserted += countOf(await exec(insertNewRows(lines, '$2'), [new DuckDBBlobValue(bytes), earliest(part)]));
    await yieldToEventLoop();
  }
  return inserted;
}

/**
 * Inserts a journal file's entries, read by DuckDB itself (read_ndjson: a torn last line after a crash, never
 * acknowledged as durable, is skipped). The warehouse must allow reading the journal's directory (readableDirs).
 * `since`: the file's earliest served_at when this process wrote it; else it is read from the file first.
 */
async function insertJournalFile(exec: Exec, file: string, since: string | null): Promise<number> {
  const columns = `{${LINE_COLUMNS.map(([n, t]) => `'${n}': '${t}'`).join(', ')}}`;
  const lines = `read_ndjson(${sqlLiteral(file)}, columns = ${columns}, format = 'newline_delimited', ignore_errors = true)`;
  const from = since ?? (await exec(`SELECT min(served_at) AS m FROM ${lines} WHERE prediction_id IS NOT NULL AND shop IS NOT NULL`))[0]?.['m'];
  if (typeof from !== 'string') return 0; // no entry in the file
  return countOf(await exec(insertNewRows(lines, '$1'), [from]));
}

export function createJournalPredictionLog(opts: JournalPredictionLogOptions): JournalPredictionLog {
  const { dir, warehouse, logger } = opts;
  const maxBuffered = opts.maxBuffered ?? 100_000;
  const pendingFile = path.join(dir, PENDING);
  const buffer = new LineBuffer();
  /** The earliest served_at this process appended to the pending file since it was last frozen (null: none, or unknown). */
  let pendingSince: string | null = null;
  /** Whether the pending file may hold lines this process did not write (an earlier process's, not set aside). */
  let pendingForeign = true;
  /** The earliest served_at of each file this process froze (files an earlier process left are asked). */
  const sinceOf = new Map<string, string>();
  let written = 0;
  let dropped = 0;
  let committing = 0;
  let seq = 0;
  // One chain serialises commits and drains: a drain never renames the journal under an append.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };

  // A pending file an earlier process left is set aside first (before any commit of this one), so each pending file
  // this process freezes holds only its own lines and their earliest served_at is known.
  void serial(async () => {
    try {
      await fsp.rename(pendingFile, path.join(dir, `draining-${Date.now()}-${++seq}.jsonl`));
      await syncDir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        logger.warn('prediction log: the pending journal an earlier process left could not be set aside; it is drained with this one', { error: (err as Error).message });
        return;
      }
    }
    pendingForeign = false;
  });

  const commit = (): Promise<void> =>
    serial(async () => {
      if (buffer.count === 0) return;
      const batch = buffer.take();
      committing = batch.count;
      try {
        // Nothing of it stays in memory: a drain has DuckDB read the journal file itself.
        // Lowered before the write: a failed write may still have put some of these lines in the file.
        if (pendingSince === null || batch.since! < pendingSince) pendingSince = batch.since;
        await appendLines(pendingFile, batch.parts);
        written += batch.count;
      } catch (err) {
        // The disk refused: keep the entries for the next commit (record() drops new ones beyond maxBuffered).
        buffer.restore(batch);
        logger.warn('prediction log commit failed; retrying', { error: (err as Error).message, entries: batch.count });
        throw err;
      } finally {
        committing = 0;
      }
    });

  const drainFiles = (): Promise<number> =>
    serial(async () => {
      await fsp.mkdir(dir, { recursive: true });
      // Freeze the journal: later appends start a new pending file; the frozen one is loaded, then removed.
      try {
        const name = `draining-${Date.now()}-${++seq}.jsonl`;
        await fsp.rename(pendingFile, path.join(dir, name));
        if (pendingSince !== null && !pendingForeign) sinceOf.set(name, pendingSince);
        pendingSince = null;
        pendingForeign = false;
        await syncDir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const files = (await fsp.readdir(dir)).filter((f) => DRAINING.test(f)).sort((a, b) => {
        const [, ta, sa] = /^draining-(\d+)-(\d+)/.exec(a)!;
        const [, tb, sb] = /^draining-(\d+)-(\d+)/.exec(b)!;
        return Number(ta) - Number(tb) || Number(sa) - Number(sb);
      });
      let inserted = 0;
      for (const f of files) {
        const file = path.join(dir, f);
        inserted += await warehouse.transaction(async (exec) => {
          await ensurePredictionLogTable(exec);
          return insertJournalFile(exec, file, sinceOf.get(f) ?? null);
        });
        await fsp.unlink(file);
        sinceOf.delete(f);
      }
      return inserted;
    });

  const drain = async (): Promise<number> => {
    await commit();
    return drainFiles();
  };

  const commitTimer = setInterval(() => void commit().catch(() => undefined), opts.commitMs ?? 100);
  commitTimer.unref();
  const drainTimer = setInterval(
    () => void drainFiles().catch((err: Error) => logger.warn('prediction log drain failed; the journal is kept and drained later', { error: err.message })),
    opts.drainMs ?? 2_000,
  );
  drainTimer.unref();
  let closed = false;

  return {
    record(entry) {
      // A commit in flight counts: should it fail, its entries come back to the buffer.
      if (closed || buffer.count + committing >= maxBuffered) {
        dropped++;
        return;
      }
      buffer.push(JSON.stringify(entry), entry.served_at);
    },
    flush: commit,
    drain,
    stats: (): PredictionLogStats => ({ pending: buffer.count + committing, written, dropped }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(commitTimer);
      clearInterval(drainTimer);
      await commit().catch(() => undefined);
      // What does not reach DuckDB now stays in the journal and is drained at the next start.
      await drainFiles().catch((err: Error) => logger.warn('prediction log not drained at close; drained at next start', { error: err.message }));
    },
  };
}
