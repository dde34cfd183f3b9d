// Runs classification in a worker thread, restarting a worker that dies and re-sending its pending work (falls back to the calling thread).
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import type { LandedEvent } from '../core/classify';
import { bodyOf } from '../core/envelope';
import type { Logger } from '../core/log';
import { classifyPayloads, type ClassifyResponse } from './classify-worker';

export type Classified = Omit<ClassifyResponse, 'id'>;

export interface Classifier {
  classify(payloads: Buffer[]): Promise<Classified>;
  /** The worker thread now serving requests (null while classifying on the calling thread); for health and tests. */
  readonly worker: Worker | null;
  /** Workers started after one died. */
  readonly restarts: number;
  close(): Promise<void>;
}

/** Times one request may be re-sent after its worker died; then it is classified on the calling thread (its own errors caught there). */
const MAX_RESENDS = 2;
/** Worker deaths in a row (no request answered in between) after which classification stays on the calling thread. */
const MAX_RESTARTS_IN_A_ROW = 5;

interface Pending {
  payloads: Buffer[];
  resends: number;
  resolve: (r: Classified) => void;
  reject: (err: Error) => void;
}

/**
 * Gives an event from the worker its `payload`: the body's UTF-8 text (what the worker parsed), decoded from the
 * record's bytes when first read (landing reads the bytes; privacy topics, scrubbing and app events read the text).
 */
function attachPayload(e: LandedEvent, record: Buffer): void {
  let text: string | undefined;
  Object.defineProperty(e, 'payload', {
    enumerable: true,
    configurable: true,
    // The body is found in the record only here: landing takes its own view of the bytes, and most events are never read.
    get: () => (text ??= bodyOf(record).toString('utf8')),
    set: (v: string) => {
      text = v;
    },
  });
}

export function createClassifier(logger: Logger): Classifier {
  const ts = __filename.endsWith('.ts');
  const file = path.join(__dirname, ts ? 'classify-worker.ts' : 'classify-worker.js');
  let worker: Worker | null = null;
  let closed = false;
  let restarts = 0;
  let deathsInARow = 0;
  let next = 0;
  const pending = new Map<number, Pending>();

  const onMainThread = (p: Pending) => {
    try {
      p.resolve(classifyPayloads(p.payloads));
    } catch (err) {
      p.reject(err as Error);
    }
  };

  const send = (w: Worker, id: number, p: Pending) => {
    // Payloads in shared memory (the durable log's reads) go as they are: the worker reads the same bytes.
    if (p.payloads.every((x) => x.buffer instanceof SharedArrayBuffer)) return w.postMessage({ id, payloads: p.payloads });
    // Others: one copy into a fresh buffer, transferred (not cloned) to the worker: the main thread never copies twice.
    // The request keeps its own payloads, so a worker that dies mid-request can be sent it again.
    const total = p.payloads.reduce((n, x) => n + x.length, 0);
    const block = Buffer.allocUnsafeSlow(total); // its own ArrayBuffer (transferable), not zero-filled first
    const views: Uint8Array[] = [];
    let at = 0;
    for (const x of p.payloads) {
      x.copy(block, at);
      views.push(block.subarray(at, at + x.length));
      at += x.length;
    }
    w.postMessage({ id, payloads: views }, [block.buffer]);
  };

  const start = (): Worker | null => {
    try {
      // TypeScript sources (CLI through tsx, tests) register tsx inside the worker; compiled builds load the .js.
      // tsx is resolved here, not from the worker's cwd (eval workers resolve relative to process.cwd()).
      const w = new Worker(ts ? `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});` : file, { eval: ts });
      w.unref();
      w.on('message', (r: ClassifyResponse) => {
        deathsInARow = 0;
        const p = pending.get(r.id);
        pending.delete(r.id);
        if (!p) return;
        r.events.forEach((e, i) => attachPayload(e, p.payloads[r.indexes[i]!]!));
        p.resolve({ events: r.events, customerIds: r.customerIds, indexes: r.indexes, quarantined: r.quarantined, undecodable: r.undecodable });
      });
      w.on('error', (err) => logger.warn('classifier worker failed', { error: err.message }));
      w.once('exit', (code) => died(w, code));
      return w;
    } catch (err) {
      logger.warn('classifier worker unavailable; classifying on the main thread', { error: (err as Error).message });
      return null;
    }
  };

  /** A worker exited (crashed, was killed, or ran out of memory): start another and re-send what it had not answered. */
  const died = (w: Worker, code: number) => {
    if (worker !== w || closed) return;
    deathsInARow++;
    worker = deathsInARow > MAX_RESTARTS_IN_A_ROW ? null : start();
    if (worker) restarts++;
    logger.warn(worker ? 'classifier worker exited; restarted, pending work re-sent' : 'classifier worker keeps exiting; classifying on the main thread', {
      exitCode: code,
      pending: pending.size,
      restarts,
    });
    for (const [id, p] of [...pending]) {
      p.resends++;
      if (worker && p.resends <= MAX_RESENDS) send(worker, id, p);
      else {
        pending.delete(id);
        onMainThread(p);
      }
    }
  };

  worker = start();
  return {
    classify(payloads) {
      return new Promise<Classified>((resolve, reject) => {
        const p: Pending = { payloads, resends: 0, resolve, reject };
        if (!worker) return onMainThread(p);
        const id = next++;
        pending.set(id, p);
        send(worker, id, p);
      });
    },
    get worker() {
      return worker;
    },
    get restarts() {
      return restarts;
    },
    async close() {
      closed = true;
      const w = worker;
      worker = null;
      await w?.terminate();
      for (const [id, p] of [...pending]) {
        pending.delete(id);
        p.reject(new Error('classifier closed'));
      }
    },
  };
}
