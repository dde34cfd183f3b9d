// Oracle bounds of the demand evaluation: best candidate per series, flat forecast and profile shape at the held-out mean.
import { holdoutRmsse, oracleBounds } from '../../functions/src/eval/demand-oracles';
import type { ModelForecast } from '../../functions/src/models/forecast/types';

const fc = (model: ModelForecast['model'], forecast: number[]): ModelForecast => ({ model, forecast, lo: {}, hi: {} });

test('RMSSE on a holdout skips missing days and is NaN without a scale', () => {
  expect(holdoutRmsse([1, 1, 1], { actual: [1, 3, null], scale: { mse: 2 } })).toBeCloseTo(Math.sqrt(4 / 2 / 2), 12);
  expect(holdoutRmsse([1], { actual: [1], scale: { mse: 0 } })).toBeNaN();
});

test('each bound computed by hand on two series', () => {
  const holdout = [
    { actual: [2, 4, 2, 4], scale: { mse: 1 } },
    { actual: [0, 0, 6, null], scale: { mse: 4 } },
  ];
  const candidates = [
    [fc('wmean', [1, 2, 1, 2]), fc('mean28', [3, 3, 3, 3])],
    [fc('mean28', [1, 1, 1, 1]), fc('wmean', [0, 0, 3, 3])],
  ];
  const b = oracleBounds(candidates, holdout);
  // series 1: wmean errors 1,2,1,2 → √2.5; mean28 errors 1,1,1,1 → 1. series 2: mean28 (1+1+25)/3 = 9; wmean (0+0+9)/3 = 3 (÷ scale 4)
  expect(b.selection).toBeCloseTo((1 + Math.sqrt(3 / 4)) / 2, 12);
  // flat at the held-out mean: series 1 mean 3 → errors 1 → 1; series 2 mean 2 → (4+4+16)/3 = 8 → √(8/4)
  expect(b.flatLevel).toBeCloseTo((1 + Math.sqrt(2)) / 2, 12);
  // wmean's shape at the held-out mean: series 1 [2,4,2,4] exact → 0; series 2 [0,0,4,4]·(2/1.5)… mean of [0,0,3,3] is 1.5 → [0,0,4,4]: (0+0+4)/3
  expect(b.levelTimesProfile).toBeCloseTo((0 + Math.sqrt(4 / 3 / 4)) / 2, 12);
  expect(b.series).toBe(2);
});

test('a series without a usable scale or held-out day is left out', () => {
  const b = oracleBounds([[fc('wmean', [1])], [fc('wmean', [1])]], [{ actual: [1], scale: { mse: 0 } }, { actual: [3], scale: { mse: 1 } }]);
  expect(b).toEqual({ selection: 2, flatLevel: 0, levelTimesProfile: 0, series: 1 });
});
