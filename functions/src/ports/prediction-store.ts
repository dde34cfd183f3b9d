// Port: where batch scores go (shop_predictions.*: DuckDB embedded, BigQuery in the cloud); a batch replaces its (shop, snapshot_date, model, version) rows; the newest batch is read back.
import type { PredictionRead, PredictionReadResult } from '../serving/prediction-read';
import type { PredictionBatch } from '../serving/prediction-tables';

export interface PredictionWrite {
  /** `shop_predictions.<table>` */
  table: string;
  /** Rows of the same key written before (and removed). */
  replaced: number;
  inserted: number;
}

export interface PredictionStore {
  /**
   * Writes each batch so that afterwards its table holds exactly the batch's rows for its key (shop, snapshot_date, model,
   * version): re-scoring replaces, never duplicates. Creates the tables where the store may (embedded).
   */
  replace(batches: readonly PredictionBatch[]): Promise<PredictionWrite[]>;
  /**
   * The newest batch (latest snapshot, then latest scored_at, then highest version) holding any of the read's values,
   * with its rows for those values; null when no batch holds one (or the table does not exist yet). The serving
   * fallback: "the last batch score".
   */
  read(query: PredictionRead): Promise<PredictionReadResult | null>;
}

/** What batch scoring needs: writing only (the training pipeline never reads scores back). */
export type PredictionWriter = Pick<PredictionStore, 'replace'>;
