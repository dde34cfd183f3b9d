// The durable journal of the metafields write-back, one per shop in a JournalStorage (embedded: <data-dir>/metafields/<shop>/journal.jsonl; cloud: Cloud Storage objects): every intent before its call, every confirmed write after; replayed on start so a crashed run resumes without writing twice.
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import { assertShop, fileJournalStorage, type JournalStorage, type ShopJournalStore } from './journal-storage';
import { metafieldInput, type MetafieldInput } from './metafield-contract';
import { slotOf } from './metafield-values';

const item = metafieldInput;
const record = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('definitions'), at: z.string(), created: z.number().int(), existing: z.number().int() }),
  z.strictObject({ t: z.literal('set_intent'), id: z.string(), items: z.array(item) }),
  z.strictObject({ t: z.literal('set_done'), id: z.string(), written: z.array(item), rejected: z.array(z.strictObject({ slot: z.string(), message: z.string() })) }),
  z.strictObject({ t: z.literal('run'), runId: z.string(), at: z.string(), chunks: z.number().int().nonnegative(), metafields: z.number().int().nonnegative() }),
  z.strictObject({ t: z.literal('chunk_added'), runId: z.string(), index: z.number().int().nonnegative(), lines: z.number().int().nonnegative() }),
  z.strictObject({ t: z.literal('uploaded'), runId: z.string(), index: z.number().int().nonnegative(), stagedUploadPath: z.string() }),
  z.strictObject({ t: z.literal('bulk_starting'), runId: z.string(), index: z.number().int().nonnegative(), knownOps: z.array(z.string()) }),
  z.strictObject({ t: z.literal('bulk_started'), runId: z.string(), index: z.number().int().nonnegative(), opId: z.string() }),
  z.strictObject({
    t: z.literal('bulk_finished'),
    runId: z.string(),
    index: z.number().int().nonnegative(),
    opId: z.string(),
    status: z.string(),
    written: z.array(item),
    rejected: z.number().int().nonnegative(),
    unexecutedLines: z.number().int().nonnegative(),
  }),
  z.strictObject({ t: z.literal('run_done'), runId: z.string(), at: z.string() }),
]);
export type JournalRecord = z.infer<typeof record>;
/** One stored record's schema (the journal's redaction rewrites records too). */
export const journalRecord = record;

export interface ChunkState {
  index: number;
  stagedUploadPath: string | null;
  /** bulkOperationRunMutation sent, its answer not recorded: the op ids known before it (the new one is any other). */
  starting: string[] | null;
  opId: string | null;
  finished: boolean;
}

export interface RunState {
  runId: string;
  chunks: ChunkState[];
  done: boolean;
}

/** What the journal says, replayed. */
export interface JournalState {
  /** Slot (owner|key) → the value last confirmed written. */
  written: Map<string, MetafieldInput>;
  /** metafieldsSet calls sent whose answer was never recorded (in doubt). */
  openIntents: Map<string, MetafieldInput[]>;
  /** The last bulk run (full rescoring), done or not. */
  run: RunState | null;
  definitionsDone: boolean;
  /** Every bulk operation id this shop's journal knows. */
  ops: string[];
}

export class WriteJournal {
  private constructor(
    /** The shop's records and run files. */
    readonly store: ShopJournalStore,
    readonly state: JournalState,
  ) {}

  /** The shop's journal in `storage` (a directory: the embedded file storage there), replayed. */
  static async open(storage: string | JournalStorage, shop: string): Promise<WriteJournal> {
    const store = (typeof storage === 'string' ? fileJournalStorage(storage) : storage).open(assertShop(shop));
    const state: JournalState = { written: new Map(), openIntents: new Map(), run: null, definitionsDone: false, ops: [] };
    (await store.read()).forEach((line, i) => {
      let parsed: JournalRecord;
      try {
        parsed = record.parse(JSON.parse(line));
      } catch (e) {
        throw new ShopMlopsError('INTERNAL', `metafield journal ${store.where} record ${i + 1} is corrupt: ${(e as Error).message}`);
      }
      apply(state, parsed);
    });
    return new WriteJournal(store, state);
  }

  /** Appends one record durably and applies it. */
  async append(r: JournalRecord): Promise<void> {
    await this.store.append(JSON.stringify(record.parse(r)));
    apply(this.state, r);
  }

  /**
   * Rewrites the journal as its state (definitions done, every confirmed value) when nothing is open, atomically (a
   * crash leaves the old or the new records). Called after a run once the journal has grown past `minBytes`.
   */
  async compact(minBytes = 4 * 1024 * 1024): Promise<boolean> {
    const s = this.state;
    if (s.openIntents.size || (s.run && !s.run.done)) return false;
    if ((await this.store.size()) < minBytes) return false;
    const records: JournalRecord[] = [];
    if (s.definitionsDone) records.push({ t: 'definitions', at: new Date().toISOString(), created: 0, existing: 0 });
    const written = [...s.written.values()];
    for (let i = 0; i < written.length; i += 5_000) records.push({ t: 'set_done', id: `compacted-${i}`, written: written.slice(i, i + 5_000), rejected: [] });
    await this.store.rewrite(records.map((r) => JSON.stringify(record.parse(r))));
    // Known bulk operation ids and the last run are history once compacted (a finished run is never resumed).
    s.run = null;
    return true;
  }
}

function apply(s: JournalState, r: JournalRecord): void {
  const chunk = (runId: string, index: number): ChunkState | null => (s.run && s.run.runId === runId ? (s.run.chunks[index] ?? null) : null);
  switch (r.t) {
    case 'definitions':
      s.definitionsDone = true;
      break;
    case 'set_intent':
      s.openIntents.set(r.id, r.items);
      break;
    case 'set_done':
      s.openIntents.delete(r.id);
      for (const m of r.written) s.written.set(slotOf(m), m);
      break;
    case 'run':
      s.run = { runId: r.runId, chunks: Array.from({ length: r.chunks }, (_, index) => ({ index, stagedUploadPath: null, starting: null, opId: null, finished: false })), done: false };
      break;
    case 'chunk_added':
      if (s.run && s.run.runId === r.runId) s.run.chunks[r.index] = { index: r.index, stagedUploadPath: null, starting: null, opId: null, finished: false };
      break;
    case 'uploaded': {
      const c = chunk(r.runId, r.index);
      if (c) c.stagedUploadPath = r.stagedUploadPath;
      break;
    }
    case 'bulk_starting': {
      const c = chunk(r.runId, r.index);
      if (c) c.starting = r.knownOps;
      break;
    }
    case 'bulk_started': {
      const c = chunk(r.runId, r.index);
      if (c) {
        c.opId = r.opId;
        c.starting = null;
      }
      if (!s.ops.includes(r.opId)) s.ops.push(r.opId);
      break;
    }
    case 'bulk_finished': {
      const c = chunk(r.runId, r.index);
      if (c) c.finished = true;
      for (const m of r.written) s.written.set(slotOf(m), m);
      break;
    }
    case 'run_done':
      if (s.run && s.run.runId === r.runId) s.run.done = true;
      break;
  }
}
