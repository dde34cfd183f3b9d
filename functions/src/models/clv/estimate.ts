// Maximum likelihood on log-parameters: BFGS, Newton polish, observed information, Wald intervals (delta method) per parameter.
import { minimizeBfgs } from './bfgs';
import { hessianFromGradient, inversePd, minEigenvalue, solve, type Matrix } from './linalg';

/** Log-parameters are kept inside ±LOG_PARAM_LIMIT (parameters between about 1e-13 and 1e13): beyond, the fit is degenerate. */
export const LOG_PARAM_LIMIT = 30;

export interface ParamInterval {
  /** Point estimate. */
  value: number;
  /** Standard error of the log-parameter (from the observed information). */
  seLog: number;
  /** Wald interval on the log scale, mapped back: [value·e^(-z·seLog), value·e^(z·seLog)]. */
  lower: number;
  upper: number;
  /** (upper - lower) / value. */
  relativeWidth: number;
}

export interface MleResult {
  theta: number[];
  logLik: number;
  converged: boolean;
  iterations: number;
  /** max |∂LL/∂θ| at the optimum (total log-likelihood, log-parameters). */
  gradMax: number;
  message: string;
  atLimit: boolean;
  /** Observed information -∂²LL/∂θ² (log-parameters). */
  information: Matrix;
  /** Its inverse (asymptotic covariance of θ), or null when the information is not positive definite. */
  covariance: Matrix | null;
  minInformationEigenvalue: number;
}

export type LogLik = (theta: ArrayLike<number>, grad?: Float64Array) => number;

/**
 * Maximises `logLik` from each start (BFGS on the mean negative log-likelihood), keeps the best, then takes Newton steps with
 * the finite-difference Hessian of the analytic gradient while they improve the gradient.
 */
export function maximiseLogLik(logLik: LogLik, starts: number[][], n: number): MleResult {
  const scale = 1 / Math.max(1, n);
  const objective = (theta: Float64Array, g: Float64Array): number => {
    for (let i = 0; i < theta.length; i++) if (!(Math.abs(theta[i]!) <= LOG_PARAM_LIMIT)) return Infinity;
    const ll = logLik(theta, g);
    for (let i = 0; i < g.length; i++) g[i] = -g[i]! * scale;
    return Number.isFinite(ll) ? -ll * scale : Infinity;
  };
  let best: ReturnType<typeof minimizeBfgs> | null = null;
  let totalIterations = 0;
  for (const start of starts) {
    const res = minimizeBfgs(objective, start, { gtol: 1e-10, maxIterations: 2000 });
    totalIterations += res.iterations;
    if (Number.isFinite(res.f) && (!best || res.f < best.f - 1e-12 || (!best.converged && res.converged && res.f <= best.f + 1e-9))) best = res;
    if (best?.converged && starts.length > 1 && best === res) {
      // A converged fit from the first start is usually the optimum; the other starts are a safety net only.
      break;
    }
  }
  const k = starts[0]!.length;
  let theta = Float64Array.from(best ? best.x : starts[0]!);
  const grad = new Float64Array(k);
  const gradAt = (t: Float64Array, out: Float64Array) => void logLik(t, out);
  let ll = logLik(theta, grad);
  // Newton polish on the total log-likelihood: at the BFGS optimum one step takes the gradient to rounding level. The
  // Hessian of the starting point is kept for the covariance when the step is tiny (it changes by O(step)).
  let H = hessianFromGradient(theta, gradAt);
  for (let it = 0; it < 3; it++) {
    const step = solve(H.map((row) => row.map((v) => -v)), grad); // (-H) δ = g
    if (!step) break;
    const next = Float64Array.from(theta, (v, i) => v + step[i]!);
    if (next.some((v) => !(Math.abs(v) <= LOG_PARAM_LIMIT))) break;
    const g2 = new Float64Array(k);
    const ll2 = logLik(next, g2);
    if (!(ll2 >= ll - 1e-9 * Math.abs(ll)) || maxAbs(g2) >= maxAbs(grad)) break;
    theta = next;
    ll = ll2;
    grad.set(g2);
    if (maxAbs(step) > 1e-6) H = hessianFromGradient(theta, gradAt);
    if (maxAbs(grad) < 1e-9) break;
  }
  const information = H.map((row) => row.map((v) => -v));
  const covariance = inversePd(information);
  const gradMax = maxAbs(grad);
  const atLimit = Array.from(theta).some((v) => Math.abs(v) > LOG_PARAM_LIMIT - 1);
  return {
    theta: Array.from(theta),
    logLik: ll,
    converged: !!best && (best.converged || gradMax < 1e-6 * Math.max(1, n)) && gradMax < 1e-3 && !atLimit,
    iterations: totalIterations,
    gradMax,
    message: best?.message ?? 'no start evaluated',
    atLimit,
    information,
    covariance,
    minInformationEigenvalue: minEigenvalue(information),
  };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Two-sided standard normal quantile for a central interval of `level` (0.9, 0.95, 0.99, or any in (0, 1)). */
export function zForLevel(level: number): number {
  return normalQuantile(0.5 + level / 2);
}

/** Φ⁻¹(p), Acklam's rational approximation refined by one Halley step (about 1e-15). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let x: number;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - pl) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // Halley refinement with erfc.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Complementary error function (the Chebyshev fit of Numerical Recipes 3rd ed. §6.2.2, about 1.2e-16 relative). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 2 / (2 + z);
  const ty = 4 * t - 2;
  const cof = [
    -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3, -9.46595344482036e-4, 3.66839497852761e-4,
    4.2523324806907e-5, -2.0278578112534e-5, -1.624290004647e-6, 1.30365583558e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9,
    5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12, 8.94487e-13, 3.13092e-13,
    -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
  ];
  let d = 0;
  let dd = 0;
  for (let j = cof.length - 1; j > 0; j--) {
    const tmp = d;
    d = ty * d - dd + cof[j]!;
    dd = tmp;
  }
  const v = t * Math.exp(-z * z + 0.5 * (cof[0]! + ty * d) - dd);
  return x >= 0 ? v : 2 - v;
}

/** Wald intervals for exp(θ) from the covariance of θ. */
export function intervals(theta: number[], covariance: Matrix | null, level: number): ParamInterval[] | null {
  if (!covariance) return null;
  const z = zForLevel(level);
  return theta.map((t, i) => {
    const seLog = Math.sqrt(covariance[i]![i]!);
    const value = Math.exp(t);
    const lower = Math.exp(t - z * seLog);
    const upper = Math.exp(t + z * seLog);
    return { value, seLog, lower, upper, relativeWidth: (upper - lower) / value };
  });
}
