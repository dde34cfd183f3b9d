// Issue 4 point 4: every compiled BigQuery statement passes the ZetaSQL analyzer, and mutated SQL fails it.
import * as path from 'node:path';
import { compileProject } from '../../functions/src/features/compile';
import type { CompiledGraph } from '../../functions/src/features/compiled-graph';
import { RAW_TABLES } from '../../functions/src/core/raw-schema';
import { analyzeBigQueryGraph, formatAnalysisFailures, stopBigQueryAnalyzer, type ActionAnalysis } from '../../functions/src/features/bigquery-check/analyze';

const FIXTURE = path.join(__dirname, 'zetasql-fixture');
const REAL = path.join(__dirname, '..', '..', 'dataform');

let fixture: CompiledGraph;
let real: CompiledGraph;

beforeAll(async () => {
  [fixture, real] = await Promise.all([compileProject({ projectDir: FIXTURE, dialect: 'bigquery' }), compileProject({ projectDir: REAL, dialect: 'bigquery' })]);
}, 120_000);

afterAll(() => stopBigQueryAnalyzer());

const byAction = (results: ActionAnalysis[], action: string): ActionAnalysis => {
  const r = results.find((x) => x.action === action);
  if (!r) throw new Error(`no analysis for ${action}: ${results.map((x) => x.action).join(', ')}`);
  return r;
};

/** A copy of the fixture graph with one table's query (or incrementalQuery, or an assertion's query) rewritten. */
function mutate(action: string, from: string | RegExp, to: string, field: 'query' | 'incrementalQuery' = 'query'): CompiledGraph {
  const g = structuredClone(fixture);
  const op = g.operations.find((x) => `${x.target.schema}.${x.target.name}` === action);
  if (op) {
    const after = op.queries.map((q) => q.replace(from, to));
    expect(after).not.toEqual(op.queries);
    op.queries = after;
    return g;
  }
  const t = [...g.tables, ...g.assertions].find((x) => `${x.target.schema}.${x.target.name}` === action);
  if (!t) throw new Error(`fixture has no ${action}`);
  const before = field === 'incrementalQuery' && 'incrementalQuery' in t ? (t.incrementalQuery ?? '') : t.query;
  const after = before.replace(from, to);
  expect(after).not.toBe(before); // the mutation must hit, or the negative check proves nothing
  if (field === 'incrementalQuery' && 'incrementalQuery' in t) t.incrementalQuery = after;
  else t.query = after;
  return g;
}

async function failureOf(g: CompiledGraph, action: string): Promise<string> {
  const results = await analyzeBigQueryGraph(g);
  const r = byAction(results, action);
  expect(r.ok).toBe(false);
  return r.error ?? '';
}

describe('fixture project (BigQuery dialect)', () => {
  test('compiles and every action analyses OK, with upstream columns flowing downstream', async () => {
    const t0 = Date.now();
    const results = await analyzeBigQueryGraph(fixture);
    expect(formatAnalysisFailures(results)).toBe('');
    const kinds = new Set(results.map((r) => r.kind));
    for (const k of ['declaration', 'table', 'incremental', 'operation', 'assertion'] as const) expect(kinds).toContain(k);
    expect(results).toHaveLength(fixture.tables.length + fixture.assertions.length + fixture.operations.length + fixture.declarations.length);
    expect(byAction(results, 'shop_staging.order_events').outputColumns).toEqual([
      { name: 'shop', type: 'STRING' },
      { name: 'webhook_id', type: 'STRING' },
      { name: 'order_id', type: 'STRING' },
      { name: 'total_price', type: 'NUMERIC' },
      { name: 'updated_at', type: 'TIMESTAMP' },
      { name: 'received_at', type: 'TIMESTAMP' },
    ]);
    expect(byAction(results, 'shop_features.shop_revenue').outputColumns).toEqual([
      { name: 'shop', type: 'STRING' },
      { name: 'day', type: 'DATE' },
      { name: 'orders', type: 'INT64' },
      { name: 'revenue', type: 'NUMERIC' },
      { name: 'avg_order_value', type: 'NUMERIC' },
    ]);
    expect(byAction(results, 'shop_features.top_shops').outputColumns).toEqual([
      { name: 'shop', type: 'STRING' },
      { name: 'revenue', type: 'NUMERIC' },
    ]);
    console.log(`zetasql: fixture, ${results.length} actions analysed in ${Date.now() - t0} ms`);
  }, 60_000);
});

describe('the check fails on SQL BigQuery would reject', () => {
  test('an unknown column fails with "Unrecognized name", located in the action\'s SQL; downstream is not analysed', async () => {
    const g = mutate('shop_staging.order_events', '\n  received_at\nFROM', '\n  received_at,\n  bogus_col\nFROM');
    const results = await analyzeBigQueryGraph(g);
    const r = byAction(results, 'shop_staging.order_events');
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^query: Unrecognized name: bogus_col \[at \d+:3\]\n\s+\d+ \| bogus_col$/);
    expect(byAction(results, 'shop_features.shop_revenue').error).toMatch(/not analysed: it depends on shop_staging\.order_events/);
  });

  test('a downstream query is checked against the upstream output columns', async () => {
    expect(await failureOf(mutate('shop_features.shop_revenue', 'SUM(total_price) AS revenue', 'SUM(total_amount) AS revenue'), 'shop_features.shop_revenue')).toMatch(
      /Unrecognized name: total_amount/,
    );
  });

  test('DuckDB-only functions and syntax fail', async () => {
    const json = mutate('shop_staging.order_events', "JSON_VALUE(payload, '$.id')", "json_extract_string(payload, '$.id')");
    expect(await failureOf(json, 'shop_staging.order_events')).toMatch(/Function not found: json_extract_string/);
    const list = mutate('shop_assertions.revenue_not_negative', 'WHERE revenue < 0', "WHERE list_contains(['a'], shop)");
    expect(await failureOf(list, 'shop_assertions.revenue_not_negative')).toMatch(/Function not found: list_contains/);
    const cast = mutate('shop_features.shop_revenue', 'SUM(total_price) AS revenue', 'SUM(total_price::DOUBLE) AS revenue');
    expect(await failureOf(cast, 'shop_features.shop_revenue')).toMatch(/Syntax error/);
    const doubleType = mutate('shop_features.shop_revenue', 'SUM(total_price) AS revenue', 'SUM(CAST(total_price AS DOUBLE)) AS revenue');
    expect(await failureOf(doubleType, 'shop_features.shop_revenue')).toMatch(/Type not found: DOUBLE/);
  });

  test('type errors fail', async () => {
    const dateDiff = mutate('shop_features.shop_revenue', 'COUNT(DISTINCT order_id) AS orders', "DATE_DIFF('a', 1, DAY) AS orders");
    expect(await failureOf(dateDiff, 'shop_features.shop_revenue')).toMatch(/No matching signature for function DATE_DIFF/);
    const plus = mutate('shop_features.shop_revenue', 'COUNT(DISTINCT order_id) AS orders', 'shop + 1 AS orders');
    expect(await failureOf(plus, 'shop_features.shop_revenue')).toMatch(/No matching signature for operator \+/);
  });

  test('columns a BigQuery table needs: unnamed or duplicate columns fail', async () => {
    expect(await failureOf(mutate('shop_features.shop_revenue', ' AS avg_order_value', ''), 'shop_features.shop_revenue')).toMatch(/CREATE TABLE columns must be named/);
    expect(await failureOf(mutate('shop_features.shop_revenue', ' AS avg_order_value', ' AS orders'), 'shop_features.shop_revenue')).toMatch(/duplicate name orders/);
  });

  test("an incremental query is checked as Dataform's MERGE into the table's columns", async () => {
    const g = mutate('shop_staging.orders_latest', 'SELECT shop, order_id, total_price,', 'SELECT shop, order_id, CAST(total_price AS STRING) AS total_price,', 'incrementalQuery');
    expect(await failureOf(g, 'shop_staging.orders_latest')).toMatch(/^incrementalQuery: Value of type STRING cannot be assigned to total_price, which has type NUMERIC/);
    const self = mutate('shop_staging.orders_latest', 'MAX(received_at)', 'MAX(bogus_col)', 'incrementalQuery');
    expect(await failureOf(self, 'shop_staging.orders_latest')).toMatch(/^incrementalQuery: Unrecognized name: bogus_col/);
  });
  test('operations are analysed statement by statement', async () => {
    expect(await failureOf(mutate('shop_features.top_shops', 'WHERE revenue IS NULL', 'WHERE bogus_col IS NULL'), 'shop_features.top_shops')).toMatch(
      /^queries\[0\]: Unrecognized name: bogus_col \[at \d+:\d+\]/,
    );
    expect(await failureOf(mutate('shop_features.top_shops', /shop_features\.top_shops`/g, 'shop_features.top_shops_elsewhere`'), 'shop_features.top_shops')).toMatch(/hasOutput but none of its statements creates/);
  });
});

describe('the real project (dataform/, BigQuery dialect)', () => {
  test('every action analyses OK', async () => {
    const t0 = Date.now();
    const results = await analyzeBigQueryGraph(real);
    const declared = results.filter((r) => r.kind === 'declaration').map((r) => r.action);
    expect(declared).toContain('shop_raw.events');
    for (const d of declared) expect([...Object.keys(RAW_TABLES).map((n) => `shop_raw.${n}`), 'shop_predictions.prediction_log']).toContain(d);
    expect(formatAnalysisFailures(results)).toBe('');
    expect(results).toHaveLength(real.tables.length + real.assertions.length + real.operations.length + real.declarations.length);
    const built = results.filter((r) => r.kind !== 'declaration');
    if (built.length === 0) console.log('zetasql: dataform/ declares only raw tables so far; nothing else to analyse');
    const counts = [...new Set(results.map((r) => r.kind))].map((k) => `${results.filter((r) => r.kind === k).length} ${k}`);
    console.log(`zetasql: dataform/ ${counts.join(', ')} analysed OK in ${Date.now() - t0} ms`);
  }, 60_000);
});
