// PredictionLog embedded: entries group-committed to an append-only journal (fdatasync) off the response path, then drained in batches into DuckDB shop_predictions.prediction_log through the runtime's one writer.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../core/log';
import type { PredictionLog, PredictionLogEntry, PredictionLogStats } from '../../ports/prediction-log';
import { duckdbType } from '../../serving/prediction-tables';
import { PREDICTION_LOG_COLUMNS, QUALIFIED_PREDICTION_LOG } from '../../serving/prediction-log-table';
import { ensurePredictionLogTable, type DuckDbTransactions } from './duckdb-prediction-store';
import { DuckDBBlobValue } from '@duckdb/node-api';
import { appendJournalBytes, syncDir } from './jsonl-journal';

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
/**
 * Rows per INSERT statement (one BLOB parameter of JSON lines each). Serialising the entries, binding the parameter and reading
 * the answer are synchronous on the serving thread: small chunks with a yield between keep each step near a
 * millisecond, so a drain never stalls the prediction routes (5,000-row chunks put ~40 ms stalls into their p99).
 */
const CHUNK = 500;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Inserts entries not yet in the table (a journal drained twice after a crash lands once). Entries about a customer a
 * customers/redact has removed, or of a shop a shop/redact has, never land: answers still in the journal when the
 * redaction ran (at most the last drain interval's) would otherwise reach the table after its DELETE.
 */
export async function insertLogEntries(exec: Exec, entries: readonly PredictionLogEntry[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < entries.length; i += CHUNK) {
    const part = entries.slice(i, i + CHUNK);
    inserted += await insertLogLines(exec, chunkOf(part.map((e) => JSON.stringify(e)), part));
  }
  return inserted;
}

/**
 * Journal lines as the journal holds them: UTF-8 bytes, each line preceded by `\n`, off the JS heap (a drain interval's
 * answers kept as strings were copied by every young-generation GC they lived through), and their earliest served_at
 * (the insert's lower bound for the duplicate check). At most CHUNK lines.
 */
interface LineChunk {
  bytes: Buffer;
  lines: number;
  since: string;
}

function chunkOf(lines: readonly string[], entries: readonly { served_at: string }[]): LineChunk {
  const since = entries.reduce((m, e) => (e.served_at < m ? e.served_at : m), entries[0]!.served_at);
  return { bytes: Buffer.from('\n' + lines.join('\n'), 'utf8'), lines: lines.length, since };
}

/**
 * Inserts one chunk's lines: the bytes go to DuckDB as a BLOB, split into lines and parsed by from_json there (no JS
 * string of the chunk is built).
 */
async function insertLogLines(exec: Exec, chunk: LineChunk): Promise<number> {
  const wire = (t: string) => (t === 'TIMESTAMPTZ' ? 'VARCHAR' : t);
  const structure = JSON.stringify(Object.fromEntries(PREDICTION_LOG_COLUMNS.map((c) => [c.name, wire(duckdbType(c.type))])));
  const select = PREDICTION_LOG_COLUMNS.map((c) => `r."${c.name}"::${duckdbType(c.type)}`).join(', ');
  const rows = await exec(
    `INSERT INTO ${QUALIFIED_PREDICTION_LOG} (${PREDICTION_LOG_COLUMNS.map((c) => `"${c.name}"`).join(', ')})
     SELECT ${select} FROM (SELECT from_json(line, '${structure}') AS r FROM (SELECT unnest(string_split(decode($1), chr(10))) AS line) WHERE line <> '') AS s
     WHERE NOT EXISTS (SELECT 1 FROM ${QUALIFIED_PREDICTION_LOG} AS l WHERE l.served_at >= $2::TIMESTAMPTZ AND l.prediction_id = s.r.prediction_id)
       AND NOT EXISTS (SELECT 1 FROM shop_raw.privacy_audit AS a WHERE a.shop = s.r.shop AND (a.action = 'shop/redact' OR (a.action = 'customers/redact' AND a.customer_id = s.r.customer_id)))
     RETURNING 1`,
    [new DuckDBBlobValue(chunk.bytes), chunk.since],
  );
  return rows.length;
}

/** Inserts chunks with a yield between (each chunk's encoding and answer are synchronous work on the serving thread). */
async function insertChunks(exec: Exec, chunks: readonly LineChunk[]): Promise<number> {
  let inserted = 0;
  for (const c of chunks) {
    inserted += await insertLogLines(exec, c);
    await yieldToEventLoop();
  }
  return inserted;
}

const isEntry = (r: Record<string, unknown>): r is PredictionLogEntry & Record<string, unknown> => typeof r['prediction_id'] === 'string' && typeof r['shop'] === 'string' && typeof r['served_at'] === 'string';

/** The journal file's entries as chunks (a torn or foreign line is skipped), parsed CHUNK lines at a time with yields between. */
async function readChunks(file: string): Promise<LineChunk[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines = text.split('\n');
  const chunks: LineChunk[] = [];
  let kept: string[] = [];
  let entries: PredictionLogEntry[] = [];
  const close = () => {
    if (kept.length) chunks.push(chunkOf(kept, entries));
    kept = [];
    entries = [];
  };
  for (let i = 0; i < lines.length; i++) {
    if (i > 0 && i % CHUNK === 0) await yieldToEventLoop();
    const line = lines[i]!;
    if (!line) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v) && isEntry(v as Record<string, unknown>)) {
        kept.push(line);
        entries.push(v as PredictionLogEntry);
        if (kept.length === CHUNK) close();
      }
    } catch {
      /* a torn last line after a crash: its entry was never acknowledged as durable */
    }
  }
  close();
  return chunks;
}

export function createJournalPredictionLog(opts: JournalPredictionLogOptions): JournalPredictionLog {
  const { dir, warehouse, logger } = opts;
  const maxBuffered = opts.maxBuffered ?? 100_000;
  const pendingFile = path.join(dir, PENDING);
  let buffer: PredictionLogEntry[] = [];
  /** What this process committed to the pending file since it was last frozen, as written: a drain loads it from here, not by reading the file back. */
  let inPending: LineChunk[] = [];
  /** Frozen files of this process and their chunks (files left by an earlier process are read from disk). */
  const frozen = new Map<string, LineChunk[]>();
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

  /** Whether inPending holds everything in the pending file (false while a file an earlier process left may not have been set aside). */
  let inPendingComplete = false;
  // A pending file an earlier process left is set aside first (before any commit of this one): it is drained from disk.
  void serial(async () => {
    try {
      await fsp.rename(pendingFile, path.join(dir, `draining-${Date.now()}-${++seq}.jsonl`));
      await syncDir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        logger.warn('prediction log: the pending journal an earlier process left could not be set aside; it is drained from disk', { error: (err as Error).message });
        return;
      }
    }
    inPendingComplete = true;
  });

  const commit = (): Promise<void> =>
    serial(async () => {
      if (buffer.length === 0) return;
      const batch = buffer;
      buffer = [];
      committing = batch.length;
      try {
        // CHUNK entries per piece of bytes: the journal gets them all in one write, a drain inserts piece by piece.
        const pieces: LineChunk[] = [];
        for (let i = 0; i < batch.length; i += CHUNK) {
          const part = batch.slice(i, i + CHUNK);
          pieces.push(chunkOf(part.map((e) => JSON.stringify(e)), part));
        }
        await appendJournalBytes(pendingFile, pieces.length === 1 ? pieces[0]!.bytes : Buffer.concat(pieces.map((c) => c.bytes)));
        for (const c of pieces) inPending.push(c);
        written += batch.length;
      } catch (err) {
        // The disk refused: keep the entries (bounded) for the next commit.
        const kept = batch.concat(buffer);
        dropped += Math.max(0, kept.length - maxBuffered);
        buffer = kept.slice(0, maxBuffered);
        logger.warn('prediction log commit failed; retrying', { error: (err as Error).message, entries: batch.length });
        throw err;
      } finally {
        committing = 0;
      }
    });

  const drainFiles = (): Promise<number> =>
    serial(async () => {
      await fsp.mkdir(dir, { recursive: true });
      // Freeze the journal: later appends start a new pending file; the frozen one is loaded, then removed.
      const name = `draining-${Date.now()}-${++seq}.jsonl`;
      try {
        await fsp.rename(pendingFile, path.join(dir, name));
        if (inPendingComplete) frozen.set(name, inPending);
        inPending = [];
        inPendingComplete = true;
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
        const chunks = frozen.get(f) ?? (await readChunks(file));
        if (chunks.length) {
          inserted += await warehouse.transaction(async (exec) => {
            await ensurePredictionLogTable(exec);
            return insertChunks(exec, chunks);
          });
        }
        await fsp.unlink(file);
        frozen.delete(f);
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
      if (closed || buffer.length >= maxBuffered) {
        dropped++;
        return;
      }
      buffer.push(entry);
    },
    flush: commit,
    drain,
    stats: (): PredictionLogStats => ({ pending: buffer.length + committing, written, dropped }),
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
