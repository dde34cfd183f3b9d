// forecastPanel across worker threads: batches of series are handed to the next free worker; results keep the input order.
import * as path from 'node:path';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ShopMlopsError, type ErrorCode } from '../../core/errors';
import { forecastResolved, panelContexts, resolveOptions } from './panel';
import type { BatchReply, BatchRequest } from './panel-worker';
import type { DemandSeries, ForecastOptions, SeriesForecast } from './types';

export interface ParallelOptions {
  /** Worker threads (default: the machine's available parallelism, at most 4). 1 = in this thread. */
  threads?: number;
  /** Series per message (default 100). */
  batchSize?: number;
}

/** Panels smaller than this are forecast in this thread (starting workers costs more). */
export const MIN_PARALLEL_SERIES = 200;

/** A worker running the TypeScript sources needs the tsx loader; compiled JavaScript loads directly. */
function startWorker(): Worker {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `panel-worker${ext}`);
  if (ext === '.ts') {
    const tsx = require.resolve('tsx/cjs');
    return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, { eval: true });
  }
  return new Worker(file);
}

/** Same results as forecastPanel (see there), computed on several threads (only with `pooling: false, global: false`: the panel models need every series). */
export async function forecastPanelParallel(series: DemandSeries[], options: ForecastOptions = {}, par: ParallelOptions = {}): Promise<SeriesForecast[]> {
  const opts = resolveOptions(options);
  if (opts.pooling || opts.global) {
    // the panel's models (pooling priors, the global ensemble) are built from every series: one thread
    const ctx = panelContexts(series, opts);
    return series.map((s, i) => forecastResolved(s, opts, ctx[i]));
  }
  const threads = Math.max(1, Math.min(par.threads ?? Math.min(4, availableParallelism()), Math.ceil(series.length / (par.batchSize ?? 100))));
  if (threads === 1 || series.length < MIN_PARALLEL_SERIES) return series.map((s) => forecastResolved(s, opts));
  const size = par.batchSize ?? 100;
  const batches: DemandSeries[][] = [];
  for (let i = 0; i < series.length; i += size) {
    // typed arrays copy faster than arrays of numbers through postMessage
    batches.push(series.slice(i, i + size).map((s) => ({ ...s, units: Float64Array.from(s.units, (v) => (v === null ? NaN : v)) })));
  }
  const results: SeriesForecast[][] = new Array(batches.length);
  const workers = Array.from({ length: threads }, startWorker);
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let done = 0;
      const feed = (w: Worker) => {
        if (next >= batches.length) return;
        const batch = next++;
        w.postMessage({ batch, series: batches[batch]!, opts } satisfies BatchRequest);
      };
      for (const w of workers) {
        w.on('message', (m: BatchReply) => {
          if ('error' in m) {
            reject(new ShopMlopsError((m.error.code as ErrorCode | undefined) ?? 'INTERNAL', m.error.message));
            return;
          }
          results[m.batch] = m.results;
          if (++done === batches.length) resolve();
          else feed(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (done < batches.length) reject(new ShopMlopsError('INTERNAL', `forecast worker exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results.flat();
}
