// Probability calibration maps fitted on held-out scores: isotonic regression (PAV) and Platt scaling; JSON-serialisable.
import { sigmoid } from './logistic';

/** Math functions as module constants: global lookups are slow inside VM contexts (jest), which hot loops feel. */
const { abs, exp, log1p } = Math;

/**
 * isotonic: piecewise-linear through (x[i], y[i]) with x ascending, constant beyond the ends (as scikit-learn's
 * IsotonicRegression predicts); x is the model's linear predictor (log-odds).
 * platt: σ(a · x + b). none: σ(x).
 */
export type CalibrationMap =
  | { method: 'isotonic'; x: number[]; y: number[] }
  | { method: 'platt'; a: number; b: number }
  | { method: 'none' };

export type CalibrationMethod = CalibrationMap['method'];

/**
 * Pool-adjacent-violators on scores (ties pooled first) → non-decreasing block means. The map keeps each block's
 * lowest and highest score (one point when they are equal).
 */
export function fitIsotonic(scores: ArrayLike<number>, labels: ArrayLike<number>): CalibrationMap {
  const n = scores.length;
  if (n === 0) throw new Error('isotonic calibration needs at least one row');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  // blocks as a stack: sum of labels, count, lowest and highest score
  const sum: number[] = [];
  const cnt: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (let k = 0; k < n; ) {
    const x = scores[order[k]!]!;
    let s = 0;
    let c = 0;
    while (k < n && scores[order[k]!]! === x) {
      s += labels[order[k]!]!;
      c++;
      k++;
    }
    sum.push(s);
    cnt.push(c);
    lo.push(x);
    hi.push(x);
    // merge while the last block's mean is not above the previous one's (≤ merges equal means too: fewer points)
    while (sum.length > 1) {
      const m = sum.length - 1;
      if (sum[m - 1]! * cnt[m]! < sum[m]! * cnt[m - 1]!) break;
      sum[m - 1]! += sum[m]!;
      cnt[m - 1]! += cnt[m]!;
      hi[m - 1] = hi[m]!;
      sum.pop();
      cnt.pop();
      lo.pop();
      hi.pop();
    }
  }
  const x: number[] = [];
  const y: number[] = [];
  for (let b = 0; b < sum.length; b++) {
    const mean = sum[b]! / cnt[b]!;
    x.push(lo[b]!);
    y.push(mean);
    if (hi[b]! > lo[b]!) {
      x.push(hi[b]!);
      y.push(mean);
    }
  }
  return { method: 'isotonic', x, y };
}

/**
 * Platt scaling: logistic regression of the labels on the score, with Platt's (1999) smoothed targets
 * (N₊ + 1) / (N₊ + 2) and 1 / (N₋ + 2) so that separable held-out data does not give infinite slopes. Newton in 2-D.
 */
export function fitPlatt(scores: ArrayLike<number>, labels: ArrayLike<number>): CalibrationMap {
  const n = scores.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += labels[i]!;
  const tPos = (pos + 1) / (pos + 2);
  const tNeg = 1 / (n - pos + 2);
  // objective (cross-entropy to the smoothed targets), gradient and Hessian in one pass
  const evaluate = (a: number, b: number) => {
    let f = 0;
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const s = scores[i]!;
      const z = a * s + b;
      const t = labels[i] ? tPos : tNeg;
      // one exp and one log1p: softplus(−z) = log(1 + e^−|z|) + max(−z, 0); softplus(z) = softplus(−z) + z
      const e = exp(-abs(z));
      const spNeg = log1p(e) + (z < 0 ? -z : 0);
      f += spNeg + (1 - t) * z;
      const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      const r = p - t;
      const w = p * (1 - p);
      ga += r * s;
      gb += r;
      haa += w * s * s;
      hab += w * s;
      hbb += w;
    }
    return { a, b, f, ga, gb, haa, hab, hbb };
  };
  let cur = evaluate(1, 0);
  for (let it = 0; it < 100; it++) {
    const det = cur.haa * cur.hbb - cur.hab * cur.hab;
    const da = (cur.hbb * cur.ga - cur.hab * cur.gb) / det;
    const db = (cur.haa * cur.gb - cur.hab * cur.ga) / det;
    let t = 1;
    let next = cur;
    for (let h = 0; h < 30; h++) {
      next = evaluate(cur.a - t * da, cur.b - t * db);
      if (next.f <= cur.f + 1e-12 * Math.abs(cur.f)) break;
      t /= 2;
    }
    const moved = Math.max(Math.abs(next.a - cur.a), Math.abs(next.b - cur.b));
    cur = next;
    if (moved < 1e-9) break;
  }
  return { method: 'platt', a: cur.a, b: cur.b };
}

export function fitCalibration(method: CalibrationMethod, scores: ArrayLike<number>, labels: ArrayLike<number>): CalibrationMap {
  if (method === 'isotonic') return fitIsotonic(scores, labels);
  if (method === 'platt') return fitPlatt(scores, labels);
  return { method: 'none' };
}

/** Calibrated probability of a linear predictor (log-odds). */
export function calibrate(map: CalibrationMap, score: number): number {
  if (map.method === 'none') return sigmoid(score);
  if (map.method === 'platt') return sigmoid(map.a * score + map.b);
  const { x, y } = map;
  const last = x.length - 1;
  if (score <= x[0]!) return y[0]!;
  if (score >= x[last]!) return y[last]!;
  // binary search: x[lo] <= score < x[hi]
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= score) lo = mid;
    else hi = mid;
  }
  const x0 = x[lo]!;
  const x1 = x[hi]!;
  return x1 === x0 ? y[hi]! : y[lo]! + ((y[hi]! - y[lo]!) * (score - x0)) / (x1 - x0);
}
