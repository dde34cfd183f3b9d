// The single forecasting models on series with known structure: baselines, weekday profile, ETS(A,Ad,A), Croston/SBA/TSB.
import { croston, sba, tsb } from '../../functions/src/models/forecast/croston';
import { ets, etsParams } from '../../functions/src/models/forecast/ets';
import type { Model } from '../../functions/src/models/forecast/model';
import { mean28, seasonalNaive, weekdayMean, weekdayProfile } from '../../functions/src/models/forecast/naive';
import { nelderMead } from '../../functions/src/models/forecast/nelder-mead';
import { sortFloat64 } from '../../functions/src/models/forecast/sort';
import { Prng } from '../../functions/src/simulator/prng';

const run = (m: Model, y: Float64Array, H = 14, params = m.fit(y, y.length)) => {
  const out = new Float64Array(H);
  m.forecast(y, params, [y.length], H, out);
  return Array.from(out);
};

test('seasonal naive repeats last week; a censored day falls back to the same weekday a week earlier', () => {
  const y = Float64Array.from({ length: 21 }, (_, t) => (t % 7) + 10 * Math.floor(t / 7));
  expect(run(seasonalNaive, y, 9)).toEqual([20, 21, 22, 23, 24, 25, 26, 20, 21]);
  y[15] = NaN; // the Tuesday of the last week is unknown
  expect(run(seasonalNaive, y, 2)).toEqual([20, 11]);
});

test('28-day mean averages the last 28 observed days and skips censored ones instead of counting them as zero', () => {
  const y = new Float64Array(60).fill(4);
  for (let t = 50; t < 60; t++) y[t] = NaN; // out of stock for the last 10 days
  expect(run(mean28, y, 3)).toEqual([4, 4, 4]);
  const z = Float64Array.from({ length: 56 }, (_, t) => (t < 28 ? 1 : 3));
  expect(run(mean28, z, 1)[0]).toBe(3);
});

test('weekday profile: a closed weekday is 0, a real pattern is kept, pure noise is flattened towards 1', () => {
  const rng = new Prng('profile');
  const sums = (f: (t: number) => number, days: number) => {
    const S = new Float64Array(7);
    const Q = new Float64Array(7);
    const C = new Float64Array(7);
    for (let t = 0; t < days; t++) {
      const v = f(t);
      S[t % 7]! += v;
      Q[t % 7]! += v * v;
      C[t % 7]! += 1;
    }
    const w = new Float64Array(7);
    weekdayProfile(S, Q, C, w);
    return Array.from(w);
  };
  const closed = sums((t) => (t % 7 === 5 ? 0 : rng.poisson(20)), 364);
  expect(closed[5]).toBe(0);
  for (const [d, v] of closed.entries()) if (d !== 5) expect(v).toBeCloseTo(7 / 6, 1);
  const weekend = sums((t) => rng.poisson(t % 7 >= 5 ? 30 : 10), 364);
  expect(weekend[5]! / weekend[0]!).toBeGreaterThan(2.5);
  const noise = sums(() => rng.poisson(0.5), 364);
  for (const v of noise) expect(Math.abs(v - 1)).toBeLessThan(0.15);
  expect(noise.reduce((s, v) => s + v, 0)).toBeCloseTo(7, 9);
});

test('wmean = the 28-day level times the weekday profile, zero on a closed weekday', () => {
  const y = Float64Array.from({ length: 140 }, (_, t) => (t % 7 === 3 ? 0 : 12));
  const f = run(weekdayMean, y, 7);
  expect(f[3]).toBe(0);
  for (const [h, v] of f.entries()) if (h !== 3) expect(v).toBeCloseTo(12, 6);
});

test('Nelder–Mead finds the minimum of the Rosenbrock function', () => {
  const r = nelderMead((x) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2, [-1.2, 1], { maxEvals: 2000, tol: 1e-14, step: 0.5 });
  expect(r.x[0]).toBeCloseTo(1, 3);
  expect(r.x[1]).toBeCloseTo(1, 3);
});

test('ETS(A,Ad,A) learns a weekly pattern on a rising level and forecasts it within a few percent', () => {
  const rng = new Prng('ets');
  const week = [0, 5, 8, 8, 6, 12, -15];
  const truth = (t: number) => 40 + 0.05 * t + week[t % 7]!;
  const y = Float64Array.from({ length: 400 }, (_, t) => truth(t) + rng.normal() * 1.5);
  const params = ets.fit(y, y.length);
  const [alpha, beta, gamma, phi] = etsParams(params);
  expect(alpha).toBeGreaterThan(0);
  expect(beta).toBeLessThan(alpha);
  expect(gamma).toBeLessThan(1 - alpha);
  expect(phi).toBeGreaterThanOrEqual(0.8);
  expect(phi).toBeLessThanOrEqual(0.98);
  const f = run(ets, y, 14, params);
  const mape = f.reduce((s, v, h) => s + Math.abs(v - truth(400 + h)) / truth(400 + h), 0) / 14;
  expect(mape).toBeLessThan(0.05);
  // the weekly shape is there: day 404 (position 5 of the week) above day 405 (position 6) by about the true 27 units
  expect(f[4]! - f[5]!).toBeGreaterThan(20);
});

test('ETS forecasts of a falling series stop at 0', () => {
  const y = Float64Array.from({ length: 119 }, (_, t) => 60 - t / 2); // ends at 1 unit, falling half a unit a day
  const f = run(ets, y, 28);
  expect(Math.min(...f)).toBe(0);
  expect(f[0]).toBeGreaterThan(0);
  expect(f[27]).toBe(0);
});

test('Croston, SBA and TSB on intermittent demand: mean demand per day, SBA below Croston by (1 − α/2), TSB decays after demand stops', () => {
  const rng = new Prng('croston');
  const p = 0.25;
  const size = 4;
  const y = Float64Array.from({ length: 2000 }, () => (rng.chance(p) ? 1 + rng.poisson(size - 1) : 0));
  const truth = p * size;
  const c = run(croston, y, 1)[0]!;
  const s = run(sba, y, 1)[0]!;
  const t = run(tsb, y, 1)[0]!;
  for (const v of [c, s, t]) expect(Math.abs(v - truth) / truth).toBeLessThan(0.25);
  const alpha = sba.fit(y, y.length)[0]!;
  const cAtSameAlpha = run(croston, y, 1, Float64Array.of(alpha, ...Array.from(sba.fit(y, y.length).slice(1))))[0]!;
  expect(s).toBeCloseTo(cAtSameAlpha * (1 - alpha / 2), 9);
  // demand stops for 120 days: Croston keeps its last level, TSB's probability decays
  const stopped = Float64Array.from([...y, ...new Array<number>(120).fill(0)]);
  const params = croston.fit(y, y.length);
  expect(run(croston, stopped, 1, params)[0]).toBeCloseTo(run(croston, y, 1, params)[0]!, 9);
  expect(run(tsb, stopped, 1, tsb.fit(y, y.length))[0]).toBeLessThan(0.5 * t);
});

test('Croston-type filters skip censored days: they neither count as zero demand nor stretch the interval', () => {
  const y = Float64Array.from({ length: 200 }, (_, t) => (t % 4 === 0 ? 8 : 0));
  const withGap = Float64Array.from(y);
  for (let t = 150; t < 190; t++) withGap[t] = NaN;
  for (const m of [croston, sba, tsb]) {
    const params = m.fit(y, y.length);
    expect(run(m, withGap, 1, params)[0]).toBeCloseTo(run(m, y.subarray(0, 150), 1, params)[0]!, 1);
  }
});

test('sortFloat64 sorts like Array.prototype.sort for random, sorted and tied inputs', () => {
  const rng = new Prng('sort');
  for (const n of [0, 1, 2, 16, 17, 100, 1000]) {
    for (const gen of [() => rng.normal(), () => rng.int(3), () => 1]) {
      const a = Float64Array.from({ length: n }, gen);
      const expected = Array.from(a).sort((x, y) => x - y);
      expect(Array.from(sortFloat64(a))).toEqual(expected);
      expect(Array.from(sortFloat64(Float64Array.from(expected)))).toEqual(expected);
    }
  }
});
