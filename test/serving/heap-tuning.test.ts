// Serving processes set V8's old-generation growth (heapGrowingPercent, default 300): the setting is validated, and setting it after startup does change when V8 collects.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { loadConfig } from '../../functions/src/core/config';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { ROOT } from '../helpers/process';

const majorsWith = (percent: number): number => {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'support/heap-growth-child.cjs'), path.join(ROOT, 'functions/src/serving/heap-tuning.ts'), String(percent)], { cwd: ROOT, encoding: 'utf8' });
  const r = JSON.parse(out) as { majors: number; requests: number };
  expect(r.requests).toBe(400_000);
  return r.majors;
};

test('heapGrowingPercent defaults to 300, 0 leaves V8 its own choice, and values outside 0-1000 are refused', () => {
  expect(loadConfig({}).heapGrowingPercent).toBe(300);
  expect(loadConfig({ SHOP_MLOPS_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
  expect(() => loadConfig({ SHOP_MLOPS_HEAP_GROWING_PERCENT: '5000' })).toThrow(ShopMlopsError);
});

test('set at startup, the growth setting takes effect: the same workload sees a different number of major GCs than with V8 left alone', () => {
  // Not a speed assertion (that is `npm run bench -- serve`): it shows setFlagsFromString after start reaches V8's heap controller.
  expect(majorsWith(300)).not.toBe(majorsWith(0));
}, 60_000);
