// PredictionStore on the embedded DuckDB warehouse: creates schema shop_predictions, replaces a batch's (shop, snapshot_date, model, version) rows in one transaction.
import type { PredictionStore, PredictionWrite } from '../../ports/prediction-store';
import type { Row } from '../../ports/warehouse';
import { assertRead, readResult, type PredictionRead } from '../../serving/prediction-read';
import { duckdbCreatePredictionLog } from '../../serving/prediction-log-table';
import { PREDICTIONS_DATASET, PREDICTION_TABLES, assertBatch, PREDICTION_TABLE_NAMES, duckdbCreatePredictionTable, duckdbType, qualifiedPredictionTable, type PredictionBatch } from '../../serving/prediction-tables';

type Exec = (sql: string, params?: unknown[]) => Promise<Row[]>;

/** Creates the log table (and its schema) when absent. */
export async function ensurePredictionLogTable(exec: Exec): Promise<void> {
  await exec(`CREATE SCHEMA IF NOT EXISTS ${PREDICTIONS_DATASET}`);
  await exec(duckdbCreatePredictionLog());
}

/** The part of DuckDbWarehouse the store needs. */
export interface DuckDbTransactions {
  transaction<T>(fn: (exec: Exec) => Promise<T>): Promise<T>;
  /** A statement outside a transaction (reads); the store falls back to a transaction without it. */
  execute?: Exec;
}

/** Rows per INSERT statement (one JSON parameter each). */
const CHUNK = 5_000;

const q = (name: string) => `"${name}"`;

/** Creates shop_predictions and its tables when absent (idempotent). */
export async function ensurePredictionTables(exec: Exec): Promise<void> {
  await exec(`CREATE SCHEMA IF NOT EXISTS ${PREDICTIONS_DATASET}`);
  for (const t of PREDICTION_TABLE_NAMES) await exec(duckdbCreatePredictionTable(t));
  await ensurePredictionLogTable(exec);
}

/** The newest batch holding any of the read's values (see PredictionStore.read). */
export async function readLatest(exec: Exec, r: PredictionRead): Promise<ReturnType<typeof readResult>> {
  assertRead(r);
  const [schema, name] = [PREDICTIONS_DATASET, r.table];
  const exists = await exec('SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, name]);
  if (Number(exists[0]?.['n'] ?? 0) === 0) return null;
  const t = PREDICTION_TABLES[r.table];
  const pin = r.batch ? ' AND snapshot_date = $3::DATE AND version = $4' : '';
  const params: unknown[] = [r.shop, JSON.stringify(r.values), ...(r.batch ? [r.batch.snapshotDate, r.batch.version] : [])];
  const cols = t.columns.map((c) => (c.type === 'DATE' ? `strftime(m.${q(c.name)}, '%Y-%m-%d') AS ${q(c.name)}` : c.type === 'TIMESTAMP' ? `strftime(m.${q(c.name)}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${q(c.name)}` : `m.${q(c.name)}`));
  const rows = await exec(
    `WITH m AS (SELECT * FROM ${qualifiedPredictionTable(r.table)} WHERE shop = $1 AND ${q(r.column)} IN (SELECT unnest(from_json($2, '["VARCHAR"]')))${pin}),
     b AS (SELECT snapshot_date, version FROM m ORDER BY snapshot_date DESC, scored_at DESC, version DESC LIMIT 1)
     SELECT ${cols.join(', ')} FROM m JOIN b ON m.snapshot_date = b.snapshot_date AND m.version = b.version ORDER BY ${t.grain.map((g) => `m.${q(g)}`).join(', ')}`,
    params,
  );
  return readResult(r.table, rows);
}

/** One batch: delete its key's rows, insert its rows (within the caller's transaction). */
export async function replaceBatch(exec: Exec, b: PredictionBatch): Promise<PredictionWrite> {
  assertBatch(b);
  const table = qualifiedPredictionTable(b.table);
  const cols = PREDICTION_TABLES[b.table].columns;
  const where = 'WHERE shop = $1 AND snapshot_date = $2::DATE AND model = $3 AND version = $4';
  const keyParams = [b.key.shop, b.key.snapshotDate, b.key.model, b.key.version];
  const before = Number((await exec(`SELECT count(*) AS n FROM ${table} ${where}`, keyParams))[0]?.['n'] ?? 0);
  await exec(`DELETE FROM ${table} ${where}`, keyParams);
  // Values arrive as JSON: dates and timestamps as text (cast on insert), numbers as DOUBLE/BIGINT, booleans as BOOLEAN.
  const wire = (t: string) => (t === 'DATE' || t === 'TIMESTAMPTZ' ? 'VARCHAR' : t);
  const structure = JSON.stringify(Object.fromEntries(cols.map((c) => [c.name, wire(duckdbType(c.type))])));
  const select = cols.map((c) => `r.${q(c.name)}::${duckdbType(c.type)}`).join(', ');
  for (let i = 0; i < b.rows.length; i += CHUNK) {
    // The key columns come from the batch key, so a batch never writes rows of another key.
    const chunk = b.rows.slice(i, i + CHUNK).map((r) => ({ ...r, shop: b.key.shop, snapshot_date: b.key.snapshotDate, model: b.key.model, version: b.key.version }));
    await exec(`INSERT INTO ${table} (${cols.map((c) => q(c.name)).join(', ')}) SELECT ${select} FROM (SELECT unnest(from_json($1, '[${structure}]')) AS r)`, [JSON.stringify(chunk)]);
  }
  return { table, replaced: before, inserted: b.rows.length };
}

export function createDuckDbPredictionStore(warehouse: DuckDbTransactions): PredictionStore {
  return {
    replace: (batches) =>
      warehouse.transaction(async (exec) => {
        await ensurePredictionTables(exec);
        const out: PredictionWrite[] = [];
        for (const b of batches) out.push(await replaceBatch(exec, b));
        return out;
      }),
    read: (r) => (warehouse.execute ? readLatest(warehouse.execute, r) : warehouse.transaction((exec) => readLatest(exec, r))),
  };
}
