// predictClv: expected purchases, discounting, order value, next order, intervals, and the fit's JSON round trip.
import { ShopMlopsError } from '../../functions/src/core/errors';
import { clvFitFromJson, clvFitToJson, conditionalExpectedPurchases, conditionalExpectedValue, fitClv, predictClv, type ClvCustomer } from '../../functions/src/models/clv';
import { periodEnds } from '../../functions/src/models/clv/predict';
import { syntheticCustomers } from '../../functions/src/models/clv/synthetic';

// A synthetic store large enough for an 'ok' fit, drawn from the CDNOW parameters (weeks).
const customers = syntheticCustomers({ customers: 3000, seed: 'clv-predict' });
const fit = fitClv(customers, { unit: 'week' });

test('the synthetic store fits ok and recovers its generating parameters within their intervals', () => {
  expect(fit.status).toBe('ok');
  const truth = { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 };
  for (const k of ['r', 'alpha', 'a', 'b'] as const) {
    const iv = fit.bgnbd.intervals![k];
    expect(iv.lower).toBeLessThan(truth[k]);
    expect(iv.upper).toBeGreaterThan(truth[k]);
  }
});

test('point predictions are the model formulas: E[Y(h)], E[M], 1/E[λ], and the CLV sums discounted monthly increments', () => {
  const pick: ClvCustomer[] = [
    { id: 'new', frequency: 0, recency: 0, T: 2, monetary: 0 },
    { id: 'loyal', frequency: 9, recency: 37, T: 38, monetary: 41.5 },
    { id: 'lapsed', frequency: 4, recency: 6, T: 38, monetary: 20 },
  ];
  const res = predictClv(fit, pick, { horizon: 52, monthlyDiscount: 0.02, draws: 0, asOf: '2024-03-31' });
  expect(res.draws).toBe(0);
  const bg = fit.bgnbd.params!;
  const gg = fit.gammagamma!.params!;
  for (const [i, c] of pick.entries()) {
    const p = res.customers[i]!;
    expect(p.id).toBe(c.id);
    expect(p.expectedPurchases).toBeCloseTo(conditionalExpectedPurchases(bg, 52, c.frequency, c.recency, c.T), 12);
    expect(p.expectedOrderValue).toBeCloseTo(conditionalExpectedValue(gg, c.frequency, c.monetary!), 12);
    expect(p.nextOrderIn).toBeCloseTo((bg.alpha + c.T) / (bg.r + c.frequency), 12);
    // CLV: months of 30 days; 52 weeks = 364 days → 12 full months and 4 days.
    const ends = periodEnds(52, 7);
    expect(ends).toHaveLength(13);
    expect(ends[12]).toBeCloseTo(52, 12);
    let prev = 0;
    let clv = 0;
    ends.forEach((e, k) => {
      const cum = conditionalExpectedPurchases(bg, e, c.frequency, c.recency, c.T);
      clv += ((cum - prev) * p.expectedOrderValue!) / 1.02 ** (k + 1);
      prev = cum;
    });
    expect(p.clv!).toBeCloseTo(clv, 10);
    expect(p.clvLow).toBeNull();
  }
  const [fresh, loyal, lapsed] = res.customers as [(typeof res.customers)[0], (typeof res.customers)[0], (typeof res.customers)[0]];
  expect(loyal.pAlive).toBeGreaterThan(lapsed.pAlive);
  expect(loyal.clv!).toBeGreaterThan(lapsed.clv!);
  expect(fresh.pAlive).toBe(1);
  expect(loyal.nextOrderDate).toBe(new Date(Date.UTC(2024, 2, 31) + Math.round(loyal.nextOrderIn * 7) * 86_400_000).toISOString().slice(0, 10));
  // Without discounting over one month, CLV = E[M] × E[Y(30 days)].
  const one = predictClv(fit, pick, { horizon: 30 / 7, monthlyDiscount: 0, draws: 0 });
  expect(one.customers[1]!.clv!).toBeCloseTo(one.customers[1]!.expectedOrderValue! * one.customers[1]!.expectedPurchases, 12);
  // Discounting only lowers the value.
  expect(predictClv(fit, pick, { horizon: 52, monthlyDiscount: 0, draws: 0 }).customers[1]!.clv!).toBeGreaterThan(loyal.clv!);
});

test('intervals from parameter draws bracket the point values and narrow with the data behind the fit', () => {
  const some = customers.slice(0, 300);
  const res = predictClv(fit, some, { horizon: 39, draws: 100, seed: 1 });
  expect(res.draws).toBe(100);
  for (const p of res.customers) {
    expect(p.expectedPurchasesLow!).toBeLessThanOrEqual(p.expectedPurchases * (1 + 1e-9));
    expect(p.expectedPurchasesHigh!).toBeGreaterThanOrEqual(p.expectedPurchases * (1 - 1e-9));
    expect(p.clvLow!).toBeLessThanOrEqual(p.clv! * (1 + 1e-9));
    expect(p.clvHigh!).toBeGreaterThanOrEqual(p.clv! * (1 - 1e-9));
  }
  const smallFit = fitClv(customers.slice(0, 600), { unit: 'week' });
  const wide = predictClv(smallFit, some, { horizon: 39, draws: 100, seed: 1 });
  const mean = (r: typeof res) => r.customers.reduce((s, p) => s + (p.expectedPurchasesHigh! - p.expectedPurchasesLow!) / p.expectedPurchases, 0) / r.customers.length;
  expect(mean(wide)).toBeGreaterThan(1.5 * mean(res));
});

test('the fit survives JSON (as the model registry stores it) and predicts the same numbers; bad JSON is refused', () => {
  const text = clvFitToJson(fit);
  const back = clvFitFromJson(text);
  expect(back).toEqual(JSON.parse(text));
  const opts = { horizon: 26, draws: 50, seed: 'x' };
  expect(predictClv(back, customers.slice(0, 50), opts)).toEqual(predictClv(fit, customers.slice(0, 50), opts));
  expect(() => clvFitFromJson('{"model": "bgnbd+gammagamma"}')).toThrow(ShopMlopsError);
  expect(() => clvFitFromJson({ ...JSON.parse(text), unit: 'month' })).toThrow(/unit/);
  expect(() => clvFitFromJson('not json')).toThrow(/not JSON/);
});

test('bad inputs are refused with the customer named', () => {
  expect(() => fitClv([])).toThrow(expect.objectContaining({ code: 'UNPROCESSABLE' }));
  expect(() => fitClv([{ id: 'a', frequency: 1.5, recency: 1, T: 2 }])).toThrow(/customer "a" \(row 1\): frequency must be an integer/);
  expect(() => fitClv([{ id: 'a', frequency: 1, recency: 3, T: 2 }])).toThrow(/T must be ≥ recency/);
  expect(() => fitClv([{ id: 'a', frequency: 0, recency: 0, T: 2 }, { id: 'a', frequency: 0, recency: 0, T: 2 }])).toThrow(/duplicate/);
  expect(() => fitClv([{ id: 'a', frequency: 0, recency: 0, T: 2, monetary: 3 }, { id: 'b', frequency: 0, recency: 0, T: 2 }])).toThrow(/all or none/);
  expect(() => predictClv(fit, customers.slice(0, 2), { horizon: 0 })).toThrow(/horizon/);
  expect(() => predictClv(fit, customers.slice(0, 2), { horizon: 5, asOf: '2024-02-30' })).toThrow(/asOf/);
});
