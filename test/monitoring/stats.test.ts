// monitoring/stats.ts against scipy/numpy reference values (fixtures/stats-reference.py produced the JSON), and an A/A peeking simulation for the always-valid interval.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  adjustPValues,
  alwaysValidDifference,
  chiSquareGoodnessOfFit,
  chiSquareHomogeneity,
  chiSquareSf,
  jensenShannon,
  kolmogorovSf,
  ksTwoSample,
  meanSummary,
  meanSummaryFromSums,
  normalCdf,
  normalQuantile,
  psi,
  psiCategorical,
  twoProportionZTest,
  wilsonInterval,
} from '../../functions/src/monitoring/stats';
import { ShopMlopsError } from '../../functions/src/core/errors';

interface Reference {
  normalCdf: [number, number][];
  normalQuantile: [number, number][];
  chiSquareSf: [number, number, number][];
  kolmogorovSf: [number, number][];
  wilson: [number, number, number, number, number, number][];
  twoProportion: { s1: number; n1: number; s2: number; n2: number; chi2: number; pValue: number; absZ: number }[];
  chiSquareGoodnessOfFit: { observed: number[]; shares: number[]; statistic: number; pValue: number; df: number }[];
  chiSquareHomogeneity: { p: Record<string, number>; q: Record<string, number>; statistic: number; pValue: number; df: number }[];
  ks: { name: string; a: number[]; b: number[]; statistic: number; pAsympScipy: number; pKolmogorovLimit: number }[];
  psi: { name: string; a: number[] | null; b: number[] | null; psi: number; edges: number[]; reference: number[]; current: number[] }[];
  jensenShannon: { p: Record<string, number>; q: Record<string, number>; js: number }[];
  adjust: { p: number[]; 'benjamini-hochberg': number[]; bonferroni: number[] };
}
const REF = JSON.parse(readFileSync(path.join(__dirname, 'fixtures/stats-reference.json'), 'utf8')) as Reference;

/** |actual − expected| within rel·|expected| + abs. */
function close(actual: number, expected: number, rel: number, abs = 0): void {
  const tol = rel * Math.abs(expected) + abs;
  if (!(Math.abs(actual - expected) <= tol)) throw new Error(`expected ${expected}, got ${actual} (tolerance ${tol})`);
}

describe('distribution functions match scipy', () => {
  test('normalCdf: relative 1e-12 including far tails', () => {
    for (const [x, p] of REF.normalCdf) close(normalCdf(x), p, 1e-12, 1e-300);
  });
  test('normalQuantile: relative 1e-12 from 1e-300 to 1 − 1e-10; inverse of normalCdf', () => {
    for (const [p, x] of REF.normalQuantile) close(normalQuantile(p), x, 1e-12, 1e-14);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(1.5)).toBeNaN();
  });
  test('chiSquareSf: relative 1e-10', () => {
    for (const [x, df, p] of REF.chiSquareSf) close(chiSquareSf(x, df), p, 1e-10, 1e-300);
  });
  test('kolmogorovSf (the limit distribution, scipy kstwobign): 1e-12', () => {
    for (const [z, p] of REF.kolmogorovSf) close(kolmogorovSf(z), p, 1e-11, 1e-15);
  });
});

describe('proportions', () => {
  test('wilsonInterval equals scipy binomtest(...).proportion_ci(method="wilson")', () => {
    for (const [s, n, conf, value, low, high] of REF.wilson) {
      const w = wilsonInterval(s, n, conf);
      close(w.value, value, 1e-15);
      close(w.low, low, 1e-12, 1e-15);
      close(w.high, high, 1e-12, 1e-15);
    }
    const empty = wilsonInterval(0, 0);
    expect(empty.value).toBeNaN();
    expect([empty.low, empty.high]).toEqual([0, 1]);
    expect(() => wilsonInterval(3, 2)).toThrow(ShopMlopsError);
  });
  test('twoProportionZTest: z² is scipy chi2_contingency(correction=False) statistic, same p-value; sign = p2 − p1', () => {
    for (const r of REF.twoProportion) {
      const t = twoProportionZTest(r.s1, r.n1, r.s2, r.n2);
      close(t.z * t.z, r.chi2, 1e-10);
      close(Math.abs(t.z), r.absZ, 1e-12);
      close(t.pValue, r.pValue, 1e-9);
      close(t.difference, r.s2 / r.n2 - r.s1 / r.n1, 1e-12);
      expect(Math.sign(t.z)).toBe(Math.sign(t.difference));
    }
    expect(twoProportionZTest(0, 0, 1, 2).pValue).toBe(1);
  });
  test('chiSquareGoodnessOfFit equals scipy chisquare; shares renormalised; zero-share cells drop out, or throw when observed', () => {
    for (const r of REF.chiSquareGoodnessOfFit) {
      const g = chiSquareGoodnessOfFit(r.observed, r.shares);
      close(g.statistic, r.statistic, 1e-12, 1e-15);
      close(g.pValue, r.pValue, 1e-10, 1e-300);
      expect(g.df).toBe(r.df);
    }
    expect(() => chiSquareGoodnessOfFit([10, 1], [1, 0])).toThrow(/expected share 0/);
    expect(() => chiSquareGoodnessOfFit([10], [1, 1])).toThrow(ShopMlopsError);
  });
  test('chiSquareHomogeneity equals scipy chi2_contingency(correction=False) over the union of categories', () => {
    for (const r of REF.chiSquareHomogeneity) {
      const h = chiSquareHomogeneity(r.p, r.q);
      close(h.statistic, r.statistic, 1e-12);
      close(h.pValue, r.pValue, 1e-10, 1e-300);
      expect(h.df).toBe(r.df);
    }
  });
});

describe('distribution shift', () => {
  test('ksTwoSample: exact D equals scipy (ties included); p is the Kolmogorov limit, never below scipy asymp and within 10 %', () => {
    for (const r of REF.ks) {
      const k = ksTwoSample(r.a, r.b);
      close(k.statistic, r.statistic, 1e-14, 1e-15);
      close(k.pValue, r.pKolmogorovLimit, 1e-10);
      expect(k.pValue).toBeGreaterThanOrEqual(r.pAsympScipy);
      close(k.pValue, r.pAsympScipy, 0.1);
    }
    expect(ksTwoSample([1, 2, 3], [1, 2, 3])).toEqual({ statistic: 0, pValue: 1 });
    expect(ksTwoSample([1, 2], [3, 4]).statistic).toBe(1);
  });
  test('psi: reference-quantile edges (ties merged), (a, b] bins, 1e-4 floor: equals the numpy computation', () => {
    for (const r of REF.psi) {
      const ks = REF.ks.find((k) => k.name === r.name);
      const a = r.a ?? ks!.a;
      const b = r.b ?? ks!.b;
      const p = psi(a, b);
      close(p.psi, r.psi, 1e-10, 1e-15);
      expect(p.edges.length).toBe(r.edges.length);
      p.edges.forEach((e, i) => close(e, r.edges[i]!, 1e-12, 1e-12));
      p.reference.forEach((s, i) => close(s, r.reference[i]!, 1e-12, 1e-15));
      p.current.forEach((s, i) => close(s, r.current[i]!, 1e-12, 1e-15));
    }
    // Poisson ties merge edges: fewer than 9 inner edges, still a valid partition.
    const ties = psi(REF.ks[2]!.a, REF.ks[2]!.b);
    expect(ties.edges.length).toBeLessThan(9);
    close(ties.current.reduce((s, v) => s + v, 0), 1, 1e-12);
    expect(psi([1, 2, 3], [1, 2, 3]).psi).toBe(0);
    // A current sample wholly outside the reference: the empty bins' floor keeps PSI finite and large.
    const far = psi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [100, 101, 102]);
    expect(Number.isFinite(far.psi) && far.psi > 5).toBe(true);
  });
  test('jensenShannon is scipy jensenshannon(base=2)² (a divergence in [0, 1], disjoint → 1)', () => {
    for (const r of REF.jensenShannon) close(jensenShannon(r.p, r.q), r.js, 1e-12, 1e-15);
    expect(jensenShannon({ a: 5 }, { b: 3 })).toBe(1);
    expect(jensenShannon({ a: 2, b: 2 }, { a: 7, b: 7 })).toBe(0);
    expect(jensenShannon({}, { a: 1 })).toBeNaN();
  });
  test('psiCategorical: Σ (q − p) ln(q/p) over the union of categories, shares floored at 1e-4', () => {
    close(psiCategorical({ a: 50, b: 50 }, { a: 80, b: 20 }), 0.3 * Math.log(0.8 / 0.5) + -0.3 * Math.log(0.2 / 0.5), 1e-14);
    close(psiCategorical({ a: 10 }, { a: 5, b: 5 }), (0.5 - 1) * Math.log(0.5) + (0.5 - 1e-4) * Math.log(0.5 / 1e-4), 1e-14);
    expect(psiCategorical({ a: 1, b: 3 }, { a: 2, b: 6 })).toBe(0);
  });
  test('adjustPValues: Benjamini-Hochberg equals scipy false_discovery_control; Bonferroni ×m capped at 1; NaN ignored', () => {
    adjustPValues(REF.adjust.p, 'benjamini-hochberg').forEach((v, i) => close(v, REF.adjust['benjamini-hochberg'][i]!, 1e-12));
    adjustPValues(REF.adjust.p, 'bonferroni').forEach((v, i) => close(v, REF.adjust.bonferroni[i]!, 1e-12));
    const withNaN = adjustPValues([0.01, NaN, 0.02], 'bonferroni');
    expect(withNaN[1]).toBeNaN();
    expect([withNaN[0], withNaN[2]]).toEqual([0.02, 0.04]);
  });
});

describe('means and the always-valid interval', () => {
  test('meanSummary (Welford) and meanSummaryFromSums agree; sample variance', () => {
    const xs = [3, 1, 4, 1, 5, 9, 2, 6];
    const s = meanSummary(xs);
    close(s.mean, 31 / 8, 1e-15);
    close(s.variance, xs.reduce((a, x) => a + (x - 31 / 8) ** 2, 0) / 7, 1e-14);
    const f = meanSummaryFromSums(8, 31, xs.reduce((a, x) => a + x * x, 0));
    close(f.variance, s.variance, 1e-12);
    expect(meanSummary([]).mean).toBeNaN();
    expect(meanSummary([2]).variance).toBeNaN();
  });
  test('interval: half-width formula, excludes 0 exactly when p ≤ alpha; too little data → unbounded', () => {
    const a = { n: 1000, mean: 0.1, variance: 0.09 };
    const b = { n: 1000, mean: 0.13, variance: 0.1131 };
    const r = alwaysValidDifference(a, b, { alpha: 0.05, tau: 0.01 });
    const v = 0.09 / 1000 + 0.1131 / 1000;
    const half = Math.sqrt(((v * (v + 1e-4)) / 1e-4) * (Math.log((v + 1e-4) / v) - 2 * Math.log(0.05)));
    close(r.difference, 0.03, 1e-12);
    close(r.high - r.low, 2 * half, 1e-12);
    // Scan effects: the interval excludes 0 iff the always-valid p-value is at most alpha.
    for (let d = 0; d <= 0.06; d += 0.0025) {
      const x = alwaysValidDifference(a, { ...b, mean: 0.1 + d }, { alpha: 0.05, tau: 0.01 });
      expect(x.low > 0).toBe(x.pValue <= 0.05 + 1e-12);
    }
    expect(alwaysValidDifference({ n: 1, mean: 1, variance: NaN }, b, { alpha: 0.05, tau: 0.01 })).toMatchObject({ low: -Infinity, high: Infinity, pValue: 1 });
  });

  test('A/A with hourly peeking for a week: the always-valid interval keeps false alarms ≤ alpha; the naive z-test does not', () => {
    const rand = mulberry32(14);
    const alpha = 0.05;
    const experiments = 400;
    const hours = 168;
    const perArmPerHour = 40;
    const rate = 0.1;
    const tau = 0.1 * rate; // as the guardrail scales it: a fraction of the champion's mean
    let naiveAlarms = 0;
    let validAlarms = 0;
    for (let e = 0; e < experiments; e++) {
      let sa = 0;
      let sb = 0;
      let n = 0;
      let naive = false;
      let valid = false;
      for (let h = 0; h < hours; h++) {
        for (let i = 0; i < perArmPerHour; i++) {
          if (rand() < rate) sa++;
          if (rand() < rate) sb++;
        }
        n += perArmPerHour;
        if (twoProportionZTest(sa, n, sb, n).pValue < alpha) naive = true;
        const r = alwaysValidDifference(meanSummaryFromSums(n, sa, sa), meanSummaryFromSums(n, sb, sb), { alpha, tau });
        if (r.low > 0 || r.high < 0) valid = true;
      }
      if (naive) naiveAlarms++;
      if (valid) validAlarms++;
    }
    expect(validAlarms / experiments).toBeLessThanOrEqual(alpha);
    expect(naiveAlarms / experiments).toBeGreaterThan(2 * alpha);
  });

  test('the always-valid interval still finds a real difference (10 % → 13 % conversion) within the week', () => {
    const rand = mulberry32(15);
    let found = 0;
    const experiments = 100;
    for (let e = 0; e < experiments; e++) {
      let sa = 0;
      let sb = 0;
      let n = 0;
      let hit = false;
      for (let h = 0; h < 168 && !hit; h++) {
        for (let i = 0; i < 40; i++) {
          if (rand() < 0.1) sa++;
          if (rand() < 0.13) sb++;
        }
        n += 40;
        const r = alwaysValidDifference(meanSummaryFromSums(n, sa, sa), meanSummaryFromSums(n, sb, sb), { alpha: 0.05, tau: 0.01 });
        hit = r.low > 0;
      }
      if (hit) found++;
    }
    expect(found / experiments).toBeGreaterThanOrEqual(0.9);
  });
});

/** Seeded PRNG (mulberry32): uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}
