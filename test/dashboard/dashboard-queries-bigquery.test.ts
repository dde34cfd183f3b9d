// The dashboard's reads in the bigquery dialect: every statement passes the ZetaSQL analyzer against the real feature and monitoring tables (compiled from dataform/), the raw tables and the prediction tables' schemas; the DuckDB spelling is rejected.
import * as path from 'node:path';
import { compileProject } from '../../functions/src/features/compile';
import type { CompiledGraph } from '../../functions/src/features/compiled-graph';
import { analyzeBigQueryGraph, formatAnalysisFailures, stopBigQueryAnalyzer } from '../../functions/src/features/bigquery-check/analyze';
import { createDashboardReads } from '../../functions/src/dashboard/dashboard-queries';
import { PREDICTION_TABLES, PREDICTION_TABLE_NAMES } from '../../functions/src/serving/prediction-tables';
import { PREDICTION_LOG_COLUMNS } from '../../functions/src/serving/prediction-log-table';

const SHOP = 'bq-store.myshopify.com';
const TYPE_KIND: Record<string, number> = { STRING: 8, INT64: 2, FLOAT64: 7, BOOL: 5, TIMESTAMP: 19, DATE: 10 };

let graph: CompiledGraph;
const statements: string[] = [];

beforeAll(async () => {
  graph = await compileProject({ projectDir: path.join(__dirname, '..', '..', 'dataform'), dialect: 'bigquery' });
  // Answers make every read walk all its statements: a newest batch exists, the CLV range is known.
  const reads = createDashboardReads(async (sql) => {
    statements.push(sql);
    if (sql.includes('ORDER BY snapshot_date DESC')) return [{ version: '2', snapshot_date: { value: '2026-04-05' } }];
    if (sql.includes('AS top')) return [{ top: 120.5, bottom: 0 }];
    return [];
  }, 'bigquery');
  await reads.shops();
  await reads.liveMetrics({ shop: SHOP, sinceDate: '2026-03-01', model: 'propensity' });
  await reads.variants({ shop: SHOP, limit: 100 });
  await reads.forecast({ shop: SHOP, variantId: '4242', historyDays: 56 });
  await reads.customerValue({ shop: SHOP, bins: 24 });
  await reads.ingest({ shop: SHOP, now: new Date('2026-04-06T10:00:30Z'), minutes: 60 });
}, 180_000);

afterAll(() => stopBigQueryAnalyzer());

async function analyse(sqls: string[]) {
  const g = structuredClone(graph);
  const built = g.tables.filter((t) => ['shop_features', 'shop_monitoring'].includes(t.target.schema)).map((t) => t.target);
  sqls.forEach((sql, i) => g.operations.push({ target: { schema: 'dashboard_check', name: `q${i}` }, dependencyTargets: built, queries: [sql] } as never));
  const results = await analyzeBigQueryGraph(g, {
    extraTables: [
      ...PREDICTION_TABLE_NAMES.map((t) => ({ dataset: 'shop_predictions', name: t, columns: PREDICTION_TABLES[t].columns.map((c) => ({ name: c.name, type: { typeKind: TYPE_KIND[c.type]! } })) })),
      { dataset: 'shop_predictions', name: 'prediction_log', columns: PREDICTION_LOG_COLUMNS.map((c) => ({ name: c.name, type: { typeKind: TYPE_KIND[c.type]! } })) },
    ],
  });
  return results.filter((r) => r.action.includes('dashboard_check'));
}

test('every statement the dashboard reads send in the bigquery dialect analyses OK', async () => {
  for (const k of [/APPROX_QUANTILES\(clv, 100\)\[OFFSET\(99\)\]/, /TIMESTAMP_TRUNC\(received_at, MINUTE\)/, /FROM shop_monitoring\.outcome_daily/, /FROM shop_features\.variant_daily_demand/, /FROM shop_predictions\.variant_replenishment/]) expect([String(k), statements.some((s) => k.test(s))]).toEqual([String(k), true]);
  const results = await analyse(statements);
  expect(results).toHaveLength(statements.length);
  expect(formatAnalysisFailures(results)).toBe('');
}, 180_000);

test('the check can fail: the DuckDB spelling of the minute and the quantile are rejected', async () => {
  const minute = statements.find((s) => s.includes('TIMESTAMP_TRUNC'))!;
  const range = statements.find((s) => s.includes('APPROX_QUANTILES'))!;
  const results = await analyse([minute.replace('TIMESTAMP_TRUNC(received_at, MINUTE)', "date_trunc('minute', received_at)"), range.replace('APPROX_QUANTILES(clv, 100)[OFFSET(99)]', 'quantile_cont(clv, 0.99)')]);
  expect(results.map((r) => r.ok)).toEqual([false, false]);
}, 180_000);
