// Additive Holt–Winters with damped trend and weekly seasonality, ETS(A,Ad,A) with m = 7, fitted by least squares (Nelder–Mead).
import { nelderMead } from './nelder-mead';
import type { Model } from './model';
import { SEASON } from './naive';

const INIT_DAYS = 28;
const s = new Float64Array(SEASON); // seasonal states by position mod 7 (scratch: the code is synchronous)
const init = new Float64Array(SEASON + 2); // [level, seasonal × 7, trend]

const logistic = (u: number) => 1 / (1 + Math.exp(-u));
const logit = (p: number) => Math.log(p / (1 - p));

/** Natural parameters (alpha, beta, gamma, phi) from unconstrained ones: 0 < beta < alpha, 0 < gamma < 1 − alpha, 0.8 ≤ phi ≤ 0.98. */
export function etsParams(u: ArrayLike<number>): [number, number, number, number] {
  const alpha = 0.0001 + 0.9898 * logistic(u[0]!);
  const beta = alpha * 0.5 * logistic(u[1]!);
  const gamma = (1 - alpha) * logistic(u[2]!);
  const phi = 0.8 + 0.18 * logistic(u[3]!);
  return [alpha, beta, gamma, phi];
}

/**
 * Initial states from the observed days of the first four weeks (or what there is of them): a least-squares line a + b·t gives
 * the trend b and the level before day 0 (a − b); the weekday means of the residuals from the line, centred, give the seasonal
 * states. With fewer than 14 observed days the trend starts at 0.
 */
function initialStates(y: Float64Array, end: number): void {
  const span = Math.min(end, INIT_DAYS);
  let n = 0;
  let st = 0;
  let sy = 0;
  let stt = 0;
  let sty = 0;
  for (let t = 0; t < span; t++) {
    const v = y[t]!;
    if (v !== v) continue;
    n++;
    st += t;
    sy += v;
    stt += t * t;
    sty += t * v;
  }
  const den = n * stt - st * st;
  const slope = n >= 14 && den > 0 ? (n * sty - st * sy) / den : 0;
  const intercept = n > 0 ? (sy - slope * st) / n : 0;
  init[0] = intercept - slope;
  init[SEASON + 1] = slope;
  const sum = new Float64Array(SEASON);
  const cnt = new Float64Array(SEASON);
  for (let t = 0; t < span; t++) {
    const v = y[t]!;
    if (v !== v) continue;
    sum[t % SEASON]! += v - (intercept + slope * t);
    cnt[t % SEASON]! += 1;
  }
  let mean = 0;
  for (let j = 0; j < SEASON; j++) {
    const v = cnt[j]! > 0 ? sum[j]! / cnt[j]! : 0;
    init[j + 1] = v;
    mean += v / SEASON;
  }
  for (let j = 0; j < SEASON; j++) init[j + 1]! -= mean;
}

/**
 * Runs the filter over y[0..end) with fixed parameters (initial states must be in `init`); returns the one-step SSE over
 * observed days. When `origins` is given, writes the H-day forecasts from each origin to out (see Model.forecast).
 */
function pass(y: Float64Array, end: number, alpha: number, beta: number, gamma: number, phi: number, origins: ArrayLike<number> | null, H: number, out: Float64Array | null): number {
  let level = init[0]!;
  let trend = init[SEASON + 1]!;
  for (let j = 0; j < SEASON; j++) s[j] = init[j + 1]!;
  let sse = 0;
  let next = 0; // index of the next origin
  const nOrigins = origins ? origins.length : 0;
  let pos = 0; // t mod 7
  for (let t = 0; t <= end; t++) {
    while (next < nOrigins && origins![next]! === t) {
      // forecasts from origin t: level + (phi + ... + phi^(h+1)) trend + seasonal of day t+h
      let damp = 0;
      let pk = 1;
      let p = pos;
      const base = next * H;
      for (let h = 0; h < H; h++) {
        pk *= phi;
        damp += pk;
        const f = level + damp * trend + s[p]!;
        out![base + h] = f > 0 ? f : 0;
        if (++p === SEASON) p = 0;
      }
      next++;
    }
    if (t === end) break;
    const v = y[t]!;
    const damped = phi * trend;
    const fitted = level + damped + s[pos]!;
    if (v === v) {
      const e = v - fitted;
      sse += e * e;
      level = level + damped + alpha * e;
      trend = damped + beta * e;
      s[pos]! += gamma * e;
    } else {
      level += damped;
      trend = damped;
    }
    if (++pos === SEASON) pos = 0;
  }
  return sse;
}

const START = new Float64Array([logit(0.1 / 0.9898), logit(0.1), logit(0.05 / 0.9), logit(0.5)]);

export const ets: Model = {
  name: 'ets',
  minHistory: 14,
  fit(y, end, warm) {
    initialStates(y, end);
    const objective = (u: Float64Array) => {
      const [a, b, g, phi] = etsParams(u);
      return pass(y, end, a, b, g, phi, null, 0, null);
    };
    const r = nelderMead(objective, warm ? warm.subarray(0, 4) : START, { step: warm ? 0.3 : 1, maxEvals: warm ? 80 : 160, tol: 1e-6 });
    // the fifth entry remembers how many days the initial states were taken from, so forecasting repeats them exactly
    return Float64Array.of(r.x[0]!, r.x[1]!, r.x[2]!, r.x[3]!, Math.min(end, INIT_DAYS));
  },
  forecast(y, params, origins, H, out) {
    initialStates(y, params[4]!);
    const [a, b, g, phi] = etsParams(params);
    pass(y, y.length, a, b, g, phi, origins, H, out);
  },
};
