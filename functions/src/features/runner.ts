// Runs the feature graph on DuckDB: compile (real Dataform CLI) → plan → execute, with timing, row counts and gates.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { ShopMlopsError } from '../core/errors';
import { ASSERTION_PASSES as PASSED, type FeatureWarehouse } from './feature-warehouse';
import { bindSnapshotDate, compileProjectDeferred } from './compile';
import { boxedUniqueKeyCheck } from './key-box';
import { planDuckdb, type ActionKind, type PlannedAction, type TagFilter } from './plan';

export interface ActionReport {
  name: string;
  type: ActionKind;
  status: 'ok' | 'failed' | 'skipped';
  /** Tables: how they were built. Assertions: 'incremental' when only the rows this run wrote were checked. */
  mode?: 'full' | 'incremental';
  rows?: number;
  seconds: number;
  error?: string;
  sql?: string;
  /** Assertions: the first failing rows. */
  failingRows?: Record<string, unknown>[];
}

export interface RunReport {
  snapshotDate: string;
  timezone: string;
  ok: boolean;
  seconds: number;
  actions: ActionReport[];
}

export interface RunOptions {
  warehouse: FeatureWarehouse;
  projectDir?: string;
  snapshotDate: string;
  timezone?: string;
  fullRefresh?: boolean;
  /** Where compilations are cached (default: the OS temp dir). */
  compileCacheDir?: string;
  onProgress?: (a: ActionReport, index: number, total: number) => void;
  /** Which actions run, by Dataform tag (default FEATURES_RUN: everything but the monitoring actions). */
  tags?: TagFilter;
}

/** The tag of the monitoring actions (dataform/definitions/monitoring): the outcome join, run on its own schedule. */
export const MONITORING_TAG = 'monitoring';
/** The features run: staging, features and their assertions; the monitoring actions run apart (monitoring/outcomes-job.ts). */
export const FEATURES_RUN: TagFilter = { exclude: [MONITORING_TAG] };
/** The monitoring run: only the monitoring actions, over the staging tables the features run built. */
export const MONITORING_RUN: TagFilter = { include: [MONITORING_TAG] };

export const DEFAULT_PROJECT_DIR = path.resolve(__dirname, '../../../dataform');

/** 'BASE TABLE', 'VIEW', or undefined when the action's target does not exist yet. */
/** Does the full build's SELECT give columns (names, types) the existing table does not have? */
async function columnsChanged(w: FeatureWarehouse, a: PlannedAction): Promise<boolean> {
  if (!a.query) return false;
  const shape = (rows: Record<string, unknown>[]) => new Map(rows.map((r) => [String(r['column_name']), String(r['column_type'])]));
  const have = shape(await w.execute(`DESCRIBE "${a.target.schema}"."${a.target.name}"`));
  const want = shape(await w.execute(`DESCRIBE ${a.query}`));
  for (const [column, type] of want) if (have.get(column) !== type) return true;
  return false;
}

async function relationType(w: FeatureWarehouse, a: PlannedAction): Promise<string | undefined> {
  const r = await w.execute('SELECT table_type FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [a.target.schema, a.target.name]);
  return r[0] ? String(r[0]['table_type']) : undefined;
}

/**
 * An action whose target exists as the other kind of relation (a table that became a view, or back) drops it first,
 * as Dataform does in BigQuery; the drop is part of the action's transaction.
 */
function dropOtherKind(a: PlannedAction, existing: string | undefined): string[] {
  const name = `"${a.target.schema}"."${a.target.name}"`;
  if (a.kind === 'view' && existing === 'BASE TABLE') return [`DROP TABLE ${name}`];
  if ((a.kind === 'table' || a.kind === 'incremental') && existing === 'VIEW') return [`DROP VIEW ${name}`];
  return [];
}

export async function runFeatures(o: RunOptions): Promise<RunReport> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.snapshotDate)) throw new ShopMlopsError('BAD_REQUEST', `snapshot date must be YYYY-MM-DD, got ${o.snapshotDate}`);
  const timezone = o.timezone ?? 'UTC';
  const started = performance.now();
  const graph = bindSnapshotDate(await compileProjectDeferred({ projectDir: o.projectDir ?? DEFAULT_PROJECT_DIR, dialect: 'duckdb', vars: { shop_timezone: timezone }, ...(o.compileCacheDir ? { cacheDir: o.compileCacheDir } : {}) }), o.snapshotDate);
  const plan = planDuckdb(graph, o.tags ?? FEATURES_RUN);
  const failed = new Set<string>();
  const reports: ActionReport[] = [];
  // Built-in assertions of a table built incrementally check only its new rows when their last check passed.
  await o.warehouse.execute(`CREATE SCHEMA IF NOT EXISTS shop_assertions`);
  // A pass counts for the SQL that passed: an edited check runs on the whole table first.
  const hasHash = await o.warehouse.execute(`SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = 'shop_assertions' AND table_name = 'passed' AND column_name = 'sql_sha256'`);
  if (Number(hasHash[0]?.['n'] ?? 0) === 0) await o.warehouse.execute(`DROP TABLE IF EXISTS ${PASSED}`);
  await o.warehouse.execute(`CREATE TABLE IF NOT EXISTS ${PASSED} (assertion VARCHAR PRIMARY KEY, sql_sha256 VARCHAR NOT NULL, checked_at TIMESTAMPTZ NOT NULL)`);
  const passedBefore = new Set((await o.warehouse.execute(`SELECT assertion, sql_sha256 FROM ${PASSED}`)).map((r) => `${String(r['assertion'])} ${String(r['sql_sha256'])}`));
  const sha = (sql: string) => createHash('sha256').update(sql).digest('hex');
  const builtIncrementally = new Map<string, string>(); // table key -> temp table of its new rows
  const passes: [assertion: string, sha: string][] = [];
  try {
    for (const [i, a] of plan.entries()) {
      const t0 = performance.now();
      const report: ActionReport = { name: a.key, type: a.kind, status: 'ok', seconds: 0 };
      const blocker = a.dependsOn.find((d) => failed.has(d));
      if (blocker) {
        report.status = 'skipped';
        report.error = `skipped: ${blocker} failed`;
        failed.add(a.key);
      } else {
        let current = '';
        try {
          if (a.kind === 'assertion') {
            const fullSha = sha(a.full[0]!);
            const scoped = a.scoped !== undefined && a.scopedOn !== undefined && a.scopedOn.every((t) => builtIncrementally.has(t)) && passedBefore.has(`${a.key} ${fullSha}`);
            current = scoped ? a.scoped! : a.full[0]!;
            if (scoped && a.keyBox) current = (await boxedUniqueKeyCheck(o.warehouse, a.keyBox.table, builtIncrementally.get(a.checks!)!, a.keyBox.keys)) ?? current;
            report.mode = scoped ? 'incremental' : 'full';
            const rows = await o.warehouse.execute(`SELECT * FROM (${current}) AS failing LIMIT 10`);
            // A failure is recorded at once (a crash must not leave an old pass behind); passes are written together
            // when the run ends (one commit instead of one per check; a pass lost in a crash costs a whole-table check).
            if (rows.length) await o.warehouse.execute(`DELETE FROM ${PASSED} WHERE assertion = $1`, [a.key]);
            else passes.push([a.key, fullSha]);
            if (rows.length) {
              report.status = 'failed';
              report.failingRows = rows;
              report.error = `assertion failed: ${rows.length === 10 ? '10 or more' : rows.length} row(s), e.g. ${JSON.stringify(rows[0])}`;
              report.sql = current;
              failed.add(a.key);
              if (a.checks) failed.add(a.checks);
            }
          } else {
            const existing = await relationType(o.warehouse, a);
            // A table whose query now yields other columns or types (a field added to a STRUCT, a new column) is rebuilt:
            // appending to the old shape would drop the new fields or fail.
            const incremental = a.kind === 'incremental' && !o.fullRefresh && existing === 'BASE TABLE' && !(await columnsChanged(o.warehouse, a));
            if (a.kind === 'incremental') report.mode = incremental ? 'incremental' : 'full';
            const statements = [...dropOtherKind(a, existing), ...(incremental ? a.incremental! : a.full)];
            await o.warehouse.transaction(async (exec) => {
              for (const s of statements) {
                current = s;
                await exec(s);
              }
            });
            if (incremental && a.newRows) builtIncrementally.set(a.key, a.newRows);
            if (a.kind === 'table' || a.kind === 'incremental') {
              // views are not counted: counting one computes it over its whole history
              const n = await o.warehouse.execute(`SELECT count(*) AS n FROM "${a.target.schema}"."${a.target.name}"`);
              report.rows = Number(n[0]?.['n'] ?? 0);
            }
          }
        } catch (err) {
          report.status = 'failed';
          report.error = (err as Error).message;
          report.sql = current;
          failed.add(a.key);
        }
      }
      report.seconds = (performance.now() - t0) / 1000;
      reports.push(report);
      o.onProgress?.(report, i, plan.length);
    }
  } finally {
    for (const t of builtIncrementally.values()) await o.warehouse.execute(`DROP TABLE IF EXISTS ${t}`);
    if (passes.length) {
      await o.warehouse.execute(`INSERT OR REPLACE INTO ${PASSED} VALUES ${passes.map((_, i) => `($${2 * i + 1}, $${2 * i + 2}, now())`).join(', ')}`, passes.flat());
    }
  }
  return { snapshotDate: o.snapshotDate, timezone, ok: reports.every((r) => r.status === 'ok'), seconds: (performance.now() - started) / 1000, actions: reports };
}
