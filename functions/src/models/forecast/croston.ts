// Intermittent-demand models: Croston, SBA (Syntetos–Boylan bias correction) and TSB (Teunter–Syntetos–Babai), fitted on a grid.
import type { Model } from './model';

const ALPHAS = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3];
const TSB_ALPHAS = [0.02, 0.05, 0.1, 0.2, 0.3];
const TSB_BETAS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3];

interface Start {
  size: number;
  interval: number;
  prob: number;
}

/** Starting states from the fitting window: mean non-zero size, mean interval between demands (ADI), share of demand days. */
function start(y: Float64Array, end: number): Start {
  let sum = 0;
  let nz = 0;
  let obs = 0;
  for (let t = 0; t < end; t++) {
    const v = y[t]!;
    if (v !== v) continue;
    obs++;
    if (v > 0) {
      sum += v;
      nz++;
    }
  }
  if (nz === 0) return { size: 0, interval: 1, prob: 0 };
  return { size: sum / nz, interval: obs / nz, prob: nz / obs };
}

/**
 * Croston / SBA filter over y[0..end): size z and interval p are smoothed with alpha at demand days only; the forecast is
 * z/p (Croston) or (1 − alpha/2)·z/p (SBA). Censored days are skipped (they do not lengthen the interval).
 * Returns the one-step SSE; writes forecasts from origins like Model.forecast.
 */
function crostonPass(y: Float64Array, end: number, alpha: number, sba: boolean, st: Start, origins: ArrayLike<number> | null, H: number, out: Float64Array | null): number {
  let z = st.size;
  let p = st.interval;
  let q = 1;
  const k = sba ? 1 - alpha / 2 : 1;
  let sse = 0;
  let next = 0;
  const nOrigins = origins ? origins.length : 0;
  for (let t = 0; t <= end; t++) {
    const f = (k * z) / p;
    while (next < nOrigins && origins![next]! === t) {
      out!.fill(f, next * H, next * H + H);
      next++;
    }
    if (t === end) break;
    const v = y[t]!;
    if (v !== v) continue;
    const e = v - f;
    sse += e * e;
    if (v > 0) {
      z += alpha * (v - z);
      p += alpha * (q - p);
      q = 1;
    } else q++;
  }
  return sse;
}

/** TSB: demand probability updated every observed day with beta, size at demand days with alpha; forecast = probability × size. */
function tsbPass(y: Float64Array, end: number, alpha: number, beta: number, st: Start, origins: ArrayLike<number> | null, H: number, out: Float64Array | null): number {
  let z = st.size;
  let pr = st.prob;
  let sse = 0;
  let next = 0;
  const nOrigins = origins ? origins.length : 0;
  for (let t = 0; t <= end; t++) {
    const f = pr * z;
    while (next < nOrigins && origins![next]! === t) {
      out!.fill(f, next * H, next * H + H);
      next++;
    }
    if (t === end) break;
    const v = y[t]!;
    if (v !== v) continue;
    const e = v - f;
    sse += e * e;
    if (v > 0) {
      pr += beta * (1 - pr);
      z += alpha * (v - z);
    } else pr -= beta * pr;
  }
  return sse;
}

/** Params: [alpha, size0, interval0, prob0] — the starting states are kept so forecasting repeats the fit exactly. */
function crostonModel(name: 'croston' | 'sba'): Model {
  const sba = name === 'sba';
  return {
    name,
    minHistory: 7,
    fit(y, end) {
      const st = start(y, end);
      let best = Infinity;
      let bestAlpha = 0.1;
      for (const a of ALPHAS) {
        const v = crostonPass(y, end, a, sba, st, null, 0, null);
        if (v < best) {
          best = v;
          bestAlpha = a;
        }
      }
      return Float64Array.of(bestAlpha, st.size, st.interval, st.prob);
    },
    forecast(y, params, origins, H, out) {
      const st = { size: params[1]!, interval: params[2]!, prob: params[3]! };
      crostonPass(y, y.length, params[0]!, sba, st, origins, H, out);
    },
  };
}

export const croston = crostonModel('croston');
export const sba = crostonModel('sba');

export const tsb: Model = {
  name: 'tsb',
  minHistory: 7,
  fit(y, end) {
    const st = start(y, end);
    let best = Infinity;
    let ba = 0.1;
    let bb = 0.1;
    for (const a of TSB_ALPHAS) {
      for (const b of TSB_BETAS) {
        const v = tsbPass(y, end, a, b, st, null, 0, null);
        if (v < best) {
          best = v;
          ba = a;
          bb = b;
        }
      }
    }
    return Float64Array.of(ba, bb, st.size, st.prob);
  },
  forecast(y, params, origins, H, out) {
    tsbPass(y, y.length, params[0]!, params[1]!, { size: params[2]!, interval: 1, prob: params[3]! }, origins, H, out);
  },
};
