// PredictionStore on the embedded DuckDB warehouse: creates schema shop_predictions, replaces a batch's (shop, snapshot_date, model, version) rows in one transaction.
import type { PredictionStore, PredictionWrite } from '../../ports/prediction-store';
import type { Row } from '../../ports/warehouse';
import { PREDICTIONS_DATASET, PREDICTION_TABLES, assertBatch, PREDICTION_TABLE_NAMES, duckdbCreatePredictionTable, duckdbType, qualifiedPredictionTable, type PredictionBatch } from '../../serving/prediction-tables';

type Exec = (sql: string, params?: unknown[]) => Promise<Row[]>;

/** The part of DuckDbWarehouse the store needs. */
export interface DuckDbTransactions {
  transaction<T>(fn: (exec: Exec) => Promise<T>): Promise<T>;
}

/** Rows per INSERT statement (one JSON parameter each). */
const CHUNK = 5_000;

const q = (name: string) => `"${name}"`;

/** Creates shop_predictions and its tables when absent (idempotent). */
export async function ensurePredictionTables(exec: Exec): Promise<void> {
  await exec(`CREATE SCHEMA IF NOT EXISTS ${PREDICTIONS_DATASET}`);
  for (const t of PREDICTION_TABLE_NAMES) await exec(duckdbCreatePredictionTable(t));
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
  };
}
