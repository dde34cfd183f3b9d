// BG/NBD maximum likelihood with a + b bounded: optimised as (ln r, ln α, logit p, η), p = a/(a+b), reported in log-parameters.
//
// When the data show no spread in the dropout probability, the likelihood keeps rising, ever more slowly, as a and b grow
// together with a/(a+b) fixed (the Beta(a, b) of p tends to a point mass). In (ln a, ln b) the optimiser then wanders along
// that ridge and stops wherever the gradient gets small — a ≈ 1e10 to 1e13, an arbitrary and unreproducible point. Here the
// optimiser works in
//   ω = (ln r, ln α, logit p, η),   p = a/(a+b),   s = a + b = 1/(1/AB_BOUND + e^-η)
// so s ≈ e^η while s ≪ AB_BOUND and s < AB_BOUND always; a = p s, b = (1-p) s. A fit that runs to the bound is finished with
// s fixed at AB_AT_BOUND · AB_BOUND (r, α and p refitted there); it differs from the limit model (every customer drops out
// with probability p after each purchase) by O(1/AB_BOUND) in every prediction. Inside the bound the optimum is the same point
// as in (ln a, ln b), and the observed information, covariance and gradient are recomputed in θ = (ln r, ln α, ln a, ln b)
// at that point, as before.
import { bgnbdEvaluator, type GroupedRfm } from './bgnbd';
import { maximiseLogLik, type MleResult } from './estimate';
import { hessianFromGradient, inversePd, minEigenvalue } from './linalg';

/** Upper bound of a + b in the fit: the Beta of the dropout probability has a standard deviation of at most 5e-4 there. */
export const AB_BOUND = 1e6;
/** A fit with a + b above this fraction of AB_BOUND has run to the bound. */
export const AB_AT_BOUND = 0.99;

const LN_BOUND = Math.log(AB_BOUND);

/** ln(1 + e^y) without overflow. */
function softplus(y: number): number {
  return y > 0 ? y + Math.log1p(Math.exp(-y)) : Math.log1p(Math.exp(y));
}

/** ω → θ = (ln r, ln α, ln a, ln b), and dθ/dω for the two dropout coordinates. */
export function thetaFromOmega(omega: ArrayLike<number>): { theta: Float64Array; p: number; q: number } {
  const lp = -softplus(-omega[2]!); // ln p
  const l1p = -softplus(omega[2]!); // ln(1 - p)
  const eta = omega[3]!;
  const ls = -(eta >= LN_BOUND ? -LN_BOUND + softplus(LN_BOUND - eta) : -eta + softplus(eta - LN_BOUND)); // -ln(1/B + e^-η)
  const theta = Float64Array.of(omega[0]!, omega[1]!, lp + ls, l1p + ls);
  // d ln s / dη = 1 - s/AB_BOUND
  return { theta, p: Math.exp(lp), q: 1 / (1 + Math.exp(eta - LN_BOUND)) };
}

/** θ → ω (a start in log-parameters; a + b is pulled inside the bound). */
export function omegaFromTheta(theta: ArrayLike<number>): number[] {
  const la = theta[2]!;
  const lb = theta[3]!;
  const ls = Math.max(la, lb) + Math.log1p(Math.exp(-Math.abs(la - lb)));
  const s = Math.min(Math.exp(ls), AB_BOUND * AB_AT_BOUND);
  return [theta[0]!, theta[1]!, la - lb, Math.log(s) - Math.log1p(-s / AB_BOUND)];
}

export interface BgnbdMle extends MleResult {
  /** a + b ran to AB_BOUND (no spread in the dropout probability detectable). */
  abAtBound: boolean;
}

/** Maximum likelihood from starts given in θ = (ln r, ln α, ln a, ln b); the result is in θ. */
export function maximiseBgnbd(data: GroupedRfm, starts: number[][], n: number): BgnbdMle {
  const ll = bgnbdEvaluator(data);
  const gTheta = new Float64Array(4);
  const objective = (omega: ArrayLike<number>, grad?: Float64Array): number => {
    const { theta, p, q } = thetaFromOmega(omega);
    const v = ll(theta, grad ? gTheta : undefined);
    if (grad) {
      grad[0] = gTheta[0]!;
      grad[1] = gTheta[1]!;
      grad[2] = (1 - p) * gTheta[2]! - p * gTheta[3]!;
      grad[3] = q * (gTheta[2]! + gTheta[3]!);
    }
    return v;
  };
  let fit = maximiseLogLik(objective, starts.map(omegaFromTheta), n);
  let { theta } = thetaFromOmega(fit.theta);
  const abAtBound = Math.exp(theta[2]!) + Math.exp(theta[3]!) > AB_AT_BOUND * AB_BOUND;
  if (abAtBound) {
    // The likelihood still rises (by O(1/AB_BOUND)) towards the bound, so η drifts up without a stationary point: fit the
    // other three coordinates with a + b = AB_BOUND and judge convergence there.
    const eta = Math.log(AB_BOUND * AB_AT_BOUND) - Math.log1p(-AB_AT_BOUND);
    const g4 = new Float64Array(4);
    const profile = (w: ArrayLike<number>, grad?: Float64Array): number => {
      const v = objective([w[0]!, w[1]!, w[2]!, eta], grad ? g4 : undefined);
      if (grad) for (let i = 0; i < 3; i++) grad[i] = g4[i]!;
      return v;
    };
    fit = maximiseLogLik(profile, [fit.theta.slice(0, 3)], n);
    theta = thetaFromOmega([...fit.theta, eta]).theta;
  }
  const grad = new Float64Array(4);
  const logLik = ll(theta, grad);
  const H = hessianFromGradient(theta, (t, out) => void ll(t, out));
  const information = H.map((row) => row.map((v) => -v));
  let gradMax = 0;
  for (const g of grad) gradMax = Math.max(gradMax, Math.abs(g));
  return {
    ...fit,
    theta: Array.from(theta),
    logLik,
    // At the bound the gradient along a + b is not zero: the profile fit's gradient is the one that says "converged".
    gradMax: abAtBound ? fit.gradMax : gradMax,
    information,
    covariance: inversePd(information),
    minInformationEigenvalue: minEigenvalue(information),
    abAtBound,
  };
}
