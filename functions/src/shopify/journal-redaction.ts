// Privacy for the metafields write-back journal: customers/redact removes the customer's values from its records and run files (a resumed run neither writes twice nor writes them again); shop/redact deletes the shop's journal.
import { ShopMlopsError } from '../core/errors';
import type { JournalStorage, ShopJournalStore } from './journal-storage';
import { withShopJournal } from './journal-lock';
import { metafieldInput, ownerGid, type MetafieldInput } from './metafield-contract';
import { journalRecord, type JournalRecord } from './write-journal';

/** How long a redaction waits for a write-back run holding the shop's journal in this process before it is left to the scheduled privacy retry. */
export const JOURNAL_BUSY_WAIT_MS = 5_000;

export interface JournalRedaction {
  /** Metafield values of the customer removed (records and run files). */
  values: number;
  /** Run files rewritten or replaced without them. */
  runFiles: number;
  /** Runs whose files were dropped (done, the files left by a crash). */
  runsDropped: number;
}

type ChunkStatus = 'planned' | 'in_doubt' | 'started' | 'finished';
interface OpenRun {
  runId: string;
  /** Index → status; an index absent from it is planned (no operation sent). */
  status: Map<number, ChunkStatus>;
  chunks: number;
}

const parse = (store: ShopJournalStore, line: string, i: number): JournalRecord => {
  try {
    return journalRecord.parse(JSON.parse(line));
  } catch (e) {
    throw new ShopMlopsError('INTERNAL', `metafield journal ${store.where} record ${i + 1} is corrupt: ${(e as Error).message}`);
  }
};

/** The bulk run the journal leaves open (planned, not done), with what each of its files went through. */
function openRun(records: readonly JournalRecord[]): OpenRun | null {
  let run: OpenRun | null = null;
  for (const r of records) {
    if (r.t === 'run') run = { runId: r.runId, status: new Map(), chunks: r.chunks };
    else if (!run || !('runId' in r) || r.runId !== run.runId) continue;
    else if (r.t === 'chunk_added') run.chunks = Math.max(run.chunks, r.index + 1);
    else if (r.t === 'bulk_starting' && run.status.get(r.index) !== 'finished') run.status.set(r.index, 'in_doubt');
    else if (r.t === 'bulk_started' && run.status.get(r.index) !== 'finished') run.status.set(r.index, 'started');
    else if (r.t === 'bulk_finished') run.status.set(r.index, 'finished');
    else if (r.t === 'run_done') run = null;
  }
  return run;
}

/** A run file without the customer's values: line for line (results come back by line number) or without the emptied lines. */
function filterChunk(text: string, gid: string, keepLines: boolean): { text: string; removed: number; lines: number } {
  let removed = 0;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (!line.includes(gid)) {
      out.push(line);
      continue;
    }
    const items = (JSON.parse(line) as { metafields: unknown[] }).metafields.map((m) => metafieldInput.parse(m));
    const kept = items.filter((m) => m.ownerId !== gid);
    removed += items.length - kept.length;
    if (kept.length || keepLines) out.push(JSON.stringify({ metafields: kept }));
  }
  return { text: out.length ? out.join('\n') + '\n' : '', removed, lines: out.length };
}

const sameRecords = (a: readonly JournalRecord[], b: readonly JournalRecord[]) => a.length === b.length && a.every((r, i) => JSON.stringify(r) === JSON.stringify(b[i]));

/**
 * Order matters for a crash at any point. Files whose operation was (or may have been) sent are filtered in place, line
 * for line. A planned file holding the customer is replaced: its filtered copy is written at a new index first, then
 * one atomic rewrite of the records finishes the old index without an operation and adds the new one (the journal
 * refers to the old file or to the new one, never to a half-done state), then the old file is emptied. Staged uploads
 * of files not yet sent are forgotten by that rewrite, so a resumed run stages them again from the filtered files.
 */
async function redactCustomer(store: ShopJournalStore, customerId: string): Promise<JournalRedaction> {
  const gid = ownerGid('CUSTOMER', customerId);
  const res: JournalRedaction = { values: 0, runFiles: 0, runsDropped: 0 };
  const records = (await store.read()).map((l, i) => parse(store, l, i));
  const run = openRun(records);
  const superseded: number[] = [];
  const added: JournalRecord[] = [];
  let nextIndex = run?.chunks ?? 0;
  for (const [runId, indexes] of await store.runFiles()) {
    if (run?.runId !== runId && records.some((r) => r.t === 'run_done' && r.runId === runId)) {
      // A finished run whose files a crash left behind: nothing reads them again.
      await store.dropRun(runId);
      res.runsDropped++;
      continue;
    }
    for (const index of indexes) {
      const body = await store.getChunk(runId, index);
      const referenced = run?.runId === runId && index < run.chunks;
      const status = referenced ? (run!.status.get(index) ?? 'planned') : null;
      if (status === 'planned' && body.length === 0) {
        // Emptied by a redaction that stopped before its rewrite: nothing to send.
        superseded.push(index);
        continue;
      }
      if (!body.includes(gid)) continue;
      // Not referenced (a run being planned, or a follow-up file a crash left unrecorded): filtered in place.
      const f = filterChunk(body.toString('utf8'), gid, status !== null && status !== 'planned');
      res.values += f.removed;
      res.runFiles++;
      if (status !== 'planned') {
        await store.putChunk(runId, index, f.text);
        continue;
      }
      if (f.lines) {
        await store.putChunk(runId, nextIndex, f.text);
        added.push({ t: 'chunk_added', runId, index: nextIndex, lines: f.lines });
        nextIndex++;
      }
      superseded.push(index);
    }
  }
  const drop = (items: MetafieldInput[]) => {
    const kept = items.filter((m) => m.ownerId !== gid);
    res.values += items.length - kept.length;
    return kept;
  };
  const unsent = (runId: string, index: number) => run?.runId === runId && (run.status.get(index) ?? 'planned') !== 'started' && run.status.get(index) !== 'finished';
  const out: JournalRecord[] = [];
  for (const r of records) {
    switch (r.t) {
      case 'set_intent': {
        const items = drop(r.items);
        if (items.length || !r.items.length) out.push({ ...r, items });
        break;
      }
      case 'set_done': {
        const written = drop(r.written);
        const rejected = r.rejected.filter((x) => !x.slot.startsWith(`${gid}|`));
        if (written.length || rejected.length || (!r.written.length && !r.rejected.length)) out.push({ ...r, written, rejected });
        break;
      }
      case 'bulk_finished':
        out.push({ ...r, written: drop(r.written) });
        break;
      case 'uploaded':
        // A staged upload of a file not yet run holds the file as it was: staged again from the filtered file.
        if (!unsent(r.runId, r.index)) out.push(r);
        break;
      default:
        out.push(r);
    }
  }
  for (const index of superseded) out.push({ t: 'bulk_finished', runId: run!.runId, index, opId: '', status: 'REDACTED', written: [], rejected: 0, unexecutedLines: 0 });
  out.push(...added);
  if (!sameRecords(out, records)) await store.rewrite(out.map((r) => JSON.stringify(journalRecord.parse(r))));
  for (const index of superseded) await store.putChunk(run!.runId, index, '');
  // Old generations of rewritten, compacted or dropped objects held the customer's values too.
  await store.purgeOld();
  return res;
}

/** customers/redact: the customer's metafield values leave the shop's journal and its run files (and every stored generation of them). */
export function redactCustomerJournal(storage: JournalStorage, shop: string, customerId: string): Promise<JournalRedaction> {
  if (!/^\d+$/.test(customerId)) throw new ShopMlopsError('BAD_REQUEST', `not a customer id: ${JSON.stringify(customerId)}`);
  const store = storage.open(shop);
  return withShopJournal(shop, () => redactCustomer(store, customerId), { waitMs: JOURNAL_BUSY_WAIT_MS });
}

/** shop/redact: the shop's whole journal, records and run files, with every stored generation. */
export function redactShopJournal(storage: JournalStorage, shop: string): Promise<{ journal: string }> {
  const store = storage.open(shop);
  return withShopJournal(
    shop,
    async () => {
      await store.drop();
      return { journal: store.where };
    },
    { waitMs: JOURNAL_BUSY_WAIT_MS },
  );
}
