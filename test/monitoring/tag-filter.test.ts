// The runner's tag filter on the real project: the features run leaves the monitoring actions out, the monitoring run
// takes only them (reading the staging tables as built), and a plan without a filter has every action.
import * as path from 'node:path';
import { compileProject } from '../../functions/src/features/compile';
import type { CompiledGraph } from '../../functions/src/features/compiled-graph';
import { planDuckdb, selectedByTags } from '../../functions/src/features/plan';
import { FEATURES_RUN, MONITORING_RUN } from '../../functions/src/features/runner';

const PROJECT = path.resolve(__dirname, '../../dataform');
let graph: CompiledGraph;
beforeAll(async () => {
  graph = await compileProject({ projectDir: PROJECT, dialect: 'duckdb', vars: { snapshot_date: '2026-01-01' } });
}, 60_000);

const MONITORING = [
  'shop_assertions.shop_monitoring_outcome_daily_assertions_rowConditions',
  'shop_assertions.shop_monitoring_outcome_daily_assertions_uniqueKey_0',
  'shop_assertions.shop_monitoring_prediction_outcomes_assertions_rowConditions',
  'shop_assertions.shop_monitoring_prediction_outcomes_assertions_uniqueKey_0',
  'shop_monitoring.live_metrics',
  'shop_monitoring.outcome_daily',
  'shop_monitoring.prediction_outcomes',
];

test('every monitoring action (built-in assertions included) carries the tag, and nothing else does', () => {
  const tagged = [...graph.tables, ...graph.assertions, ...graph.operations].filter((a) => a.tags?.includes('monitoring')).map((a) => `${a.target.schema}.${a.target.name}`);
  expect(tagged.sort()).toEqual(MONITORING);
  const inSchema = [...graph.tables].filter((t) => t.target.schema === 'shop_monitoring').map((t) => `${t.target.schema}.${t.target.name}`);
  for (const t of inSchema) expect(tagged).toContain(t);
});

test('the features run leaves the monitoring actions out; the monitoring run has only them, in dependency order', () => {
  const features = planDuckdb(graph, FEATURES_RUN).map((a) => a.key);
  expect(features).toContain('shop_staging.orders');
  expect(features.filter((k) => MONITORING.includes(k))).toEqual([]);
  const monitoring = planDuckdb(graph, MONITORING_RUN);
  expect(monitoring.map((a) => a.key).sort()).toEqual(MONITORING);
  const keys = monitoring.map((a) => a.key);
  expect(keys.indexOf('shop_monitoring.prediction_outcomes')).toBeLessThan(keys.indexOf('shop_monitoring.outcome_daily'));
  expect(keys.indexOf('shop_assertions.shop_monitoring_prediction_outcomes_assertions_uniqueKey_0')).toBeLessThan(keys.indexOf('shop_monitoring.outcome_daily'));
  expect(keys.indexOf('shop_monitoring.outcome_daily')).toBeLessThan(keys.indexOf('shop_monitoring.live_metrics'));
  // what it reads outside the run counts as built (the staging tables, the prediction log's declaration)
  expect(monitoring.find((a) => a.key === 'shop_monitoring.prediction_outcomes')!.dependsOn).toEqual(
    expect.arrayContaining(['shop_staging.orders', 'shop_staging.order_lines', 'shop_predictions.prediction_log']),
  );
  expect(planDuckdb(graph).length).toBe(features.length + MONITORING.length);
});

test('selectedByTags: include needs one of its tags, exclude wins', () => {
  expect(selectedByTags(undefined, {})).toBe(true);
  expect(selectedByTags(undefined, { include: ['monitoring'] })).toBe(false);
  expect(selectedByTags(['monitoring'], { include: ['monitoring'] })).toBe(true);
  expect(selectedByTags(['monitoring', 'x'], { include: ['x'], exclude: ['monitoring'] })).toBe(false);
  expect(selectedByTags(['x'], { exclude: ['monitoring'] })).toBe(true);
});
