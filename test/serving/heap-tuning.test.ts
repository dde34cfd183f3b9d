// Serving processes set V8's old-generation growth (heapGrowingPercent, default 300; its effect on the prediction routes' tail is measured by `npm run bench -- serve`, not timed here): the setting is validated.
import { loadConfig } from '../../functions/src/core/config';
import { ShopMlopsError } from '../../functions/src/core/errors';

test('heapGrowingPercent defaults to 300, 0 leaves V8 its own choice, and values outside 0-1000 are refused', () => {
  expect(loadConfig({}).heapGrowingPercent).toBe(300);
  expect(loadConfig({ SHOP_MLOPS_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
  expect(() => loadConfig({ SHOP_MLOPS_HEAP_GROWING_PERCENT: '5000' })).toThrow(ShopMlopsError);
});
