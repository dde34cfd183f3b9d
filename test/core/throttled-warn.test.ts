// Repeating warnings (a serving fallback on every request under load) are written once per key per interval, and the next line says how many were held back.
import { createLogger, throttledWarn } from '../../functions/src/core/log';

test('once per key per interval; the next line carries the suppressed count; keys are independent', () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  let t = 0;
  const w = throttledWarn(logger, 10_000, () => t);
  for (let i = 0; i < 500; i++) w.warn('a', 'serving fell back', { shop: 's.myshopify.com', reason: 'timeout' });
  w.warn('b', 'serving fell back', { shop: 's.myshopify.com', reason: 'model_error' });
  expect(lines.map((l) => l['reason'])).toEqual(['timeout', 'model_error']);
  t = 9_999;
  w.warn('a', 'serving fell back', { reason: 'timeout' });
  expect(lines).toHaveLength(2);
  t = 10_000;
  w.warn('a', 'serving fell back', { reason: 'timeout' });
  expect(lines).toHaveLength(3);
  expect(lines[2]).toMatchObject({ severity: 'WARNING', reason: 'timeout', suppressed: 500 });
  t = 20_000;
  w.warn('a', 'serving fell back', { reason: 'timeout' });
  expect(lines[3]!['suppressed']).toBeUndefined();
});
