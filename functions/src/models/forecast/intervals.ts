// Conformal prediction intervals and lead-time demand quantiles from rolling-origin residuals (never below 0).
import { meanOfLastObserved } from './model';
import { MEAN_WINDOW, SEASON } from './naive';
import { sortFloat64 } from './sort';

/** Smallest sample of residuals a (horizon week, target weekday) cell must hold before it is used on its own. */
export const MIN_CELL = 40;
/** Smallest number of lead-time totals for the empirical reorder point (otherwise a normal approximation). */
export const MIN_LEAD_SAMPLES = 20;

/** Share of the series' mean added to every local level so quiet stretches do not make the scale (nearly) zero. */
export const SCALE_FLOOR = 0.1;

/**
 * Local demand level at each calibration origin and at the end of the history: the 28-day mean plus 10 % of the series'
 * mean. Residuals are divided by the level at their origin and multiplied back by the current one, because errors of count
 * data grow with the level: spread learnt in a quiet month is not carried unchanged into the peak season.
 */
export function localScales(y: Float64Array, origins: ArrayLike<number>): { scales: Float64Array; now: number } {
  let total = 0;
  let count = 0;
  for (let t = 0; t < y.length; t++) {
    const v = y[t]!;
    if (v === v) {
      total += v;
      count++;
    }
  }
  const floor = SCALE_FLOOR * (count > 0 ? total / count : 0) + 1e-9;
  const scales = new Float64Array(origins.length);
  for (let k = 0; k < origins.length; k++) scales[k] = meanOfLastObserved(y, origins[k]!, MEAN_WINDOW) + floor;
  return { scales, now: meanOfLastObserved(y, y.length, MEAN_WINDOW) + floor };
}

/**
 * Scaled residuals (y[o+h] − ŷ[o+h | o]) / scale[o] of the forecasts from many origins, grouped per forecast step h (0-based) of the final origin n:
 * the cell of h holds the residuals of steps in the same week of the horizon (h in 7b..7b+6) whose target day falls on the same
 * weekday as day n+h, so a closed weekday or a busy one gets its own spread. Cells too small to trust widen to the whole week
 * of the horizon, then to every step; with fewer than 10 residuals in all (a few weeks of history) the daily demand's own
 * deviations from its mean stand in. Each returned array is sorted ascending; cells are shared between steps when equal.
 */
export function residualCells(y: Float64Array, origins: ArrayLike<number>, fc: Float64Array, H: number, n: number, steps: number, scales: Float64Array, now: number): Float64Array[] {
  const cells: Float64Array[] = [];
  let fallback: Float64Array | null = null;
  if (scratch.length < origins.length * H) scratch = new Float64Array(origins.length * H);
  const cache = new Map<number, Float64Array>();
  /** Residuals of steps h0..h1−1 whose target day t has t mod 7 = weekday (−1: any day). */
  const collect = (h0: number, h1: number, weekday: number): Float64Array => {
    const key = (h0 * 4096 + h1) * 8 + weekday + 1;
    const hit = cache.get(key);
    if (hit) return hit;
    let m = 0;
    for (let k = 0; k < origins.length; k++) {
      const o = origins[k]!;
      const row = k * H;
      if (weekday >= 0) {
        // the one step of the week h0..h0+6 that lands on the weekday
        const h = h0 + ((((weekday - o - h0) % SEASON) + SEASON) % SEASON);
        if (h >= h1 || o + h >= n) continue;
        const v = y[o + h]!;
        if (v === v) scratch[m++] = (v - fc[row + h]!) / scales[k]!;
        continue;
      }
      for (let h = h0; h < h1 && o + h < n; h++) {
        const v = y[o + h]!;
        if (v === v) scratch[m++] = (v - fc[row + h]!) / scales[k]!;
      }
    }
    const cell = sortFloat64(scratch.slice(0, m));
    cache.set(key, cell);
    return cell;
  };
  for (let h = 0; h < steps; h++) {
    const b0 = Math.floor(h / SEASON) * SEASON;
    const b1 = Math.min(b0 + SEASON, H);
    let cell = collect(b0, b1, (n + h) % SEASON);
    if (cell.length < MIN_CELL) cell = collect(b0, b1, -1);
    if (cell.length < MIN_CELL) cell = collect(0, H, -1);
    if (cell.length < MIN_RESIDUALS) cell = fallback ??= demandDeviations(y, now);
    cells.push(cell);
  }
  return cells;
}

let scratch = new Float64Array(0);

/** Fewest residuals for conformal intervals; below it (a history of a few weeks) the spread of the daily demand itself is used. */
export const MIN_RESIDUALS = 10;

/** Short-history fallback: the observed days' deviations from their mean, on the current scale (a bootstrap of daily demand). */
function demandDeviations(y: Float64Array, now: number): Float64Array {
  let total = 0;
  let count = 0;
  for (const v of y) {
    if (v === v) {
      total += v;
      count++;
    }
  }
  const mean = count > 0 ? total / count : 0;
  const out = new Float64Array(count);
  let k = 0;
  for (const v of y) if (v === v) out[k++] = (v - mean) / now;
  return sortFloat64(out);
}

/** v = max(0, f + r), rounded to whole units for count data (r already multiplied by the current scale). */
function predictive(f: number, r: number, integer: boolean): number {
  const v = f + r;
  const c = v > 0 ? v : 0;
  return integer ? Math.round(c) : c;
}

/**
 * Central interval at `level` (0..1) around the point forecast f from the sorted scaled residuals r: lo is the α/2 quantile of
 * the predictive sample max(0, f + scale·r); hi is the quantile that brings the coverage to the level given the mass strictly below
 * lo (a point mass at 0 leaves the whole α to the upper tail), choosing between the two neighbouring support points the one
 * whose sample coverage is nearest the level (count data have steps). Returns [lo, hi] with 0 ≤ lo ≤ f-ish ≤ hi.
 */
export function intervalFromResiduals(r: Float64Array, f: number, level: number, integer: boolean, scale = 1): [number, number] {
  const m = r.length;
  if (m === 0) return [f, f];
  const v = (i: number) => predictive(f, scale * r[i]!, integer);
  const alpha = 1 - level;
  const iLo = Math.min(m - 1, Math.floor((alpha / 2) * m + 1e-9));
  const lo = v(iLo);
  let first = iLo;
  while (first > 0 && v(first - 1) === lo) first--;
  const below = first / m;
  const target = below + level;
  let iHi = Math.min(m - 1, Math.max(iLo, Math.ceil(target * m - 1e-9) - 1));
  let hi = v(iHi);
  while (iHi + 1 < m && v(iHi + 1) === hi) iHi++;
  const covHi = (iHi + 1) / m - below;
  // the next support point down, if it is still ≥ lo
  let j = iHi;
  while (j >= 0 && v(j) === hi) j--;
  if (j >= first) {
    const covPrev = (j + 1) / m - below;
    if (Math.abs(covPrev - level) < Math.abs(covHi - level)) hi = v(j);
  }
  return [lo, Math.max(hi, lo)];
}

/** Empirical quantile (inverse CDF, type 1) of a sorted sample at p. */
export function quantileSorted(x: Float64Array, p: number): number {
  const m = x.length;
  return x[Math.min(m - 1, Math.max(0, Math.ceil(p * m - 1e-9) - 1))]!;
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowP = 0.02425;
  if (p < lowP) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lowP) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export interface LeadTimeDemand {
  expected: number;
  reorderPoint: number;
  safetyStock: number;
  /** 'empirical' from rolling lead-time totals, or 'normal' when the history holds too few of them. */
  method: 'empirical' | 'normal';
}

export interface LeadTimeOptions {
  leadTime: number;
  serviceLevel: number;
  integer: boolean;
  /** Residual cells and local scales of the intervals (see residualCells, localScales). */
  cells: Float64Array[];
  scales: Float64Array;
  now: number;
}

/**
 * Lead-time demand D = y[n] + … + y[n+L−1]. Expected = Σ ŷ over the lead time; reorder point = the service-level quantile of D,
 * taken as Σ ŷ + now · (the quantile of the scaled rolling-origin errors of the same L-day totals, from origins whose L days
 * were all observed), floored at 0 and rounded up for count data; safety stock = reorder point − expected.
 * With fewer than 20 past totals: a normal approximation with variance now² · Σ_h var(residual cell h) (independent days).
 */
export function leadTimeDemand(y: Float64Array, origins: ArrayLike<number>, fc: Float64Array, H: number, finalForecast: ArrayLike<number>, o: LeadTimeOptions): LeadTimeDemand {
  const n = y.length;
  const L = o.leadTime;
  let expected = 0;
  for (let h = 0; h < L; h++) expected += finalForecast[h]!;
  const errors: number[] = [];
  for (let k = 0; k < origins.length; k++) {
    const start = origins[k]!;
    if (start + L > n) break;
    let actual = 0;
    let pred = 0;
    let ok = true;
    for (let h = 0; h < L; h++) {
      const v = y[start + h]!;
      if (v !== v) {
        ok = false;
        break;
      }
      actual += v;
      pred += fc[k * H + h]!;
    }
    if (ok) errors.push((actual - pred) / o.scales[k]!);
  }
  let rop: number;
  let method: LeadTimeDemand['method'];
  if (errors.length >= MIN_LEAD_SAMPLES) {
    const e = sortFloat64(Float64Array.from(errors));
    rop = expected + o.now * quantileSorted(e, o.serviceLevel);
    method = 'empirical';
  } else {
    let variance = 0;
    for (let h = 0; h < L; h++) {
      const cell = o.cells[Math.min(h, o.cells.length - 1)];
      if (!cell || cell.length < 2) continue;
      let mean = 0;
      for (const r of cell) mean += r / cell.length;
      let ss = 0;
      for (const r of cell) ss += (r - mean) ** 2;
      variance += ss / (cell.length - 1);
    }
    rop = expected + normalQuantile(o.serviceLevel) * o.now * Math.sqrt(variance);
    method = 'normal';
  }
  rop = Math.max(0, rop);
  if (o.integer) rop = Math.ceil(rop - 1e-9);
  return { expected, reorderPoint: rop, safetyStock: rop - expected, method };
}
