// Calibration oracles of the propensity evaluation: a base-rate shift that hits the rate, a Platt map fitted on the month itself.
import { calibrationOracles, shiftToRate } from '../../functions/src/eval/propensity-oracles';
import { expectedCalibrationError } from '../../functions/src/models/propensity/metrics';
import { prng } from '../helpers/prng';

test('shiftToRate moves the mean to the rate and keeps the order', () => {
  const p = [0.1, 0.2, 0.5, 0.9];
  const q = shiftToRate(p, 0.3);
  expect(q.reduce((a, v) => a + v, 0) / q.length).toBeCloseTo(0.3, 9);
  for (let i = 1; i < q.length; i++) expect(q[i]!).toBeGreaterThan(q[i - 1]!);
  // one log-odds shift: the odds ratios between rows are kept
  const odds = (x: number) => x / (1 - x);
  expect(odds(q[3]!) / odds(q[0]!)).toBeCloseTo(odds(0.9) / odds(0.1), 6);
});

test('a month whose rate moved: the base-rate oracle undoes the shift, the Platt oracle undoes a slope error too', () => {
  const r = prng(17);
  const rnd = r.next;
  const n = 20_000;
  const eta: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = -1 + 2 * (rnd() - 0.5) * 2;
    eta.push(e);
    labels.push(rnd() < 1 / (1 + Math.exp(-(0.6 * e + 0.5))) ? 1 : 0);
  }
  const probs = eta.map((e) => 1 / (1 + Math.exp(-e)));
  const o = calibrationOracles(labels, probs, eta);
  const ece = expectedCalibrationError(labels, probs);
  expect(ece).toBeGreaterThan(0.08);
  expect(o.baseRate).toBeLessThan(ece);
  // the true map is a Platt map: fitting it on the month leaves only sampling noise
  expect(o.platt).toBeLessThan(0.015);
  expect(o.platt).toBeLessThan(o.baseRate);
});
