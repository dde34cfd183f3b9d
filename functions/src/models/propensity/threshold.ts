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
