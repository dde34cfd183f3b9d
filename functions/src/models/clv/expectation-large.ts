// BG/NBD expected purchases of an alive customer when a or a + b is large: a moment expansion around E[p], and a cancellation-free Euler series.
//
// Given that a customer with x repeat purchases in (0, T] is alive at T, their purchase rate is λ ~ Gamma(n = r + x, α + T) and
// their dropout probability p ~ Beta(a, β = b + x). Given λ and p the purchases in the next t units have mean (1 - e^{-λpt})/p
// (each purchase is the last with probability p), so, with u = t/(α + T),
//   E[Y(t) | alive] = E_p[g(p)],  g(p) = (1 - (1 + p u)^-n) / p,
// which is FHL's (a+b+x-1)/(a-1) [1 - (1-z)^n 2F1(n, b+x; a+b+x-1; z)], z = t/(α+T+t). bgnbd.ts evaluates that through Euler's
// transformation, 1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; C; z) with C = a+b+x-1: its two factors reach e^(±(a-1)|ln(1-z)|) and the
// bracket, about (a-1)/C times the result, is their difference, so it loses about eps·C·max(|ln(1-z)|, 1/|a-1|) relative. That
// is the bug the training pipeline hit: at a ≈ 1e7 the series stopped at its term limit and the result became (a+b-1)/(a-1).
// Two evaluations replace it where it loses digits:
//
// 1. a ≥ LARGE_A: expansion of g around the mean μ = a/(a+β) of p. With c = μu, ζ = c/(1+c) and ε = p/μ - 1,
//      g(μ(1+ε)) = (1/μ) Σ_j (-1)^j P(N > j) ε^j,   N ~ NegBin(n, ζ): P(N = i) = (n)_i/i! ζ^i (1-ζ)^n
//    (multiply 1 - (1+c)^-n (1+ζε)^-n by 1/(1+ε) = Σ(-ε)^j: the coefficient of ε^j is (-1)^j [1 - (1-ζ)^n Σ_{i≤j} (n)_i ζ^i/i!]).
//    Hence E[Y | alive] = (1/μ) Σ_j (-1)^j P(N > j) M_j with M_j = E[ε^j], from Stein's identity for the Beta:
//      M_0 = 1, M_1 = 0, M_{k+1} = k (β/a · M_{k-1} + (β-a)/a · M_k) / (a + β + k),
//    so M_2 = β/(a(a+β+1)) ≤ 1/a and M_j = O(a^-⌈j/2⌉): a series in 1/a (asymptotic: the Taylor series converges for
//    |ε| < 1 + 1/c and Beta(a, β) puts mass e^-O(a) beyond; about 20 terms reach 1e-17 from a = 1e3). Its first term is the
//    limit a, b → ∞ with a/(a+b) fixed, the model in which every customer drops out with the same probability μ after each
//    purchase:
//      E[Y(t) | alive] → (1/μ) (1 - (1 + μ t/(α+T))^-(r+x)).
//    P(N > j) = P(N > 0) - Σ_{1≤i≤j} P(N = i), with P(N > 0) = -expm1(-n ln(1+c)): every P(N = i) ≤ P(N > 0), so the absolute
//    error stays below j·eps·P(N > 0) and is further multiplied by M_j ≤ 1/a.
//
// 2. a < LARGE_A and C·max(1, 1/|a-1|) ≥ EULER_FROM = 100 (a + b large with a moderate, e.g. p concentrated near 0; or a near 1, where
//    the 2F1 route interpolates over the pole of 1/(a-1)): Euler's series with ρ_k = (C-n)_k/(C)_k = Π_{i<k} (1 - n/(C+i)) and
//    Σ_k (a-1)_k z^k/k! = (1-z)^(1-a), rearranged to
//      E[Y(t) | alive] = C (1-z)^(a-1) Σ_{k≥1} (a)_{k-1} (1 - ρ_k) z^k/k!.
//    Every term is positive (needs C > n, i.e. a + b > 1 + r), 1 - ρ_k is accumulated as a sum of positive increments
//    ρ_{k-1} n/(C+k-1), and (a-1) has cancelled: no pole at a = 1. Exact for any parameters; about (a + 40)(1 + u) terms,
//    which is why the 2F1 route stays in charge elsewhere, except above z = NEAR_ONE while that length is moderate
//    (EULER_NEAR_ONE_TERMS): there the 2F1 route's 1 - z transformations keep only ~1e-8. Rounding: about eps·a·|ln(1-z)|
//    from the factor (1-z)^(a-1), and k·eps at worst from the products in ρ_k.
import { NEAR_ONE } from './hyp2f1';

const { abs, exp, expm1, log, log1p, max } = Math;

/** From this a on, the expansion in the moments of p (regime 1). */
export const LARGE_A = 1e3;
/** From this C·max(1, 1/|a-1|) on (a < LARGE_A), the rearranged Euler series (regime 2): the 2F1 route keeps ~eps·1e2. */
export const EULER_FROM = 100;
/**
 * Above z = NEAR_ONE the 2F1 route goes through the 1 - z transformations, accurate to ~1e-8 relative (hyp2f1.ts accepts up to
 * 8 digits lost to cancellation), which the bracket can amplify to 1e-7 (a = 5, b = 91, z = 0.92). There the Euler series is
 * used too while its length, about (a + 40)/(1 - z), stays below this.
 */
export const EULER_NEAR_ONE_TERMS = 100_000;
/** Terms of the moment expansion at most (a ≥ LARGE_A needs about 20). */
const MAX_MOMENTS = 60;
/** Terms of the Euler series at most: enough for (a + 40)(1 + u) up to LARGE_A = 1e3 and u = t/(α+T) = 1e4. */
const MAX_TERMS = 10_000_000;
const EPS = 1e-17;
const RESCALE = 1e250;
const LOG_RESCALE = log(RESCALE);

export interface LargeParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Which evaluation of E[Y | alive] the parameters call for: 'moments' (regime 1), 'euler' (regime 2) or null (the 2F1 route). */
export function largeRegime(p: LargeParams, x: number): 'moments' | 'euler' | null {
  if (p.a >= LARGE_A) return 'moments';
  const C = p.a + p.b + x - 1;
  if (p.a + p.b - 1 - p.r > 0 && C * max(1, 1 / abs(p.a - 1)) >= EULER_FROM) return 'euler';
  return null;
}

/** For a horizon with z = t/(α+T+t) > NEAR_ONE, whether the Euler series should replace the 1 - z transformations. */
export function eulerNearOne(p: LargeParams, z: number): boolean {
  return z > NEAR_ONE && p.a + p.b - 1 - p.r > 0 && (p.a + 40) / (1 - z) <= EULER_NEAR_ONE_TERMS;
}

const moments = new Float64Array(MAX_MOMENTS + 2);

/** Regime 1: (1/μ) Σ_j (-1)^j P(N > j) M_j; NaN when the terms do not fall below 1e-17 (a far too small for it). */
export function aliveExpectationMoments(p: LargeParams, t: number, x: number, T: number): number {
  const { r, alpha, a, b } = p;
  const n = r + x;
  const beta = b + x;
  const S = a + beta;
  const mu = a / S;
  const c = (mu * t) / (alpha + T);
  const zeta = c / (1 + c);
  const logP0 = -n * log1p(c);
  let tail = -expm1(logP0); // P(N > 0)
  let pmf = exp(logP0); // P(N = 0)
  const rb = beta / a;
  const rd = (beta - a) / a;
  moments[0] = 1;
  moments[1] = 0;
  for (let k = 1; k <= MAX_MOMENTS; k++) moments[k + 1] = (k * (rb * moments[k - 1]! + rd * moments[k]!)) / (S + k);
  let sum = tail;
  for (let j = 1; j <= MAX_MOMENTS; j++) {
    pmf *= ((n + j - 1) * zeta) / j;
    tail = max(0, tail - pmf);
    const m = moments[j]!;
    sum += j % 2 === 0 ? tail * m : -tail * m;
    // Every later P(N > i) ≤ P(N > 0) ≤ sum (1 + O(1/a)): the rest is below P(N > 0) Σ_{i>j} |M_i|, bounded by the next two.
    if (j >= 2 && abs(moments[j + 1]!) + abs(moments[j + 2] ?? 0) <= EPS) return (sum * S) / a;
  }
  return NaN;
}

/**
 * Regime 2: C (1-z)^(a-1) Σ_{k≥1} (a)_{k-1} (1 - ρ_k) z^k/k!, accumulated with rescaling (the terms can pass 1e308); NaN when
 * MAX_TERMS do not reach the tail bound (horizons beyond about 1e4 (α + T)).
 */
export function aliveExpectationEuler(p: LargeParams, t: number, x: number, T: number): number {
  const { r, alpha, a, b } = p;
  const n = r + x;
  const C = a + b + x - 1;
  const z = t / (alpha + T + t);
  let tau = z; // (a)_{k-1} z^k / k!, divided by e^logScale
  let rho = 1; // ρ_{k-1}
  let d = 0; // 1 - ρ_k
  let sum = 0;
  let logScale = 0;
  for (let k = 1; k <= MAX_TERMS; k++) {
    const step = (rho * n) / (C + k - 1);
    d += step;
    rho -= step;
    const term = tau * d;
    sum += term;
    // term_{j+1}/term_j ≤ (a+j-1) z / j for j ≥ k ((1 - ρ_j) grows at most like j): a geometric bound on the rest.
    const bound = max(((a + k - 1) * z) / k, z);
    if (bound < 1 && (term * bound) / (1 - bound) <= EPS * sum) return C * exp((a - 1) * log1p(-z) + log(sum) + logScale);
    tau *= ((a + k - 1) * z) / (k + 1);
    if (tau > RESCALE) {
      tau /= RESCALE;
      sum /= RESCALE;
      logScale += LOG_RESCALE;
    }
  }
  return NaN;
}

let scratchZ = new Float64Array(16);
let scratchPow = new Float64Array(16);
let scratchSum = new Float64Array(16);

/**
 * Regime 2 at several horizons at once (the coefficients (a)_{k-1} (1 - ρ_k)/k! are shared), into out (0 where t ≤ 0). Returns
 * false, leaving out unusable, when a coefficient passes 1e250 or MAX_TERMS do not suffice: then evaluate one horizon at a time.
 */
export function aliveExpectationsEuler(p: LargeParams, ts: ArrayLike<number>, x: number, T: number, out: Float64Array): boolean {
  const { r, alpha, a, b } = p;
  const m = ts.length;
  const n = r + x;
  const C = a + b + x - 1;
  if (scratchZ.length < m) {
    scratchZ = new Float64Array(m);
    scratchPow = new Float64Array(m);
    scratchSum = new Float64Array(m);
  }
  const zs = scratchZ;
  const pw = scratchPow;
  const sums = scratchSum;
  let zmax = 0;
  for (let j = 0; j < m; j++) {
    const t = ts[j]!;
    zs[j] = t > 0 ? t / (alpha + T + t) : 0;
    pw[j] = 1;
    sums[j] = 0;
    if (zs[j]! > zmax) zmax = zs[j]!;
  }
  if (zmax === 0) {
    out.fill(0, 0, m);
    return true;
  }
  let coef = 1; // (a)_{k-1} / k!
  let rho = 1;
  let d = 0;
  let zpow = 1;
  let done = false;
  for (let k = 1; k <= MAX_TERMS; k++) {
    const step = (rho * n) / (C + k - 1);
    d += step;
    rho -= step;
    const kap = coef * d;
    zpow *= zmax;
    for (let j = 0; j < m; j++) {
      pw[j] = pw[j]! * zs[j]!;
      sums[j] = sums[j]! + kap * pw[j]!;
    }
    const bound = max(((a + k - 1) * zmax) / k, zmax);
    if (bound < 1 && (kap * zpow * bound) / (1 - bound) <= EPS * minPositive(sums, zs, m)) {
      done = true;
      break;
    }
    coef *= (a + k - 1) / (k + 1);
    if (!(coef < RESCALE)) return false;
  }
  if (!done) return false;
  for (let j = 0; j < m; j++) out[j] = zs[j]! > 0 ? C * exp((a - 1) * log1p(-zs[j]!)) * sums[j]! : 0;
  return true;
}

/** The smallest sum among the horizons with z > 0 (each horizon's tail is below the largest-z bound). */
function minPositive(sums: Float64Array, zs: Float64Array, m: number): number {
  let v = Infinity;
  for (let j = 0; j < m; j++) if (zs[j]! > 0 && sums[j]! < v) v = sums[j]!;
  return v;
}

/** Below this a the moment expansion is not tried as a fallback for the Euler series (its terms fall too slowly). */
const MOMENTS_FALLBACK_A = 100;

/**
 * E[Y(t) | alive] in regime 1 or 2 (see largeRegime), each falling back on the other where it can; NaN when neither
 * converged (then the caller uses the 2F1 route).
 */
export function aliveExpectationLarge(p: LargeParams, t: number, x: number, T: number, regime: 'moments' | 'euler'): number {
  if (!(t > 0)) return 0;
  const eulerOk = p.a + p.b - 1 - p.r > 0;
  if (regime === 'moments') {
    const v = aliveExpectationMoments(p, t, x, T);
    return Number.isNaN(v) && eulerOk ? aliveExpectationEuler(p, t, x, T) : v;
  }
  const v = aliveExpectationEuler(p, t, x, T);
  return Number.isNaN(v) && p.a >= MOMENTS_FALLBACK_A ? aliveExpectationMoments(p, t, x, T) : v;
}
