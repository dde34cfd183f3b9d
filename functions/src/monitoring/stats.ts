// Statistics for monitoring: normal/chi-square/Kolmogorov tails, Wilson intervals, proportion tests, always-valid sequential intervals, PSI, KS, Jensen-Shannon, p-value adjustment.
import { ShopMlopsError } from '../core/errors';

// ---------------------------------------------------------------------------------------------------------------
// Distribution functions (double precision; checked against scipy in test/monitoring/stats.test.ts)

/** Standard normal CDF through the regularised incomplete gamma (erfc(a) = Q(½, a²)): ~1e-15 relative, tails included. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const tail = 0.5 * gammaQ(0.5, (x * x) / 2);
  return x < 0 ? tail : 1 - tail;
}

/** Upper tail 1 − Φ(x) without cancellation for large x. */
function normalSf(x: number): number {
  return normalCdf(-x);
}

/** Inverse of the standard normal CDF: Acklam's rational approximation refined by Halley steps (full double precision). */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  // Halley refinement (two steps) on the tail that is computed without cancellation.
  for (let step = 0; step < 2; step++) {
    const e = p < 0.5 ? normalCdf(x) - p : -(normalSf(x) - (1 - p));
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    x = x - u / (1 + (x * u) / 2);
  }
  return x;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~1e-15 relative). */
function logGamma(x: number): number {
  const g = 7;
  const coef = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const y = x - 1;
  let s = coef[0]!;
  for (let i = 1; i < g + 2; i++) s += coef[i]! / (y + i);
  const t = y + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Regularised upper incomplete gamma Q(a, x) (series below a + 1, Lentz continued fraction above). */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  const lead = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lead));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(lead) * h;
}

/** Upper tail of the chi-square distribution with df degrees of freedom. */
export function chiSquareSf(statistic: number, df: number): number {
  if (Number.isNaN(statistic) || !(df > 0)) return NaN;
  return gammaQ(df / 2, statistic / 2);
}

/** Upper tail of the Kolmogorov distribution (the limit of √n·D_n): 2 Σ (−1)^(k−1) e^(−2k²z²); Jacobi form for small z. */
export function kolmogorovSf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z <= 0) return 1;
  if (z < 1) {
    // CDF = √(2π)/z Σ_{k odd} e^(−k²π²/(8z²)) converges fast for small z.
    const q = Math.exp((-Math.PI * Math.PI) / (8 * z * z));
    let s = 0;
    for (let k = 1; k < 100; k += 2) {
      const t = Math.pow(q, k * k);
      s += t;
      if (t < 1e-18 * s) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / z) * s;
  }
  let s = 0;
  for (let k = 1; k < 100; k++) {
    const t = Math.exp(-2 * k * k * z * z);
    s += k % 2 === 1 ? t : -t;
    if (t < 1e-18) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

// ---------------------------------------------------------------------------------------------------------------
// Proportions and means

/** Wilson score interval of a proportion; trials 0 → value NaN, interval [0, 1]. */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): { value: number; low: number; high: number } {
  checkCounts(successes, trials, 'wilsonInterval');
  if (trials === 0) return { value: NaN, low: 0, high: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Pooled two-proportion z-test, two-sided; difference = p2 − p1 (NaN z and p-value 1 when undefined). */
export function twoProportionZTest(s1: number, n1: number, s2: number, n2: number): { difference: number; z: number; pValue: number } {
  checkCounts(s1, n1, 'twoProportionZTest');
  checkCounts(s2, n2, 'twoProportionZTest');
  if (n1 === 0 || n2 === 0) return { difference: NaN, z: NaN, pValue: 1 };
  const p1 = s1 / n1;
  const p2 = s2 / n2;
  const pooled = (s1 + s2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const difference = p2 - p1;
  if (se === 0) return { difference, z: difference === 0 ? 0 : NaN, pValue: 1 };
  const z = difference / se;
  return { difference, z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

/** Pearson chi-square goodness of fit against expected shares (renormalised); a zero-share cell must have 0 observed and adds no degree of freedom. */
export function chiSquareGoodnessOfFit(observed: number[], expectedShares: number[]): { statistic: number; df: number; pValue: number } {
  if (observed.length !== expectedShares.length || observed.length === 0) {
    throw new ShopMlopsError('BAD_REQUEST', `chiSquareGoodnessOfFit: ${observed.length} observed cells against ${expectedShares.length} shares`);
  }
  const total = observed.reduce((s, v) => s + v, 0);
  const shareSum = expectedShares.reduce((s, v) => s + v, 0);
  if (!(shareSum > 0) || expectedShares.some((s) => !(s >= 0))) throw new ShopMlopsError('BAD_REQUEST', 'chiSquareGoodnessOfFit: shares must be ≥ 0 with a positive sum');
  let statistic = 0;
  let cells = 0;
  observed.forEach((o, i) => {
    if (!(o >= 0)) throw new ShopMlopsError('BAD_REQUEST', 'chiSquareGoodnessOfFit: observed counts must be ≥ 0');
    const share = expectedShares[i]! / shareSum;
    if (share === 0) {
      if (o !== 0) throw new ShopMlopsError('BAD_REQUEST', `chiSquareGoodnessOfFit: cell ${i} has expected share 0 but ${o} observed`);
      return;
    }
    cells++;
    const e = share * total;
    statistic += ((o - e) * (o - e)) / e;
  });
  const df = cells - 1;
  if (df < 1 || total === 0) return { statistic: 0, df: Math.max(df, 0), pValue: 1 };
  return { statistic, df, pValue: chiSquareSf(statistic, df) };
}

/** Pearson chi-square test of homogeneity of two count vectors over the union of their categories (no continuity correction). */
export function chiSquareHomogeneity(p: Record<string, number>, q: Record<string, number>): { statistic: number; df: number; pValue: number } {
  const keys = [...new Set([...Object.keys(p), ...Object.keys(q)])].filter((k) => (p[k] ?? 0) + (q[k] ?? 0) > 0);
  const np = keys.reduce((s, k) => s + (p[k] ?? 0), 0);
  const nq = keys.reduce((s, k) => s + (q[k] ?? 0), 0);
  const n = np + nq;
  const df = keys.length - 1;
  if (df < 1 || np === 0 || nq === 0) return { statistic: 0, df: Math.max(df, 0), pValue: 1 };
  let statistic = 0;
  for (const k of keys) {
    const col = (p[k] ?? 0) + (q[k] ?? 0);
    for (const [obs, rowTotal] of [
      [p[k] ?? 0, np],
      [q[k] ?? 0, nq],
    ] as const) {
      const e = (rowTotal * col) / n;
      statistic += ((obs - e) * (obs - e)) / e;
    }
  }
  return { statistic, df, pValue: chiSquareSf(statistic, df) };
}

/** n, mean and sample variance (n − 1 denominator; NaN below two values). */
export interface MeanSummary {
  n: number;
  mean: number;
  variance: number;
}

/** Mean and sample variance of values (Welford, numerically stable). */
export function meanSummary(values: ArrayLike<number>): MeanSummary {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  return { n, mean: n ? mean : NaN, variance: n > 1 ? m2 / (n - 1) : NaN };
}

/** The same summary from additive aggregates (what SQL returns): count, sum, sum of squares. */
export function meanSummaryFromSums(n: number, sum: number, sumSquares: number): MeanSummary {
  if (!(n >= 0)) throw new ShopMlopsError('BAD_REQUEST', `meanSummaryFromSums: n must be ≥ 0 (got ${n})`);
  if (n === 0) return { n: 0, mean: NaN, variance: NaN };
  const mean = sum / n;
  if (n === 1) return { n, mean, variance: NaN };
  return { n, mean, variance: Math.max(0, (sumSquares - sum * mean) / (n - 1)) };
}

/**
 * Always-valid (anytime) confidence interval and p-value for b.mean − a.mean: the normal-mixture mSPRT
 * (Johari, Pekelis, Walsh 2017) / its confidence sequence (Howard et al. 2021) with mixing variance tau² (absolute).
 * With V = va/na + vb/nb: half-width √(V(V+τ²)/τ² · (ln((V+τ²)/V) − 2 ln α)); p = min(1, 1/Λ) with
 * Λ = √(V/(V+τ²)) · exp(τ²d²/(2V(V+τ²))). The interval excludes 0 exactly when p ≤ α. Valid however often one looks:
 * a caller that acts when the interval excludes 0 at any look keeps its error rate ≤ α (the running minimum of p
 * is the always-valid p-value). Too little data (no variance estimate) → (−∞, ∞), p 1.
 */
export function alwaysValidDifference(
  a: MeanSummary,
  b: MeanSummary,
  o: { alpha: number; tau: number },
): { difference: number; low: number; high: number; pValue: number } {
  if (!(o.alpha > 0 && o.alpha < 1) || !(o.tau > 0)) throw new ShopMlopsError('BAD_REQUEST', `alwaysValidDifference: alpha in (0, 1) and tau > 0 required`);
  const difference = b.mean - a.mean;
  const v = a.variance / a.n + b.variance / b.n;
  if (!(v > 0) || !Number.isFinite(v) || !Number.isFinite(difference)) return { difference, low: -Infinity, high: Infinity, pValue: 1 };
  const t2 = o.tau * o.tau;
  const half = Math.sqrt(((v * (v + t2)) / t2) * (Math.log((v + t2) / v) - 2 * Math.log(o.alpha)));
  const logLambda = 0.5 * Math.log(v / (v + t2)) + (t2 * difference * difference) / (2 * v * (v + t2));
  return { difference, low: difference - half, high: difference + half, pValue: Math.min(1, Math.exp(-logLambda)) };
}

// ---------------------------------------------------------------------------------------------------------------
// Distribution shift

const PSI_FLOOR = 1e-4;

function sortedFinite(values: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) out.push(v);
  }
  return Float64Array.from(out).sort();
}

/** Quantile of sorted values with linear interpolation (numpy's default). */
function quantileSorted(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Number of sorted values ≤ x. */
function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function psiOfShares(ref: number[], cur: number[]): number {
  let s = 0;
  ref.forEach((r0, i) => {
    const r = Math.max(r0, PSI_FLOOR);
    const c = Math.max(cur[i]!, PSI_FLOOR);
    s += (c - r) * Math.log(c / r);
  });
  return s;
}

/**
 * Population stability index on reference-quantile bins: the inner edges are the reference's k/bins quantiles
 * (linear interpolation, duplicates from ties dropped), bins are (−∞, e1], (e1, e2], …, (e_last, ∞); shares below
 * 1e-4 are floored at 1e-4 in the sum (the returned shares are the raw ones). Non-finite values are ignored.
 */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, bins = 10): { psi: number; edges: number[]; reference: number[]; current: number[] } {
  if (!Number.isInteger(bins) || bins < 2) throw new ShopMlopsError('BAD_REQUEST', `psi: bins must be an integer ≥ 2 (got ${bins})`);
  const r = sortedFinite(reference);
  const c = sortedFinite(current);
  if (r.length === 0 || c.length === 0) return { psi: NaN, edges: [], reference: [], current: [] };
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = quantileSorted(r, k / bins);
    if (!edges.length || e > edges[edges.length - 1]!) edges.push(e);
  }
  const shares = (s: Float64Array): number[] => {
    const out: number[] = [];
    let prev = 0;
    for (const e of edges) {
      const at = countAtMost(s, e);
      out.push((at - prev) / s.length);
      prev = at;
    }
    out.push((s.length - prev) / s.length);
    return out;
  };
  const refShares = shares(r);
  const curShares = shares(c);
  return { psi: psiOfShares(refShares, curShares), edges, reference: refShares, current: curShares };
}

/**
 * Two-sample Kolmogorov-Smirnov: the exact statistic D = sup |F_a − F_b| (ties handled: both ECDFs step past a
 * tied value together) and the asymptotic two-sided p-value from the Kolmogorov distribution at √(n·m/(n+m))·D.
 * scipy's method='asymp' now evaluates the finite-n distribution at n = round(n·m/(n+m)); the limit used here is
 * slightly larger (conservative) and agrees within a few percent for samples of hundreds or more (see the test).
 */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): { statistic: number; pValue: number } {
  const x = sortedFinite(a);
  const y = sortedFinite(b);
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return { statistic: NaN, pValue: NaN };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i]! <= v) i++;
    while (j < m && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = (n * m) / (n + m);
  return { statistic: d, pValue: kolmogorovSf(Math.sqrt(en) * d) };
}

function shares(counts: Record<string, number>, keys: string[]): number[] {
  const total = keys.reduce((s, k) => s + (counts[k] ?? 0), 0);
  return keys.map((k) => (total > 0 ? (counts[k] ?? 0) / total : 0));
}

function categories(p: Record<string, number>, q: Record<string, number>): string[] {
  for (const v of [...Object.values(p), ...Object.values(q)]) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new ShopMlopsError('BAD_REQUEST', 'category counts must be finite and ≥ 0');
  }
  return [...new Set([...Object.keys(p), ...Object.keys(q)])].sort();
}

/** Jensen-Shannon divergence (base 2, in [0, 1]) of two categorical distributions given as counts; NaN if either is empty. */
export function jensenShannon(p: Record<string, number>, q: Record<string, number>): number {
  const keys = categories(p, q);
  const ps = shares(p, keys);
  const qs = shares(q, keys);
  if (ps.every((v) => v === 0) || qs.every((v) => v === 0)) return NaN;
  let s = 0;
  ps.forEach((pi, i) => {
    const qi = qs[i]!;
    const mi = (pi + qi) / 2;
    if (pi > 0) s += 0.5 * pi * Math.log2(pi / mi);
    if (qi > 0) s += 0.5 * qi * Math.log2(qi / mi);
  });
  return Math.min(1, Math.max(0, s));
}

/** PSI of two categorical distributions given as counts (a category per bin, shares floored at 1e-4); NaN if either is empty. */
export function psiCategorical(p: Record<string, number>, q: Record<string, number>): number {
  const keys = categories(p, q);
  const ps = shares(p, keys);
  const qs = shares(q, keys);
  if (ps.every((v) => v === 0) || qs.every((v) => v === 0)) return NaN;
  return psiOfShares(ps, qs);
}

/** Multiple-test adjusted p-values, same order, capped at 1: Bonferroni (×m) or Benjamini-Hochberg step-up. NaN stays NaN and does not count. */
export function adjustPValues(p: number[], method: 'benjamini-hochberg' | 'bonferroni'): number[] {
  const idx = p.map((v, i) => [v, i] as const).filter(([v]) => !Number.isNaN(v));
  const m = idx.length;
  const out = p.map(() => NaN);
  if (method === 'bonferroni') {
    for (const [v, i] of idx) out[i] = Math.min(1, v * m);
    return out;
  }
  idx.sort((x, y) => x[0] - y[0]);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const [v, i] = idx[r]!;
    running = Math.min(running, (v * m) / (r + 1));
    out[i] = Math.min(1, running);
  }
  return out;
}

function checkCounts(successes: number, trials: number, where: string): void {
  if (!(trials >= 0) || !(successes >= 0) || successes > trials || !Number.isFinite(trials)) {
    throw new ShopMlopsError('BAD_REQUEST', `${where}: need 0 ≤ successes ≤ trials (got ${successes} of ${trials})`);
  }
}
