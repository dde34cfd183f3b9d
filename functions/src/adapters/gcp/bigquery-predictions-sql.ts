// Pure builders of the parameterised BigQuery SQL on shop_predictions: replacing a batch's rows, the serving fallback's read, the metafields write-back's newest batches (values only as parameters).
import { PREDICTIONS_DATASET, PREDICTION_TABLES, type PredictionBatch, type PredictionColumnType, type PredictionRow, type PredictionTableName } from '../../serving/prediction-tables';
import { assertRead, type PredictionRead } from '../../serving/prediction-read';
import { qualified, type ParamType, type Statement } from './bigquery-sql';

/** How a column travels as a query parameter (dates and timestamps as text, cast in SQL). */
const WIRE: Record<PredictionColumnType, ParamType> = { STRING: 'STRING', DATE: 'STRING', TIMESTAMP: 'STRING', INT64: 'INT64', FLOAT64: 'FLOAT64', BOOL: 'BOOL' };
const CAST: Record<PredictionColumnType, (x: string) => string> = {
  STRING: (x) => x,
  DATE: (x) => `DATE(${x})`,
  TIMESTAMP: (x) => `TIMESTAMP(${x})`,
  INT64: (x) => x,
  FLOAT64: (x) => x,
  BOOL: (x) => x,
};

const keyParams = (b: PredictionBatch) => ({
  params: { shop: b.key.shop, snapshot_date: b.key.snapshotDate, model: b.key.model, version: b.key.version },
  types: { shop: 'STRING', snapshot_date: 'STRING', model: 'STRING', version: 'INT64' } as Record<string, ParamType>,
});

export const predictionTable = (projectId: string, t: PredictionTableName): string => qualified(projectId, `${PREDICTIONS_DATASET}.${t}`);

/** Removes the batch key's rows (numDmlAffectedRows = rows replaced). */
export function deleteBatchSql(projectId: string, b: PredictionBatch): Statement {
  return { sql: `DELETE FROM ${predictionTable(projectId, b.table)} WHERE shop = @shop AND snapshot_date = DATE(@snapshot_date) AND model = @model AND version = @version`, ...keyParams(b) };
}

/** Inserts rows of the batch (the key columns from the batch key) from one ARRAY<STRUCT> parameter. */
export function insertRowsSql(projectId: string, b: PredictionBatch, rows: readonly PredictionRow[]): Statement {
  const cols = PREDICTION_TABLES[b.table].columns;
  const struct = Object.fromEntries(cols.map((c) => [c.name, WIRE[c.type]]));
  const key: PredictionRow = { shop: b.key.shop, snapshot_date: b.key.snapshotDate, model: b.key.model, version: b.key.version };
  const values = rows.map((r) => Object.fromEntries(cols.map((c) => [c.name, key[c.name] ?? r[c.name] ?? null])));
  return {
    sql: `INSERT INTO ${predictionTable(projectId, b.table)} (${cols.map((c) => c.name).join(', ')})
SELECT ${cols.map((c) => CAST[c.type](`r.${c.name}`)).join(', ')}
FROM UNNEST(@rows) AS r`,
    params: { rows: values },
    types: { rows: [struct] },
  };
}

/** A table's columns of `m` as a reader gets them: dates and timestamps as text (ISO, milliseconds, Z). */
const textColumns = (table: PredictionTableName): string[] =>
  PREDICTION_TABLES[table].columns.map((c) => (c.type === 'DATE' ? `CAST(m.${c.name} AS STRING) AS ${c.name}` : c.type === 'TIMESTAMP' ? `FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', m.${c.name}) AS ${c.name}` : `m.${c.name}`));

/** The newest batch holding any of the read's values, its rows for them (PredictionStore.read); dates and timestamps as text. */
export function readLatestSql(projectId: string, r: PredictionRead): Statement {
  assertRead(r);
  const t = PREDICTION_TABLES[r.table];
  const cols = textColumns(r.table);
  const pin = r.batch ? ' AND snapshot_date = DATE(@snapshot_date) AND version = @version' : '';
  return {
    sql: `WITH m AS (SELECT * FROM ${predictionTable(projectId, r.table)} WHERE shop = @shop AND ${r.column} IN UNNEST(@values)${pin}),
b AS (SELECT snapshot_date, version FROM m ORDER BY snapshot_date DESC, scored_at DESC, version DESC LIMIT 1)
SELECT ${cols.join(', ')} FROM m JOIN b ON m.snapshot_date = b.snapshot_date AND m.version = b.version ORDER BY ${t.grain.map((g) => `m.${g}`).join(', ')}`,
    params: { shop: r.shop, values: [...r.values], ...(r.batch ? { snapshot_date: r.batch.snapshotDate, version: r.batch.version } : {}) },
    types: { shop: 'STRING', values: ['STRING'], ...(r.batch ? { snapshot_date: 'STRING', version: 'INT64' } : {}) },
  };
}

/** Shops with any row in the table (the write-back's shops). */
export function scoredShopsSql(projectId: string, table: PredictionTableName): Statement {
  return { sql: `SELECT DISTINCT shop FROM ${predictionTable(projectId, table)} ORDER BY shop`, params: {}, types: {} };
}

/** Every row of a shop's newest batch of the table (latest snapshot, then scored_at, then version: as readLatestSql), by grain. */
export function newestBatchSql(projectId: string, table: PredictionTableName, shop: string): Statement {
  const t = PREDICTION_TABLES[table];
  return {
    sql: `WITH m AS (SELECT * FROM ${predictionTable(projectId, table)} WHERE shop = @shop),
b AS (SELECT snapshot_date, version FROM m ORDER BY snapshot_date DESC, scored_at DESC, version DESC LIMIT 1)
SELECT ${textColumns(table).join(', ')} FROM m JOIN b ON m.snapshot_date = b.snapshot_date AND m.version = b.version ORDER BY ${t.grain.map((g) => `m.${g}`).join(', ')}`,
    params: { shop },
    types: { shop: 'STRING' },
  };
}
