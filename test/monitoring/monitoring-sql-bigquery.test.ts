// The monitoring SQL as BigQuery gets it passes the ZetaSQL analyzer: the Dataform monitoring actions (with the column
// types of the table contract) and the A/B exposure query; a wrong column fails the check.
import * as path from 'node:path';
import { analyzeBigQueryGraph, formatAnalysisFailures, stopBigQueryAnalyzer, type ActionAnalysis } from '../../functions/src/features/bigquery-check/analyze';
import { compileProject } from '../../functions/src/features/compile';
import type { CompiledGraph } from '../../functions/src/features/compiled-graph';
import { abExposureSql } from '../../functions/src/monitoring/ab-sql';

const DATAFORM = path.resolve(__dirname, '../../dataform');
let graph: CompiledGraph;
beforeAll(async () => {
  graph = await compileProject({ projectDir: DATAFORM, dialect: 'bigquery', vars: { shop_timezone: 'America/New_York' } });
}, 120_000);
afterAll(() => stopBigQueryAnalyzer());

const columns = (results: ActionAnalysis[], action: string) => Object.fromEntries(results.find((r) => r.action === action)!.outputColumns!.map((c) => [c.name, c.type]));

/** The graph plus one assertion (analysed as a view over its SELECT) reading the staging orders and the prediction log. */
function withQuery(name: string, query: string): CompiledGraph {
  const g = structuredClone(graph);
  const orders = g.tables.find((t) => t.target.schema === 'shop_staging' && t.target.name === 'orders')!.target;
  const log = g.declarations.find((d) => d.target.name === 'prediction_log')!.target;
  g.assertions.push({ target: { ...(orders.database ? { database: orders.database } : {}), schema: 'shop_monitoring_check', name }, dependencyTargets: [orders, log], query });
  return g;
}

/** BigQuery query parameters replaced by literals of their declared types (the analyzer is given no parameters). */
function bound(sql: string, params: Record<string, string | number>, types: Record<string, string>): string {
  return sql.replace(/@([a-z_]+)/g, (_m, name: string) => (types[name] === 'INT64' ? String(params[name]) : `'${String(params[name])}'`));
}

test('the monitoring actions analyse OK, with the contract\'s columns and types', async () => {
  const results = await analyzeBigQueryGraph(graph);
  const ours = results.filter((r) => r.action.includes('monitoring') || r.action === 'shop_predictions.prediction_log');
  expect(ours).toHaveLength(8);
  expect(formatAnalysisFailures(ours)).toBe('');
  expect(columns(results, 'shop_monitoring.prediction_outcomes')).toEqual({
    prediction_id: 'STRING', shop: 'STRING', model: 'STRING', version: 'INT64', assigned_version: 'INT64', arm: 'STRING', served_by: 'STRING', customer_id: 'STRING', entity_id: 'STRING',
    served_at: 'TIMESTAMP', served_date: 'DATE', window_end: 'TIMESTAMP', closed: 'BOOL', as_of: 'TIMESTAMP', predicted_positive: 'BOOL', outcome_positive: 'BOOL', k: 'INT64', hits: 'INT64',
    predicted_value: 'FLOAT64', actual_value: 'FLOAT64',
  });
  expect(columns(results, 'shop_monitoring.outcome_daily')).toEqual({
    shop: 'STRING', model: 'STRING', version: 'INT64', arm: 'STRING', served_by: 'STRING', served_date: 'DATE', metric: 'STRING', trials: 'INT64', successes: 'INT64',
    sum_abs_error: 'FLOAT64', sum_error: 'FLOAT64', sum_actual: 'FLOAT64', as_of: 'TIMESTAMP',
  });
  expect(columns(results, 'shop_monitoring.live_metrics')).toEqual({
    shop: 'STRING', model: 'STRING', version: 'INT64', arm: 'STRING', metric: 'STRING', n: 'INT64', successes: 'INT64', value: 'FLOAT64', low: 'FLOAT64', high: 'FLOAT64',
    mean_error: 'FLOAT64', mean_actual: 'FLOAT64', first_served_date: 'DATE', last_served_date: 'DATE', as_of: 'TIMESTAMP',
  });
}, 120_000);

test('the A/B exposure query analyses OK with its parameters bound; a wrong column fails', async () => {
  const st = abExposureSql('bigquery', { shop: 'demo.myshopify.com', model: 'propensity', since: '2026-03-01T00:00:00Z', windowDays: 30 });
  if (st.dialect !== 'bigquery') throw new Error('expected BigQuery');
  const ok = (await analyzeBigQueryGraph(withQuery('ab', bound(st.sql, st.params, st.types)))).filter((r) => r.action.endsWith('.ab'));
  expect(formatAnalysisFailures(ok)).toBe('');
  expect(ok[0]!.outputColumns).toEqual([
    { name: 'arm', type: 'STRING' }, { name: 'assigned_version', type: 'INT64' }, { name: 'units', type: 'INT64' }, { name: 'closed_units', type: 'INT64' },
    { name: 'conversions', type: 'INT64' }, { name: 'revenue', type: 'FLOAT64' }, { name: 'revenue_squares', type: 'FLOAT64' },
  ]);
  const broken = (await analyzeBigQueryGraph(withQuery('ab', bound(st.sql.replace('o.total_price', 'o.total_amount'), st.params, st.types)))).filter((r) => r.action.endsWith('.ab'));
  expect(broken).toMatchObject([{ ok: false, error: expect.stringContaining('total_amount') }]);
}, 120_000);
