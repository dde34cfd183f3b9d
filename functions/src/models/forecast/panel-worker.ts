// Worker-thread entry for forecastPanelParallel: forecasts the batches of series it is sent and posts the results back.
import { parentPort } from 'node:worker_threads';
import { forecastResolved, type ResolvedOptions } from './panel';
import type { DemandSeries, SeriesForecast } from './types';

export interface BatchRequest {
  batch: number;
  series: DemandSeries[];
  opts: ResolvedOptions;
}

export type BatchReply = { batch: number; results: SeriesForecast[] } | { batch: number; error: { message: string; code?: string } };

parentPort?.on('message', (req: BatchRequest) => {
  try {
    parentPort!.postMessage({ batch: req.batch, results: req.series.map((s) => forecastResolved(s, req.opts)) } satisfies BatchReply);
  } catch (e) {
    const err = e as { message?: string; code?: string };
    parentPort!.postMessage({ batch: req.batch, error: { message: err.message ?? String(e), ...(err.code ? { code: err.code } : {}) } } satisfies BatchReply);
  }
});
