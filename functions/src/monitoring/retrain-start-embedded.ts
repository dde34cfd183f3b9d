// The embedded retraining starter: runs the training pipeline in-process on the runtime's warehouse (one run at a time), the trigger in the run's tracked params.
import { silentLogger, type Logger } from '../core/log';
import { newRunId } from '../pipeline';
import type { Row } from '../ports/warehouse';
import type { DuckDbTransactions } from '../adapters/embedded/duckdb-prediction-store';
import { runTraining } from '../training/run';
import { triggerParams, type StartTraining } from './retrain';

export interface EmbeddedStarterOptions {
  dataDir: string;
  /** The runtime's open warehouse (features read and scores written in this process); not closed here. */
  warehouse: { query(sql: string): Promise<Row[]> } & Partial<DuckDbTransactions>;
  clock: { now(): Date };
  logger?: Logger;
  /** Extra pipeline parameters (tests: a snapshot date). */
  params?: Record<string, unknown>;
}

/**
 * Returns at once with the run id (`training-<UTC stamp>-<hex>`, also the tracked run's id); the run itself waits for the
 * one before it (training takes the machine's cores) and `done` resolves with its outcome.
 */
export function createEmbeddedStarter(opts: EmbeddedStarterOptions): StartTraining {
  const log = opts.logger ?? silentLogger;
  let tail: Promise<unknown> = Promise.resolve();
  return async (request) => {
    const runId = newRunId('training', opts.clock.now());
    const run = tail.then(() =>
      runTraining({ world: { mode: 'embedded', dataDir: opts.dataDir, warehouse: opts.warehouse }, params: { ...opts.params, ...triggerParams(request) }, runId, log: log.child({ component: 'retrain', runId }) }),
    );
    tail = run.catch(() => undefined);
    const done = run.then(
      ({ summary }) => ({ ok: summary.ok, ...(summary.ok ? {} : { error: summary.error ?? 'training failed' }) }),
      (err: Error) => ({ ok: false, error: err.message }),
    );
    return { runId, done };
  };
}
