// Runs the fake BigQuery's query jobs on an in-memory DuckDB: tables from the infra/ schema files, a small explicit GoogleSQL → DuckDB rewrite, typed parameters, results in the REST shape.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { QueryParameter, RecordedJob, ScriptedResult } from './fake-bigquery';

/**
 * Only what the adapters under test write is supported, and anything else fails loudly in DuckDB:
 *  - `project.dataset.table` (backticks) → dataset.table; other backticked identifiers → "identifier";
 *  - `x IN UNNEST(a)` → `x IN (SELECT unnest(a))`; `FROM UNNEST(a) AS r` → `FROM (SELECT unnest(a) AS r)`;
 *  - `TIMESTAMP(x)` (text to timestamp) → `CAST(x AS TIMESTAMPTZ)`;
 *  - `@name` → the typed parameter (arrays and structs travel as JSON through from_json);
 *  - PARSE_JSON, TO_JSON_STRING and FORMAT_TIMESTAMP ('%E3S') as DuckDB macros; a script splits on `;` at line ends.
 */
export interface BigQueryOnDuckDb {
  respond(job: RecordedJob): Promise<ScriptedResult>;
  /** Runs DuckDB SQL directly (to arrange a state the adapter could not, e.g. a concurrent writer's row). */
  exec(sql: string): Promise<void>;
  close(): void;
}

const DUCK: Record<string, string> = { STRING: 'VARCHAR', INT64: 'BIGINT', INTEGER: 'BIGINT', FLOAT64: 'DOUBLE', FLOAT: 'DOUBLE', BOOL: 'BOOLEAN', BOOLEAN: 'BOOLEAN', TIMESTAMP: 'TIMESTAMPTZ', DATE: 'DATE', JSON: 'JSON' };

function duckType(t: QueryParameter['parameterType']): string {
  if (t.type === 'ARRAY') return `${duckType(t.arrayType!)}[]`;
  if (t.type === 'STRUCT') return `STRUCT(${(t.structTypes ?? []).map((s) => `"${s.name}" ${duckType(s.type)}`).join(', ')})`;
  const d = DUCK[t.type];
  if (!d) throw new Error(`bigquery-on-duckdb: no DuckDB type for parameter type ${t.type}`);
  return d;
}

/** A parameter as a JSON value of its declared type (the wire carries scalars as strings). */
function jsonValue(p: QueryParameter['parameterValue'] | undefined, t: QueryParameter['parameterType']): unknown {
  if (p === undefined) return null;
  if (t.type === 'ARRAY') return (p.arrayValues ?? []).map((v) => jsonValue(v, t.arrayType!));
  if (t.type === 'STRUCT') return Object.fromEntries((t.structTypes ?? []).map((s) => [s.name, jsonValue(p.structValues?.[s.name], s.type)]));
  const v = p.value ?? null;
  if (v === null) return null;
  if (t.type === 'INT64' || t.type === 'FLOAT64') return Number(v);
  if (t.type === 'BOOL') return v === true || v === 'true';
  return String(v);
}

/** The DuckDB expression standing for `@name`. */
function paramExpr(q: QueryParameter, values: unknown[]): string {
  const v = jsonValue(q.parameterValue, q.parameterType);
  if (q.parameterType.type === 'ARRAY' || q.parameterType.type === 'STRUCT') {
    values.push(JSON.stringify(v));
    return `CAST(CAST($${values.length} AS JSON) AS ${duckType(q.parameterType)})`;
  }
  values.push(v === null ? null : String(v));
  return `CAST($${values.length} AS ${duckType(q.parameterType)})`;
}

export function translate(sql: string, params: readonly QueryParameter[]): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const byName = new Map(params.map((p) => [p.name, p]));
  const out = sql
    .replace(/`([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)`/g, '$2.$3')
    .replace(/`([A-Za-z0-9_]+)`/g, '"$1"')
    .replace(/\bIN UNNEST\(([^()]*)\)/g, 'IN (SELECT unnest($1))')
    .replace(/\bFROM UNNEST\(([^()]*)\) AS (\w+)/g, 'FROM (SELECT unnest($1) AS $2)')
    .replace(/\bTIMESTAMP\(([^()]*)\)/g, 'CAST($1 AS TIMESTAMPTZ)')
    .replace(/@(\w+)/g, (_, name: string) => {
      const q = byName.get(name);
      if (!q) throw new Error(`bigquery-on-duckdb: query parameter @${name} was not sent`);
      return paramExpr(q, values);
    })
    .replace(/\bCOMMIT TRANSACTION\b/g, 'COMMIT');
  return { sql: out, values };
}

const BQ_TYPE = (duck: string): string => (/^(BIGINT|INTEGER|HUGEINT|SMALLINT|TINYINT|UBIGINT)$/.test(duck) ? 'INTEGER' : /^(DOUBLE|FLOAT|DECIMAL)/.test(duck) ? 'FLOAT' : duck === 'BOOLEAN' ? 'BOOLEAN' : 'STRING');

async function runStatement(conn: DuckDBConnection, sql: string, values: unknown[]): Promise<ScriptedResult> {
  // DuckDB numbers parameters by position in the statement; a statement of a script gets only the ones it uses.
  const used = [...new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
  const renumbered = sql.replace(/\$(\d+)/g, (_, n: string) => `$${used.indexOf(Number(n)) + 1}`);
  const args = used.map((n) => values[n - 1]);
  if (/^\s*(INSERT|UPDATE|DELETE|MERGE)\b/i.test(sql)) {
    const r = await conn.run(renumbered, args as never);
    return { numDmlAffectedRows: Number(r.rowsChanged) };
  }
  const reader = await conn.runAndReadAll(renumbered, args as never);
  const names = reader.columnNames();
  const types = reader.columnTypes().map((t) => BQ_TYPE(t.toString()));
  const rows = reader.getRowObjectsJson().map((r) => ({ f: names.map((n) => ({ v: r[n] === null || r[n] === undefined ? null : typeof r[n] === 'object' ? JSON.stringify(r[n]) : String(r[n]) })) }));
  return { schema: { fields: names.map((name, i) => ({ name, type: types[i]!, mode: 'NULLABLE' })) }, rows };
}

/** Creates the tables `schemas` name (dataset.table → infra/schemas file), as Terraform would in BigQuery. */
export async function startBigQueryOnDuckDb(schemas: Record<string, string>): Promise<BigQueryOnDuckDb> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  await conn.run('CREATE MACRO parse_json(x) AS CAST(x AS JSON)');
  await conn.run('CREATE MACRO to_json_string(x) AS CAST(to_json(x) AS VARCHAR)');
  await conn.run("CREATE MACRO format_timestamp(f, x) AS strftime(x, replace(f, '%E3S', '%S.%g'))");
  for (const [table, file] of Object.entries(schemas)) {
    const fields = JSON.parse(readFileSync(path.resolve(file), 'utf8')) as Array<{ name: string; type: string; mode: string }>;
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${table.split('.')[0]}`);
    await conn.run(`CREATE TABLE ${table} (${fields.map((f) => `"${f.name}" ${DUCK[f.type]}${f.mode === 'REPEATED' ? '[]' : ''}${f.mode === 'REQUIRED' ? ' NOT NULL' : ''}`).join(', ')})`);
  }
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };
  return {
    respond: (job) =>
      serial(async () => {
        const statements = job.query.split(/;\s*\n/).map((s) => s.replace(/;\s*$/, '').trim()).filter(Boolean);
        let last: ScriptedResult = { numDmlAffectedRows: 0 };
        try {
          for (const s of statements) {
            const t = translate(s, job.queryParameters);
            last = await runStatement(conn, t.sql, t.values);
          }
          return last;
        } catch (err) {
          await conn.run('ROLLBACK').catch(() => undefined);
          const message = (err as Error).message;
          const missing = /Table with name (\w+) does not exist/.exec(message);
          if (missing) return { error: { status: 404, reason: 'notFound', message: `Not found: Table ${job.projectId}:${missing[1]}` } };
          return { error: { status: 400, reason: 'invalidQuery', message } };
        }
      }),
    exec: (sql) => serial(async () => void (await conn.run(sql))),
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
