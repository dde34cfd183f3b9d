// A/B analysis of a rollout: sample-ratio mismatch at p < 0.001, the z-test for reference, always-valid guardrails on conversion and revenue per exposure, and the verdict.
import { analyseAb, byArm, sampleRatioMismatch, type ArmExposure } from '../../functions/src/monitoring/ab';
import { DEFAULT_MONITORING_POLICY } from '../../functions/src/monitoring/config';
import type { Split } from '../../functions/src/ports/endpoints';

const G = DEFAULT_MONITORING_POLICY.guardrail; // alpha 0.05, tau 0.1 of the champion's mean, 500 units per arm
const SPLIT: Split = { champion: { version: 1, percent: 50 }, challenger: { version: 2, percent: 50 }, holdout: 0 };
const SINCE = '2026-11-01T00:00:00.000Z';

/** An arm whose `conversions` of `units` each bought `aov` (so revenue sums follow). */
const arm = (a: ArmExposure['arm'], units: number, conversions: number, aov = 50): ArmExposure => ({ arm: a, units, closedUnits: units, conversions, revenue: conversions * aov, revenueSquares: conversions * aov * aov });

test('rows sum per arm', () => {
  const t = byArm([arm('champion', 10, 2), arm('champion', 5, 1), arm('challenger', 7, 3)]);
  expect(t.champion).toEqual({ arm: 'champion', units: 15, closedUnits: 15, conversions: 3, revenue: 150, revenueSquares: 7500 });
  expect(t.holdout.units).toBe(0);
});

test('sample-ratio mismatch: chi-square against the split, p < 0.001; units in an arm without a share are a mismatch', () => {
  const s95 = { ...SPLIT, champion: { version: 1, percent: 95 }, challenger: { version: 2, percent: 5 } };
  const ok = sampleRatioMismatch(s95, byArm([arm('champion', 9_520, 0), arm('challenger', 480, 0)]))!;
  expect(ok.mismatch).toBe(false);
  // 5 % expected of 10,000 = 500; 400 observed: chi² = 100²/500 + 100²/9500 = 21.05, p ≈ 4.5e-6 (scipy.stats.chisquare)
  const bad = sampleRatioMismatch(s95, byArm([arm('champion', 9_600, 0), arm('challenger', 400, 0)]))!;
  expect(bad.statistic).toBeCloseTo(21.0526, 3);
  expect(bad.pValue).toBeCloseTo(4.4684e-6, 9);
  expect(bad.mismatch).toBe(true);
  expect(sampleRatioMismatch(SPLIT, byArm([arm('champion', 100, 0), arm('challenger', 100, 0), arm('holdout', 3, 0)]))!.mismatch).toBe(true);
  expect(sampleRatioMismatch({ champion: { version: 1, percent: 100 }, challenger: null, holdout: 0 }, byArm([arm('champion', 100, 0)]))).toBeNull();
});

test('a clearly worse challenger: both guardrails wholly below 0, verdict challenger_worse; the z-test agrees', () => {
  const a = analyseAb({ split: SPLIT, arms: [arm('champion', 5000, 1000), arm('challenger', 5000, 700)], guardrail: G, since: SINCE });
  const [conv, rev] = a.guardrails;
  expect(conv).toMatchObject({ metric: 'conversion', champion: { units: 5000, mean: 0.2 }, challenger: { units: 5000, mean: 0.14 }, alpha: 0.05, since: SINCE });
  expect(conv!.difference).toBeCloseTo(-0.06, 10);
  expect(conv!.high).toBeLessThan(0);
  expect(conv!.low).toBeLessThan(conv!.difference);
  expect(rev!.metric).toBe('revenue_per_exposure');
  expect(rev!.high).toBeLessThan(0);
  expect(a.verdict).toBe('challenger_worse');
  expect(a.zTest!.difference).toBeCloseTo(-0.06, 10);
  expect(a.zTest!.pValue).toBeLessThan(1e-10);
  expect(a.why).toMatch(/^conversion 0\.140 vs 0\.200 \(always-valid interval -0\.\d+ to -0\.\d+\); revenue_per_exposure 7\.000 vs 10\.000/);
});

test('the always-valid interval is wider than the fixed-horizon one: a difference the z-test calls significant can still be "no difference yet"', () => {
  // 0.200 vs 0.183 on 5,000 units each: pooled z = -2.160, p = 0.0308 (scipy.stats.norm), significant at one look
  const a = analyseAb({ split: SPLIT, arms: [arm('champion', 5000, 1000), arm('challenger', 5000, 915)], guardrail: G, since: SINCE });
  expect(a.zTest!.z).toBeCloseTo(-2.1602, 3);
  expect(a.zTest!.pValue).toBeCloseTo(0.03076, 4);
  expect(a.guardrails[0]!.high).toBeGreaterThan(0);
  expect(a.verdict).toBe('no_difference_yet');
});

test('too few units per arm: too_little_data, whatever the means', () => {
  const a = analyseAb({ split: SPLIT, arms: [arm('champion', 499, 300), arm('challenger', 499, 10)], guardrail: G, since: SINCE });
  expect(a.verdict).toBe('too_little_data');
  expect(a.why).toBe('499 challenger and 499 champion units with closed windows; 500 per arm needed');
  const none = analyseAb({ split: SPLIT, arms: [], guardrail: G, since: SINCE });
  expect(none.verdict).toBe('too_little_data');
  expect(none.zTest).toBeNull();
  expect(none.srm).toBeNull();
});

test('a better challenger; and a sample-ratio mismatch overrides any comparison', () => {
  expect(analyseAb({ split: SPLIT, arms: [arm('champion', 5000, 700), arm('challenger', 5000, 1000)], guardrail: G, since: SINCE }).verdict).toBe('challenger_better');
  const srm = analyseAb({ split: SPLIT, arms: [arm('champion', 5000, 700), arm('challenger', 5000, 1000)], current: [arm('champion', 1200, 0), arm('challenger', 800, 0)], guardrail: G, since: SINCE });
  expect(srm.verdict).toBe('sample_ratio_mismatch');
  expect(srm.why).toMatch(/^units per arm champion 1200, challenger 800, holdout 0 do not match the split \(chi-square p = .*e-\d+ < 0\.001\)$/);
});
