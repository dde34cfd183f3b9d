// forecastPanel as the training pipeline calls it: selection, censored days, short histories, options, threads, JSON results.
import { seriesFromDailyDemand } from '../../functions/src/models/forecast/daily-demand';
import { forecastPanel, forecastSeries, selectModel } from '../../functions/src/models/forecast/panel';
import { forecastPanelParallel } from '../../functions/src/models/forecast/parallel';
import { syntheticPanel } from '../../functions/src/models/forecast/synthetic';
import type { BacktestScore } from '../../functions/src/models/forecast/types';
import { Prng } from '../../functions/src/simulator/prng';

const score = (model: BacktestScore['model'], windowRmse: number[]): BacktestScore => {
  const rmse = Math.sqrt(windowRmse.reduce((s, r) => s + r * r, 0) / windowRmse.length);
  return { model, rmse, mae: rmse, rmsse: rmse, mase: rmse, windowRmse };
};

test('selection keeps wmean unless a challenger is better in every backtest window, then takes the best such challenger', () => {
  expect(selectModel([score('wmean', [1, 1, 1]), score('ets', [0.5, 0.5, 1.2])])).toBe('wmean');
  expect(selectModel([score('wmean', [1, 1, 1]), score('ets', [0.9, 0.9, 0.9]), score('tsb', [0.8, 0.95, 0.7])])).toBe('tsb');
  expect(selectModel([score('wmean', [1, 1, 1]), score('mean28', [1, 1, 1])])).toBe('wmean');
  expect(selectModel([score('mean28', [1, 2, 1]), score('tsb', [1, 1, 1])])).toBe('tsb');
});

test('a panel: one JSON-serialisable result per series with dates, intervals at each level, reorder point and backtest', () => {
  const panel = syntheticPanel(6, 300, 'shape', '2025-01-01');
  const res = forecastPanel(panel, { horizon: 10, levels: [50, 90], leadTime: 5, serviceLevel: 0.9 });
  expect(res.map((r) => r.id)).toEqual(panel.map((s) => s.id));
  expect(JSON.parse(JSON.stringify(res))).toEqual(res);
  for (const r of res) {
    expect(r.dates).toHaveLength(10);
    expect(r.dates[0]).toBe('2025-10-28'); // the day after the 300th day from 2025-01-01
    expect(r.forecast).toHaveLength(10);
    expect(Object.keys(r.lo).sort()).toEqual(['50', '90']);
    for (let h = 0; h < 10; h++) {
      expect(r.forecast[h]!).toBeGreaterThanOrEqual(0);
      expect(r.lo['90']![h]!).toBeGreaterThanOrEqual(0);
      expect(r.lo['90']![h]!).toBeLessThanOrEqual(r.lo['50']![h]!);
      expect(r.hi['50']![h]!).toBeLessThanOrEqual(r.hi['90']![h]!);
    }
    expect(r.backtest.length).toBeGreaterThanOrEqual(5);
    expect(r.backtest.every((b) => b.windowRmse.length === 3)).toBe(true);
    expect(r.backtest.map((b) => b.model)).toContain(r.model);
    expect(r.safetyStock).toBeCloseTo(r.reorderPoint - r.expectedLeadTimeDemand, 9);
    let expected = 0;
    for (let h = 0; h < 5; h++) expected += r.forecast[h]!;
    expect(r.expectedLeadTimeDemand).toBeCloseTo(expected, 9);
  }
});

test('candidates follow the demand class: Croston-type models for intermittent series, seasonal naive for frequent ones; the global model joins both', () => {
  const rng = new Prng('classes');
  const frequent = { id: 'f', start: '2024-01-01', units: Array.from({ length: 200 }, () => 5 + rng.poisson(10)) };
  const sparse = { id: 's', start: '2024-01-01', units: Array.from({ length: 200 }, () => (rng.chance(0.2) ? 1 + rng.poisson(2) : 0)) };
  const [f, s] = forecastPanel([frequent, sparse]);
  expect(f!.demandClass).toBe('smooth');
  expect(f!.backtest.map((b) => b.model).sort()).toEqual(['combo', 'ets', 'gbt', 'mean28', 'snaive', 'wmean']);
  expect(s!.demandClass).toBe('intermittent');
  expect(s!.backtest.map((b) => b.model).sort()).toEqual(['croston', 'ets', 'gbt', 'mean28', 'sba', 'tsb', 'wmean']);
});

test('out-of-stock days are censored: they do not pull the forecast down the way zeros would', () => {
  const rng = new Prng('censored');
  const units = Array.from({ length: 200 }, () => rng.poisson(6));
  const observed = units.map((_, t) => t < 180); // out of stock for the last 20 days: nothing could sell
  const asZeros = units.map((v, t) => (t < 180 ? v : 0));
  const censored = forecastSeries({ id: 'c', start: '2024-01-01', units: asZeros, observed }, { models: ['mean28'] });
  const zeros = forecastSeries({ id: 'z', start: '2024-01-01', units: asZeros }, { models: ['mean28'] });
  expect(censored.missingDays).toBe(20);
  expect(censored.forecast[0]).toBeGreaterThan(5);
  expect(censored.forecast[0]).toBeLessThan(7);
  expect(zeros.forecast[0]).toBeLessThan(3);
  // null units mean the same as observed = false
  const nulls = forecastSeries({ id: 'n', start: '2024-01-01', units: asZeros.map((v, t) => (t < 180 ? v : null)) }, { models: ['mean28'] });
  expect(nulls.forecast).toEqual(censored.forecast);
});

test('days before the first sale are dropped; a series without sales forecasts 0; a short one uses the 28-day mean', () => {
  const late = forecastSeries({ id: 'l', start: '2024-01-01', units: [0, 0, 0, 0, 0, 2, 4, 0, 3, 1] }, { horizon: 3 });
  expect(late.historyDays).toBe(5);
  expect(late.model).toBe('mean28');
  expect(late.forecast).toEqual([2, 2, 2]);
  expect(late.dates).toEqual(['2024-01-11', '2024-01-12', '2024-01-13']);
  expect(late.notes.join(' ')).toMatch(/too short/);
  expect(late.hi['95']![0]!).toBeGreaterThan(2);
  const none = forecastSeries({ id: 'z', start: '2024-01-01', units: [0, 0, 0] }, { horizon: 2 });
  expect(none).toMatchObject({ model: 'zero', forecast: [0, 0], reorderPoint: 0, safetyStock: 0 });
  expect(none.hi['80']).toEqual([0, 0]);
  // 60 days: one backtest window instead of three
  const rng = new Prng('short');
  const short = forecastSeries({ id: 's', start: '2024-01-01', units: Array.from({ length: 60 }, () => rng.poisson(4)) });
  expect(short.backtest[0]!.windowRmse).toHaveLength(1);
  expect(short.notes.join(' ')).toMatch(/1 origin/);
});

test('bad options and bad series are BAD_REQUEST errors naming the field', () => {
  const s = { id: 'x', start: '2024-01-01', units: [1, 2, 3] };
  expect(() => forecastPanel([s], { horizon: 0 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(/horizon/) }));
  expect(() => forecastPanel([s], { serviceLevel: 1 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(/serviceLevel/) }));
  expect(() => forecastPanel([s], { levels: [80, 100] })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(/levels/) }));
  expect(() => forecastPanel([{ ...s, units: [1, -2] }])).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(/negative/) }));
  expect(() => forecastPanel([{ ...s, start: '2024-02-30' }])).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(/start/) }));
});

test('worker threads give exactly the results of one thread, in input order', async () => {
  const panel = syntheticPanel(240, 150, 'threads');
  const opts = { horizon: 14, leadTime: 3 };
  const one = forecastPanel(panel, opts);
  const two = await forecastPanelParallel(panel, opts, { threads: 2, batchSize: 50 });
  expect(two).toEqual(one);
}, 60_000);

test('rows of shop_features.variant_daily_demand become one series per variant; in_stock false is censored, NULL observed', () => {
  const rows = [
    { shop: 's.myshopify.com', variant_id: '42', date: '2024-05-01', units: 3, in_stock: true },
    { shop: 's.myshopify.com', variant_id: '7', date: new Date(Date.UTC(2024, 4, 2)), units: 1, in_stock: null },
    { shop: 's.myshopify.com', variant_id: '42', date: { value: '2024-05-03' }, units: 0n, in_stock: false },
    { shop: 's.myshopify.com', variant_id: '42', date: '2024-05-02', units: '2', in_stock: null },
  ];
  const series = seriesFromDailyDemand(rows);
  expect(series).toEqual([
    { shop: 's.myshopify.com', id: '42', start: '2024-05-01', units: [3, 2, 0], observed: [true, true, false] },
    { shop: 's.myshopify.com', id: '7', start: '2024-05-02', units: [1], observed: [true] },
  ]);
  const [f] = forecastPanel(series.slice(0, 1), { horizon: 2 });
  expect(f!.missingDays).toBe(1);
  expect(f!.forecast).toEqual([2.5, 2.5]);
  expect(() => seriesFromDailyDemand([{ ...rows[0]!, units: -1 }])).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
});
