// BG/NBD: the published CDNOW fit (FHL 2005), conditional expectations against mpmath, gradients, P(alive) and grouping.
import { createReadStream, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fitClv, readSummaryCsv, type ClvCustomer } from '../../functions/src/models/clv';
import {
  aliveExpectations,
  bgnbdCustomerLogLik,
  bgnbdEvaluator,
  bgnbdFromLog,
  conditionalExpectedPurchases,
  expectedPurchasesNewCustomer,
  groupRfm,
  pAlive,
  probabilityOfPurchase,
} from '../../functions/src/models/clv/bgnbd';
import { lgamma } from '../../functions/src/models/clv/special';
import { testNeedingShared } from '../helpers/shared';

const CDNOW = path.resolve(__dirname, '../../../shared/data/cdnow');
const SUMMARY = path.join(CDNOW, 'cdnow_customers_summary.csv');
const maybe = testNeedingShared(SUMMARY, 'the CDNOW BG/NBD fit');

const PUBLISHED = { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 };

maybe('reproduces Fader, Hardie & Lee (2005) on cdnow_customers_summary.csv: every parameter within 0.1 %, LL -9582.43 ± 0.05', async () => {
  const { customers, hasMonetary } = await readSummaryCsv(createReadStream(SUMMARY), SUMMARY);
  expect(customers).toHaveLength(2357);
  expect(hasMonetary).toBe(false);
  const fit = fitClv(customers, { unit: 'week' });
  const p = fit.bgnbd.params!;
  for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(Math.abs(p[k] / PUBLISHED[k] - 1)).toBeLessThan(1e-3);
  expect(Math.abs(fit.bgnbd.logLik! - -9582.43)).toBeLessThanOrEqual(0.05);
  // Converged tightly: the gradient of the total log-likelihood in log-parameters is at rounding level.
  expect(fit.bgnbd.converged).toBe(true);
  expect(fit.bgnbd.gradMax!).toBeLessThan(1e-6);
  expect(fit.gammagamma).toBeNull();
  expect(fit.status).toBe('ok');
  // Intervals contain the estimate and the published values.
  for (const k of ['r', 'alpha', 'a', 'b'] as const) {
    const iv = fit.bgnbd.intervals![k];
    expect(iv.lower).toBeLessThan(PUBLISHED[k]);
    expect(iv.upper).toBeGreaterThan(PUBLISHED[k]);
  }
  // The same fit in days: α scales by 7, the rest and the log-likelihood up to the Jacobian (n_repeat·ln 7) stay.
  const days: ClvCustomer[] = customers.map((c) => ({ ...c, recency: c.recency * 7, T: c.T * 7 }));
  const fd = fitClv(days, { unit: 'day' });
  expect(fd.bgnbd.params!.alpha / p.alpha).toBeCloseTo(7, 5);
  expect(fd.bgnbd.params!.r / p.r).toBeCloseTo(1, 6);
  const repeat = customers.reduce((s, c) => s + c.frequency, 0);
  expect(fd.bgnbd.logLik! + repeat * Math.log(7)).toBeCloseTo(fit.bgnbd.logLik!, 5);
}, 30_000);

test('conditional expected purchases for x = 2, t_x = 30.43, T = 38.86, t = 39 with the published parameters is 1.226 ± 0.001', () => {
  const v = conditionalExpectedPurchases(PUBLISHED, 39, 2, 30.43, 38.86);
  expect(Math.abs(v - 1.226)).toBeLessThanOrEqual(0.001);
});

test('E[Y(t) | x, t_x, T] agrees with FHL eq. 10 evaluated by mpmath (175 cases, including a = 1 + 4e-7, x = 200, t = 3650)', () => {
  const ref = JSON.parse(readFileSync(path.join(__dirname, 'fixtures/clv/bgnbd-expectation-mpmath.json'), 'utf8')) as { cases: number[][] };
  const bad: string[] = [];
  for (const [r, alpha, a, b, t, x, tx, T, want] of ref.cases as [number, number, number, number, number, number, number, number, number][]) {
    const got = conditionalExpectedPurchases({ r, alpha, a, b }, t, x, tx, T);
    if (!(Math.abs(got / want - 1) < 1e-8)) bad.push(`${JSON.stringify({ r, alpha, a, b, t, x, tx, T })}: want ${want}, got ${got}`);
    // The shared-coefficient path for several horizons gives the same numbers.
    const out = new Float64Array(3);
    aliveExpectations({ r, alpha, a, b }, [t / 3, t, 0], x, T, out);
    const alive = pAlive({ r, alpha, a, b }, x, tx, T);
    if (!(Math.abs((alive * out[1]!) / want - 1) < 1e-8) || out[2] !== 0) bad.push(`batched ${JSON.stringify({ t, x, T })}: ${alive * out[1]!} vs ${want}`);
  }
  expect(bad).toEqual([]);
});

test('P(alive), P(purchase) and the new-customer expectation behave as the model says', () => {
  const p = PUBLISHED;
  expect(pAlive(p, 0, 0, 38.86)).toBe(1); // no repeat purchase: no chance to have dropped out
  // More recent last purchase → more likely alive; the same recency with a longer silence → less likely.
  expect(pAlive(p, 2, 35, 38.86)).toBeGreaterThan(pAlive(p, 2, 10, 38.86));
  expect(pAlive(p, 5, 10, 38.86)).toBeLessThan(pAlive(p, 1, 10, 38.86));
  expect(pAlive(p, 2, 30.43, 38.86)).toBeCloseTo(1 / (1 + (0.7929 / (2.4259 + 1)) * Math.pow((4.4136 + 38.86) / (4.4136 + 30.43), 2.2426)), 14);
  // P(purchase within t) rises with t towards P(alive), and the expected number of purchases exceeds it.
  const pa = pAlive(p, 3, 20, 38.86);
  let prev = 0;
  for (const t of [1, 10, 100, 1e4, 1e7]) {
    const q = probabilityOfPurchase(p, t, 3, 20, 38.86);
    expect(q).toBeGreaterThan(prev);
    expect(q).toBeLessThan(pa + 1e-12);
    expect(conditionalExpectedPurchases(p, t, 3, 20, 38.86)).toBeGreaterThanOrEqual(q - 1e-12);
    prev = q;
  }
  // E[X(t)] for a new customer (FHL eq. 9), reference values from mpmath at 30 digits.
  expect(expectedPurchasesNewCustomer(p, 39)).toBeCloseTo(1.1950476815137786, 10);
  expect(expectedPurchasesNewCustomer(p, 52)).toBeCloseTo(1.4440599948982363, 10);
  expect(expectedPurchasesNewCustomer(p, 0)).toBe(0);
});

test('grouped log-likelihood equals the textbook per-customer formula, and its analytic gradient equals finite differences', () => {
  const x = [0, 0, 1, 2, 2, 7, 0, 15];
  const tx = [0, 0, 1.71, 30.43, 30.43, 35, 0, 36.5];
  const T = [38.86, 38.86, 38.86, 38.86, 38.86, 38.86, 12, 37];
  const data = groupRfm(x, tx, T);
  expect(data.x.length).toBe(6); // two pairs of identical customers
  expect(Array.from(data.w).reduce((s, w) => s + w, 0)).toBe(8);
  const ev = bgnbdEvaluator(data);
  for (const theta of [[-1.4, 1.48, -0.23, 0.89], [0.3, -0.5, 1.2, -0.7], [-3, 4, 2, 3]]) {
    const p = bgnbdFromLog(theta);
    const direct = x.reduce((s, _, i) => s + bgnbdCustomerLogLik(p, x[i]!, tx[i]!, T[i]!, lgamma), 0);
    const g = new Float64Array(4);
    expect(ev(theta, g)).toBeCloseTo(direct, 10);
    for (let j = 0; j < 4; j++) {
      const h = 1e-6;
      const up = [...theta];
      const dn = [...theta];
      up[j]! += h;
      dn[j]! -= h;
      expect(g[j]!).toBeCloseTo((ev(up) - ev(dn)) / (2 * h), 5);
    }
  }
});
