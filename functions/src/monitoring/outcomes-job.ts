// The outcome join on DuckDB: runs the Dataform actions tagged `monitoring` (served predictions joined with later orders → shop_monitoring tables).
import type { DuckDbWarehouse } from '../adapters/embedded/duckdb-warehouse';
import { ShopMlopsError } from '../core/errors';
import { MONITORING_RUN, runFeatures, type ActionReport, type RunReport } from '../features/runner';
import { PREDICTIONS_DATASET } from '../serving/prediction-tables';
import { duckdbCreatePredictionLog } from '../serving/prediction-log-table';
import { localDate } from '../core/shop-days';

export interface OutcomeJoinOptions {
  /** The shop's IANA time zone (forecast windows are shop-local days). */
  timezone: string;
  /** Labels the run's report (RunReport.snapshotDate = its UTC date); the monitoring SQL reads no date of its own. */
  now?: Date;
  /** Dataform project directory (default: the repository's dataform/). */
  projectDir?: string;
  compileCacheDir?: string;
  onProgress?: (a: ActionReport, index: number, total: number) => void;
}

/** The tables the outcome join builds (the contract: docs/architecture.md, "Monitoring tables"). */
export const MONITORING_TABLES = {
  predictionOutcomes: 'shop_monitoring.prediction_outcomes',
  outcomeDaily: 'shop_monitoring.outcome_daily',
  liveMetrics: 'shop_monitoring.live_metrics',
} as const;

/** Creates shop_predictions.prediction_log (empty) unless the serving path already did. */
export async function createPredictionLogIfAbsent(warehouse: DuckDbWarehouse): Promise<void> {
  await warehouse.execute(`CREATE SCHEMA IF NOT EXISTS ${PREDICTIONS_DATASET}`);
  await warehouse.execute(duckdbCreatePredictionLog());
}

/**
 * Builds shop_monitoring.prediction_outcomes, outcome_daily and the live_metrics view from the prediction log and the
 * staging tables the features run built (shop_staging.orders, order_lines). The prediction log is created empty when
 * nothing was served yet. Failures are in the report (ok false), as for a features run.
 */
export async function runOutcomeJoin(warehouse: DuckDbWarehouse, o: OutcomeJoinOptions): Promise<RunReport> {
  if (o.now && Number.isNaN(o.now.getTime())) throw new ShopMlopsError('BAD_REQUEST', 'now is not a valid date');
  await createPredictionLogIfAbsent(warehouse);
  return runFeatures({
    warehouse,
    // The shop-local day of `now` (was its UTC day: a day off for a shop west of UTC in its evening).
    snapshotDate: localDate(o.now ?? new Date(0), o.timezone),
    timezone: o.timezone,
    tags: MONITORING_RUN,
    ...(o.projectDir ? { projectDir: o.projectDir } : {}),
    ...(o.compileCacheDir ? { compileCacheDir: o.compileCacheDir } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
}
