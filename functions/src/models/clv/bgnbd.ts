// BG/NBD (Fader, Hardie & Lee 2005): grouped log-likelihood with analytic gradient, P(alive) and conditional expectations.
//
// Per customer, with x repeat purchases, t_x the time of the last one and T the age (same unit):
//   LL = ln Γ(r+x) - ln Γ(r) + r ln α + ln B(a, b+x) - ln B(a, b) + ln[ (α+T)^-(r+x) + δ(x>0) a/(b+x-1) (α+t_x)^-(r+x) ]
// x is an integer, so ln Γ(r+x) - ln Γ(r) = Σ_{k<x} ln(r+k) and ln B(a,b+x) - ln B(a,b) = Σ_{k<x} ln((b+k)/(a+b+k)); these
// sums are tabulated once per evaluation for x = 0..max x, and the last term is a log-sum-exp. Customers with the same
// (x, t_x, T) are evaluated once and weighted by their count.
import { aliveExpectationLarge, aliveExpectationsEuler, eulerNearOne, largeRegime } from './expectation-large';
import { hyp2f1Log, NEAR_ONE } from './hyp2f1';
import { logAddExp } from './special';
// Math's functions bound once: a global lookup per call is slow inside vm contexts (jest).
const { abs, exp, expm1, log, log1p, max, min } = Math;

export interface BgnbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export const BGNBD_PARAM_NAMES = ['r', 'alpha', 'a', 'b'] as const;

/** Customers grouped by identical (x, t_x, T); w = number of customers in the group. */
export interface GroupedRfm {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  w: Float64Array;
  /** Index of each input customer's group. */
  groupOf: Int32Array;
  customers: number;
  maxX: number;
}

export function groupRfm(frequency: ArrayLike<number>, recency: ArrayLike<number>, age: ArrayLike<number>): GroupedRfm {
  const n = frequency.length;
  const fx = Float64Array.from(frequency);
  const ft = Float64Array.from(recency);
  const fT = Float64Array.from(age);
  // Sort customer indices by (x, T, t_x) and cut at every change: no string keys, O(n log n).
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => fx[i]! - fx[j]! || fT[i]! - fT[j]! || ft[i]! - ft[j]!);
  const x: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  const w: number[] = [];
  const groupOf = new Int32Array(n);
  let maxX = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const g = x.length - 1;
    if (g < 0 || fx[i] !== x[g] || fT[i] !== T[g] || ft[i] !== tx[g]) {
      x.push(fx[i]!);
      tx.push(ft[i]!);
      T.push(fT[i]!);
      w.push(1);
      if (fx[i]! > maxX) maxX = fx[i]!;
    } else w[g]! += 1;
    groupOf[i] = x.length - 1;
  }
  return { x: Float64Array.from(x), tx: Float64Array.from(tx), T: Float64Array.from(T), w: Float64Array.from(w), groupOf, customers: n, maxX };
}

export function bgnbdFromLog(theta: ArrayLike<number>): BgnbdParams {
  return { r: exp(theta[0]!), alpha: exp(theta[1]!), a: exp(theta[2]!), b: exp(theta[3]!) };
}

/**
 * The log-likelihood of grouped data and its gradient with respect to θ = (ln r, ln α, ln a, ln b), written into `grad`
 * when given. Tables are reused between calls (one evaluator per data set).
 */
export function bgnbdEvaluator(data: GroupedRfm): (theta: ArrayLike<number>, grad?: Float64Array) => number {
  const m = data.maxX + 1;
  const lgR = new Float64Array(m);
  const dR = new Float64Array(m);
  const lgB = new Float64Array(m);
  const dBa = new Float64Array(m);
  const dBb = new Float64Array(m);
  const lnBx1 = new Float64Array(m);
  const { x: X, tx: TX, T: TT, w: W } = data;
  const G = X.length;
  return (theta, grad) => {
    const r = exp(theta[0]!);
    const alpha = exp(theta[1]!);
    const a = exp(theta[2]!);
    const b = exp(theta[3]!);
    for (let k = 0; k < m - 1; k++) {
      lgR[k + 1] = lgR[k]! + log(r + k);
      dR[k + 1] = dR[k]! + 1 / (r + k);
      // ln((b+k)/(a+b+k)) and 1/(b+k) - 1/(a+b+k) written without cancellation (a ≪ b: the ratio is 1 - a/(a+b+k)).
      lgB[k + 1] = lgB[k]! + (a < b + k ? log1p(-a / (a + b + k)) : log((b + k) / (a + b + k)));
      dBa[k + 1] = dBa[k]! - 1 / (a + b + k);
      dBb[k + 1] = dBb[k]! + a / ((b + k) * (a + b + k));
      lnBx1[k + 1] = log(b + k);
    }
    const lnAlpha = log(alpha);
    const lnA = log(a);
    let ll = 0;
    let gr = 0;
    let gal = 0;
    let ga = 0;
    let gb = 0;
    for (let g = 0; g < G; g++) {
      const x = X[g]!;
      const w = W[g]!;
      const rx = r + x;
      const aT = alpha + TT[g]!;
      const lnAT = log(aT);
      const A3 = -rx * lnAT;
      let last = A3;
      let w3 = 1;
      let w4 = 0;
      let lnAtx = 0;
      let atx = 1;
      if (x > 0) {
        atx = alpha + TX[g]!;
        lnAtx = log(atx);
        const A4 = lnA - lnBx1[x]! - rx * lnAtx;
        // log-sum-exp of A3 and A4, and the two shares
        if (A3 >= A4) {
          const e = exp(A4 - A3);
          last = A3 + log1p(e);
          w3 = 1 / (1 + e);
          w4 = e * w3;
        } else {
          const e = exp(A3 - A4);
          last = A4 + log1p(e);
          w4 = 1 / (1 + e);
          w3 = e * w4;
        }
      }
      ll += w * (lgR[x]! + r * lnAlpha + lgB[x]! + last);
      if (grad) {
        gr += w * (dR[x]! + lnAlpha - w3 * lnAT - w4 * lnAtx);
        gal += w * (r / alpha - rx * (w3 / aT + (x > 0 ? w4 / atx : 0)));
        ga += w * (dBa[x]! + w4 / a);
        gb += w * (dBb[x]! - (x > 0 ? w4 / (b + x - 1) : 0));
      }
    }
    if (grad) {
      grad[0] = gr * r;
      grad[1] = gal * alpha;
      grad[2] = ga * a;
      grad[3] = gb * b;
    }
    return ll;
  };
}

/** From this a + b on, ln B(a, b+x) - ln B(a, b) is summed over k < x rather than taken from four ln Γ (which cancel to eps·(a+b)). */
const LGAMMA_AB_LIMIT = 1e4;

/** Log-likelihood of one customer from the textbook formula with ln Γ (used as a check and as the benchmark reference). */
export function bgnbdCustomerLogLik(p: BgnbdParams, x: number, tx: number, T: number, lgamma: (v: number) => number): number {
  const { r, alpha, a, b } = p;
  const A1 = lgamma(r + x) - lgamma(r) + r * log(alpha);
  let A2 = 0;
  if (a + b < LGAMMA_AB_LIMIT || !Number.isInteger(x)) A2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  else for (let k = 0; k < x; k++) A2 += a < b + k ? log1p(-a / (a + b + k)) : log((b + k) / (a + b + k));
  const A3 = -(r + x) * log(alpha + T);
  const A4 = x > 0 ? log(a) - log(b + x - 1) - (r + x) * log(alpha + tx) : -Infinity;
  return A1 + A2 + logAddExp(A3, A4);
}

/** P(alive | x, t_x, T) = 1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x)). */
export function pAlive(p: BgnbdParams, x: number, tx: number, T: number): number {
  if (x <= 0) return 1;
  const logOdds = log(p.a) - log(p.b + x - 1) + (p.r + x) * (log(p.alpha + T) - log(p.alpha + tx));
  return logOdds > 0 ? exp(-logOdds) / (1 + exp(-logOdds)) : 1 / (1 + exp(logOdds));
}

/** Within this distance of a = 1 (where (a+b+x-1)/(a-1) and the bracket are both singular) the value is interpolated from a = 1 ± A_ONE_GAP, 1 ± 2·A_ONE_GAP. */
const A_ONE_GAP = 1e-4;

/**
 * (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)], z = t/(α+T+t): E[Y(t)] without the P(alive)
 * factor. Euler's transformation 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z) turns the bracket into
 * 1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), whose series has small numerator parameters whatever x is (the original one
 * rises to about (1-z)^-(r+x) before it falls, for large x) and converges at z = 1 when x + r + 1 > a. Its terms reach
 * e^(a·|ln(1-z)|) and the bracket is the difference of such numbers (about eps·(a+b+x)·max(|ln(1-z)|, 1/|a-1|) relative
 * is lost), so for a ≥ LARGE_A, large a + b or a near 1 the value comes from expectation-large.ts instead (a moment expansion
 * in 1/a, or the Euler series rearranged into positive terms); the latter also replaces the 1 - z transformations above
 * z = NEAR_ONE (accurate to only ~1e-8 there) while it needs at most EULER_NEAR_ONE_TERMS terms.
 */
export function aliveExpectation(p: BgnbdParams, t: number, x: number, T: number): number {
  const regime = largeRegime(p, x) ?? (eulerNearOne(p, t / (p.alpha + T + t)) ? 'euler' : null);
  if (regime) {
    const v = aliveExpectationLarge(p, t, x, T, regime);
    if (!Number.isNaN(v)) return v;
  }
  if (abs(p.a - 1) < A_ONE_GAP) {
    // Cubic (Lagrange) interpolation in a through 1 ± g, 1 ± 2g.
    const nodes = [-2, -1, 1, 2];
    const u = (p.a - 1) / A_ONE_GAP;
    let v = 0;
    for (const i of nodes) {
      let w = 1;
      for (const j of nodes) if (j !== i) w *= (u - j) / (i - j);
      v += w * aliveExpectationRaw({ ...p, a: 1 + i * A_ONE_GAP }, t, x, T);
    }
    return v;
  }
  return aliveExpectationRaw(p, t, x, T);
}

function aliveExpectationRaw(p: BgnbdParams, t: number, x: number, T: number): number {
  const { r, alpha, a, b } = p;
  const c = a + b + x - 1;
  const z = t / (alpha + T + t);
  const f = hyp2f1Log(a + b - 1 - r, a - 1, c, z);
  const logTerm = (a - 1) * -log1p(t / (alpha + T)) + f.log; // ln((1-z)^(a-1)) + ln|2F1|
  // 1 - sign·e^logTerm, accurately when the product is near 1.
  const bracket = f.sign > 0 ? -expm1(logTerm) : 1 + exp(logTerm);
  return (c / (a - 1)) * bracket;
}

let scratchZ = new Float64Array(16);
let scratchPow = new Float64Array(16);
let scratchSum = new Float64Array(16);

/**
 * aliveExpectation at several horizons ts (ascending or not) for one customer profile, into out. The series in z for all
 * horizons share their coefficients (a+b-1-r)_k (a-1)_k / ((a+b+x-1)_k k!), so they are summed together: one division per
 * term instead of one per term and horizon. Horizons with z > NEAR_ONE, or parameters whose coefficients grow large, go
 * through hyp2f1Log one by one.
 */
export function aliveExpectations(p: BgnbdParams, ts: ArrayLike<number>, x: number, T: number, out: Float64Array): void {
  const n = ts.length;
  const { r, alpha, a, b } = p;
  const A = a + b - 1 - r;
  const B = a - 1;
  const c = a + b + x - 1;
  const regime = largeRegime(p, x);
  if (regime === 'euler' && aliveExpectationsEuler(p, ts, x, T, out)) return;
  if (abs(B) < A_ONE_GAP || c <= 0 || !(abs(A) < 1e6) || !(abs(B) < 1e6) || regime) {
    for (let j = 0; j < n; j++) out[j] = ts[j]! > 0 ? aliveExpectation(p, ts[j]!, x, T) : 0;
    return;
  }
  if (scratchZ.length < n) {
    scratchZ = new Float64Array(n);
    scratchPow = new Float64Array(n);
    scratchSum = new Float64Array(n);
  }
  const zs = scratchZ;
  const pw = scratchPow;
  const sums = scratchSum;
  let zmax = 0;
  let fast = 0;
  for (let j = 0; j < n; j++) {
    const t = ts[j]!;
    const z = t > 0 ? t / (alpha + T + t) : 0;
    zs[j] = z <= NEAR_ONE ? z : -1; // -1: evaluated separately
    pw[j] = 1;
    sums[j] = 1;
    if (z <= NEAR_ONE && z > 0) {
      fast++;
      if (z > zmax) zmax = z;
    }
  }
  if (fast > 0) {
    const kPositive = max(0, -A, -B);
    let coef = 1;
    let zpow = 1;
    let done = false;
    for (let k = 0; k < 100_000; k++) {
      const ratio = ((A + k) * (B + k)) / ((c + k) * (k + 1));
      coef *= ratio;
      if (coef === 0) {
        done = true;
        break;
      }
      if (!(abs(coef) < 1e200)) break;
      for (let j = 0; j < n; j++) {
        const z = zs[j]!;
        if (z > 0) {
          pw[j] = pw[j]! * z;
          sums[j] = sums[j]! + coef * pw[j]!;
        }
      }
      zpow *= zmax;
      if (k > kPositive) {
        const bound = max(abs(ratio) * zmax, zmax);
        const tail = bound < 1 ? (abs(coef) * zpow * bound) / (1 - bound) : Infinity;
        if (tail < 1e-16) {
          let minAbs = Infinity;
          for (let j = 0; j < n; j++) if (zs[j]! > 0) minAbs = min(minAbs, abs(sums[j]!));
          if (tail <= 1e-16 * minAbs) {
            done = true;
            break;
          }
        }
      }
    }
    if (!done) for (let j = 0; j < n; j++) if (zs[j]! > 0) zs[j] = -1; // fall back below
  }
  const lead = c / (a - 1);
  for (let j = 0; j < n; j++) {
    const t = ts[j]!;
    if (!(t > 0)) out[j] = 0;
    else if (zs[j]! < 0) out[j] = aliveExpectation(p, t, x, T);
    else {
      const sum = sums[j]!;
      const logTerm = (a - 1) * -log1p(t / (alpha + T)) + log(abs(sum));
      out[j] = lead * (sum > 0 ? -expm1(logTerm) : 1 + exp(logTerm));
    }
  }
}

/**
 * E[Y(t) | x, t_x, T]: expected repeat purchases in the next t units (FHL 2005, eq. 10):
 *   P(alive) · (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))].
 */
export function conditionalExpectedPurchases(p: BgnbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  return pAlive(p, x, tx, T) * aliveExpectation(p, t, x, T);
}

/** E[X(t)] for a customer just acquired (no history): (a+b-1)/(a-1) · [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))]. */
export function expectedPurchasesNewCustomer(p: BgnbdParams, t: number): number {
  if (t <= 0) return 0;
  // The same expression as the conditional one at x = 0, T = 0.
  return conditionalExpectedPurchases(p, t, 0, 0, 0);
}

/** E[λ | x, T, alive] = (r + x) / (α + T): the posterior mean purchase rate of a customer who is still alive. */
export function posteriorRate(p: BgnbdParams, x: number, T: number): number {
  return (p.r + x) / (p.alpha + T);
}

/** P(at least one purchase in (T, T+t]) = P(alive) · (1 - ((α+T)/(α+T+t))^(r+x)). */
export function probabilityOfPurchase(p: BgnbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  return pAlive(p, x, tx, T) * -expm1((p.r + x) * (log(p.alpha + T) - log(p.alpha + T + t)));
}
