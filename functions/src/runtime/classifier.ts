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
    worker = new Worker(ts ? `require('tsx/cjs'); require(${JSON.stringify(file)});` : file, { eval: ts });
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
        worker!.postMessage({ id, payloads });
      });
    },
    async close() {
      await worker?.terminate();
      worker = null;
    },
  };
}
