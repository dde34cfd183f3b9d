// Propensity model parts against hand-computed answers: AUC, ECE, threshold choice, isotonic / Platt, the Newton fit, JSON models, errors.
import { ShopMlopsError } from '../../functions/src/core/errors';
import { calibrate, fitIsotonic, fitPlatt } from '../../functions/src/models/propensity/calibration';
import { fitLogistic } from '../../functions/src/models/propensity/logistic';
import { expectedCalibrationError, propensityMetrics, rocAuc } from '../../functions/src/models/propensity/metrics';
import { decidePropensity, scorePropensity, trainPropensity } from '../../functions/src/models/propensity/model';
import { propensityRows, purchaseDays } from '../../functions/src/models/propensity/rfm-snapshot';
import type { PropensityRow } from '../../functions/src/models/propensity/rows';
import { syntheticStore } from '../../functions/src/models/propensity/synthetic';
import { chooseThreshold, wilsonLower } from '../../functions/src/models/propensity/threshold';
import type { Design } from '../../functions/src/models/propensity/transform';
import { Prng } from '../../functions/src/simulator/prng';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

test('rocAuc equals counting all positive–negative pairs (ties count ½); null with one class', () => {
  const rng = new Prng('auc');
  const probs = Array.from({ length: 300 }, () => Math.round(rng.next() * 20) / 20); // many ties
  const labels = probs.map((p) => (rng.next() < p ? 1 : 0));
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < probs.length; i++) {
    for (let j = 0; j < probs.length; j++) {
      if (labels[i] !== 1 || labels[j] !== 0) continue;
      pairs++;
      wins += probs[i]! > probs[j]! ? 1 : probs[i] === probs[j] ? 0.5 : 0;
    }
  }
  expect(rocAuc(labels, probs)).toBeCloseTo(wins / pairs, 12);
  expect(rocAuc([1, 1], [0.2, 0.3])).toBeNull();
});

test('ECE uses 10 equal-width bins weighted by their share of rows; metrics at a threshold', () => {
  const labels = [0, 1, 0, 1];
  const probs = [0.05, 0.05, 0.15, 1.0];
  // [0, 0.1): 2 rows, 0.05 vs 0.5; [0.1, 0.2): 0.15 vs 0; [0.9, 1.0]: 1.0 vs 1
  expect(expectedCalibrationError(labels, probs)).toBeCloseTo((2 / 4) * 0.45 + (1 / 4) * 0.15, 12);
  const m = propensityMetrics(labels, probs, 0.1);
  expect(m).toMatchObject({ n: 4, positives: 2, predictedPositives: 2, precision: 0.5, recall: 0.5 });
  expect(m.brier).toBeCloseTo((0.05 ** 2 + 0.95 ** 2 + 0.15 ** 2 + 0) / 4, 12);
  expect(m.logLoss).toBeCloseTo(-(Math.log(0.95) + Math.log(0.05) + Math.log(0.85) + Math.log(1 - 1e-15)) / 4, 9);
  expect(propensityMetrics(labels, probs, null)).toMatchObject({ predictedPositives: 0, precision: null, recall: 0 });
  expect(() => propensityMetrics([1], [1.2], 0.5)).toThrow(/not in \[0, 1\]/);
});

test('threshold: most recall among cuts with precision ≥ target, although precision is not monotone; minimum support; unreachable is explicit', () => {
  const probs = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];
  const labels = [1, 1, 0, 1, 1, 0, 0, 1, 0];
  // cumulative precision: 1, 1, .667, .75, .8, .667, .571, .625, .556 → cuts ≥ .78 at .9, .8, .5; .5 has the most recall
  const t = chooseThreshold(labels, probs, { targetPrecision: 0.78, minPredictedPositives: 1 });
  expect(t).toMatchObject({ status: 'met', threshold: 0.5, precision: 0.8, recall: 0.8, predictedPositives: 5, bestPrecision: 1, bestPrecisionRecall: 0.4 });
  // only cuts with ≥ 3 predicted positives count: .5 still wins; with ≥ 6 none reaches .78
  expect(chooseThreshold(labels, probs, { minPredictedPositives: 3 }).threshold).toBe(0.5);
  const none = chooseThreshold(labels, probs, { targetPrecision: 0.78, minPredictedPositives: 6 });
  expect(none).toMatchObject({ status: 'unreachable', threshold: null, precision: null, recall: null, predictedPositives: 0 });
  expect(none.bestPrecision).toBeCloseTo(4 / 6, 12);
  // a confidence margin: 4 / 5 is not convincingly ≥ .78, and neither is 2 / 2
  expect(chooseThreshold(labels, probs, { minPredictedPositives: 1, confidenceZ: 1.645 }).status).toBe('unreachable');
  expect(wilsonLower(80, 100, 1.645)).toBeCloseTo(0.7267, 3); // the 90 % Wilson interval of 80 / 100 is [0.7267, 0.8587]
  expect(wilsonLower(4, 5, 0)).toBe(0.8);
  // equal probabilities are one cut
  expect(chooseThreshold([1, 1, 0, 1], [0.9, 0.9, 0.9, 0.1], { minPredictedPositives: 1, targetPrecision: 0.7 })).toMatchObject({ threshold: 0.1, predictedPositives: 4 });
  expect(chooseThreshold([1, 1, 0, 0], [0.9, 0.9, 0.9, 0.1], { minPredictedPositives: 1, targetPrecision: 0.7 }).status).toBe('unreachable');
});

test('isotonic calibration pools adjacent violators and interpolates between block ends; Platt recovers a known slope and intercept', () => {
  const map = fitIsotonic([1, 2, 3, 4, 5, 6], [0, 1, 0, 0, 1, 1]);
  expect(map).toEqual({ method: 'isotonic', x: [1, 2, 4, 5, 6], y: [0, 1 / 3, 1 / 3, 1, 1] });
  expect(calibrate(map, 3)).toBeCloseTo(1 / 3, 12);
  expect(calibrate(map, 4.5)).toBeCloseTo(2 / 3, 12);
  expect(calibrate(map, -10)).toBe(0);
  expect(calibrate(map, 10)).toBe(1);
  // ties are pooled before PAV: equal scores get one value
  expect(fitIsotonic([1, 1, 2], [1, 0, 1])).toEqual({ method: 'isotonic', x: [1, 2], y: [0.5, 1] });

  const rng = new Prng('platt');
  const s = Array.from({ length: 40_000 }, () => rng.normal() * 1.5);
  const y = s.map((x) => (rng.next() < sigmoid(2 * x - 1) ? 1 : 0));
  const platt = fitPlatt(s, y);
  if (platt.method !== 'platt') throw new Error('not platt');
  expect(platt.a).toBeGreaterThan(1.9);
  expect(platt.a).toBeLessThan(2.1);
  expect(platt.b).toBeGreaterThan(-1.08);
  expect(platt.b).toBeLessThan(-0.92);
});

test('Newton/IRLS: the penalised score equations hold at the solution and a known model is recovered', () => {
  // design: intercept + 2 dense terms, one 3-level category; truth η = −0.5 + 1.2 x1 − 0.7 x2 + (0, 0.8, −0.6)[level]
  const n = 60_000;
  const rng = new Prng('irls');
  const nd = 3;
  const dense = new Float64Array(n * nd);
  const cat = new Int32Array(n);
  const y = new Uint8Array(n);
  const effect = [0, 0.8, -0.6];
  for (let i = 0; i < n; i++) {
    const x1 = rng.normal();
    const x2 = rng.normal();
    const level = rng.int(3);
    dense.set([1, x1, x2], i * nd);
    cat[i] = nd + level;
    y[i] = rng.next() < sigmoid(-0.5 + 1.2 * x1 - 0.7 * x2 + effect[level]!) ? 1 : 0;
  }
  const d: Design = { n, p: 6, names: ['intercept', 'x1', 'x2', 'c=0', 'c=1', 'c=2'], nd, dense, ng: 1, cat };
  const l2 = 0.5;
  const fit = fitLogistic(d, y, { l2 });
  expect(fit.converged).toBe(true);
  expect(fit.iterations).toBeLessThan(10);
  // score equations computed here, independently: Σ (y − μ) x_j − l2 β_j = 0 (no penalty on the intercept)
  const g = new Array<number>(6).fill(0);
  for (let i = 0; i < n; i++) {
    const c = cat[i]!;
    const eta = fit.beta[0]! + dense[i * nd + 1]! * fit.beta[1]! + dense[i * nd + 2]! * fit.beta[2]! + fit.beta[c]!;
    const r = y[i]! - sigmoid(eta);
    g[0]! += r;
    g[1]! += r * dense[i * nd + 1]!;
    g[2]! += r * dense[i * nd + 2]!;
    g[c]! += r;
  }
  for (let j = 1; j < 6; j++) g[j]! -= l2 * fit.beta[j]!;
  // per row, the score is zero to rounding (the fit stops at a Newton decrement of 1e-10 of the objective)
  expect(Math.max(...g.map(Math.abs)) / n).toBeLessThan(1e-6);
  // slopes and level contrasts are identified (the level columns + intercept are not, without the penalty)
  const [b0, b1, b2, c0, c1, c2] = fit.beta as [number, number, number, number, number, number];
  expect(b1).toBeCloseTo(1.2, 1);
  expect(b2).toBeCloseTo(-0.7, 1);
  expect(c1 - c0).toBeCloseTo(0.8, 1);
  expect(c2 - c0).toBeCloseTo(-0.6, 1);
  expect(b0 + c0).toBeCloseTo(-0.5, 1);
});

describe('trainPropensity on a small synthetic store', () => {
  const store = syntheticStore({ customers: 4000, seed: 'unit' });
  const history = purchaseDays(store.transactions);
  const snaps = ['2024-06-30', '2024-07-31', '2024-08-31', '2024-09-30', '2024-10-31'];
  const rows = new Map(snaps.map((s) => [s, propensityRows(history, s)]));
  const train = snaps.slice(0, 4).flatMap((s) => rows.get(s)!);
  const val = rows.get('2024-10-31')!;

  test('the model is plain JSON: a round trip scores identically; decisions follow the threshold', () => {
    const model = trainPropensity(train, val);
    const copy = JSON.parse(JSON.stringify(model)) as typeof model;
    const a = scorePropensity(model, val);
    expect(scorePropensity(copy, val)).toEqual(a);
    expect(Object.keys(model.coefficients)[0]).toBe('intercept');
    expect(model.calibration.method).toBe('platt');
    expect(model.data).toMatchObject({ fitSnapshots: snaps.slice(0, 4), calibrationSnapshots: snaps.slice(0, 4), validationSnapshots: ['2024-10-31'], fitRows: train.length, calibrationRows: train.length });
    // the penalty is the one with the lowest validation log loss among those tried
    expect(model.l2SelectedBy).toBe('validation');
    expect(model.l2Selection.length).toBeGreaterThanOrEqual(2);
    const best = model.l2Selection.reduce((a, b) => (b.criterion < a.criterion ? b : a));
    expect(model.l2).toBe(best.l2);
    const cv = trainPropensity(train, val, { l2SelectedBy: 'cross-fit' });
    expect(cv.l2Selection.every((s) => s.criterion === s.heldOutLogLoss)).toBe(true);
    const t = model.threshold.threshold!;
    expect(decidePropensity(model, a)).toEqual(a.map((p) => p >= t));
    expect(model.validation.model.precision).toBeGreaterThanOrEqual(0.78);
  });

  test('cross-fitting by one Newton step from the all-rows fit agrees with fitting every fold', () => {
    const approx = trainPropensity(train, val, { l2: 10 });
    const exact = trainPropensity(train, val, { l2: 10, exactFolds: true });
    if (approx.calibration.method !== 'platt' || exact.calibration.method !== 'platt') throw new Error('not platt');
    expect(Math.abs(approx.calibration.a - exact.calibration.a)).toBeLessThan(0.01);
    expect(Math.abs(approx.calibration.b - exact.calibration.b)).toBeLessThan(0.01);
    expect(approx.coefficients).toEqual(exact.coefficients); // the model itself is the same all-rows fit
  });

  test('holdouts: the last training snapshot, or a share of customers', () => {
    const last = trainPropensity(train, val, { calibrationHoldout: 'last-snapshot', calibration: 'isotonic' });
    expect(last.data).toMatchObject({ fitSnapshots: snaps.slice(0, 3), calibrationSnapshots: ['2024-09-30'], calibrationRows: rows.get('2024-09-30')!.length });
    expect(last.calibration.method).toBe('isotonic');
    const share = trainPropensity(train, val, { calibrationHoldout: 0.3 });
    expect(share.data.calibrationRows / train.length).toBeGreaterThan(0.25);
    expect(share.data.calibrationRows / train.length).toBeLessThan(0.35);
    expect(share.data.fitRows + share.data.calibrationRows).toBe(train.length);
  });

  test('refuses what it cannot use, naming the problem', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof ShopMlopsError ? `${e.code}: ${e.message}` : String(e);
      }
      return 'no error';
    };
    expect(code(() => trainPropensity(train, rows.get('2024-09-30')!))).toMatch(/^UNPROCESSABLE: validation snapshots must be later/);
    expect(code(() => trainPropensity(train.map((r) => ({ ...r, bought_within_30d: false })), val))).toMatch(/^UNPROCESSABLE: .*0 buyers/);
    const incomplete: PropensityRow[] = [{ ...train[0]!, label_complete: false }, ...train.slice(1)];
    expect(code(() => trainPropensity(incomplete, val))).toMatch(/^UNPROCESSABLE: training row 1 .*label_complete/);
    expect(code(() => trainPropensity([{ ...train[0]!, r_score: 7 }], val))).toMatch(/^UNPROCESSABLE: training row 1 .*r_score = 7/);
    expect(code(() => trainPropensity(train, val, { l2: -1 }))).toMatch(/^BAD_REQUEST: l2/);
    expect(code(() => trainPropensity(rows.get('2024-06-30')!, val, { calibrationHoldout: 'last-snapshot' }))).toMatch(/^UNPROCESSABLE: .*at least 2 snapshots/);
    const model = trainPropensity(train, val, { l2: 1 });
    const { intercept: _drop, ...rest } = model.coefficients;
    expect(code(() => scorePropensity({ ...model, coefficients: rest }, val))).toMatch(/^BAD_REQUEST: .*coefficient intercept/);
  });
});
