// The contract every single forecasting model implements: fit on a prefix, then forecast from many origins in one pass.
import type { ModelName } from './types';

/**
 * Daily series are Float64Arrays from the first sale on; NaN marks a day that was not observed (censored).
 * An origin o means "y[0..o) is known": the forecasts from o are for y[o], y[o+1], ...
 */
export interface Model {
  name: ModelName;
  /** Smallest history (days) the model needs. */
  minHistory: number;
  /** Parameters fitted on y[0..end); `warm` (parameters fitted earlier on a shorter prefix) may shorten the search. */
  fit(y: Float64Array, end: number, warm?: Float64Array): Float64Array;
  /**
   * One pass over y with fixed parameters: for the k-th origin (ascending, each in [minHistory, y.length]) writes the
   * forecasts of days origin .. origin+H-1 to out[k·H .. k·H+H-1] (never below 0).
   */
  forecast(y: Float64Array, params: Float64Array, origins: ArrayLike<number>, H: number, out: Float64Array): void;
}

export const NO_PARAMS = new Float64Array(0);

/** Mean of the last `count` observed (non-NaN) values before `end`, or 0 when there is none. */
export function meanOfLastObserved(y: Float64Array, end: number, count: number): number {
  let s = 0;
  let k = 0;
  for (let t = end - 1; t >= 0 && k < count; t--) {
    const v = y[t]!;
    if (v === v) {
      s += v;
      k++;
    }
  }
  return k > 0 ? s / k : 0;
}
