// The monitor's decision rules: rollback only on enough outcomes with the interval's upper bound below the threshold, promotion one step after the hold with the lower bound at/above it, guardrails, and holds that say why.
import { decide, type DecisionInput } from '../../functions/src/monitoring/decide';
import type { GuardrailEvidence, ProportionEvidence } from '../../functions/src/ports/monitoring-store';

const POLICY = { metric: 'precision' as const, threshold: 0.78, minOutcomes: 200 };

const prec = (successes: number, trials: number, low: number, high: number): ProportionEvidence => ({
  metric: 'precision',
  trials,
  successes,
  value: successes / trials,
  low,
  high,
  confidence: 0.95,
  threshold: 0.78,
  from: '2026-11-01',
  to: '2026-11-20',
});

const guard = (metric: GuardrailEvidence['metric'], low: number, high: number, units = 1000): GuardrailEvidence => ({
  metric,
  champion: { units, mean: 0.1 },
  challenger: { units, mean: 0.1 + (low + high) / 2 },
  difference: (low + high) / 2,
  low,
  high,
  alpha: 0.05,
  since: '2026-11-01T00:00:00.000Z',
});

const base = (over: Partial<DecisionInput> = {}): DecisionInput => ({
  policy: POLICY,
  precision: null,
  guardrails: [],
  minExposures: 500,
  holdHours: 24,
  hoursSinceChange: 30,
  challengerPercent: 5,
  ...over,
});

describe('rollback on precision', () => {
  test('enough outcomes, value and upper bound below the threshold: rollback naming precision, interval and n', () => {
    const d = decide(base({ precision: prec(120, 250, 0.418, 0.541) }));
    expect(d.action).toBe('rollback');
    expect(d.reason).toBe('precision_below_threshold');
    expect(d.why).toBe('precision 0.480 (95 % interval 0.418–0.541, n = 250) is below the threshold 0.78, upper bound included');
  });

  test('value below the threshold but the upper bound above it (noise): no rollback, and no promotion either', () => {
    const d = decide(base({ precision: prec(190, 250, 0.705, 0.81) }));
    expect(d).toMatchObject({ action: 'hold', reason: 'inconclusive' });
  });

  test('too few outcomes: nothing, however bad the value', () => {
    const d = decide(base({ precision: prec(10, 199, 0.03, 0.09) }));
    expect(d).toMatchObject({ action: 'hold', reason: 'too_little_data', why: '199 labelled precision outcomes of the 200 needed' });
    expect(decide(base({ precision: null })).reason).toBe('too_little_data');
  });

  test('exactly minOutcomes is enough; the upper bound exactly at the threshold is not below it', () => {
    expect(decide(base({ precision: prec(100, 200, 0.43, 0.57) })).action).toBe('rollback');
    expect(decide(base({ precision: prec(150, 200, 0.69, 0.78) })).action).toBe('hold');
  });

  test('a model without a precision rule is never rolled back on precision', () => {
    expect(decide(base({ policy: null, precision: prec(1, 1000, 0, 0.01) })).action).toBe('hold');
  });

  test('no challenger traffic: nothing to act on', () => {
    expect(decide(base({ precision: prec(1, 1000, 0, 0.01), challengerPercent: 0 }))).toMatchObject({ action: 'hold', reason: 'no_challenger_traffic' });
  });
});

describe('guardrails', () => {
  test('conversion wholly below 0 with enough units per arm: rollback; revenue likewise', () => {
    const good = prec(900, 1000, 0.88, 0.917);
    const c = decide(base({ precision: good, guardrails: [guard('conversion', -0.04, -0.01)] }));
    expect(c).toMatchObject({ action: 'rollback', reason: 'guardrail_conversion' });
    expect(c.why).toMatch(/^the challenger is worse than the champion: conversion .*always-valid 95 % interval -0\.040 to -0\.010, units 1000 \/ 1000\)$/);
    expect(decide(base({ precision: good, guardrails: [guard('conversion', -0.02, 0.01), guard('revenue_per_exposure', -3, -0.5)] }))).toMatchObject({ action: 'rollback', reason: 'guardrail_revenue' });
  });

  test('a guardrail below 0 on too few units per arm does not act', () => {
    const g = { ...guard('conversion', -0.2, -0.1), challenger: { units: 499, mean: 0 } };
    expect(decide(base({ guardrails: [g] })).action).toBe('hold');
  });

  test('precision rollback takes precedence and names precision', () => {
    expect(decide(base({ precision: prec(100, 300, 0.28, 0.39), guardrails: [guard('conversion', -0.04, -0.01)] })).reason).toBe('precision_below_threshold');
  });

  test('an interval that straddles 0 blocks nothing', () => {
    expect(decide(base({ precision: prec(900, 1000, 0.88, 0.917), guardrails: [guard('conversion', -0.03, 0.02)] })).action).toBe('promote');
  });

  test('NaN intervals (no exposures) are not evidence', () => {
    const g = { ...guard('conversion', NaN, NaN), champion: { units: 0, mean: NaN }, challenger: { units: 0, mean: NaN } };
    expect(decide(base({ policy: null, guardrails: [g] }))).toMatchObject({ action: 'hold', reason: 'too_little_data' });
  });
});

describe('promotion', () => {
  test('lower bound at or above the threshold after the hold: promote, naming the evidence and the time at the step', () => {
    const d = decide(base({ precision: prec(900, 1000, 0.88, 0.917), hoursSinceChange: 24 }));
    expect(d).toEqual({ action: 'promote', reason: 'guardrails_held', why: 'precision 0.900 (95 % interval 0.880–0.917, n = 1000) at or above the threshold 0.78, lower bound included; 24 h at 5 % (hold 24 h)' });
    expect(decide(base({ precision: prec(800, 1000, 0.78, 0.82) })).action).toBe('promote');
  });

  test('a sample-ratio mismatch blocks promotion (the assignment is broken) but not a rollback', () => {
    const srm = 'units per arm champion 9600, challenger 400, holdout 0 do not match the split (chi-square p = 4.47e-6 < 0.001)';
    expect(decide(base({ precision: prec(900, 1000, 0.88, 0.917), sampleRatioMismatch: srm }))).toMatchObject({ action: 'hold', reason: 'sample_ratio_mismatch', why: expect.stringMatching(/lower bound included; but units per arm/) });
    expect(decide(base({ precision: prec(100, 300, 0.28, 0.39), sampleRatioMismatch: srm })).action).toBe('rollback');
  });

  test('within the hold window: hold, however good', () => {
    expect(decide(base({ precision: prec(900, 1000, 0.88, 0.917), hoursSinceChange: 23.9 }))).toMatchObject({ action: 'hold', reason: 'within_hold', why: expect.stringMatching(/23\.9 h at this step of the 24 h hold$/) });
  });

  test('lower bound below the threshold: hold (inconclusive)', () => {
    expect(decide(base({ precision: prec(850, 1000, 0.779, 0.87) }))).toMatchObject({ action: 'hold', reason: 'inconclusive' });
  });

  test('without a precision rule, promotion needs every guardrail read on enough units', () => {
    expect(decide(base({ policy: null, guardrails: [] })).reason).toBe('too_little_data');
    expect(decide(base({ policy: null, guardrails: [guard('conversion', -0.01, 0.02), guard('revenue_per_exposure', -1, 1, 100)] })).reason).toBe('too_little_data');
    const d = decide(base({ policy: null, guardrails: [guard('conversion', -0.01, 0.02), guard('revenue_per_exposure', -1, 1)] }));
    expect(d.action).toBe('promote');
    expect(d.why).toMatch(/^no precision rule for this model; guardrails hold: conversion .*; revenue per exposure .*; 30 h at 5 % \(hold 24 h\)$/);
  });
});
