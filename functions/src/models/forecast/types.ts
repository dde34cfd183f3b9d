// Shapes of the demand-forecasting API: input series, options and the JSON-serialisable per-series result.

/** Every model the selector knows; 'zero' is only reported for series without any observed sale. */
export type ModelName = 'snaive' | 'mean28' | 'wmean' | 'ets' | 'croston' | 'sba' | 'tsb' | 'combo' | 'pooled' | 'gbt' | 'zero';

/** Models a caller may ask for ('combo' = the average of wmean and ETS). */
export const ALL_MODELS: readonly ModelName[] = ['snaive', 'mean28', 'wmean', 'ets', 'croston', 'sba', 'tsb', 'combo', 'pooled', 'gbt'];

/** Numbers in results are finite or null, so results survive JSON.stringify / JSON.parse unchanged. */

/** One variant's daily units, day by day from `start` (ISO date of units[0]). */
export interface DemandSeries {
  id: string;
  /** ISO date (YYYY-MM-DD) of the first value. */
  start: string;
  /** Units per consecutive day; null/NaN = not observed (e.g. out of stock: censored demand). */
  units: ArrayLike<number | null>;
  /** Optional per-day observed flag; false marks a day as censored (out of stock) even when units were sold. */
  observed?: ArrayLike<boolean | null>;
  /** Product type (catalog): short histories borrow its weekday profile and level; the global model reads its profile. */
  group?: string | null;
}

export interface ForecastOptions {
  /** Days ahead to forecast (default 28). */
  horizon?: number;
  /** Central interval levels in percent (default [80, 95]). */
  levels?: number[];
  /** Replenishment lead time in days for the reorder point (default 7). */
  leadTime?: number;
  /** Cycle service level for the reorder point, in (0, 1) (default 0.95). */
  serviceLevel?: number;
  /** Rolling-origin backtest: number of origins and days per window (default 3 × 28). */
  origins?: number;
  window?: number;
  /** Candidate models (default: all that apply to the series). */
  models?: ModelName[];
  /** Also return the forecast and intervals of every candidate (for evaluation; default false). */
  allModels?: boolean;
  /** Days of rolling one-day-apart origins whose residuals calibrate the intervals (default 364). */
  calibrationDays?: number;
  /** Short histories (< 120 observed days) get the 'pooled' candidate, their default (default true; needs the panel). */
  pooling?: boolean;
  /** The global gradient-boosted model over all series joins every series' candidates (default true; needs ≥ 2 series). */
  global?: boolean;
  /** Use the series' `group` (product type) for pooling and as global features (default true; false = the shop as one group). */
  catalog?: boolean;
}

export interface ModelForecast {
  model: ModelName;
  /** Point forecasts for days 1..horizon (≥ 0). */
  forecast: number[];
  /** Interval bounds per level, e.g. lo['80'][h], hi['80'][h]; never below 0. */
  lo: Record<string, number[]>;
  hi: Record<string, number[]>;
}

export interface BacktestScore {
  model: ModelName;
  /** Root mean squared error / mean absolute error over the backtest windows (null: no observed day). */
  rmse: number | null;
  mae: number | null;
  /** The same scaled by the in-sample one-step naive errors (RMSSE, MASE); null when the scale is 0. */
  rmsse: number | null;
  mase: number | null;
  /** RMSE of each backtest window, oldest first. */
  windowRmse: (number | null)[];
}

export interface SeriesForecast extends ModelForecast {
  id: string;
  /** ISO dates of the forecast days. */
  dates: string[];
  /** Syntetos–Boylan class of the observed history. */
  demandClass: string;
  /** Null when undefined (no sale: ADI infinite, CV² without sizes). */
  adi: number | null;
  cv2: number | null;
  /** Days used (from the first sale), and of those the censored/missing ones. */
  historyDays: number;
  missingDays: number;
  /** Lead-time demand: expected total, reorder point (service-level quantile) and safety stock = reorder point − expected. */
  leadTime: number;
  serviceLevel: number;
  expectedLeadTimeDemand: number;
  reorderPoint: number;
  safetyStock: number;
  /** Rolling-origin scores of every candidate (empty when the history is too short for a backtest). */
  backtest: BacktestScore[];
  /** Only with allModels: every candidate's final forecast and intervals. */
  candidates?: ModelForecast[];
  /** Human-readable notes (fallbacks taken). */
  notes: string[];
}
