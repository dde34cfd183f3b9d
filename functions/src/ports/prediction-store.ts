// Port: where batch scores go (shop_predictions.*: DuckDB embedded, BigQuery in the cloud); a batch replaces its (shop, snapshot_date, model, version) rows.
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
}
