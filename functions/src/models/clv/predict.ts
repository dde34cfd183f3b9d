// predictClv: per-customer expected purchases, P(alive), expected order value, next order, discounted CLV and its interval.
import { ShopMlopsError } from '../../core/errors';
import { Prng } from '../../simulator/prng';
import { aliveExpectations, groupRfm, pAlive, posteriorRate, probabilityOfPurchase, type BgnbdParams } from './bgnbd';
import { AB_BOUND } from './bgnbd-fit';
import { formatDay, parseDay } from './days';
import { LOG_PARAM_LIMIT } from './estimate';
import { conditionalExpectedValue, type GammaGammaParams } from './gamma-gamma';
import { cholesky } from './linalg';
import { UNIT_DAYS } from './summary';
import type { ClvCustomer, ClvFit, ClvPredictions, CustomerPrediction } from './types';
// Math's functions bound once: a global lookup per call is slow inside vm contexts (jest).
const { abs, exp, floor, log, log1p, max, min, round } = Math;
const LN_AB_BOUND = log(AB_BOUND);

/** Discount rate per 30-day month (about 12.7 % a year). */
export const DEFAULT_MONTHLY_DISCOUNT = 0.01;
/** Length of a discounting period, in days. */
export const DAYS_PER_MONTH = 30;
/** nextOrderDate is left null beyond this many days (about 270 years): "not expected". */
const MAX_NEXT_ORDER_DAYS = 100_000;
/** Parameter draws behind the per-customer intervals. */
export const DEFAULT_DRAWS = 200;

export interface PredictOptions {
  /** Horizon in the fit's unit (> 0). */
  horizon: number;
  /** Discount rate per 30-day month (default DEFAULT_MONTHLY_DISCOUNT). */
  monthlyDiscount?: number;
  /** Parameter draws for the intervals (default DEFAULT_DRAWS; 0 = no intervals). */
  draws?: number;
  seed?: number | string;
  /** End of the observation period (YYYY-MM-DD), for nextOrderDate. */
  asOf?: string;
}

/** Ends of the discounting periods in the fit unit: 30, 60, ... days, the last one cut at the horizon. */
export function periodEnds(horizon: number, unitDays: number): number[] {
  const days = horizon * unitDays;
  const ends: number[] = [];
  for (let k = 1; ; k++) {
    const e = min(k * DAYS_PER_MONTH, days);
    ends.push(e / unitDays);
    if (e >= days) break;
  }
  return ends;
}

/**
 * Σ_k (E[Y(t_k)] - E[Y(t_k-1)]) / (1 + d)^k over the discounting periods (undiscounted sum = E[Y(horizon)]).
 * Returns [discounted, undiscounted].
 */
export function discountedPurchases(p: BgnbdParams, ends: number[], d: number, x: number, tx: number, T: number): [number, number] {
  const [disc, cum] = discountedAlive(p, ends, d, x, T, new Float64Array(ends.length));
  const alive = pAlive(p, x, tx, T);
  return [alive * disc, alive * cum];
}

/** The same without the P(alive) factor (it depends on t_x, the rest only on x and T). `work` holds ends.length numbers. */
function discountedAlive(p: BgnbdParams, ends: number[], d: number, x: number, T: number, work: Float64Array): [number, number] {
  aliveExpectations(p, ends, x, T, work);
  let prev = 0;
  let acc = 0;
  let factor = 1;
  for (let k = 0; k < ends.length; k++) {
    factor /= 1 + d;
    const cum = work[k]!;
    acc += (cum - prev) * factor;
    prev = cum;
  }
  return [acc, prev];
}

function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = floor(h);
  const hi = min(lo + 1, sorted.length - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a === b ? a : a + (h - lo) * (b - a);
}

/** Parameter vectors drawn from N(θ̂, Σ) on the log scale (exponentiate them with `toParams`). */
function drawParams(theta: number[], cov: number[][], draws: number, rng: Prng): number[][] | null {
  const L = cholesky(cov);
  if (!L) return null;
  const k = theta.length;
  const out: number[][] = [];
  for (let d = 0; d < draws; d++) {
    const z = Array.from({ length: k }, () => rng.normal());
    out.push(theta.map((t, i) => t + L[i]!.reduce((s, l, j) => s + l * z[j]!, 0)));
  }
  return out;
}

/**
 * A BG/NBD parameter vector drawn on the log scale, moved into the region the fit searches: a + b ≤ AB_BOUND with a/(a+b)
 * kept (ln a and ln b shifted together), then every parameter within e^±LOG_PARAM_LIMIT. Where a direction is not identified
 * (a + b at its bound: log-scale standard deviations of hundreds) the raw draws would overflow to a = b = Infinity, or, clamped
 * one by one, lose their a/(a+b).
 */
function bgnbdDraw([lr, lalpha, la, lb]: number[]): BgnbdParams {
  const ls = max(la!, lb!) + log1p(exp(-abs(la! - lb!))); // ln(a + b)
  const shift = min(0, LN_AB_BOUND - ls);
  const clamp = (v: number) => exp(min(max(v, -LOG_PARAM_LIMIT), LOG_PARAM_LIMIT));
  return { r: clamp(lr!), alpha: clamp(lalpha!), a: clamp(la! + shift), b: clamp(lb! + shift) };
}

export function predictClv(fit: ClvFit, customers: readonly ClvCustomer[], opts: PredictOptions): ClvPredictions {
  if (!(opts.horizon > 0) || !Number.isFinite(opts.horizon)) throw new ShopMlopsError('BAD_REQUEST', `horizon must be a positive number of ${fit.unit}s, got ${opts.horizon}`);
  const d = opts.monthlyDiscount ?? DEFAULT_MONTHLY_DISCOUNT;
  if (!(d >= 0) || d > 1) throw new ShopMlopsError('BAD_REQUEST', `monthlyDiscount must be in [0, 1], got ${d}`);
  const bg = fit.bgnbd.params;
  if (!bg) throw new ShopMlopsError('UNPROCESSABLE', 'the fit has no BG/NBD parameters');
  const asOf = opts.asOf === undefined ? null : parseDay(opts.asOf);
  if (asOf !== null && Number.isNaN(asOf)) throw new ShopMlopsError('BAD_REQUEST', `asOf must be a date (YYYY-MM-DD), got ${JSON.stringify(opts.asOf)}`);
  const unitDays = UNIT_DAYS[fit.unit];
  const ends = periodEnds(opts.horizon, unitDays);
  const gg = fit.gammagamma?.params ?? null;
  const level = fit.ciLevel;

  // Intervals: parameters drawn from the asymptotic normal of the log-parameters (both sub-models independently).
  const nDraws = opts.draws ?? DEFAULT_DRAWS;
  const rng = new Prng(opts.seed ?? 'clv-intervals');
  const bgDraws = nDraws > 0 && fit.bgnbd.covarianceLog ? drawParams(fit.bgnbd.paramOrder.map((k) => log(bg[k])), fit.bgnbd.covarianceLog, nDraws, rng) : null;
  const ggDraws = nDraws > 0 && gg && fit.gammagamma?.covarianceLog ? drawParams(fit.gammagamma.paramOrder.map((k) => log(gg[k])), fit.gammagamma.covarianceLog, nDraws, rng) : null;
  const withIntervals = bgDraws !== null && (gg === null || ggDraws !== null);
  const bgSamples: BgnbdParams[] = (bgDraws ?? []).map(bgnbdDraw);
  const ggSamples: GammaGammaParams[] = (ggDraws ?? []).map(([p, q, gamma]) => ({ p: exp(p!), q: exp(q!), gamma: exp(gamma!) }));

  // Customers with the same (x, t_x, T) share every BG/NBD quantity, and groups with the same (x, T) share all but P(alive):
  // the expectations are computed once per (x, T) and parameter draw, P(alive) once per group and draw.
  const groups = groupRfm(
    customers.map((c) => c.frequency),
    customers.map((c) => (c.frequency > 0 ? c.recency : 0)),
    customers.map((c) => c.T),
  );
  const G = groups.x.length;
  const members: number[][] = Array.from({ length: G }, () => []);
  for (let i = 0; i < customers.length; i++) members[groups.groupOf[i]!]!.push(i);
  const pairIndex = new Map<string, number[]>();
  for (let g = 0; g < G; g++) {
    const key = `${groups.x[g]}:${groups.T[g]}`;
    const list = pairIndex.get(key);
    if (list) list.push(g);
    else pairIndex.set(key, [g]);
  }

  const out = new Array<CustomerPrediction>(customers.length);
  const B = withIntervals ? nDraws : 0;
  const work = new Float64Array(ends.length);
  const discDraws = new Float64Array(B); // Σ discounted alive expectations per draw, for the current (x, T)
  const cumAliveDraws = new Float64Array(B);
  const depDraws = new Float64Array(B);
  const cumDraws = new Float64Array(B);
  const values = new Float64Array(B);
  const lo = (1 - level) / 2;
  const hi = 1 - lo;
  for (const gs of pairIndex.values()) {
    const x = groups.x[gs[0]!]!;
    const T = groups.T[gs[0]!]!;
    const [disc, cumAlive] = discountedAlive(bg, ends, d, x, T, work);
    for (let b = 0; b < B; b++) [discDraws[b], cumAliveDraws[b]] = discountedAlive(bgSamples[b]!, ends, d, x, T, work);
    const nextIn = 1 / posteriorRate(bg, x, T);
    for (const g of gs) {
      const tx = groups.tx[g]!;
      const alive = pAlive(bg, x, tx, T);
      const dep = alive * disc;
      const cum = alive * cumAlive;
      const pBuy = probabilityOfPurchase(bg, opts.horizon, x, tx, T);
      let cumLow: number | null = null;
      let cumHigh: number | null = null;
      if (B > 0) {
        for (let b = 0; b < B; b++) {
          const pa = pAlive(bgSamples[b]!, x, tx, T);
          depDraws[b] = pa * discDraws[b]!;
          cumDraws[b] = pa * cumAliveDraws[b]!;
        }
        cumDraws.sort();
        cumLow = quantile(cumDraws, lo);
        cumHigh = quantile(cumDraws, hi);
      }
      for (const i of members[g]!) {
        const c = customers[i]!;
        const m = c.monetary ?? null;
        const ev = gg && m !== null ? conditionalExpectedValue(gg, x, m) : null;
        let clvLow: number | null = null;
        let clvHigh: number | null = null;
        if (ev !== null && B > 0 && ggSamples.length === B) {
          for (let b = 0; b < B; b++) values[b] = conditionalExpectedValue(ggSamples[b]!, x, m!) * depDraws[b]!;
          values.sort();
          clvLow = quantile(values, lo);
          clvHigh = quantile(values, hi);
        }
        out[i] = {
          id: c.id,
          expectedPurchases: cum,
          expectedPurchasesLow: cumLow,
          expectedPurchasesHigh: cumHigh,
          pAlive: alive,
          pPurchase: pBuy,
          expectedOrderValue: ev,
          nextOrderIn: nextIn,
          nextOrderDate: asOf === null || !(nextIn * unitDays < MAX_NEXT_ORDER_DAYS) ? null : formatDay(asOf + round(nextIn * unitDays)),
          clv: ev === null ? null : ev * dep,
          clvLow,
          clvHigh,
        };
      }
    }
  }
  return { status: fit.status, unit: fit.unit, horizon: opts.horizon, monthlyDiscount: d, ciLevel: level, draws: B, customers: out };
}
