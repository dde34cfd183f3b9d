// Held-out log-odds for the calibration map and the choice of the L2 penalty: logistic fits per fold along the penalty grid.
import { fitLogistic, foldSums, heldOutPredictor, linearPredictor, newtonStepWithout, type LogisticFit } from './logistic';
import type { Design } from './transform';

/** Math functions as module constants: global lookups are slow inside VM contexts (jest), which hot loops feel. */
const { abs, exp, log1p, max } = Math;

export interface FoldFit {
  /** The chosen penalty (lowest criterion; ties go to the stronger penalty). */
  l2: number;
  /** Every penalty tried: its held-out log loss and the criterion it was chosen by (the held-out log loss by default). */
  selection: { l2: number; heldOutLogLoss: number; criterion: number }[];
  /** Log-odds of every held-out row (fold ≥ 0) from a fit that did not see it; NaN for rows never held out. */
  heldOutEta: Float64Array;
  /** The model: fitted on all rows (refitAll) or the single fold's fit. */
  model: LogisticFit;
}

export interface FoldFitOptions {
  /** true: the model is fitted on all rows (cross-fitting); false: it is fold 0's fit (a single holdout, k = 1). */
  refitAll: boolean;
  /**
   * Cross-fitting only. false (default): each fold's fit is one Newton step from the all-rows fit, using the all-rows
   * gradient and Hessian minus the fold's (the exact fold fit up to second-order terms; 2 passes over the data per
   * penalty instead of k fits). true: every fold is fitted to convergence.
   */
  exactFolds?: boolean;
  maxIterations?: number;
  /**
   * What the penalty minimises, given the penalty's model and held-out log-odds (e.g. the log loss of a later snapshot
   * after calibration). Default: the held-out log loss.
   */
  criterion?: (model: LogisticFit, heldOutEta: Float64Array) => number;
}

/** − log-likelihood of a row with log-odds e and label y: log(1 + e^e) − y e. */
const nll = (e: number, y: number) => max(e, 0) + log1p(exp(-abs(e))) - (y ? e : 0);

/**
 * fold[i] = j ≥ 0: row i is held out of fit j (j < k); fold[i] = −1: row i is in every fit and never held out.
 * For each penalty of `grid` (strongest first, warm-started from the previous one) the held-out rows are scored by fits
 * that did not see them; the penalty with the lowest criterion wins. The walk down the grid stops at the first penalty
 * whose criterion is higher than the best so far.
 */
export function foldFit(X: Design, y: Uint8Array, fold: Int32Array, k: number, grid: readonly number[], opts: FoldFitOptions): FoldFit {
  const n = X.n;
  const penalties = [...new Set(grid)].sort((a, b) => b - a);
  const selection: FoldFit['selection'] = [];
  const oneStep = opts.refitAll && !opts.exactFolds;
  const weights = oneStep ? [] : Array.from({ length: k }, (_, j) => Uint8Array.from(fold, (f) => (f === j ? 0 : 1)));
  const warm: (number[] | null)[] = new Array<number[] | null>(k).fill(null);
  let warmAll: number[] | null = null;
  let best: { l2: number; criterion: number; eta: Float64Array; model: LogisticFit } | null = null;
  for (const l2 of penalties) {
    let eta: Float64Array;
    let model: LogisticFit | null = null;
    let fold0: LogisticFit | null = null;
    if (opts.refitAll) {
      model = fitLogistic(X, y, { l2, start: warmAll, maxIterations: opts.maxIterations });
      warmAll = model.beta;
    }
    if (oneStep) {
      const beta = model!.beta;
      const sums = foldSums(X, y, fold, k, beta);
      const grad = sums.grad.reduce((a, g) => a.map((v, i) => v + g[i]!));
      const hess = sums.hess.reduce((a, h) => a.map((v, i) => v + h[i]!));
      const betas = sums.grad.map((gj, j) => {
        const step = newtonStepWithout(X.p, beta, l2, grad, hess, gj, sums.hess[j]!);
        return beta.map((b, i) => b + step[i]!);
      });
      eta = heldOutPredictor(X, betas, fold);
    } else {
      eta = new Float64Array(n).fill(NaN);
      for (let j = 0; j < k; j++) {
        const f = fitLogistic(X, y, { l2, weights: weights[j]!, start: warm[j], maxIterations: opts.maxIterations });
        warm[j] = f.beta;
        if (j === 0) fold0 = f;
        const all = linearPredictor(X, f.beta);
        for (let i = 0; i < n; i++) if (fold[i] === j) eta[i] = all[i]!;
      }
    }
    let loss = 0;
    let held = 0;
    for (let i = 0; i < n; i++) {
      if (fold[i]! < 0) continue;
      loss += nll(eta[i]!, y[i]!);
      held++;
    }
    const heldOutLogLoss = loss / max(1, held);
    const chosen = (opts.refitAll ? model : fold0)!;
    const criterion = opts.criterion ? opts.criterion(chosen, eta) : heldOutLogLoss;
    selection.push({ l2, heldOutLogLoss, criterion });
    if (!best || criterion < best.criterion) best = { l2, criterion, eta, model: chosen };
    else break; // the criterion rose: weaker penalties only overfit more (the curve is taken to be unimodal)
  }
  if (!best) throw new Error('no penalty to try');
  return { l2: best.l2, selection, heldOutEta: best.eta, model: best.model };
}
