// Runs classification in a worker thread (falls back to the calling thread if a worker cannot start).
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import type { Logger } from '../core/log';
import { classifyPayloads, type ClassifyResponse } from './classify-worker';

export interface Classifier {
  classify(payloads: Buffer[]): Promise<Omit<ClassifyResponse, 'id'>>;
  close(): Promise<void>;
}

export function createClassifier(logger: Logger): Classifier {
  const ts = __filename.endsWith('.ts');
  const file = path.join(__dirname, ts ? 'classify-worker.ts' : 'classify-worker.js');
  let worker: Worker | null = null;
  try {
    // TypeScript sources (CLI through tsx, tests) register tsx inside the worker; compiled builds load the .js.
    // tsx is resolved here, not from the worker's cwd (eval workers resolve relative to process.cwd()).
    worker = new Worker(ts ? `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});` : file, { eval: ts });
    worker.unref();
    worker.on('error', (err) => {
      logger.warn('classifier worker failed; classifying on the main thread', { error: err.message });
      worker = null;
    });
  } catch (err) {
    logger.warn('classifier worker unavailable; classifying on the main thread', { error: (err as Error).message });
  }
  let next = 0;
  const pending = new Map<number, (r: ClassifyResponse) => void>();
  worker?.on('message', (r: ClassifyResponse) => {
    pending.get(r.id)?.(r);
    pending.delete(r.id);
  });
  return {
    classify(payloads) {
      if (!worker) return Promise.resolve(classifyPayloads(payloads));
      const id = next++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        // One copy into a fresh buffer, transferred (not cloned) to the worker: the main thread never copies twice.
        const total = payloads.reduce((n, p) => n + p.length, 0);
        const block = new Uint8Array(total);
        const views: Uint8Array[] = [];
        let at = 0;
        for (const p of payloads) {
          block.set(p, at);
          views.push(block.subarray(at, at + p.length));
          at += p.length;
        }
        worker!.postMessage({ id, payloads: views }, [block.buffer]);
      });
    },
    async close() {
      await worker?.terminate();
      worker = null;
    },
  };
}
