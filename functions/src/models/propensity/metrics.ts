// Classification metrics of probabilities: ROC AUC (ties as halves), Brier, log loss, ECE, precision and recall at a threshold.
import { Prng } from '../../simulator/prng';

/** Math functions as module constants: global lookups are slow inside VM contexts (jest), which hot loops feel. */
const { abs, floor, log, max, min } = Math;

/** Equal-width bins on [0, 1] used by the ECE: [0, 0.1), [0.1, 0.2), …, [0.9, 1.0]. */
export const ECE_BINS = 10;

export interface PropensityMetrics {
  n: number;
  positives: number;
  baseRate: number;
  meanPredicted: number;
  /** ROC AUC (Mann–Whitney with mid-ranks); null when one class is absent. */
  auc: number | null;
  /** Mean squared error of the probabilities. */
  brier: number;
  /** Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15]. */
  logLoss: number;
  /** Expected calibration error over ECE_BINS equal-width bins: Σ (n_b / n) · |mean p_b − mean y_b|. */
  ece: number;
  /** Decision: positive when p ≥ threshold; null threshold = nobody is predicted positive. */
  threshold: number | null;
  predictedPositives: number;
  /** null when nobody is predicted positive. */
  precision: number | null;
  /** null when there are no positives. */
  recall: number | null;
}

function check(labels: ArrayLike<number | boolean>, probs: ArrayLike<number>): void {
  if (labels.length !== probs.length) throw new Error(`labels (${labels.length}) and probabilities (${probs.length}) differ in length`);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (!(p >= 0 && p <= 1)) throw new Error(`probability ${i + 1} is ${p}, not in [0, 1]`);
  }
}

const yOf = (v: number | boolean) => (v === true || v === 1 ? 1 : 0);

/** ROC AUC = P(score of a random positive > that of a random negative) + ½ P(tie). */
export function rocAuc(labels: ArrayLike<number | boolean>, scores: ArrayLike<number>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSum = 0;
  for (let k = 0; k < n; ) {
    let j = k;
    while (j < n && scores[order[j]!]! === scores[order[k]!]!) j++;
    const midRank = (k + 1 + j) / 2; // ranks k+1 .. j
    for (let t = k; t < j; t++) {
      if (yOf(labels[order[t]!]!)) {
        pos++;
        rankSum += midRank;
      }
    }
    k = j;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Reliability table over `bins` equal-width bins (empty bins omitted). */
export function reliability(labels: ArrayLike<number | boolean>, probs: ArrayLike<number>, bins = ECE_BINS): { lo: number; hi: number; n: number; meanPredicted: number; observedRate: number }[] {
  check(labels, probs);
  const n = new Array<number>(bins).fill(0);
  const sp = new Array<number>(bins).fill(0);
  const sy = new Array<number>(bins).fill(0);
  for (let i = 0; i < probs.length; i++) {
    const b = min(bins - 1, floor(probs[i]! * bins));
    n[b]!++;
    sp[b]! += probs[i]!;
    sy[b]! += yOf(labels[i]!);
  }
  const out = [];
  for (let b = 0; b < bins; b++) if (n[b]! > 0) out.push({ lo: b / bins, hi: (b + 1) / bins, n: n[b]!, meanPredicted: sp[b]! / n[b]!, observedRate: sy[b]! / n[b]! });
  return out;
}

export function expectedCalibrationError(labels: ArrayLike<number | boolean>, probs: ArrayLike<number>, bins = ECE_BINS): number {
  const total = probs.length;
  if (total === 0) return 0;
  return reliability(labels, probs, bins).reduce((s, b) => s + (b.n / total) * abs(b.meanPredicted - b.observedRate), 0);
}

/** All metrics of probabilities against labels, with the decision p ≥ threshold (null: nobody positive). */
export function propensityMetrics(labels: ArrayLike<number | boolean>, probs: ArrayLike<number>, threshold: number | null): PropensityMetrics {
  check(labels, probs);
  const n = probs.length;
  let positives = 0;
  let sumP = 0;
  let brier = 0;
  let logLoss = 0;
  let tp = 0;
  let predicted = 0;
  for (let i = 0; i < n; i++) {
    const y = yOf(labels[i]!);
    const p = probs[i]!;
    positives += y;
    sumP += p;
    brier += (p - y) ** 2;
    const q = min(1 - 1e-15, max(1e-15, p));
    logLoss -= y ? log(q) : log(1 - q);
    if (threshold !== null && p >= threshold) {
      predicted++;
      tp += y;
    }
  }
  const d = max(1, n);
  return {
    n,
    positives,
    baseRate: positives / d,
    meanPredicted: sumP / d,
    auc: rocAuc(labels, probs),
    brier: brier / d,
    logLoss: logLoss / d,
    ece: expectedCalibrationError(labels, probs),
    threshold,
    predictedPositives: predicted,
    precision: predicted > 0 ? tp / predicted : null,
    recall: positives > 0 ? tp / positives : null,
  };
}

/**
 * The ECE a perfectly calibrated model with these probabilities would still show on a sample of this size: the mean ECE
 * of labels drawn as Bernoulli(p) (seeded), over `reps` draws. Read a measured ECE against it.
 */
export function eceSamplingFloor(probs: ArrayLike<number>, opts: { reps?: number; seed?: number | string; bins?: number } = {}): number {
  const rng = new Prng(opts.seed ?? 'ece-floor');
  const reps = opts.reps ?? 100;
  const y = new Uint8Array(probs.length);
  let total = 0;
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < probs.length; i++) y[i] = rng.next() < probs[i]! ? 1 : 0;
    total += expectedCalibrationError(y, probs, opts.bins ?? ECE_BINS);
  }
  return total / reps;
}
