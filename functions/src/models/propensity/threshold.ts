// Decision threshold on validation probabilities: the lowest p-cut whose precision reaches the target (most recall), or an explicit "unreachable".

export interface ThresholdChoice {
  /** 'met': a cut reaches the target precision with enough predicted positives; 'unreachable': none does. */
  status: 'met' | 'unreachable';
  targetPrecision: number;
  /** At least this many predicted positives for a cut to count (a precision of 3 / 3 says little). */
  minPredictedPositives: number;
  /** The cut's precision must reach the target with this one-sided Wilson margin (0 = the point estimate itself). */
  confidenceZ: number;
  /** Predict positive when p ≥ threshold; null when unreachable (nobody is predicted positive). */
  threshold: number | null;
  /** On the rows the threshold was chosen on. */
  precision: number | null;
  recall: number | null;
  predictedPositives: number;
  /** The best precision any cut with enough predicted positives reaches (what 'unreachable' fell short of), and its recall. */
  bestPrecision: number | null;
  bestPrecisionRecall: number | null;
}

/**
 * Walks the cuts p ≥ t over the distinct probabilities from the top down. Among cuts with precision ≥ target and at least
 * `minPredictedPositives` predicted positives, returns the one with the most recall (the lowest such t; equal recall → the
 * higher t). Precision is not monotone in t, so every cut is examined.
 */
export function chooseThreshold(
  labels: ArrayLike<number | boolean>,
  probs: ArrayLike<number>,
  opts: { targetPrecision?: number; minPredictedPositives?: number; confidenceZ?: number } = {},
): ThresholdChoice {
  const target = opts.targetPrecision ?? 0.78;
  const minPred = opts.minPredictedPositives ?? 20;
  const z = opts.confidenceZ ?? 0;
  const n = probs.length;
  if (labels.length !== n) throw new Error('labels and probabilities differ in length');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[b]! - probs[a]!);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i] === true || labels[i] === 1 ? 1 : 0;
  let tp = 0;
  let pred = 0;
  let best: { t: number; tp: number; pred: number } | null = null;
  let top: { tp: number; pred: number } | null = null;
  for (let k = 0; k < n; ) {
    const t = probs[order[k]!]!;
    while (k < n && probs[order[k]!]! === t) {
      tp += labels[order[k]!] === true || labels[order[k]!] === 1 ? 1 : 0;
      pred++;
      k++;
    }
    if (pred < minPred) continue;
    if (!top || tp * top.pred >= top.tp * pred) top = { tp, pred }; // equal precision: the later cut has more recall
    if (wilsonLower(tp, pred, z) >= target - 1e-12 && (!best || tp > best.tp)) best = { t, tp, pred };
  }
  const recallOf = (x: number) => (positives > 0 ? x / positives : null);
  const common = {
    targetPrecision: target,
    minPredictedPositives: minPred,
    confidenceZ: z,
    bestPrecision: top ? top.tp / top.pred : null,
    bestPrecisionRecall: top ? recallOf(top.tp) : null,
  };
  if (!best) return { status: 'unreachable', threshold: null, precision: null, recall: null, predictedPositives: 0, ...common };
  return { status: 'met', threshold: best.t, precision: best.tp / best.pred, recall: recallOf(best.tp), predictedPositives: best.pred, ...common };
}

/** Lower end of the Wilson score interval of k successes in n at normal quantile z (z = 0: k / n). */
export function wilsonLower(k: number, n: number, z: number): number {
  if (n === 0) return 0;
  const p = k / n;
  if (z === 0) return p;
  const z2 = z * z;
  return (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}

/** One month's (snapshot's) out-of-sample labels and probabilities. */
export interface ThresholdMonth {
  snapshot: string;
  labels: ArrayLike<number | boolean>;
  probs: ArrayLike<number>;
}

export interface RollingThresholdChoice extends ThresholdChoice {
  rule: 'rolling-min';
  /** Each month's precision, recall and predicted positives at the chosen cut (the last month is the validation snapshot). */
  months: { snapshot: string; precision: number | null; recall: number | null; predictedPositives: number; lowerBound: number | null }[];
  /** The smallest lower bound across the months at the chosen cut (what met the target). */
  worstLowerBound: number | null;
}

const isPos = (v: number | boolean | undefined) => v === true || v === 1;

/**
 * A cut that keeps its word across several months: among the distinct probabilities of the last month (the validation
 * snapshot), the lowest t such that in EVERY month the one-sided Wilson lower bound (z) of the precision of p ≥ t reaches
 * the target, each month with at least `minPredictedPositives`. Recall and precision are reported on the last month.
 * A cut chosen on one month at the edge of the target holds in about half of the next months; asking it of each of
 * several rolling months (each scored out of sample) is what makes it hold in the next one.
 */
export function chooseThresholdAcrossMonths(
  months: readonly ThresholdMonth[],
  opts: { targetPrecision?: number; minPredictedPositives?: number; confidenceZ?: number } = {},
): RollingThresholdChoice {
  if (months.length === 0) throw new Error('chooseThresholdAcrossMonths needs at least one month');
  const target = opts.targetPrecision ?? 0.78;
  const minPred = opts.minPredictedPositives ?? 20;
  const z = opts.confidenceZ ?? 0;
  // each month sorted by probability descending, with cumulative counts: precision at any cut by binary search
  const sorted = months.map((m) => {
    const n = m.probs.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => m.probs[b]! - m.probs[a]!);
    const p = Float64Array.from(order, (i) => m.probs[i]!);
    const tp = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) tp[k + 1] = tp[k]! + (isPos(m.labels[order[k]!]) ? 1 : 0);
    return { snapshot: m.snapshot, p, tp, positives: tp[n]! };
  });
  const at = (s: (typeof sorted)[number], t: number) => {
    // predicted positives: count of p ≥ t (p descending)
    let lo = 0;
    let hi = s.p.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.p[mid]! >= t) lo = mid + 1;
      else hi = mid;
    }
    return { pred: lo, tp: s.tp[lo]! };
  };
  const last = sorted[sorted.length - 1]!;
  const cuts = [...new Set(last.p)].sort((a, b) => b - a);
  let best: number | null = null;
  let top: { t: number; worst: number } | null = null;
  for (const t of cuts) {
    let worst = Infinity;
    for (const s of sorted) {
      const c = at(s, t);
      worst = Math.min(worst, c.pred < minPred ? -Infinity : wilsonLower(c.tp, c.pred, z));
    }
    if (worst > -Infinity && (!top || worst > top.worst)) top = { t, worst };
    if (worst >= target - 1e-12) best = t; // cuts descend: the last that holds has the most recall
  }
  const report = (t: number | null) =>
    sorted.map((s) => {
      if (t === null) return { snapshot: s.snapshot, precision: null, recall: null, predictedPositives: 0, lowerBound: null };
      const c = at(s, t);
      return { snapshot: s.snapshot, precision: c.pred ? c.tp / c.pred : null, recall: s.positives ? c.tp / s.positives : null, predictedPositives: c.pred, lowerBound: c.pred ? wilsonLower(c.tp, c.pred, z) : null };
    });
  const lastAt = (t: number) => at(last, t);
  const common = {
    rule: 'rolling-min' as const,
    targetPrecision: target,
    minPredictedPositives: minPred,
    confidenceZ: z,
    bestPrecision: top ? lastAt(top.t).tp / Math.max(1, lastAt(top.t).pred) : null,
    bestPrecisionRecall: top && last.positives ? lastAt(top.t).tp / last.positives : null,
  };
  if (best === null) return { status: 'unreachable', threshold: null, precision: null, recall: null, predictedPositives: 0, ...common, months: report(null), worstLowerBound: top?.worst ?? null };
  const c = lastAt(best);
  const months_ = report(best);
  return {
    status: 'met', threshold: best, precision: c.tp / c.pred, recall: last.positives ? c.tp / last.positives : null, predictedPositives: c.pred, ...common,
    months: months_, worstLowerBound: Math.min(...months_.map((m) => m.lowerBound ?? -Infinity)),
  };
}
