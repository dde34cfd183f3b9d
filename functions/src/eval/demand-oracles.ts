// What the holdout itself allows: accuracy bounds that peek at the held-out days (never a model; they say how far a target is).
import type { ModelForecast } from '../models/forecast/types';

/** One series' held-out days and its in-sample one-step naive scale (as splitHoldout gives them). */
export interface OracleHoldout {
  actual: ArrayLike<number | null>;
  scale: { mse: number };
}

/** RMSSE of one forecast on one holdout (missing actuals skipped); NaN without a usable day or scale. */
export function holdoutRmsse(forecast: ArrayLike<number>, h: OracleHoldout): number {
  let sq = 0;
  let m = 0;
  for (let d = 0; d < h.actual.length; d++) {
    const y = h.actual[d];
    if (typeof y !== 'number' || Number.isNaN(y)) continue;
    sq += (y - forecast[d]!) ** 2;
    m++;
  }
  return m > 0 && h.scale.mse > 0 ? Math.sqrt(sq / m / h.scale.mse) : NaN;
}

export interface OracleBounds {
  /** Mean RMSSE when each series gets whichever of its candidates turned out best on the holdout. */
  selection: number;
  /** Mean RMSSE of a flat forecast at each series' own held-out mean (the best any level-only forecast can do). */
  flatLevel: number;
  /** Mean RMSSE of the given profile model's shape rescaled to each series' held-out mean (right level, own weekly shape). */
  levelTimesProfile: number;
  series: number;
}

/**
 * Bounds that use the held-out days: the best per-series selection among the candidates every series was given
 * (`candidates[i]`), the flat forecast at the held-out mean, and the profile model's shape at the held-out mean.
 * Series without a usable scale are left out, as in the scores.
 */
export function oracleBounds(candidates: readonly (readonly ModelForecast[])[], holdout: readonly OracleHoldout[], profileModel = 'wmean'): OracleBounds {
  let sel = 0;
  let flat = 0;
  let shaped = 0;
  let k = 0;
  candidates.forEach((cands, i) => {
    const h = holdout[i]!;
    const seen = Array.from(h.actual).filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
    if (seen.length === 0 || !(h.scale.mse > 0) || cands.length === 0) return;
    const mu = seen.reduce((a, b) => a + b, 0) / seen.length;
    const len = h.actual.length;
    sel += Math.min(...cands.map((c) => holdoutRmsse(c.forecast, h)));
    flat += holdoutRmsse(new Array<number>(len).fill(mu), h);
    const p = (cands.find((c) => c.model === profileModel) ?? cands[0]!).forecast.slice(0, len);
    const pm = p.reduce((a, b) => a + b, 0) / len;
    shaped += holdoutRmsse(pm > 0 ? p.map((v) => (v * mu) / pm) : new Array<number>(len).fill(mu), h);
    k++;
  });
  return { selection: sel / k, flatLevel: flat / k, levelTimesProfile: shaped / k, series: k };
}
