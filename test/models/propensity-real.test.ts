// Propensity on real data (UCI Online Retail, monthly snapshots): out of time the model beats the R × F baseline on AUC and Brier and stays calibrated.
import path from 'node:path';
import { ECE_BOUND, evaluatePropensity, TARGET_PRECISION } from '../../functions/src/eval/propensity';
import { testNeedingShared } from '../helpers/shared';

const DATA = path.resolve(__dirname, '../../../shared/data');
const UCI = path.join(DATA, 'online_retail/online_retail_uci_2010-12_2011-12.csv');
const maybe = testNeedingShared(UCI, 'the UCI propensity evaluation');

maybe('UCI Online Retail: model vs R × F baseline on the 2011-09-30 and 2011-10-31 snapshots (trained on earlier months)', async () => {
  const section = await evaluatePropensity(DATA);
  expect(section.task).toBe('propensity');
  const row = (name: string) => section.rows.find((r) => r.model.startsWith(name))!;
  const check = (name: string) => section.checks.find((c) => c.name === name)!;
  for (const test of ['2011-09-30', '2011-10-31']) {
    const model = section.rows.find((r) => !r.baseline && r.model.startsWith('logistic') && !r.model.includes('RFM only') && r.model.endsWith(`(test ${test})`))!;
    const base = section.rows.find((r) => r.baseline && r.model.endsWith(`(test ${test})`))!;
    // the honest claims: better ranking and better probabilities than the cell rates, out of time
    expect(model.metrics['auc']!).toBeGreaterThan(base.metrics['auc']!);
    expect(model.metrics['brier']!).toBeLessThan(base.metrics['brier']!);
    expect(check(`model AUC ≥ baseline AUC (test ${test})`).pass).toBe(true);
    expect(check(`model Brier ≤ baseline Brier (test ${test})`).pass).toBe(true);
    // the threshold keeps its word: precision ≥ 0.78 out of sample in both test months (the single-month rule gave 0.720 in September)
    const p = check(`precision ≥ ${TARGET_PRECISION} at that threshold out of sample (test ${test})`);
    expect(p.pass).toBe(true);
    expect(model.metrics['precision']!).toBeGreaterThanOrEqual(TARGET_PRECISION);
    expect(model.metrics['recall']!).toBeGreaterThan(0.1);
    // the catalog terms help ranking and probabilities against the same model on RFM alone
    const rfm = section.rows.find((r) => r.model.includes('RFM only') && r.model.endsWith(`(test ${test})`))!;
    expect(model.model).toContain('+ catalog');
    expect(model.metrics['auc']!).toBeGreaterThan(rfm.metrics['auc']!);
    expect(model.metrics['brier']!).toBeLessThan(rfm.metrics['brier']!);
  }
  // calibration on the primary test snapshot: ECE (10 equal-width bins) within the stated bound
  const primary = row('logistic L2 + platt + catalog (test 2011-09-30)');
  expect(primary.metrics['ece']!).toBeLessThan(ECE_BOUND);
  expect(Math.abs(primary.metrics['meanPredicted']! - primary.metrics['baseRate']!)).toBeLessThan(0.02);
  expect(primary.metrics['customers']).toBe(3616);
  // ECE ≤ 0.02 needs the test month's labels: October's error is its base rate (0.337 against 0.27–0.29 before; with the rate
  // known in advance 0.019), September's is the shape (the rate known: still 0.032; only a Platt map fitted on September itself
  // reaches 0.020); both are above their sampling floors (≈ 0.015 / 0.014)
  const oracle = (kind: string, test: string) => row(`oracle: ${kind} (test ${test})`).metrics;
  for (const test of ['2011-09-30', '2011-10-31']) {
    const model = row(`logistic L2 + platt + catalog (test ${test})`).metrics;
    expect(oracle("test month's base rate known", test)['ece']!).toBeLessThanOrEqual(model['ece']!);
    expect(oracle('Platt map fitted on the test month', test)['ece']!).toBeGreaterThan(oracle('Platt map fitted on the test month', test)['eceFloor']!);
  }
  expect(oracle("test month's base rate known", '2011-10-31')['ece']!).toBeLessThan(0.02);
  expect(oracle("test month's base rate known", '2011-09-30')['ece']!).toBeGreaterThan(0.03);
  expect(oracle('Platt map fitted on the test month', '2011-09-30')['ece']!).toBeCloseTo(0.0199, 3);
  // the threshold is chosen on the validation month and reaches the target there; the baseline's cells never do
  expect(check(`a threshold reaches precision ≥ ${TARGET_PRECISION} on validation 2011-08-31`).pass).toBe(true);
  expect(row('R × F cell rate (test 2011-09-30)').metrics['precision']).toBeUndefined();
  console.log(
    [
      ...section.rows.map((r) => `${r.model}: ${Object.entries(r.metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`).join(', ')}`),
      ...section.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`),
      ...section.notes,
    ].join('\n'),
  );
}, 60_000);
