// L2-regularised logistic regression fitted by Newton's method (IRLS) on a sparse design, with step halving.
import type { Design } from './transform';

/** Math functions as module constants: global lookups are slow inside VM contexts (jest), which hot loops feel. */
const { abs, exp, log, log1p, max, min, sqrt } = Math;

export interface LogisticFit {
  /** Coefficients, one per design column (intercept first, not penalised). */
  beta: number[];
  iterations: number;
  converged: boolean;
  /** Penalised log-likelihood at the solution. */
  objective: number;
  /** Largest |gradient| of the penalised log-likelihood at the solution (≈ 0 at the optimum). */
  gradientNorm: number;
}

/** log(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
}

/** Linear predictor of every design row. */
export function linearPredictor(d: Design, beta: ArrayLike<number>): Float64Array {
  const out = new Float64Array(d.n);
  const { nd, ng, dense, cat } = d;
  for (let i = 0; i < d.n; i++) out[i] = rowEta(dense, cat, i, nd, ng, beta);
  return out;
}

/** η of row i. */
export function rowEta(dense: Float64Array, cat: Int32Array, i: number, nd: number, ng: number, beta: ArrayLike<number>): number {
  let eta = 0;
  const base = i * nd;
  for (let j = 0; j < nd; j++) eta += dense[base + j]! * beta[j]!;
  const cb = i * ng;
  for (let g = 0; g < ng; g++) {
    const c = cat[cb + g]!;
    if (c >= 0) eta += beta[c]!;
  }
  return eta;
}

/** η of each row under the coefficients of its fold (betas[fold[i]]); NaN for rows with fold −1. */
export function heldOutPredictor(d: Design, betas: readonly ArrayLike<number>[], fold: Int32Array): Float64Array {
  const out = new Float64Array(d.n);
  for (let i = 0; i < d.n; i++) {
    const j = fold[i]!;
    out[i] = j < 0 ? NaN : rowEta(d.dense, d.cat, i, d.nd, d.ng, betas[j]!);
  }
  return out;
}

/** Per-row log-likelihood terms at η: returns μ = σ(η) and adds y η − log(1 + e^η) to acc[0]. */
function logLikTerm(eta: number, yi: number, acc: Float64Array): number {
  // one exp and one log1p: μ = σ(η), log(1 + e^η) = max(η, 0) + log(1 + e^−|η|)
  const e = exp(-abs(eta));
  acc[0]! += (yi ? eta : 0) - (eta > 0 ? eta : 0) - log1p(e);
  return eta >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/**
 * Adds row i's gradient (r = y − μ) and Hessian (w = μ(1 − μ)) terms of the log-likelihood to grad and the upper
 * triangle of hess (p × p, row-major): dense × dense, dense × category, category × category.
 */
function accumulate(d: Design, i: number, r: number, w: number, grad: Float64Array, hess: Float64Array | null): void {
  const { p, nd, ng, dense, cat } = d;
  const base = i * nd;
  const cb = i * ng;
  for (let j = 0; j < nd; j++) grad[j]! += r * dense[base + j]!;
  for (let g = 0; g < ng; g++) {
    const c = cat[cb + g]!;
    if (c >= 0) grad[c]! += r;
  }
  if (!hess) return;
  for (let a = 0; a < nd; a++) {
    const wa = w * dense[base + a]!;
    const row = a * p;
    for (let b = a; b < nd; b++) hess[row + b]! += wa * dense[base + b]!;
    for (let g = 0; g < ng; g++) {
      const c = cat[cb + g]!;
      if (c >= 0) hess[row + c]! += wa;
    }
  }
  for (let g = 0; g < ng; g++) {
    const c = cat[cb + g]!;
    if (c < 0) continue;
    const row = c * p;
    for (let h = g; h < ng; h++) {
      const c2 = cat[cb + h]!;
      if (c2 >= 0) hess[row + c2]! += w;
    }
  }
}

/** Adds the penalty −l2/2 ‖β without intercept‖² to an objective, gradient and Hessian; fills the Hessian's lower triangle. */
function penalise(p: number, beta: ArrayLike<number>, l2: number, ll: number, grad: Float64Array, hess: Float64Array | null): number {
  let penalty = 0;
  for (let j = 1; j < p; j++) {
    penalty += beta[j]! * beta[j]!;
    grad[j]! -= l2 * beta[j]!;
  }
  if (hess) {
    for (let j = 1; j < p; j++) hess[j * p + j]! += l2;
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) hess[a * p + b] = hess[b * p + a]!;
  }
  return ll - 0.5 * l2 * penalty;
}

/**
 * Penalised log-likelihood, its gradient and (optionally) the negative Hessian at beta; one pass over the rows. Rows with
 * weight 0 are skipped (the fold being held out).
 */
function evaluate(d: Design, y: Uint8Array, weights: Uint8Array | null, beta: Float64Array, l2: number, withHessian: boolean) {
  const { n, p, nd, ng, dense, cat } = d;
  const grad = new Float64Array(p);
  const hess = withHessian ? new Float64Array(p * p) : null;
  const acc = new Float64Array(1);
  for (let i = 0; i < n; i++) {
    if (weights !== null && weights[i] === 0) continue;
    const yi = y[i]!;
    const mu = logLikTerm(rowEta(dense, cat, i, nd, ng, beta), yi, acc);
    accumulate(d, i, yi - mu, mu * (1 - mu), grad, hess);
  }
  return { objective: penalise(p, beta, l2, acc[0]!, grad, hess), grad, hess };
}

/**
 * Log-likelihood gradient and Hessian (no penalty) summed per fold at beta, in one pass: fold[i] = j ≥ 0 adds row i to
 * fold j's sums; rows with fold −1 are skipped. Returns k gradients and k upper-triangular Hessians.
 */
export function foldSums(d: Design, y: Uint8Array, fold: Int32Array, k: number, beta: ArrayLike<number>): { grad: Float64Array[]; hess: Float64Array[] } {
  const { n, p, nd, ng, dense, cat } = d;
  const grad = Array.from({ length: k }, () => new Float64Array(p));
  const hess = Array.from({ length: k }, () => new Float64Array(p * p));
  const acc = new Float64Array(1);
  for (let i = 0; i < n; i++) {
    const j = fold[i]!;
    if (j < 0) continue;
    const yi = y[i]!;
    const mu = logLikTerm(rowEta(dense, cat, i, nd, ng, beta), yi, acc);
    accumulate(d, i, yi - mu, mu * (1 - mu), grad[j]!, hess[j]!);
  }
  return { grad, hess };
}

/**
 * The penalised Newton step from beta for the rows outside fold j, given the full sums and fold j's sums: solves
 * (H − H_j + l2 I′) Δ = (g − g_j) − l2 β′ (′: without the intercept). `hessUpper` matrices are upper-triangular.
 */
export function newtonStepWithout(p: number, beta: ArrayLike<number>, l2: number, grad: Float64Array, hessUpper: Float64Array, gradJ: Float64Array, hessUpperJ: Float64Array): Float64Array {
  const g = grad.map((v, i) => v - gradJ[i]!);
  const H = hessUpper.map((v, i) => v - hessUpperJ[i]!);
  penalise(p, beta, l2, 0, g, H);
  return choleskySolve(H, g, p);
}

/** Solves A x = b for a symmetric positive definite A (row-major p × p) by Cholesky; a tiny ridge is added if needed. */
export function choleskySolve(A: Float64Array, b: Float64Array, p: number): Float64Array {
  for (let jitter = 0; jitter < 8; jitter++) {
    const ridge = jitter === 0 ? 0 : 1e-10 * 10 ** jitter;
    const L = new Float64Array(p * p);
    let ok = true;
    for (let i = 0; i < p && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = A[i * p + j]! + (i === j ? ridge : 0);
        for (let k = 0; k < j; k++) s -= L[i * p + k]! * L[j * p + k]!;
        if (i === j) {
          if (!(s > 0)) {
            ok = false;
            break;
          }
          L[i * p + i] = sqrt(s);
        } else L[i * p + j] = s / L[j * p + j]!;
      }
    }
    if (!ok) continue;
    const z = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      let s = b[i]!;
      for (let k = 0; k < i; k++) s -= L[i * p + k]! * z[k]!;
      z[i] = s / L[i * p + i]!;
    }
    const x = new Float64Array(p);
    for (let i = p - 1; i >= 0; i--) {
      let s = z[i]!;
      for (let k = i + 1; k < p; k++) s -= L[k * p + i]! * x[k]!;
      x[i] = s / L[i * p + i]!;
    }
    return x;
  }
  throw new Error('Hessian is not positive definite');
}

/**
 * Maximises Σ log-likelihood − l2/2 · ‖β without intercept‖² by Newton steps (β += H⁻¹ g), halving a step that lowers the
 * objective. Converges when the Newton decrement g·H⁻¹g is below 1e-10 · |objective| or the largest step is below `tol`. Starts from `start` (warm start) or from the intercept
 * at the base rate. `weights` (0/1 per row) leaves rows out.
 */
export function fitLogistic(
  d: Design,
  y: Uint8Array,
  opts: { l2?: number; maxIterations?: number; tol?: number; weights?: Uint8Array | null; start?: ArrayLike<number> | null } = {},
): LogisticFit {
  const l2 = opts.l2 ?? 1;
  const maxIt = opts.maxIterations ?? 50;
  const tol = opts.tol ?? 1e-6;
  const weights = opts.weights ?? null;
  let beta = new Float64Array(d.p);
  if (opts.start) beta.set(opts.start);
  else {
    let pos = 0;
    let m = 0;
    for (let i = 0; i < d.n; i++) {
      if (weights !== null && weights[i] === 0) continue;
      pos += y[i]!;
      m++;
    }
    const rate = min(1 - 1e-9, max(1e-9, pos / max(1, m)));
    beta[0] = log(rate / (1 - rate));
  }
  let cur = evaluate(d, y, weights, beta, l2, true);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIt) {
    const step = choleskySolve(cur.hess!, cur.grad, d.p);
    // Newton decrement g·H⁻¹g: the objective is within half of it of the optimum; stop without another pass
    let decrement = 0;
    for (let j = 0; j < d.p; j++) decrement += cur.grad[j]! * step[j]!;
    if (decrement < 1e-10 * max(1, abs(cur.objective))) {
      converged = true;
      break;
    }
    iterations++;
    let t = 1;
    let next = beta;
    let res = cur;
    for (let halvings = 0; halvings < 30; halvings++) {
      next = beta.map((b, j) => b + t * step[j]!);
      res = evaluate(d, y, weights, next, l2, true);
      if (res.objective >= cur.objective - 1e-12 * abs(cur.objective)) break;
      t /= 2;
    }
    let maxStep = 0;
    for (let j = 0; j < d.p; j++) maxStep = max(maxStep, abs(t * step[j]!));
    beta = next;
    cur = res;
    if (maxStep < tol) {
      converged = true;
      break;
    }
  }
  let gradientNorm = 0;
  for (const g of cur.grad) gradientNorm = max(gradientNorm, abs(g));
  return { beta: Array.from(beta), iterations, converged, objective: cur.objective, gradientNorm };
}
