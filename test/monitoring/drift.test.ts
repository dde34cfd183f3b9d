// analyseDrift (monitoring/drift.ts): materiality keeps KS from over-firing on large samples, real shifts drift, the correction is applied over a night's features, levels follow PSI.
import { analyseDrift, type FeatureSample } from '../../functions/src/monitoring/drift';
import { DEFAULT_MONITORING_POLICY, parseMonitoringPolicy } from '../../functions/src/monitoring/config';
import { adjustPValues, ksTwoSample } from '../../functions/src/monitoring/stats';

const policy = DEFAULT_MONITORING_POLICY.drift;

function normals(n: number, mean: number, sd: number, seed: number): Float64Array {
  let t = seed >>> 0;
  const u = () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return (((r ^ (r >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

const grid = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

test('the same distribution does not drift: every level ok, no verdict', () => {
  const a = analyseDrift(
    [
      { feature: 'monetary', kind: 'continuous', reference: normals(5000, 50, 10, 1), current: normals(4000, 50, 10, 2) },
      { feature: 'segment', kind: 'categorical', reference: { Champions: 500, Loyal: 300, Lost: 200 }, current: { Champions: 495, Loyal: 310, Lost: 195 } },
    ],
    policy,
  );
  expect(a.drifted).toBe(false);
  expect(a.results.map((r) => [r.feature, r.level, r.drifted])).toEqual([
    ['monetary', 'ok', false],
    ['segment', 'ok', false],
  ]);
  expect(a.results[0]!.psi).toBeLessThan(0.02);
});

test('KS over-fires on large samples: a significant but immaterial shift (D < ksMinEffect, PSI < warn) is not drift', () => {
  const reference = normals(200_000, 0, 1, 3);
  const current = normals(200_000, 0.03, 1, 4);
  const ks = ksTwoSample(reference, current);
  expect(ks.pValue).toBeLessThan(1e-6); // a p-value test alone would call this drift
  const a = analyseDrift([{ feature: 'x', kind: 'continuous', reference, current }], policy);
  const r = a.results[0]!;
  expect(r.ks!.statistic).toBeLessThan(policy.ksMinEffect);
  expect(r.pAdjusted).toBeLessThan(policy.alpha);
  expect(r.material).toBe(false);
  expect(r.drifted).toBe(false);
  expect(r.level).toBe('ok');
  expect(a.drifted).toBe(false);
});

test('a real shift drifts: continuous by KS and PSI, categorical by Jensen-Shannon; level alert; the verdict is any', () => {
  const a = analyseDrift(
    [
      { feature: 'monetary', kind: 'continuous', reference: normals(3000, 50, 10, 5), current: normals(3000, 57, 10, 6) },
      { feature: 'segment', kind: 'categorical', reference: { Champions: 500, Loyal: 300, Lost: 200 }, current: { Champions: 150, Loyal: 300, Lost: 550 } },
      { feature: 'age_days', kind: 'continuous', reference: normals(3000, 100, 20, 7), current: normals(3000, 100, 20, 8) },
    ],
    policy,
  );
  const [monetary, segment, age] = a.results;
  expect(monetary).toMatchObject({ material: true, drifted: true, level: 'alert' });
  expect(monetary!.ks!.statistic).toBeGreaterThan(0.2);
  expect(monetary!.psi).toBeGreaterThan(policy.psiAlert);
  expect(segment).toMatchObject({ kind: 'categorical', ks: null, material: true, drifted: true, level: 'alert' });
  expect(segment!.js!).toBeGreaterThan(policy.jsAlert);
  expect(age).toMatchObject({ drifted: false, level: 'ok' });
  expect(a.drifted).toBe(true);
});

test('the correction runs over the night’s features: Bonferroni holds back what Benjamini-Hochberg lets through, and a lone test passes both', () => {
  // PSI thresholds out of reach isolate the p-value rule. A 0..59 grid against itself shifted by 21: D = 0.35, en = 30,
  // asymptotic p ≈ 0.0013 (< alpha 0.01, ×20 = 0.026 > alpha; BH with 4 such among 20: 0.0013·20/4 ≈ 0.0064 < alpha).
  const base = parseMonitoringPolicy({ drift: { psiWarn: 50, psiAlert: 100, alpha: 0.01 } }).drift;
  const shifted = (i: number): FeatureSample => ({ feature: `s${i}`, kind: 'continuous', reference: grid(0, 60), current: grid(21, 60) });
  const same = (i: number): FeatureSample => ({ feature: `f${i}`, kind: 'continuous', reference: grid(0, 60), current: grid(0, 60) });
  const features = [...[0, 1, 2, 3].map(shifted), ...Array.from({ length: 16 }, (_, i) => same(i))];

  const bonferroni = analyseDrift(features, { ...base, correction: 'bonferroni' });
  const bh = analyseDrift(features, { ...base, correction: 'benjamini-hochberg' });
  const raw = bh.results.map((r) => r.pValue);
  expect(raw[0]).toBeGreaterThan(0.001);
  expect(raw[0]).toBeLessThan(0.002);
  expect(bonferroni.results.map((r) => r.pAdjusted)).toEqual(adjustPValues(raw, 'bonferroni'));
  expect(bh.results.map((r) => r.pAdjusted)).toEqual(adjustPValues(raw, 'benjamini-hochberg'));
  expect(bonferroni.drifted).toBe(false);
  expect(bh.results.filter((r) => r.drifted).map((r) => r.feature)).toEqual(['s0', 's1', 's2', 's3']);
  // Tested alone, one such feature drifts under either correction.
  expect(analyseDrift([shifted(0)], { ...base, correction: 'bonferroni' }).drifted).toBe(true);
});

test('PSI alone: at or above psiAlert drifts whatever the p-value; between warn and alert without significance is warn', () => {
  // 20 vs 20 draws: chi-square p ≈ 0.2 (not significant), PSI ≈ 0.17 (warn).
  const warn = analyseDrift([{ feature: 'in_stock', kind: 'categorical', reference: { true: 10, false: 10 }, current: { true: 14, false: 6 } }], policy);
  expect(warn.results[0]).toMatchObject({ level: 'warn', drifted: false, material: true });
  expect(warn.results[0]!.pAdjusted).toBeGreaterThan(0.1);
  expect(warn.drifted).toBe(false);
  // Tiny samples, huge PSI: p not significant, PSI ≥ alert drifts anyway.
  const alert = analyseDrift([{ feature: 'in_stock', kind: 'categorical', reference: { true: 3, false: 3 }, current: { true: 1, false: 5 } }], policy);
  expect(alert.results[0]!.pAdjusted).toBeGreaterThan(policy.alpha);
  expect(alert.results[0]!.psi).toBeGreaterThanOrEqual(policy.psiAlert);
  expect(alert.results[0]).toMatchObject({ level: 'alert', drifted: true });
});

test('a feature with an empty sample is skipped, not tested, and does not count in the correction', () => {
  const a = analyseDrift(
    [
      { feature: 'avg_price', kind: 'continuous', reference: [NaN, NaN], current: [1, 2, 3] },
      { feature: 'segment', kind: 'categorical', reference: { a: 5 }, current: {} },
      { feature: 'units', kind: 'continuous', reference: grid(0, 60), current: grid(21, 60) },
    ],
    parseMonitoringPolicy({ drift: { psiWarn: 50, psiAlert: 100, correction: 'bonferroni' } }).drift,
  );
  expect(a.skipped).toEqual([
    { feature: 'avg_price', reason: 'no reference values' },
    { feature: 'segment', reason: 'no current values' },
  ]);
  expect(a.results.map((r) => r.feature)).toEqual(['units']);
  expect(a.results[0]!.pAdjusted).toBe(a.results[0]!.pValue);
});

test('minSamples skips a feature with too few values on either side (PSI of 20 draws from the same distribution would alert)', () => {
  const small = { feature: 'monetary', kind: 'continuous' as const, reference: normals(5000, 50, 10, 9), current: normals(20, 50, 10, 10) };
  expect(analyseDrift([small], policy).results[0]!.psi).toBeGreaterThan(policy.psiWarn);
  const a = analyseDrift([small], policy, { minSamples: 100 });
  expect(a.results).toEqual([]);
  expect(a.skipped).toEqual([{ feature: 'monetary', reason: '20 current values (fewer than 100)' }]);
  expect(a.drifted).toBe(false);
});
