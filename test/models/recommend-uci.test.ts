// Real data: item-kNN vs popularity on the UCI Online Retail temporal holdout (train < 2011-09-01), precision@10 ≥ 1.8×.
import * as path from 'node:path';
import { evaluateRecommendations, UCI_FILE } from '../../functions/src/eval/recommendations';
import { testNeedingShared } from '../helpers/shared';

const DATA = path.resolve(__dirname, '../../../shared/data');
const file = path.join(DATA, UCI_FILE);
const maybe = testNeedingShared(file, 'UCI recommendation evaluation');

maybe('UCI Online Retail: precision@10 at least 1.8× popularity on the temporal holdout', async () => {
  const s = await evaluateRecommendations(DATA);
  console.log([`${s.task} on ${s.dataset}`, ...s.rows.map((r) => `${r.model}: ${JSON.stringify(r.metrics)}`), ...s.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`), ...s.notes].join('\n'));
  expect(s.task).toBe('recommendations');
  const [model, popularity] = s.rows;
  expect(model!.baseline).toBe(false);
  expect(popularity).toMatchObject({ model: 'popularity', baseline: true });
  const p = (r: typeof model) => r!.metrics['precision@10']!;
  expect(p(model) / p(popularity)).toBeGreaterThanOrEqual(1.8);
  expect(s.checks.find((c) => c.name.startsWith('precision@10 ≥ 1.8×'))!.pass).toBe(true);
  // Same evaluated customers for both rows; the model also wins on recall, NDCG and coverage.
  expect(model!.metrics['customers']).toBe(popularity!.metrics['customers']);
  expect(model!.metrics['customers']).toBeGreaterThan(1500);
  for (const m of ['recall@10', 'ndcg@10', 'coverage']) expect(model!.metrics[m]!).toBeGreaterThan(1.5 * popularity!.metrics[m]!);
  // Popularity recommends the same handful of best sellers to everyone.
  expect(popularity!.metrics['coverage']!).toBeLessThan(0.05);
}, 60_000);
