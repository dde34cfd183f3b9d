// The extract step's SQL is valid BigQuery: each query analysed by the ZetaSQL analyzer against the feature tables as the real Dataform project (BigQuery dialect) builds them.
import * as path from 'node:path';
import { analyzeBigQueryGraph, formatAnalysisFailures, stopBigQueryAnalyzer, type ActionAnalysis } from '../../functions/src/features/bigquery-check/analyze';
import { compileProject } from '../../functions/src/features/compile';
import type { CompiledGraph, Target } from '../../functions/src/features/compiled-graph';
import * as sql from '../../functions/src/training/extract-sql';

const DATAFORM = path.resolve(__dirname, '../../dataform');
const SHOP = 'demo-store.myshopify.com';
const QUERIES: Record<string, string> = {
  shops: sql.shopsSql(),
  latest: sql.latestSnapshotSql(SHOP),
  label_snapshots: sql.labelSnapshotsSql(SHOP, '2026-04-05'),
  customer_rfm: sql.customerRfmSql(SHOP, ['2026-03-06', '2026-04-05']),
  customer_labels: sql.customerLabelsSql(SHOP, ['2026-03-06', '2026-04-05']),
  customer_labels_none: sql.customerLabelsSql(SHOP, []),
  variant_daily_demand: sql.variantDailyDemandSql(SHOP, '2026-04-05', 730),
  co_purchase: sql.coPurchaseSql(SHOP, '2026-04-05'),
  order_lines: sql.orderLinesSql(SHOP, '2026-04-05', 36_500),
  product_attributes: sql.productAttributesSql(SHOP),
};

let graph: CompiledGraph;
beforeAll(async () => {
  graph = await compileProject({ projectDir: DATAFORM, dialect: 'bigquery' });
}, 120_000);
afterAll(() => stopBigQueryAnalyzer());

/** The graph plus one assertion per query (an assertion is analysed as a view over its SELECT), depending on the tables it reads. */
function withQueries(queries: Record<string, string>): CompiledGraph {
  const g = structuredClone(graph);
  const features = g.tables.filter((t) => ['shop_features', 'shop_staging'].includes(t.target.schema)).map((t) => t.target);
  for (const [name, query] of Object.entries(queries)) {
    const dependencyTargets: Target[] = features.filter((t) => query.includes(`${t.schema}.${t.name}`));
    g.assertions.push({ target: { ...(features[0]?.database ? { database: features[0].database } : {}), schema: 'shop_training_check', name }, dependencyTargets, query });
  }
  return g;
}

const ours = (results: ActionAnalysis[]) => results.filter((r) => r.action.includes('shop_training_check.'));

test('every extract query passes the BigQuery analyzer, with the column types the datasets expect', async () => {
  const results = ours(await analyzeBigQueryGraph(withQueries(QUERIES)));
  expect(results.length).toBe(Object.keys(QUERIES).length);
  expect(formatAnalysisFailures(results)).toBe('');
  const cols = (name: string) => Object.fromEntries(results.find((r) => r.action.endsWith(`.${name}`))!.outputColumns!.map((c) => [c.name, c.type]));
  expect(cols('customer_rfm')).toMatchObject({ snapshot_date: 'STRING', customer_id: 'STRING', frequency: 'INT64', monetary: 'FLOAT64', segment: 'STRING' });
  expect(cols('product_attributes')).toMatchObject({ snapshot_date: 'STRING', title_tokens: 'ARRAY<STRING>', tags: 'ARRAY<STRING>', price: 'NUMERIC', price_band: 'INT64', age_days: 'INT64' });
  expect(cols('order_lines')).toMatchObject({ order_date: 'STRING', net_quantity: 'INT64', net_revenue: 'NUMERIC', is_non_product: 'BOOL' });
  expect(cols('label_snapshots')).toMatchObject({ snapshot_date: 'STRING', customers: 'INT64', complete: 'INT64' });
}, 120_000);

test('the check is real: a query naming a column the table lacks fails it', async () => {
  const results = ours(await analyzeBigQueryGraph(withQueries({ broken: sql.coPurchaseSql(SHOP, '2026-04-05').replace('lift', 'lift_score') })));
  expect(results).toMatchObject([{ ok: false, error: expect.stringContaining('lift_score') }]);
}, 120_000);
