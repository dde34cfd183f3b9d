// CLV evaluation: fitted on CDNOW's 39 calibration weeks, BG/NBD beats the naive rate on the 39 holdout weeks.
import * as path from 'node:path';
import { evaluateClv } from '../../functions/src/eval/clv';
import { testNeedingShared } from '../helpers/shared';

const DATA = path.resolve(__dirname, '../../../shared/data');
const maybe = testNeedingShared(path.join(DATA, 'cdnow/CDNOW_sample.txt'), 'the CLV evaluation');

maybe('evaluateClv: per-customer MAE and holdout totals for BG/NBD and the naive baseline; every check passes', async () => {
  const s = await evaluateClv(DATA);
  expect(s.task).toBe('clv');
  expect(s.rows.map((r) => [r.model, r.baseline])).toEqual([
    ['BG/NBD E[Y(39) | x, t_x, T]', false],
    ['naive x / T × 39', true],
  ]);
  const [model, naive] = s.rows as [(typeof s.rows)[0], (typeof s.rows)[0]];
  expect(model.metrics['actual_total']).toBe(1882); // purchase days in weeks 40-78
  expect(naive.metrics['actual_total']).toBe(1882);
  expect(model.metrics['mae']!).toBeLessThan(naive.metrics['mae']!);
  expect(model.metrics['mae']!).toBeCloseTo(0.7855, 3);
  expect(naive.metrics['mae']!).toBeCloseTo(1.0237, 3);
  expect(model.metrics['predicted_total']!).toBeCloseTo(1653.4, 0);
  expect(s.checks.map((c) => [c.name, c.pass])).toEqual([
    ['BG/NBD beats naive on per-customer MAE', true],
    ['BG/NBD beats naive on the holdout total', true],
    ['calibration fit reproduces Fader, Hardie & Lee (2005) within 0.1 % (log-likelihood ± 0.05)', true],
    ['fit status ok on the full sample', true],
  ]);
  // The cdnow folder itself is accepted too.
  expect((await evaluateClv(path.join(DATA, 'cdnow'))).rows[0]!.metrics['mae']).toBe(model.metrics['mae']);
}, 60_000);
