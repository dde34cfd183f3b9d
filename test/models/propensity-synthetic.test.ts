// Propensity on a seeded synthetic store with a known buying process (BG/NBD): calibrated against the exact probabilities, threshold logic.
import { fitRfCellBaseline, scoreRfCellBaseline } from '../../functions/src/models/propensity/baseline';
import { calibrate, fitIsotonic, fitPlatt } from '../../functions/src/models/propensity/calibration';
import { eceSamplingFloor, expectedCalibrationError, propensityMetrics, reliability } from '../../functions/src/models/propensity/metrics';
import { decidePropensity, scorePropensity, trainPropensity } from '../../functions/src/models/propensity/model';
import { propensityRows, purchaseDays } from '../../functions/src/models/propensity/rfm-snapshot';
import type { PropensityRow } from '../../functions/src/models/propensity/rows';
import { bgnbdAlive, syntheticStore } from '../../functions/src/models/propensity/synthetic';
import { wilsonLower } from '../../functions/src/models/propensity/threshold';

// 20,000 customers acquired over 300 days from 2024-01-01; λ ~ Gamma(0.9, 25) per day, dropout p ~ Beta(0.5, 6) after each repeat
const store = syntheticStore({ customers: 20_000, seed: 'propensity-synthetic' });
const history = purchaseDays(store.transactions);
const SNAPSHOTS = ['2024-05-31', '2024-06-30', '2024-07-31', '2024-08-31', '2024-09-30', '2024-10-31', '2024-11-30', '2024-12-31'];
const rows = new Map(SNAPSHOTS.map((s) => [s, propensityRows(history, s)]));
const train = SNAPSHOTS.slice(0, 6).flatMap((s) => rows.get(s)!);
const validation = rows.get('2024-11-30')!;
const test_ = rows.get('2024-12-31')!;
const labels = (rs: PropensityRow[]) => rs.map((r) => r.bought_within_30d);
const truthOf = (rs: PropensityRow[]) => rs.map((r) => store.truth(r.customer_id, r.snapshot_date)!);
const logit = (p: number) => Math.log(p / (1 - p));
let trained: ReturnType<typeof trainPropensity> | null = null;
/** The default model, trained once for the tests that share it. */
const model_ = () => (trained ??= trainPropensity(train, validation));

test('the generating process is what the truth says: the exact probabilities are calibrated against the simulated labels', () => {
  expect(train.length).toBeGreaterThan(80_000);
  expect(test_.every((r) => r.label_complete)).toBe(true);
  const y = labels(test_);
  const truth = truthOf(test_);
  const m = propensityMetrics(y, truth, null);
  // the truth's ECE is what sampling alone gives (day rounding of continuous purchases is the only approximation)
  expect(m.ece).toBeLessThan(1.5 * eceSamplingFloor(truth, { reps: 20 }) + 0.002);
  expect(Math.abs(m.meanPredicted - m.baseRate)).toBeLessThan(0.01);
  // BG/NBD P(alive): certain with no repeat purchase; lower the longer since the last one
  expect(bgnbdAlive(0, 0, 100, store.params)).toBe(1);
  expect(bgnbdAlive(3, 20, 100, store.params)).toBeLessThan(bgnbdAlive(3, 90, 100, store.params));
});

test('trained on earlier snapshots, the calibrated model matches the known probabilities out of time and beats the R × F baseline', () => {
  const cpu0 = process.cpuUsage();
  const model = model_();
  const cpu = process.cpuUsage(cpu0);
  const p = scorePropensity(model, test_);
  const y = labels(test_);
  const truth = truthOf(test_);
  const m = propensityMetrics(y, p, model.threshold.threshold);
  const floor = eceSamplingFloor(p, { reps: 20 });
  // calibration: small ECE against the labels, close to the sampling floor, and close to the true probabilities
  expect(m.ece).toBeLessThan(0.02);
  expect(m.ece).toBeLessThan(floor + 0.01);
  const meanAbsError = p.reduce((s, q, i) => s + Math.abs(q - truth[i]!), 0) / p.length;
  expect(meanAbsError).toBeLessThan(0.05);
  // per probability bin, the mean prediction is the mean true probability (no label noise in this comparison)
  for (const bin of reliability(truth.map(() => 0), p)) {
    if (bin.n < 300) continue;
    const inBin = p.map((q, i) => [q, truth[i]!] as const).filter(([q]) => q >= bin.lo && (q < bin.hi || bin.hi === 1));
    const meanTruth = inBin.reduce((s, [, t]) => s + t, 0) / inBin.length;
    expect(Math.abs(bin.meanPredicted - meanTruth)).toBeLessThan(0.05);
  }
  // discrimination close to the Bayes optimum, above the baseline; Brier and ECE below the baseline's
  const best = propensityMetrics(y, truth, null);
  const base = propensityMetrics(y, scoreRfCellBaseline(fitRfCellBaseline(train), test_), null);
  expect(m.auc!).toBeGreaterThan(best.auc! - 0.02);
  expect(m.auc!).toBeGreaterThan(base.auc!);
  expect(m.brier).toBeLessThan(base.brier);
  expect(m.ece).toBeLessThan(base.ece);
  console.log(
    `synthetic test snapshot: AUC ${m.auc!.toFixed(3)} (truth ${best.auc!.toFixed(3)}, baseline ${base.auc!.toFixed(3)}), Brier ${m.brier.toFixed(4)} (baseline ${base.brier.toFixed(4)}), ` +
      `ECE ${m.ece.toFixed(4)} (floor ${floor.toFixed(4)}, baseline ${base.ece.toFixed(4)}), mean |p − truth| ${meanAbsError.toFixed(4)}; L2 ${model.l2}; ` +
      `training ${train.length} rows took ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU`,
  );
});

test('the calibration maps undo a known distortion of the true probabilities (fitted on one half, checked on the other)', () => {
  const truth = truthOf(validation);
  const y = labels(validation).map((b) => (b ? 1 : 0));
  const fitIdx = [...truth.keys()].filter((i) => i % 2 === 0);
  const checkIdx = [...truth.keys()].filter((i) => i % 2 === 1);
  const distortions: Array<[string, (l: number) => number, 'platt' | 'isotonic']> = [
    ['overconfident and shifted: 2.5 · logit + 1', (l) => 2.5 * l + 1, 'platt'],
    ['non-linear: logit³', (l) => l * l * l, 'isotonic'],
  ];
  for (const [name, distort, method] of distortions) {
    const score = truth.map((t) => distort(logit(t)));
    const map = method === 'platt' ? fitPlatt(fitIdx.map((i) => score[i]!), fitIdx.map((i) => y[i]!)) : fitIsotonic(fitIdx.map((i) => score[i]!), fitIdx.map((i) => y[i]!));
    const yCheck = checkIdx.map((i) => y[i]!);
    const before = expectedCalibrationError(yCheck, checkIdx.map((i) => 1 / (1 + Math.exp(-score[i]!))));
    const after = checkIdx.map((i) => calibrate(map, score[i]!));
    const eceAfter = expectedCalibrationError(yCheck, after);
    const meanAbsError = after.reduce((s, q, k) => s + Math.abs(q - truth[checkIdx[k]!]!), 0) / after.length;
    expect({ name, before: before > 0.05, after: eceAfter < 0.02, close: meanAbsError < 0.03 }).toEqual({ name, before: true, after: true, close: true });
  }
  // Platt recovers the inverse of the linear distortion: a ≈ 1 / 2.5, b ≈ −1 / 2.5
  const platt = fitPlatt(fitIdx.map((i) => 2.5 * logit(truth[i]!) + 1), fitIdx.map((i) => y[i]!));
  if (platt.method !== 'platt') throw new Error('not platt');
  expect(platt.a).toBeCloseTo(0.4, 1);
  expect(platt.b).toBeCloseTo(-0.4, 1);
});

test('threshold: the precision bound holds in every month of the rolling check (validation rescored independently), and holds on a later snapshot', () => {
  const model = model_();
  const t = model.threshold;
  expect(t.status).toBe('met');
  expect(t.precision!).toBeGreaterThanOrEqual(0.78);
  expect(t.recall!).toBeGreaterThan(0.1);
  if (!('months' in t)) throw new Error('expected the rolling-min rule by default');
  // the validation month and the 3 latest training months, each with its Wilson lower bound (z 1) at or above the target
  expect(t.months.map((m) => m.snapshot)).toEqual([...model.data.calibrationSnapshots.slice(-3), ...model.data.validationSnapshots]);
  for (const m of t.months) expect(m.lowerBound!).toBeGreaterThanOrEqual(0.78);
  // independent check on the validation rows: the reported precision is what the cut gives; a cut just below misses somewhere
  const pv = scorePropensity(model, validation);
  const yv = labels(validation);
  const chosen = pv.map((q, i) => [q, yv[i]!] as const).filter(([q]) => q >= t.threshold!);
  expect(chosen.length).toBe(t.predictedPositives);
  expect(chosen.filter(([, b]) => b).length / chosen.length).toBeCloseTo(t.precision!, 12);
  expect(wilsonLower(chosen.filter(([, b]) => b).length, chosen.length, 1)).toBeGreaterThanOrEqual(0.78);
  // out of sample: the same process gives about the same precision; its true expected precision is close too
  const p = scorePropensity(model, test_);
  const m = propensityMetrics(labels(test_), p, t.threshold);
  const truth = truthOf(test_);
  const decided = decidePropensity(model, p);
  const expectedPrecision = truth.filter((_, i) => decided[i]).reduce((s, x) => s + x, 0) / decided.filter(Boolean).length;
  expect(m.precision!).toBeGreaterThan(0.78);
  expect(expectedPrecision).toBeGreaterThan(0.78);
  console.log(`synthetic threshold p ≥ ${t.threshold!.toFixed(3)}: validation precision ${t.precision!.toFixed(3)} / recall ${t.recall!.toFixed(3)}; test precision ${m.precision!.toFixed(3)} / recall ${m.recall!.toFixed(3)}; true expected precision ${expectedPrecision.toFixed(3)}`);
});

test('an unreachable precision is said so: no threshold, nobody predicted positive, the best precision reported', () => {
  // two training snapshots are enough to show the status
  const model = trainPropensity(SNAPSHOTS.slice(4, 6).flatMap((s) => rows.get(s)!), validation, { targetPrecision: 0.995, minPredictedPositives: 200 });
  expect(model.threshold).toMatchObject({ status: 'unreachable', threshold: null, precision: null, recall: null, predictedPositives: 0 });
  expect(model.threshold.bestPrecision!).toBeLessThan(0.995);
  expect(model.threshold.bestPrecision!).toBeGreaterThan(0.9);
  expect(model.warnings.join(' ')).toMatch(/no threshold reaches precision 0.995/);
  const p = scorePropensity(model, test_);
  expect(decidePropensity(model, p).some(Boolean)).toBe(false);
  expect(propensityMetrics(labels(test_), p, model.threshold.threshold)).toMatchObject({ predictedPositives: 0, precision: null, recall: 0 });
});
