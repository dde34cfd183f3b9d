// Full rescoring as bulk mutations: metafieldsSet lines (25 metafields each) in JSONL files under the size limit, staged upload, bulkOperationRunMutation one file after another, completion from the finish webhook or polling; every step journaled so a crashed run resumes where it stopped.
import { randomUUID } from 'node:crypto';
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import type { AdminGraphql } from './admin-graphql';
import type { BulkFinishSignals } from './bulk-finish-signals';
import { metafieldInput, type MetafieldInput } from './metafield-contract';
import {
  BULK_OPERATION,
  CURRENT_BULK_MUTATION,
  RUN_BULK_MUTATION,
  SET_METAFIELDS,
  STAGE_UPLOAD,
  TERMINAL_STATUSES,
  bulkNodeAnswer,
  bulkResultLine,
  currentBulkAnswer,
  runBulkAnswer,
  stageAnswer,
  type BulkOperation,
} from './admin-operations';
import { SET_BATCH } from './delta-write';
import type { WriteJournal } from './write-journal';

/** Shopify refuses staged bulk variable files of 20 MB or more; stay clear of it. */
export const MAX_CHUNK_BYTES = 20 * 1024 * 1024 - 64 * 1024;

export interface BulkOptions {
  maxChunkBytes?: number;
  /** Polling interval while waiting (the finish webhook wakes the wait earlier). Default 5 s, growing to 30 s. */
  pollMs?: number;
  signals?: BulkFinishSignals;
  logger?: Logger;
  /** fetch for the upload target and results files (default global fetch). */
  fetchFn?: typeof fetch;
}

export interface BulkResult {
  runId: string;
  resumed: boolean;
  operations: number;
  written: number;
  rejected: number;
  /** Lines a failed operation never executed, sent again in a follow-up file. */
  requeuedLines: number;
}

const lineOf = (items: MetafieldInput[]) => JSON.stringify({ metafields: items });

/** JSONL files of metafieldsSet variables: 25 metafields per line, each file below maxBytes. */
export function chunkLines(items: readonly MetafieldInput[], maxBytes: number): string[][] {
  const files: string[][] = [];
  let cur: string[] = [];
  let size = 0;
  for (let i = 0; i < items.length; i += SET_BATCH) {
    const line = lineOf(items.slice(i, i + SET_BATCH));
    const bytes = Buffer.byteLength(line) + 1;
    if (bytes > maxBytes) throw new ShopMlopsError('BAD_REQUEST', `one JSONL line (${bytes} bytes) exceeds the file limit ${maxBytes}`);
    if (size + bytes > maxBytes && cur.length) {
      files.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(line);
    size += bytes;
  }
  if (cur.length) files.push(cur);
  return files;
}

/** Plans a run: its files written first, then the run record (a crash before it leaves nothing to resume). */
export async function planRun(journal: WriteJournal, items: readonly MetafieldInput[], maxBytes: number): Promise<string> {
  const runId = `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
  const files = chunkLines(items, maxBytes);
  for (const [i, lines] of files.entries()) await journal.store.putChunk(runId, i, lines.join('\n') + '\n');
  await journal.append({ t: 'run', runId, at: new Date().toISOString(), chunks: files.length, metafields: items.length });
  return runId;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function currentOp(api: AdminGraphql): Promise<BulkOperation | null> {
  return currentBulkAnswer.parse(await api.request(CURRENT_BULK_MUTATION)).currentBulkOperation;
}

async function waitForOp(api: AdminGraphql, opId: string, o: BulkOptions): Promise<BulkOperation> {
  let interval = o.pollMs ?? 5_000;
  for (;;) {
    const op = bulkNodeAnswer.parse(await api.request(BULK_OPERATION, { id: opId })).node;
    if (!op) throw new ShopMlopsError('NOT_FOUND', `bulk operation ${opId} not found`);
    if (TERMINAL_STATUSES.has(op.status)) return op;
    if (o.signals) await o.signals.wait(opId, interval);
    else await sleep(interval);
    interval = Math.min(30_000, Math.ceil(interval * 1.5));
  }
}

async function stageAndUpload(api: AdminGraphql, filename: string, body: Buffer, fetchFn: typeof fetch): Promise<string> {
  const ans = stageAnswer.parse(await api.request(STAGE_UPLOAD, { input: [{ resource: 'BULK_MUTATION_VARIABLES', filename, mimeType: 'text/jsonl', httpMethod: 'POST' }] }));
  const errs = ans.stagedUploadsCreate.userErrors;
  const target = ans.stagedUploadsCreate.stagedTargets[0];
  if (errs.length || !target) throw new ShopMlopsError('UNPROCESSABLE', `stagedUploadsCreate: ${errs.map((e) => e.message).join('; ') || 'no target'}`);
  const key = target.parameters.find((p) => p.name === 'key')?.value;
  if (!key) throw new ShopMlopsError('UNPROCESSABLE', 'stagedUploadsCreate gave no key parameter');
  const form = new FormData();
  for (const p of target.parameters) form.append(p.name, p.value);
  form.append('file', new Blob([new Uint8Array(body)], { type: 'text/jsonl' }), filename);
  const res = await fetchFn(target.url, { method: 'POST', body: form });
  if (!res.ok) throw new ShopMlopsError('UNAVAILABLE', `staged upload answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return key;
}

/** Reads a results file: line number → that line's result. */
async function readResults(url: string | null | undefined, fetchFn: typeof fetch): Promise<Map<number, ReturnType<typeof bulkResultLine.parse>>> {
  const out = new Map<number, ReturnType<typeof bulkResultLine.parse>>();
  if (!url) return out;
  const res = await fetchFn(url);
  if (!res.ok) throw new ShopMlopsError('UNAVAILABLE', `bulk results file answered ${res.status}`);
  for (const line of (await res.text()).split('\n')) {
    if (!line.trim()) continue;
    const r = bulkResultLine.parse(JSON.parse(line));
    out.set(r.__lineNumber, r);
  }
  return out;
}

/** Runs (or resumes) the journal's open run to its end, one bulk operation at a time. */
export async function runBulk(api: AdminGraphql, journal: WriteJournal, o: BulkOptions, resumed: boolean): Promise<BulkResult> {
  const run = journal.state.run;
  if (!run || run.done) throw new ShopMlopsError('INTERNAL', 'no open bulk run in the journal');
  const fetchFn = o.fetchFn ?? fetch;
  const result: BulkResult = { runId: run.runId, resumed, operations: 0, written: 0, rejected: 0, requeuedLines: 0 };
  for (let index = 0; index < run.chunks.length; index++) {
    const chunk = run.chunks[index]!;
    if (chunk.finished) continue;
    const file = `chunk-${index}.jsonl`;
    const body = await journal.store.getChunk(run.runId, index);
    const lines = body.toString('utf8').split('\n').filter((l) => l !== '');
    let opId = chunk.opId;
    if (!opId && chunk.starting) {
      // bulkOperationRunMutation was sent and the answer lost: an operation this journal never saw is that one.
      const cur = await currentOp(api);
      if (cur && !chunk.starting.includes(cur.id)) {
        opId = cur.id;
        await journal.append({ t: 'bulk_started', runId: run.runId, index, opId });
        o.logger?.info('found the bulk operation started before a crash', { opId, index });
      }
    }
    if (!opId) {
      let stagedUploadPath = chunk.stagedUploadPath ?? (await stageAndUpload(api, file, body, fetchFn));
      if (!chunk.stagedUploadPath) await journal.append({ t: 'uploaded', runId: run.runId, index, stagedUploadPath });
      let restaged = false;
      for (let attempt = 0; ; attempt++) {
        const before = await currentOp(api);
        if (before && !TERMINAL_STATUSES.has(before.status)) {
          // One bulk mutation at a time per shop: chained after whatever runs.
          await waitForOp(api, before.id, o);
          continue;
        }
        await journal.append({ t: 'bulk_starting', runId: run.runId, index, knownOps: [...new Set([...journal.state.ops, ...(before ? [before.id] : [])])] });
        const ans = runBulkAnswer.parse(await api.request(RUN_BULK_MUTATION, { mutation: SET_METAFIELDS, stagedUploadPath, clientIdentifier: `shop-mlops-${run.runId}-${index}` }));
        const errs = ans.bulkOperationRunMutation.userErrors;
        if (errs.some((e) => e.code === 'OPERATION_IN_PROGRESS') && attempt < 20) continue;
        if (errs.some((e) => e.code === 'NO_SUCH_FILE') && !restaged) {
          // A staged file expired while the run waited (a resume much later): stage it again, once.
          restaged = true;
          stagedUploadPath = await stageAndUpload(api, file, body, fetchFn);
          await journal.append({ t: 'uploaded', runId: run.runId, index, stagedUploadPath });
          continue;
        }
        if (errs.length || !ans.bulkOperationRunMutation.bulkOperation) throw new ShopMlopsError('UNPROCESSABLE', `bulkOperationRunMutation: ${errs.map((e) => e.message).join('; ') || 'no operation'}`);
        opId = ans.bulkOperationRunMutation.bulkOperation.id;
        await journal.append({ t: 'bulk_started', runId: run.runId, index, opId });
        break;
      }
    }
    const op = await waitForOp(api, opId, o);
    result.operations++;
    const results = await readResults(op.url ?? op.partialDataUrl, fetchFn);
    const written: MetafieldInput[] = [];
    const unexecuted: string[] = [];
    let rejected = 0;
    lines.forEach((line, n) => {
      const items = (JSON.parse(line) as { metafields: unknown[] }).metafields.map((m) => metafieldInput.parse(m));
      const r = results.get(n);
      if (!r) {
        if (op.status !== 'COMPLETED') unexecuted.push(line);
        else rejected += items.length;
      } else if (r.data?.metafieldsSet && r.data.metafieldsSet.userErrors.length === 0 && !r.errors?.length) written.push(...items);
      else rejected += items.length;
    });
    if (unexecuted.length) {
      // A failed operation's unexecuted lines go again in a follow-up file (never executed, so not a second write).
      const next = run.chunks.length;
      await journal.store.putChunk(run.runId, next, unexecuted.join('\n') + '\n');
      await journal.append({ t: 'chunk_added', runId: run.runId, index: next, lines: unexecuted.length });
      result.requeuedLines += unexecuted.length;
    }
    await journal.append({ t: 'bulk_finished', runId: run.runId, index, opId, status: op.status, written, rejected, unexecutedLines: unexecuted.length });
    o.logger?.info('bulk operation finished', { opId, index, status: op.status, errorCode: op.errorCode ?? null, written: written.length, rejected, requeued: unexecuted.length });
    result.written += written.length;
    result.rejected += rejected;
    // An operation that failed before executing anything: stop here (the follow-up file waits for the next run).
    if (op.status !== 'COMPLETED' && results.size === 0) throw new ShopMlopsError('UNAVAILABLE', `bulk operation ${opId} ${op.status} (${op.errorCode ?? 'no error code'}) before executing any line`, { retryable: true });
  }
  await journal.append({ t: 'run_done', runId: run.runId, at: new Date().toISOString() });
  await journal.store.dropRun(run.runId);
  return result;
}
