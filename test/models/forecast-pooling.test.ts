// Panel-wide forecasting: short histories borrow their product type's weekday profile and level; the global boosted-tree model learns what series share.
import { fitGbt, predictGbt } from '../../functions/src/models/forecast/gbt';
import { forecastPanel, forecastPanelChoices, forecastSeries } from '../../functions/src/models/forecast/panel';
import { poolPriors } from '../../functions/src/models/forecast/pooling';
import type { DemandSeries } from '../../functions/src/models/forecast/types';
import { Prng } from '../../functions/src/simulator/prng';

const DAY = 86_400_000;
const iso = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);
const START = Date.parse('2024-01-01T00:00:00Z') / DAY;

/** Poisson counts with mean level × weekday factor (by day number mod 7). */
function series(rng: Prng, id: string, group: string, start: number, days: number, level: number, week: number[]): DemandSeries & { mean: (d: number) => number } {
  const mean = (d: number) => level * week[d % 7]!;
  return { id, group, start: iso(start), units: Array.from({ length: days }, (_, t) => rng.poisson(mean(start + t))), mean };
}

// a type that sells on 3 days of the week, another that sells evenly
const PEAKED = [0.2, 0.2, 0.2, 0.2, 2.07, 2.07, 2.06];
const FLAT = [1, 1, 1, 1, 1, 1, 1];

test('priors: a short series gets its own type\u2019s profile (not the other type\u2019s) from the long series, itself left out', () => {
  const rng = new Prng('priors');
  const panel = [
    ...[4, 6, 8].map((l, i) => series(rng, `peaked-${i}`, 'peaked', START, 400, l, PEAKED)),
    ...[5, 7, 9].map((l, i) => series(rng, `flat-${i}`, 'flat', START, 400, l, FLAT)),
    series(rng, 'new', 'peaked', START + 365, 35, 6, PEAKED),
  ];
  const members = panel.map((s) => ({ id: s.id, day0: Date.parse(`${s.start}T00:00:00Z`) / DAY, y: Float64Array.from(s.units as number[]), group: s.group ?? null }));
  const priors = poolPriors(members);
  expect([...priors.keys()]).toEqual(['new']);
  const p = priors.get('new')!;
  expect(p.group).toBe('peaked');
  expect(p.series).toBe(3);
  for (let d = 0; d < 7; d++) expect(p.profile[d]!).toBeCloseTo(PEAKED[d]!, 0);
  expect(p.level).toBeGreaterThan(5);
  expect(p.level).toBeLessThan(7);
  // without the catalog the prior is the whole shop's: a profile between the two types
  const shop = poolPriors(members, false).get('new')!;
  expect(shop.group).toBe('');
  expect(shop.series).toBe(6);
  expect(shop.profile[0]!).toBeGreaterThan(0.4);
});

test('short histories (30–60 days) forecast closer to the truth pooled by type than alone, and say so', () => {
  const rng = new Prng('pooling');
  const long = [...[3, 5, 8, 12].map((l, i) => series(rng, `p${i}`, 'peaked', START, 500, l, PEAKED)), ...[3, 5, 8, 12].map((l, i) => series(rng, `f${i}`, 'flat', START, 500, l, FLAT))];
  let pooledErr = 0;
  let aloneErr = 0;
  for (const days of [30, 45, 60]) {
    const shorts = Array.from({ length: 8 }, (_, i) => series(rng, `new${days}-${i}`, i % 2 ? 'flat' : 'peaked', START + 500 - days, days, 2 + i, i % 2 ? FLAT : PEAKED));
    const panel = [...long, ...shorts];
    const pooled = forecastPanel(panel, { horizon: 28, global: false });
    const alone = forecastPanel(panel, { horizon: 28, global: false, pooling: false });
    shorts.forEach((s, i) => {
      const k = long.length + i;
      // below 56 days there is no backtest window: the pooled model is the series' model; above, it is the default to beat
      if (days < 56) {
        expect(pooled[k]!.model).toBe('pooled');
        expect(pooled[k]!.notes.join(' ')).toMatch(/pooled with 4 series of product type (peaked|flat)/);
      } else expect(pooled[k]!.backtest.map((b) => b.model)).toContain('pooled');
      for (let h = 0; h < 28; h++) {
        const truth = s.mean(START + 500 + h);
        pooledErr += (pooled[k]!.forecast[h]! - truth) ** 2;
        aloneErr += (alone[k]!.forecast[h]! - truth) ** 2;
      }
    });
    // long series are not pooled
    expect(pooled.slice(0, long.length).every((r) => r.model !== 'pooled')).toBe(true);
  }
  expect(pooledErr).toBeLessThan(0.7 * aloneErr);
}, 60_000);

test('gbt: boosted trees recover a step and an interaction', () => {
  const rng = new Prng('gbt');
  const n = 4000;
  const X = new Float64Array(n * 2);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.next();
    const b = rng.next();
    X[2 * i] = a;
    X[2 * i + 1] = b;
    y[i] = (a > 0.5 ? 3 : 0) + (a > 0.5 && b > 0.7 ? 2 : 0) + 0.1 * (rng.next() - 0.5);
  }
  const m = fitGbt(X, y, 2, { trees: 100, depth: 3, learningRate: 0.2, minLeaf: 20, lambda: 1 });
  expect(predictGbt(m, [0.2, 0.9])).toBeCloseTo(0, 0);
  expect(predictGbt(m, [0.8, 0.2])).toBeCloseTo(3, 0);
  expect(predictGbt(m, [0.8, 0.9])).toBeCloseTo(5, 0);
  // plain JSON: survives a round trip
  expect(predictGbt(JSON.parse(JSON.stringify(m)), [0.8, 0.9])).toBe(predictGbt(m, [0.8, 0.9]));
});

test('the global model learns a calendar effect every series shares (first 10 days of the month), which per-series models cannot', () => {
  const rng = new Prng('global');
  const days = 420;
  const panel = Array.from({ length: 8 }, (_, i) => {
    const level = 2 + i;
    const mean = (d: number) => level * (new Date(d * DAY).getUTCDate() <= 10 ? 2 : 0.8);
    return { id: `s${i}`, start: iso(START), units: Array.from({ length: days }, (_, t) => rng.poisson(mean(START + t))), mean };
  });
  const train = panel.map((s) => ({ ...s, units: s.units.slice(0, days - 28) }));
  const r = forecastPanel(train, { horizon: 28, models: ['wmean', 'gbt'], allModels: true, pooling: false });
  let gbt = 0;
  let wmean = 0;
  panel.forEach((s, i) => {
    for (let h = 0; h < 28; h++) {
      const truth = s.mean(START + days - 28 + h);
      gbt += (r[i]!.candidates!.find((c) => c.model === 'gbt')!.forecast[h]! - truth) ** 2;
      wmean += (r[i]!.candidates!.find((c) => c.model === 'wmean')!.forecast[h]! - truth) ** 2;
    }
  });
  expect(gbt).toBeLessThan(0.5 * wmean);
  // it joins the rolling-origin selection and wins it on most series
  expect(r.filter((x) => x.model === 'gbt').length).toBeGreaterThanOrEqual(5);
}, 120_000);

test('a champion\'s per-variant choices are remade with the panel models (a lone series cannot have the global model)', () => {
  const rng = new Prng('choices');
  const panel = [3, 5, 8].map((l, i) => series(rng, `c${i}`, 'peaked', START, 200, l, PEAKED));
  const remade = forecastPanelChoices(panel, { horizon: 14 }, () => ['gbt']);
  expect(remade.map((r) => r.model)).toEqual(['gbt', 'gbt', 'gbt']);
  const alone = forecastSeries(panel[0]!, { horizon: 14, models: ['gbt'] });
  expect(alone.model).toBe('mean28');
  // a pooled choice for a series that is no longer short falls back to its default model
  expect(forecastPanelChoices(panel, { horizon: 14, global: false }, () => ['pooled']).map((r) => r.model)).toEqual(['wmean', 'wmean', 'wmean']);
});
