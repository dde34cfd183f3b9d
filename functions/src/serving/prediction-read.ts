// Reading the last batch scores back (the serving fallback): which rows a read names, checked against the table definition, and rows normalised to plain JSON values.
import { ShopMlopsError } from '../core/errors';
import { PREDICTION_TABLES, type PredictionRow, type PredictionTableName } from './prediction-tables';

/** Rows of the newest batch of a table holding any of `values` in `column` (a grain column of the table). */
export interface PredictionRead {
  table: PredictionTableName;
  shop: string;
  column: string;
  values: readonly string[];
  /** Read this batch instead of the newest (e.g. a variant's forecast days from the batch its replenishment row came from). */
  batch?: { snapshotDate: string; version: number };
}

export interface PredictionReadResult {
  snapshotDate: string;
  version: number;
  /** Ordered by the table's grain. */
  rows: PredictionRow[];
}

/** Refuses a read naming a column its table does not key rows by (column names are quoted into SQL). */
export function assertRead(r: PredictionRead): void {
  const t = PREDICTION_TABLES[r.table];
  if (!t) throw new ShopMlopsError('BAD_REQUEST', `no prediction table ${String(r.table)}`);
  if (!t.grain.includes(r.column)) throw new ShopMlopsError('BAD_REQUEST', `${r.table} is not keyed by ${r.column}`);
  if (r.values.length === 0) throw new ShopMlopsError('BAD_REQUEST', 'a prediction read needs at least one value');
}

const toDay = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v)).slice(0, 10);

/** A row as a warehouse returns it (64-bit integers as strings, dates as text or Date objects) → column types. */
export function normalizeRow(table: PredictionTableName, raw: Record<string, unknown>): PredictionRow {
  const out: PredictionRow = {};
  for (const c of PREDICTION_TABLES[table].columns) {
    const v = raw[c.name];
    if (v === null || v === undefined) out[c.name] = null;
    else if (c.type === 'INT64' || c.type === 'FLOAT64') out[c.name] = Number(v);
    else if (c.type === 'BOOL') out[c.name] = v === true || v === 'true';
    else if (c.type === 'DATE') out[c.name] = toDay(v);
    else if (c.type === 'TIMESTAMP') out[c.name] = v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString();
    else out[c.name] = String(v);
  }
  return out;
}

/** The read's result from the rows of its batch (null when none). */
export function readResult(table: PredictionTableName, raw: readonly Record<string, unknown>[]): PredictionReadResult | null {
  if (raw.length === 0) return null;
  const rows = raw.map((r) => normalizeRow(table, r));
  return { snapshotDate: String(rows[0]!['snapshot_date']), version: Number(rows[0]!['version']), rows };
}
