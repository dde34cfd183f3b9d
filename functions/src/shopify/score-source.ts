// Where the write-back reads a shop's newest batch scores from (shop_predictions.*): the port, and the embedded reader over DuckDB (the cloud one: adapters/gcp/bigquery-score-source.ts).
import type { Row } from '../ports/warehouse';
import { PREDICTION_TABLES, PREDICTIONS_DATASET, qualifiedPredictionTable, type PredictionTableName } from '../serving/prediction-tables';
import { normalizeRow } from '../serving/prediction-read';
import type { ScoreBatches } from './metafield-values';

/** The tables the metafields are derived from. */
export const WRITE_BACK_TABLES: readonly PredictionTableName[] = ['customer_clv', 'customer_propensity', 'variant_replenishment', 'product_recommendations'];

export interface ScoreSource {
  /** Shops with any batch score. */
  shops(): Promise<string[]>;
  /** The newest batch (latest snapshot, then scored_at, then version; as PredictionStore.read) of each write-back table of a shop. */
  newest(shop: string): Promise<ScoreBatches>;
}

/** A newest batch's rows as a warehouse returns them → the batch, rows normalised to column types (both readers). */
export function batchOf(table: PredictionTableName, raw: readonly Row[]): NonNullable<ScoreBatches[PredictionTableName]> | null {
  if (!raw.length) return null;
  const rows = raw.map((r) => normalizeRow(table, r));
  return { version: Number(rows[0]!['version']), snapshotDate: String(rows[0]!['snapshot_date']), rows };
}

type Exec = (sql: string, params?: unknown[]) => Promise<Row[]>;
const q = (n: string) => `"${n}"`;

/** Embedded: DuckDB (the runtime's warehouse `execute`, or a transaction's). */
export function duckDbScoreSource(exec: Exec): ScoreSource {
  const existing = async (): Promise<PredictionTableName[]> => {
    const rows = await exec('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [PREDICTIONS_DATASET]);
    const names = new Set(rows.map((r) => String(r['table_name'])));
    return WRITE_BACK_TABLES.filter((t) => names.has(t));
  };
  return {
    async shops() {
      const tables = await existing();
      if (!tables.length) return [];
      const rows = await exec(tables.map((t) => `SELECT DISTINCT shop FROM ${qualifiedPredictionTable(t)}`).join(' UNION ') + ' ORDER BY shop');
      return rows.map((r) => String(r['shop']));
    },
    async newest(shop) {
      const out: ScoreBatches = {};
      for (const t of await existing()) {
        const def = PREDICTION_TABLES[t];
        const cols = def.columns.map((c) => (c.type === 'DATE' ? `strftime(m.${q(c.name)}, '%Y-%m-%d') AS ${q(c.name)}` : c.type === 'TIMESTAMP' ? `strftime(m.${q(c.name)}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${q(c.name)}` : `m.${q(c.name)}`));
        const rows = await exec(
          `WITH m AS (SELECT * FROM ${qualifiedPredictionTable(t)} WHERE shop = $1),
           b AS (SELECT snapshot_date, version FROM m ORDER BY snapshot_date DESC, scored_at DESC, version DESC LIMIT 1)
           SELECT ${cols.join(', ')} FROM m JOIN b ON m.snapshot_date = b.snapshot_date AND m.version = b.version ORDER BY ${def.grain.map((g) => `m.${q(g)}`).join(', ')}`,
          [shop],
        );
        const batch = batchOf(t, rows);
        if (batch) out[t] = batch;
      }
      return out;
    },
  };
}
