// Gamma-Gamma: the published CDNOW fit on the 946 repeat buyers, gradient, conditional mean, and who enters the likelihood.
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { fitClv, readSummaryCsv, type ClvCustomer } from '../../functions/src/models/clv';
import { conditionalExpectedValue, gammaGammaEvaluator, ggFromLog } from '../../functions/src/models/clv/gamma-gamma';
import { lgamma } from '../../functions/src/models/clv/special';
import { testNeedingShared } from '../helpers/shared';

const FILE = path.resolve(__dirname, '../../../shared/data/cdnow/cdnow_customers_summary_with_transactions.csv');
const maybe = testNeedingShared(FILE, 'the CDNOW Gamma-Gamma fit');

maybe('reproduces p = 6.25, q = 3.74, gamma = 15.44 (each within 0.02) on the 946 repeat buyers of cdnow_customers_summary_with_transactions.csv', async () => {
  const { customers, hasMonetary } = await readSummaryCsv(createReadStream(FILE), FILE); // ID,x,t_x,T,zbar
  expect(hasMonetary).toBe(true);
  expect(customers).toHaveLength(2357);
  const fit = fitClv(customers, { unit: 'week' });
  const gg = fit.gammagamma!;
  expect(gg.customers).toBe(946);
  expect(fit.diagnostics.repeatBuyers).toBe(946);
  expect(fit.diagnostics.zeroValueRepeatBuyers).toBe(0);
  expect(Math.abs(gg.params!.p - 6.25)).toBeLessThanOrEqual(0.02);
  expect(Math.abs(gg.params!.q - 3.74)).toBeLessThanOrEqual(0.02);
  expect(Math.abs(gg.params!.gamma - 15.44)).toBeLessThanOrEqual(0.02);
  expect(gg.converged).toBe(true);
  expect(gg.status).toBe('ok');
  expect(fit.status).toBe('ok');
  // Fader & Hardie (2013): the population mean spend pγ/(q-1) ≈ $35.
  expect(conditionalExpectedValue(gg.params!, 0, 0)).toBeCloseTo((6.2488 * 15.4477) / 2.7446, 0);
}, 30_000);

test('the grouped log-likelihood equals the textbook formula and its gradient equals finite differences', () => {
  const x = Float64Array.from([1, 1, 2, 5, 12, 2]);
  const m = Float64Array.from([10, 35.5, 22.35, 8, 61.2, 22.35]);
  const ev = gammaGammaEvaluator({ x, m });
  for (const theta of [[1.8, 1.3, 2.7], [0, 0.5, 1], [3, 2, -1]]) {
    const { p, q, gamma } = ggFromLog(theta);
    let direct = 0;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      const mi = m[i]!;
      direct += lgamma(p * xi + q) - lgamma(p * xi) - lgamma(q) + q * Math.log(gamma) + (p * xi - 1) * Math.log(mi) + p * xi * Math.log(xi) - (p * xi + q) * Math.log(xi * mi + gamma);
    }
    const g = new Float64Array(3);
    expect(ev(theta, g)).toBeCloseTo(direct, 10);
    for (let j = 0; j < 3; j++) {
      const h = 1e-6;
      const up = [...theta];
      const dn = [...theta];
      up[j]! += h;
      dn[j]! -= h;
      expect(g[j]!).toBeCloseTo((ev(up) - ev(dn)) / (2 * h), 5);
    }
  }
});

test('E[M | x, m] shrinks the customer mean towards the population mean, more weakly the more purchases', () => {
  const g = { p: 6.25, q: 3.74, gamma: 15.44 };
  const pop = (g.p * g.gamma) / (g.q - 1);
  expect(conditionalExpectedValue(g, 0, 0)).toBeCloseTo(pop, 12);
  const one = conditionalExpectedValue(g, 1, 100);
  const ten = conditionalExpectedValue(g, 10, 100);
  expect(one).toBeGreaterThan(pop);
  expect(one).toBeLessThan(ten);
  expect(ten).toBeLessThan(100);
  // The weight on the customer's own mean is px / (px + q - 1).
  const w = (g.p * 10) / (g.p * 10 + g.q - 1);
  expect(ten).toBeCloseTo(w * 100 + (1 - w) * pop, 10);
  expect(conditionalExpectedValue({ ...g, q: 0.9 }, 3, 20)).toBe(Infinity);
});

test('zero-value repeat buyers stay out of the spend likelihood; fewer than two spenders leave Gamma-Gamma insufficient', () => {
  const base: ClvCustomer[] = [
    { id: 'a', frequency: 2, recency: 20, T: 30, monetary: 0 },
    { id: 'b', frequency: 0, recency: 0, T: 30, monetary: 0 },
    { id: 'c', frequency: 1, recency: 5, T: 30, monetary: 12 },
  ];
  const fit = fitClv(base, { unit: 'week' });
  expect(fit.diagnostics.zeroValueRepeatBuyers).toBe(1);
  expect(fit.gammagamma!.customers).toBe(1);
  expect(fit.gammagamma!.status).toBe('insufficient_data');
  expect(fit.gammagamma!.params).toBeNull();
  expect(fit.status).toBe('insufficient_data');
  expect(fit.reasons.some((r) => r.startsWith('Gamma-Gamma: 1 repeat buyer(s)'))).toBe(true);
});
