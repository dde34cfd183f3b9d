// Conformal intervals and reorder points: exact behaviour on small samples, calibration on seeded processes with known truth.
import { intervalFromResiduals, leadTimeDemand, normalQuantile, quantileSorted } from '../../functions/src/models/forecast/intervals';
import { forecastPanel } from '../../functions/src/models/forecast/panel';
import { syntheticPanel } from '../../functions/src/models/forecast/synthetic';
import { Prng } from '../../functions/src/simulator/prng';

const sorted = (xs: number[]) => Float64Array.from(xs).sort();

test('a continuous residual sample gives the empirical α/2 and 1 − α/2 quantiles around the forecast', () => {
  const r = sorted(Array.from({ length: 1000 }, (_, i) => i - 500)); // −500 … 499
  const [lo, hi] = intervalFromResiduals(r, 1000, 0.8, false);
  expect(lo).toBe(1000 - 400);
  expect(hi).toBeGreaterThanOrEqual(1000 + 398);
  expect(hi).toBeLessThanOrEqual(1000 + 400);
});

test('a point mass at 0 leaves the whole α to the upper tail, bounds never go below 0', () => {
  // 70 % of past days had no sale (forecast 1, residual −1), the rest 1..6 units
  const r = sorted([...new Array<number>(70).fill(-1), ...Array.from({ length: 30 }, (_, i) => (i % 6) + 1 - 1)]);
  const [lo, hi] = intervalFromResiduals(r, 1, 0.8, true);
  expect(lo).toBe(0);
  // P(0) = 0.70, P(≤ 1) = 0.75, P(≤ 2) = 0.80: the 80 % interval is [0, 2]
  expect(hi).toBe(2);
  // P(≤ 5) = 0.95 exactly: the 95 % interval is [0, 5]
  const [lo95, hi95] = intervalFromResiduals(r, 1, 0.95, true);
  expect(lo95).toBe(0);
  expect(hi95).toBe(5);
  for (const f of [0, 0.2, 3]) {
    const [a, b] = intervalFromResiduals(r, f, 0.8, true);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThanOrEqual(a);
  }
});

test('count data: of two neighbouring support points the upper bound takes the one whose coverage is nearest the level', () => {
  // P(0) = 0.5, P(1) = 0.35, P(2) = 0.15: [0, 1] covers 85 %, [0, 2] 100 %; the 80 % interval is [0, 1]
  const r = sorted([...new Array<number>(50).fill(0), ...new Array<number>(35).fill(1), ...new Array<number>(15).fill(2)]);
  expect(intervalFromResiduals(r, 0, 0.8, true)).toEqual([0, 1]);
  expect(intervalFromResiduals(r, 0, 0.95, true)).toEqual([0, 2]);
  // the scale multiplies the residuals: the same sample on a level twice as high
  expect(intervalFromResiduals(r, 0, 0.8, true, 2)).toEqual([0, 2]);
});

test('normal quantiles and empirical quantiles', () => {
  expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5);
  expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
  expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  expect(quantileSorted(sorted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0.95)).toBe(10);
  expect(quantileSorted(sorted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0.5)).toBe(5);
});

test('reorder point: the service-level quantile of the rolling lead-time totals; safety stock = reorder point − expected', () => {
  // demand is 2 every day (7-day totals of 14); the forecasts from 100 origins were off by e = −10 … +9 per total (5 each)
  const y = new Float64Array(200).fill(2);
  const origins = Int32Array.from({ length: 100 }, (_, k) => 50 + k);
  const fc = new Float64Array(100 * 7);
  for (let k = 0; k < 100; k++) fc.fill(2 + ((k % 20) - 10) / 7, k * 7, k * 7 + 7);
  const opts = { leadTime: 7, serviceLevel: 0.9, integer: true, cells: [], scales: new Float64Array(100).fill(1), now: 1 };
  const r = leadTimeDemand(y, origins, fc, 7, [3, 3, 3, 3, 3, 3, 3], opts);
  // errors actual − forecast = 10 … −9; their 0.9 quantile (the 90th of 100 sorted) is 8
  expect(r.method).toBe('empirical');
  expect(r.expected).toBe(21);
  expect(r.reorderPoint).toBe(21 + 8);
  expect(r.safetyStock).toBe(8);
  // errors are scaled by the level at their origin and multiplied back by the current level
  const doubled = leadTimeDemand(y, origins, fc, 7, [3, 3, 3, 3, 3, 3, 3], { ...opts, now: 2 });
  expect(doubled.reorderPoint).toBe(21 + 16);
  // with too few past totals: a normal approximation from the residual cells
  const short = leadTimeDemand(y, origins.subarray(0, 5), fc, 7, [3, 3, 3, 3, 3, 3, 3], { ...opts, cells: [Float64Array.of(-1, 1)] });
  expect(short.method).toBe('normal');
  expect(short.reorderPoint).toBe(Math.ceil(21 + normalQuantile(0.9) * Math.sqrt(7 * 2)));
});

test('reorder point of iid Poisson demand matches the Poisson quantile of the lead-time total', () => {
  const rng = new Prng('poisson-rop');
  const lambda = 3;
  const series = [{ id: 'p', start: '2024-01-01', units: Array.from({ length: 730 }, () => rng.poisson(lambda)) }];
  const [r] = forecastPanel(series, { horizon: 14, leadTime: 7, serviceLevel: 0.95 });
  // Poisson(21): P(X ≤ 29) = 0.956, P(X ≤ 28) = 0.936; the level estimate itself moves by a few units
  expect(r!.expectedLeadTimeDemand).toBeGreaterThan(17);
  expect(r!.expectedLeadTimeDemand).toBeLessThan(25);
  expect(r!.reorderPoint - r!.expectedLeadTimeDemand).toBeGreaterThan(4);
  expect(r!.reorderPoint - r!.expectedLeadTimeDemand).toBeLessThan(14);
  expect(r!.safetyStock).toBeCloseTo(r!.reorderPoint - r!.expectedLeadTimeDemand, 9);
  expect(Number.isInteger(r!.reorderPoint)).toBe(true);
});

test('on a seeded mixed panel the 80 % intervals cover about 80 % of the next 28 days and reorder points meet the service level', () => {
  const panel = syntheticPanel(150, 400, 'coverage');
  const H = 28;
  const train = panel.map((s) => ({ ...s, units: s.units.slice(0, -H) }));
  const res = forecastPanel(train, { horizon: H, levels: [80, 95], leadTime: 7, serviceLevel: 0.9 });
  let in80 = 0;
  let in95 = 0;
  let days = 0;
  let served = 0;
  res.forEach((r, i) => {
    const actual = panel[i]!.units.slice(-H);
    for (let h = 0; h < H; h++) {
      const v = actual[h]!;
      if (v >= r.lo['80']![h]! && v <= r.hi['80']![h]!) in80++;
      if (v >= r.lo['95']![h]! && v <= r.hi['95']![h]!) in95++;
      expect(r.lo['80']![h]!).toBeGreaterThanOrEqual(0);
      expect(r.lo['95']![h]!).toBeLessThanOrEqual(r.lo['80']![h]!);
      expect(r.hi['95']![h]!).toBeGreaterThanOrEqual(r.hi['80']![h]!);
      days++;
    }
    if (actual.slice(0, 7).reduce((s, v) => s + v, 0) <= r.reorderPoint) served++;
  });
  expect(in80 / days).toBeGreaterThan(0.75);
  expect(in80 / days).toBeLessThan(0.85);
  expect(in95 / days).toBeGreaterThan(0.91);
  expect(served / res.length).toBeGreaterThan(0.85);
  expect(served / res.length).toBeLessThan(0.97);
});
