// The drift job's BigQuery SQL: every statement it sends in the bigquery dialect passes the ZetaSQL analyzer against the real feature tables (compiled from dataform/) and the prediction log's schema; a wrong column fails it.
import * as path from 'node:path';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileModelRegistries } from '../../functions/src/adapters/embedded/file-model-registry';
import { compileProject } from '../../functions/src/features/compile';
import type { CompiledGraph } from '../../functions/src/features/compiled-graph';
import { analyzeBigQueryGraph, formatAnalysisFailures, stopBigQueryAnalyzer } from '../../functions/src/features/bigquery-check/analyze';
import { DEFAULT_MONITORING_POLICY } from '../../functions/src/monitoring/config';
import { runDriftJob } from '../../functions/src/monitoring/drift-job';
import type { DriftResult, DriftRun } from '../../functions/src/ports/monitoring-store';
import { PREDICTION_LOG_COLUMNS } from '../../functions/src/serving/prediction-log-table';
import { tempDir } from '../helpers/runtime';

const SHOP = 'bq-store.myshopify.com';
const TYPE_KIND: Record<string, number> = { STRING: 8, INT64: 2, FLOAT64: 7, BOOL: 5, TIMESTAMP: 19, DATE: 10 };

let graph: CompiledGraph;
const statements: string[] = [];

beforeAll(async () => {
  graph = await compileProject({ projectDir: path.join(__dirname, '..', '..', 'dataform'), dialect: 'bigquery' });
  // Capture what the job sends in the BigQuery dialect. Answers make it walk every statement shape: a shop with a
  // newer snapshot, 250,000 rows per side (so the sampling clause appears), a shop in the prediction log.
  const dir = tempDir();
  const artifacts = createFileArtifactStore(path.join(dir, 'artifacts'));
  const registries = createFileModelRegistries({ dir: path.join(dir, 'registry'), artifacts });
  const registry = registries.forShop(SHOP);
  for (const model of ['clv', 'forecast', 'propensity', 'recommend']) {
    const runId = `training-20260306-030000-${model}`;
    await artifacts.put(`models/${model}/${runId}/model.json`, '{}');
    await registry.registerVersion({ model, runId, artifactKey: `models/${model}/${runId}`, params: { snapshot_date: '2026-03-06' }, aliases: ['champion'] });
  }
  const recorded: { run: DriftRun; results: readonly DriftResult[] }[] = [];
  const report = await runDriftJob(
    {
      warehouse: {
        dialect: 'bigquery',
        query: async (sql) => {
          statements.push(sql);
          if (sql.includes('AS latest')) return [{ shop: SHOP, latest: '2026-04-05' }];
          if (sql.includes('COUNT(*)')) return [{ n: '250000' }];
          if (sql.includes('DISTINCT shop')) return [{ shop: SHOP }];
          return [];
        },
      },
      store: { recordDrift: async (run, results) => void recorded.push({ run, results }) },
      sink: { write: async () => undefined },
      registries,
      policy: DEFAULT_MONITORING_POLICY,
      timezone: 'UTC',
      requestRetrain: async () => {
        throw new Error('no drift expected without rows');
      },
    },
    new Date('2026-04-05T23:00:00Z'),
  );
  expect(report.errors).toEqual([]);
}, 180_000);

afterAll(() => stopBigQueryAnalyzer());

/** The real graph plus one operation per statement, downstream of the feature tables; the prediction log as an extra table. */
async function analyse(sqls: string[]) {
  const g = structuredClone(graph);
  const features = g.tables.filter((t) => t.target.schema === 'shop_features').map((t) => t.target);
  sqls.forEach((sql, i) => g.operations.push({ target: { schema: 'drift_check', name: `q${i}` }, dependencyTargets: features, queries: [sql] } as never));
  const results = await analyzeBigQueryGraph(g, {
    extraTables: [{ dataset: 'shop_predictions', name: 'prediction_log', columns: PREDICTION_LOG_COLUMNS.map((c) => ({ name: c.name, type: { typeKind: TYPE_KIND[c.type]! } })) }],
  });
  return results.filter((r) => r.action.includes('drift_check'));
}

test('every statement the job sends in the bigquery dialect analyses OK (features, sampling, prediction windows, JSON scores)', async () => {
  const kinds = [/FROM shop_features\.customer_rfm WHERE snapshot_date/, /FARM_FINGERPRINT\(customer_id\)/, /date > DATE/, /FARM_FINGERPRINT\(CONCAT\(product_a/, /SAFE_CAST\(JSON_VALUE\(output, '\$\.replenishment\.forecast_total'\) AS FLOAT64\)/, /served_at >= TIMESTAMP\(/];
  for (const k of kinds) expect(statements.some((s) => k.test(s))).toBe(true);
  const results = await analyse(statements);
  expect(statements.length).toBeGreaterThanOrEqual(20);
  expect(results).toHaveLength(statements.length);
  expect(formatAnalysisFailures(results)).toBe('');
}, 180_000);

test('the check can fail: a misspelt column and the DuckDB spelling of the sampling clause are rejected', async () => {
  const select = statements.find((s) => s.includes('FARM_FINGERPRINT(customer_id)') && !s.includes('COUNT(*)'))!;
  const results = await analyse([select.replace('monetary', 'monetry'), select.replace(/MOD\(ABS\(FARM_FINGERPRINT\(customer_id\)\), (\d+)\) = 0/, 'hash(customer_id) % $1 = 0')]);
  expect(results.map((r) => r.ok)).toEqual([false, false]);
  expect(results[0]!.error).toMatch(/monetry/);
  expect(results[1]!.error).toMatch(/hash/i);
}, 180_000);
