// Gamma-Gamma spend model (Fader & Hardie 2013): log-likelihood with analytic gradient and the conditional mean order value.
//
// A customer's x repeat transactions have mean value m; values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers:
//   LL = ln Γ(px+q) - ln Γ(px) - ln Γ(q) + q ln γ + (px-1) ln m + px ln x - (px+q) ln(x m + γ)
// Only customers with x > 0 and m > 0 carry information (m = 0 has no density). The Γ terms depend on x only and are
// evaluated once per distinct x; each customer costs one logarithm.
import { digamma, lgamma } from './special';
// Math's functions bound once: a global lookup per call is slow inside vm contexts (jest).
const { exp, log } = Math;

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export const GG_PARAM_NAMES = ['p', 'q', 'gamma'] as const;

export interface SpendData {
  /** Repeat purchases (> 0) and mean repeat purchase value (> 0) per customer. */
  x: Float64Array;
  m: Float64Array;
}

export function ggFromLog(theta: ArrayLike<number>): GammaGammaParams {
  return { p: exp(theta[0]!), q: exp(theta[1]!), gamma: exp(theta[2]!) };
}

/** Log-likelihood over the customers and its gradient in θ = (ln p, ln q, ln γ) (written into `grad` when given). */
export function gammaGammaEvaluator(data: SpendData): (theta: ArrayLike<number>, grad?: Float64Array) => number {
  const n = data.x.length;
  const counts = new Map<number, number>();
  let sXlnM = 0;
  let sLnM = 0;
  let sXlnX = 0;
  for (let i = 0; i < n; i++) {
    const x = data.x[i]!;
    const m = data.m[i]!;
    counts.set(x, (counts.get(x) ?? 0) + 1);
    sXlnM += x * log(m);
    sLnM += log(m);
    sXlnX += x * log(x);
  }
  const xs = Float64Array.from(counts.keys());
  const ns = Float64Array.from(counts.values());
  const xm = new Float64Array(n);
  for (let i = 0; i < n; i++) xm[i] = data.x[i]! * data.m[i]!;
  return (theta, grad) => {
    const p = exp(theta[0]!);
    const q = exp(theta[1]!);
    const gamma = exp(theta[2]!);
    const lnGamma = log(gamma);
    let ll = 0;
    let dp = 0;
    let dq = 0;
    const lgq = lgamma(q);
    const psiQ = grad ? digamma(q) : 0;
    for (let j = 0; j < xs.length; j++) {
      const x = xs[j]!;
      const c = ns[j]!;
      const px = p * x;
      ll += c * (lgamma(px + q) - lgamma(px) - lgq);
      if (grad) {
        const psiPxQ = digamma(px + q);
        dp += c * x * (psiPxQ - digamma(px));
        dq += c * (psiPxQ - psiQ);
      }
    }
    let sLog = 0;
    let sXLog = 0;
    let sW = 0;
    for (let i = 0; i < n; i++) {
      const x = data.x[i]!;
      const denom = xm[i]! + gamma;
      const l = log(denom);
      const k = p * x + q;
      sLog += k * l;
      if (grad) {
        sXLog += x * l;
        dq -= l;
        sW += k / denom;
      }
    }
    ll += n * q * lnGamma + p * sXlnM - sLnM + p * sXlnX - sLog;
    if (grad) {
      dp += sXlnM + sXlnX - sXLog;
      dq += n * lnGamma;
      const dg = (n * q) / gamma - sW;
      grad[0] = dp * p;
      grad[1] = dq * q;
      grad[2] = dg * gamma;
    }
    return ll;
  };
}

/**
 * E[M | x, m]: the expected value of the customer's future orders, a weighted mean of the population mean pγ/(q-1) and the
 * customer's own mean m: p(γ + x m)/(p x + q - 1). For x = 0 it is the population mean. Infinite when q ≤ 1.
 */
export function conditionalExpectedValue(g: GammaGammaParams, x: number, m: number): number {
  if (g.q <= 1) return Infinity;
  if (x <= 0) return (g.p * g.gamma) / (g.q - 1);
  return (g.p * (g.gamma + x * m)) / (g.p * x + g.q - 1);
}
