// Gauss hypergeometric function 2F1(a, b; c; z) for real arguments and z ≤ 1, in signed-log form (no overflow).
//
// Method, by region of z (Abramowitz & Stegun chapter 15; m = c - a - b, w = 1 - z):
//   z = 0, a = 0 or b = 0  1.
//   a or b in {0,-1,...}   the terminating polynomial, summed directly (any z).
//   z < 0                  Pfaff (15.3.4): 2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1)); the argument lands in (0, 1).
//   0 < z ≤ NEAR_ONE       the power series. Terms are rescaled whenever they pass 1e250 (log-space accumulation), so values
//                          far beyond the double range (large a, b near z = 1) still come back as logarithms.
//   NEAR_ONE < z < 1       the linear transformation to w = 1 - z, whose series converge fast:
//                            m not an integer: 15.3.6, two series in w combined in log space;
//                            m an integer: 15.3.10-15.3.12 (the limits with digamma terms and ln w);
//                            m within INTEGER_GAP of an integer (the Γ poles of 15.3.6 nearly cancel, so rounding is
//                            amplified): the direct series (at most MAX_TERMS terms), else a Richardson extrapolation of
//                            15.3.6 over b ± h, b ± 2h (about 1e-7 relative at worst; only beyond z = 1 - 1e-5).
//                          If the two terms of 15.3.6 cancel by more than ACCEPT_LOST_DIGITS, the direct series is used.
//   z = 1                  Gauss's sum Γ(c)Γ(c-a-b)/(Γ(c-a)Γ(c-b)) when c - a - b > 0, else +Infinity.
// c must not be 0, -1, -2, ... unless the polynomial stops first (NaN otherwise). Checked against mpmath in
// test/models/clv-numerics.test.ts.
import { digamma, gammaSign, isNonPositiveInteger, lgamma, signedLogAdd, type SignedLog } from './special';
// Math's functions bound once: a global lookup per call is slow inside vm contexts (jest).
const { abs, exp, log10, log1p, max, round, sign } = Math;

/** Above this z the transformations to 1 - z are used. */
export const NEAR_ONE = 0.9;
/** c - a - b closer than this to an integer counts as "near-integer". */
const INTEGER_GAP = 1e-3;
const PERTURB = 3e-3;
const MAX_TERMS = 2_000_000;
/** The 1 - z result is used when it lost fewer digits than this to cancellation; else the direct series is tried. */
const ACCEPT_LOST_DIGITS = 8;
const EPS = 1e-17;
const RESCALE = 1e250;
const LOG_RESCALE = Math.log(RESCALE);
const ZERO: SignedLog = { log: -Infinity, sign: 0 };

interface SeriesResult extends SignedLog {
  /** log10 of (largest term / |sum|): digits lost to cancellation. */
  lostDigits: number;
  ok: boolean;
}

function result(sum: number, logScale: number, maxAbs: number, ok: boolean): SeriesResult {
  const mag = abs(sum);
  return { log: Math.log(mag) + logScale, sign: sign(sum), lostDigits: mag === 0 ? Infinity : max(0, log10(maxAbs / mag)), ok: ok && Number.isFinite(sum) };
}

/** True once the remaining tail is below EPS × |sum| (ratios bounded by max(|ratio|, |z|) < 1 from here on). */
function converged(k: number, kPositive: number, ratio: number, z: number, termAbs: number, sum: number): boolean {
  if (k <= kPositive) return false;
  const bound = max(abs(ratio), abs(z));
  return bound < 1 && (termAbs * bound) / (1 - bound) <= EPS * abs(sum);
}

/** Scratch results of the last `sumSeries` call (no allocation on the hot path). */
const last = { sum: 0, logScale: 0, maxAbs: 0, ok: false };

/** The power series Σ (a)_k (b)_k / (c)_k z^k / k!, accumulated with rescaling, into `last`. */
function sumSeries(a: number, b: number, c: number, z: number): void {
  let sum = 1;
  let term = 1;
  let maxAbs = 1;
  let logScale = 0;
  let ok = false;
  const kPositive = max(0, -a, -b, -c); // beyond this every factor (a+k), (b+k), (c+k) is positive
  const az = abs(z);
  for (let k = 0; k < MAX_TERMS; k++) {
    const ratio = (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
    term *= ratio;
    if (term === 0) {
      ok = true; // terminating polynomial
      break;
    }
    sum += term;
    const at = term < 0 ? -term : term;
    if (at > maxAbs) {
      maxAbs = at;
      if (at > RESCALE || abs(sum) > RESCALE) {
        term /= RESCALE;
        sum /= RESCALE;
        maxAbs /= RESCALE;
        logScale += LOG_RESCALE;
      }
    }
    if (at <= 1e-15 * abs(sum) && k > kPositive) {
      const ar = ratio < 0 ? -ratio : ratio;
      const bound = ar > az ? ar : az;
      if (bound < 1 && (at * bound) / (1 - bound) <= EPS * abs(sum)) {
        ok = true;
        break;
      }
    }
  }
  last.sum = sum;
  last.logScale = logScale;
  last.maxAbs = maxAbs;
  last.ok = ok && Number.isFinite(sum);
}

function series(a: number, b: number, c: number, z: number): SeriesResult {
  sumSeries(a, b, c, z);
  return result(last.sum, last.logScale, last.maxAbs, last.ok);
}

/** ln|Γ(c)Γ(d)/(Γ(e)Γ(f))| with its sign; zero when 1/Γ(e) or 1/Γ(f) vanishes. */
function gammaRatio(c: number, d: number, e: number, f: number): SignedLog {
  if (isNonPositiveInteger(e) || isNonPositiveInteger(f)) return ZERO;
  return { log: lgamma(c) + lgamma(d) - lgamma(e) - lgamma(f), sign: gammaSign(c) * gammaSign(d) * gammaSign(e) * gammaSign(f) };
}

function times(x: SignedLog, y: SignedLog): SignedLog {
  if (x.sign === 0 || y.sign === 0) return ZERO;
  return { log: x.log + y.log, sign: x.sign * y.sign };
}

function cancellation(parts: SignedLog[], sum: SignedLog): number {
  const big = max(...parts.filter((p) => p.sign !== 0).map((p) => p.log));
  if (!Number.isFinite(big)) return 0;
  return sum.sign === 0 ? Infinity : max(0, (big - sum.log) / Math.LN10);
}

/** A&S 15.3.6 (c - a - b not an integer). */
function nearOne(a: number, b: number, c: number, z: number): SeriesResult {
  const m = c - a - b;
  const w = 1 - z;
  const g1 = gammaRatio(c, m, c - a, c - b);
  const g2 = gammaRatio(c, -m, a, b);
  let t1 = ZERO;
  let t2 = ZERO;
  let lost = 0;
  let ok = true;
  if (g1.sign !== 0) {
    const s = series(a, b, 1 - m, w);
    t1 = times(g1, s);
    lost = max(lost, s.lostDigits);
    ok &&= s.ok;
  }
  if (g2.sign !== 0) {
    const s = series(c - a, c - b, m + 1, w);
    t2 = times({ log: g2.log + m * Math.log(w), sign: g2.sign }, s);
    lost = max(lost, s.lostDigits);
    ok &&= s.ok;
  }
  const sum = signedLogAdd(t1, t2);
  return { ...sum, lostDigits: lost + cancellation([t1, t2], sum), ok: ok && Number.isFinite(sum.log) };
}

/**
 * A&S 15.3.10-15.3.12: c - a - b = n exactly (an integer), w = 1 - z. With M = |n| and (A, B) = (c - b, c - a):
 *   F = P · Σ_{k<M} (α)_k (β)_k / (k! (1-M)_k) w^k  +  Q · Σ_k (A)_k (B)_k / (k! (k+M)!) w^k [ln w - ψ(k+1) - ψ(k+M+1) + ψ(A+k) + ψ(B+k)]
 * n ≥ 0: P = Γ(M)Γ(c)/(Γ(c-b)Γ(c-a)), (α, β) = (a, b), Q = -(-1)^M w^M Γ(c)/(Γ(a)Γ(b)), (A, B) = (c - b, c - a)
 * n < 0: P = Γ(M)Γ(c)/(Γ(a)Γ(b)) w^-M, (α, β) = (c - b, c - a), Q = -(-1)^M Γ(c)/(Γ(c-b)Γ(c-a)), (A, B) = (a, b)
 */
function nearOneInteger(a: number, b: number, c: number, n: number, z: number): SeriesResult {
  const w = 1 - z;
  const lw = Math.log(w);
  const M = abs(n);
  const [alpha, beta, A, B] = n >= 0 ? [a, b, c - b, c - a] : [c - b, c - a, a, b];
  let finitePart = ZERO;
  if (M > 0) {
    const pre = n >= 0 ? gammaRatio(M, c, c - b, c - a) : { ...gammaRatio(M, c, a, b), log: gammaRatio(M, c, a, b).log - M * lw };
    if (pre.sign !== 0) {
      let term = 1;
      let sum = 1;
      for (let k = 0; k < M - 1; k++) {
        term *= (((alpha + k) * (beta + k)) / ((k + 1) * (1 - M + k))) * w;
        sum += term;
      }
      finitePart = times(pre, { log: Math.log(abs(sum)), sign: sign(sum) });
    }
  }
  const qGamma = n >= 0 ? gammaRatio(c, 1, a, b) : gammaRatio(c, 1, c - b, c - a);
  let infinitePart = ZERO;
  let lost = 0;
  let ok = true;
  if (qGamma.sign !== 0) {
    // Q without its sign and scale: (-(-1)^M) · w^M (n ≥ 0) / 1 (n < 0), times 1/M! from (k+M)! at k = 0.
    const qSign = -(M % 2 === 0 ? 1 : -1) * qGamma.sign;
    const qLog = qGamma.log + (n >= 0 ? M * lw : 0) - lgamma(M + 1);
    let coef = 1; // (A)_k (B)_k M! / (k! (k+M)!) w^k, rescaled by e^logScale
    let psiK1 = digamma(1);
    let psiKM1 = digamma(M + 1);
    let psiA = digamma(A);
    let psiB = digamma(B);
    let sum = 0;
    let maxAbs = 0;
    let logScale = 0;
    const kPositive = max(0, -A, -B);
    let k = 0;
    for (; k < MAX_TERMS; k++) {
      const t = coef * (lw - psiK1 - psiKM1 + psiA + psiB);
      sum += t;
      const at = abs(t);
      if (at > maxAbs) maxAbs = at;
      const ratio = (((A + k) * (B + k)) / ((k + 1) * (k + M + 1))) * w;
      if (k > 0 && converged(k, kPositive, ratio, w, at + abs(coef), sum)) break;
      coef *= ratio;
      psiK1 += 1 / (k + 1);
      psiKM1 += 1 / (k + M + 1);
      psiA += 1 / (A + k);
      psiB += 1 / (B + k);
      if (abs(coef) > RESCALE || abs(sum) > RESCALE) {
        coef /= RESCALE;
        sum /= RESCALE;
        maxAbs /= RESCALE;
        logScale += LOG_RESCALE;
      }
      if (coef === 0) break;
    }
    const s = result(sum, logScale, maxAbs, k < MAX_TERMS);
    infinitePart = times({ log: qLog, sign: qSign }, s);
    lost = s.lostDigits;
    ok = s.ok;
  }
  const total = signedLogAdd(finitePart, infinitePart);
  return { ...total, lostDigits: lost + cancellation([finitePart, infinitePart], total), ok: ok && Number.isFinite(total.log) };
}

/** Richardson extrapolation of 15.3.6 to c - a - b near an integer, over b ± h and b ± 2h (error O(h⁴)). */
function nearOneExtrapolated(a: number, b: number, c: number, z: number): SeriesResult {
  const parts = [-PERTURB, PERTURB, -2 * PERTURB, 2 * PERTURB].map((d) => nearOne(a, b + d, c, z));
  if (!parts.every((r) => r.ok && Number.isFinite(r.log))) return { log: NaN, sign: 0, lostDigits: Infinity, ok: false };
  const ref = max(...parts.map((r) => r.log)); // work relative to the largest magnitude (no overflow)
  const v = parts.map((r) => r.sign * exp(r.log - ref));
  const est = (4 * (v[0]! + v[1]!) - (v[2]! + v[3]!)) / 6;
  return { log: Math.log(abs(est)) + ref, sign: sign(est), lostDigits: max(...parts.map((r) => r.lostDigits)), ok: est !== 0 };
}

function nearOneAny(a: number, b: number, c: number, z: number): SignedLog {
  const m = c - a - b;
  const n = round(m);
  let t: SeriesResult;
  if (m === n) t = nearOneInteger(a, b, c, n, z);
  else if (abs(m - n) < INTEGER_GAP) {
    const s = series(a, b, c, z);
    if (s.ok && s.lostDigits < ACCEPT_LOST_DIGITS) return s;
    t = nearOneExtrapolated(a, b, c, z);
  } else t = nearOne(a, b, c, z);
  if (t.ok && t.lostDigits < ACCEPT_LOST_DIGITS) return t;
  const s = series(a, b, c, z);
  if (s.ok && (!t.ok || s.lostDigits < t.lostDigits)) return s;
  return t.ok ? t : s;
}

/** 2F1(a, b; c; z) as sign × exp(log). NaN log (sign 0) when undefined: z > 1, or c a pole. */
export function hyp2f1Log(a: number, b: number, c: number, z: number): SignedLog {
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(c) || Number.isNaN(z) || z > 1) return { log: NaN, sign: 0 };
  if (z === 0 || a === 0 || b === 0) return { log: 0, sign: 1 };
  const polynomial = isNonPositiveInteger(a) || isNonPositiveInteger(b);
  // c = -n is allowed only when the series stops first: a (or b) = -j with j < n.
  const stopsBeforePole = (isNonPositiveInteger(a) && a > c) || (isNonPositiveInteger(b) && b > c);
  if (isNonPositiveInteger(c) && !stopsBeforePole) return { log: NaN, sign: 0 };
  if (polynomial) {
    sumSeries(a, b, c, z);
    return { log: Math.log(abs(last.sum)) + last.logScale, sign: sign(last.sum) };
  }
  if (z === 1) {
    if (c - a - b <= 0) return { log: Infinity, sign: 1 };
    return gammaRatio(c, c - a - b, c - a, c - b);
  }
  if (z < 0) {
    const inner = hyp2f1Log(a, c - b, c, z / (z - 1));
    return { log: -a * log1p(-z) + inner.log, sign: inner.sign };
  }
  if (z <= NEAR_ONE) {
    sumSeries(a, b, c, z);
    return { log: Math.log(abs(last.sum)) + last.logScale, sign: sign(last.sum) };
  }
  return strip(nearOneAny(a, b, c, z));
}

function strip(r: SignedLog): SignedLog {
  return { log: r.log, sign: r.sign };
}

/** 2F1(a, b; c; z) as a plain number (may overflow to ±Infinity where hyp2f1Log does not). */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  const r = hyp2f1Log(a, b, c, z);
  if (Number.isNaN(r.log)) return NaN;
  return r.sign * exp(r.log);
}
