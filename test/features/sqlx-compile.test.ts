// The Dataform project compiles with the real CLI for both dialects, and the DuckDB build carries no BigQuery-only
// spelling (nor the BigQuery build a DuckDB-only one): everything dialect-specific goes through includes/dialect.js.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const PROJECT = path.join(__dirname, '../../dataform');
const CLI = path.join(path.dirname(require.resolve('@dataform/cli/package.json')), 'bundle.js');

interface Target { database?: string; schema: string; name: string }
interface Action { target: Target; type?: string; enumType?: string; fileName?: string; query?: string; incrementalQuery?: string; preOps?: string[]; incrementalPreOps?: string[]; postOps?: string[]; queries?: string[]; parentAction?: Target; dependencyTargets?: Target[] }
interface Graph { tables?: Action[]; assertions?: Action[]; operations?: Action[]; declarations?: Action[]; graphErrors?: { compilationErrors?: { fileName?: string; message: string }[] } }

function compile(vars: Record<string, string>): Promise<Graph> {
  const arg = `--vars=${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(',')}`;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [CLI, 'compile', '--json', arg], { cwd: PROJECT, maxBuffer: 256 << 20 }, (err, out, errOut) => {
      if (err && !out) reject(new Error(errOut || err.message));
      else resolve(JSON.parse(out) as Graph);
    }),
  );
}
const key = (t: Target) => `${t.schema}.${t.name}`;
const sqlOf = (a: Action) => [a.query, a.incrementalQuery, ...(a.preOps ?? []), ...(a.incrementalPreOps ?? []), ...(a.postOps ?? []), ...(a.queries ?? [])].filter((s): s is string => !!s);
const actions = (g: Graph) => [...(g.tables ?? []), ...(g.assertions ?? []), ...(g.operations ?? [])];

const TABLES = [
  'shop_staging.events_dedup', 'shop_staging.orders', 'shop_staging.order_lines', 'shop_staging.products', 'shop_staging.variants',
  'shop_staging.customers', 'shop_staging.inventory_levels', 'shop_staging.order_versions', 'shop_staging.order_values',
  'shop_staging.customer_days',
  'shop_features.customer_rfm', 'shop_features.customer_labels', 'shop_features.variant_daily_demand', 'shop_features.co_purchase_pairs', 'shop_features.product_attributes',
  'shop_features.customer_catalog_mix',
  'shop_monitoring.prediction_outcomes', 'shop_monitoring.outcome_daily',
];
/** Views hold no rows of their own: they are checked through the tables they read. */
const VIEWS = ['shop_features.co_purchase', 'shop_monitoring.live_metrics'];

/** BigQuery-only spellings that DuckDB rejects or reads differently. */
const BIGQUERY_ONLY: [string, RegExp][] = [
  ['SAFE_DIVIDE', /\bSAFE_DIVIDE\s*\(/i],
  ['FLOAT64', /\bFLOAT64\b/i],
  ['INT64', /\bINT64\b/i],
  ['EXCEPT(', /\bEXCEPT\s*\(/i],
  ['JSON_VALUE', /\bJSON_VALUE\s*\(/i],
  ['JSON_EXTRACT_SCALAR', /\bJSON_EXTRACT_SCALAR\s*\(/i],
  ['JSON_QUERY_ARRAY', /\bJSON_QUERY_ARRAY\s*\(/i],
  ['GENERATE_DATE_ARRAY', /\bGENERATE_DATE_ARRAY\s*\(/i],
  ['TIMESTAMP_DIFF', /\bTIMESTAMP_DIFF\s*\(/i],
  ['TIMESTAMP_SUB', /\bTIMESTAMP_SUB\s*\(/i],
  ['DATE_DIFF(a, b, DAY)', /\bDATE_DIFF\s*\([^()]*,\s*DAY\s*\)/i],
  ['DATE_ADD/DATE_SUB', /\bDATE_(ADD|SUB)\s*\(/i],
  ['ISOWEEK / WEEK part', /\b(ISO)?WEEK\s*\)/],
  ['LOGICAL_OR', /\bLOGICAL_OR\s*\(/i],
  ['FORMAT_DATE', /\bFORMAT_DATE\s*\(/i],
  ['DIV(', /\bDIV\s*\(/],
  ["backslash-escaped quote (\\')", /\\'/],
];
/** DuckDB-only spellings that BigQuery rejects. */
const DUCKDB_ONLY: [string, RegExp][] = [
  ['json_extract_string', /\bjson_extract(_string)?\s*\(/i],
  ['TIMESTAMPTZ', /\bTIMESTAMPTZ\b/i],
  ['DOUBLE', /\bDOUBLE\b/],
  ['EXCLUDE', /\bEXCLUDE\s*\(/i],
  ['//', /\)\s*\/\/\s*\(/],
  ['to_days', /\bto_days\s*\(/i],
  ['bool_or', /\bbool_or\s*\(/i],
  ['strftime', /\bstrftime\s*\(/i],
  ['generate_series', /\bgenerate_series\s*\(/i],
  ["timezone('…', ts)", /\btimezone\s*\(/i],
];

let bigquery: Graph;
let duckdb: Graph;
beforeAll(async () => {
  [bigquery, duckdb] = await Promise.all([compile({ dialect: 'bigquery' }), compile({ dialect: 'duckdb', snapshot_date: '2024-03-10', shop_timezone: 'Europe/London' })]);
}, 120_000);

test.each([['bigquery'], ['duckdb']])('the %s build compiles with no graph errors and every table', (dialect) => {
  const g = dialect === 'bigquery' ? bigquery : duckdb;
  expect(g.graphErrors?.compilationErrors ?? []).toEqual([]);
  expect((g.tables ?? []).map((t) => key(t.target)).sort()).toEqual([...TABLES, ...VIEWS].sort());
  expect((g.tables ?? []).filter((t) => t.enumType === 'VIEW' || t.type === 'view').map((t) => key(t.target))).toEqual(VIEWS);
  expect((g.declarations ?? []).map((d) => key(d.target)).sort()).toEqual(['shop_predictions.prediction_log', 'shop_raw.events', 'shop_raw.privacy_audit', 'shop_raw.quarantine']);
});

test('the DuckDB build uses no BigQuery-only spelling (backtick names aside, which the runner rewrites)', () => {
  const problems: string[] = [];
  for (const a of actions(duckdb)) {
    for (const sql of sqlOf(a)) {
      const names = sql.replace(/`[^`\s]+\.[^`\s]+\.[^`\s]+`/g, 'x.y');
      if (names.includes('`')) problems.push(`${key(a.target)}: a backtick outside a table name`);
      for (const [what, re] of BIGQUERY_ONLY) if (re.test(sql)) problems.push(`${key(a.target)}: ${what}`);
    }
  }
  expect([...new Set(problems)]).toEqual([]);
});

test('the BigQuery build uses no DuckDB-only spelling', () => {
  const problems: string[] = [];
  for (const a of actions(bigquery)) for (const sql of sqlOf(a)) for (const [what, re] of DUCKDB_ONLY) if (re.test(sql)) problems.push(`${key(a.target)}: ${what}`);
  expect([...new Set(problems)]).toEqual([]);
});

test('vars reach the SQL: snapshot date and shop time zone', () => {
  const rfm = (duckdb.tables ?? []).find((t) => key(t.target) === 'shop_features.customer_rfm')!;
  expect(rfm.query).toContain("DATE '2024-03-10'");
  expect(rfm.incrementalPreOps?.join('\n')).toMatch(/DELETE FROM `[^`]+\.shop_features\.customer_rfm` WHERE snapshot_date = DATE '2024-03-10'/);
  const orders = (duckdb.tables ?? []).find((t) => key(t.target) === 'shop_staging.orders')!;
  expect(orders.query).toContain("timezone('Europe/London', created_at)");
  expect((bigquery.tables ?? []).find((t) => key(t.target) === 'shop_staging.orders')!.query).toContain("DATE(created_at, 'UTC')");
});

test('every table has assertions, every view reads only checked tables, and every feature table is keyed by snapshot_date', () => {
  const checked = new Set((duckdb.assertions ?? []).flatMap((a) => [a.parentAction, ...(a.dependencyTargets ?? [])].filter((t): t is Target => !!t).map(key)));
  expect(TABLES.filter((t) => !checked.has(t))).toEqual([]);
  for (const v of VIEWS) {
    const reads = (duckdb.tables ?? []).find((t) => key(t.target) === v)!.dependencyTargets!.map(key);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((t) => !checked.has(t))).toEqual([]);
  }
  for (const d of ['shop_raw.events', 'shop_raw.quarantine']) expect(checked.has(d)).toBe(true);
  for (const t of (duckdb.tables ?? []).filter((x) => x.target.schema === 'shop_features')) expect(t.query).toMatch(VIEWS.includes(key(t.target)) ? /^\s*snapshot_date,$/m : /AS snapshot_date/);
});

test('incremental staging tables merge on a unique key and read only new events on incremental runs', () => {
  for (const name of ['shop_staging.orders', 'shop_staging.order_lines']) {
    const t = (bigquery.tables ?? []).find((x) => key(x.target) === name)!;
    expect(t.type).toBe('incremental');
    expect((t as { uniqueKey?: string[] }).uniqueKey?.length).toBeGreaterThan(0);
    expect(t.incrementalQuery).not.toEqual(t.query);
  }
});

test('every SQLX file starts with a header comment', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.sqlx')) files.push(p);
    }
  };
  walk(path.join(PROJECT, 'definitions'));
  expect(files.length).toBeGreaterThanOrEqual(19);
  for (const f of files) expect([path.relative(PROJECT, f), readFileSync(f, 'utf8').startsWith('-- ')]).toEqual([path.relative(PROJECT, f), true]);
});
