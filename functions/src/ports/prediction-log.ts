// Port: the prediction log: every served prediction, recorded off the response path and made durable in the background (DuckDB embedded, Pub/Sub → BigQuery in the cloud).
import type { ArmName } from './endpoints';

export type ServedBy = 'model' | 'champion' | 'batch' | 'popularity' | 'none';
/** Why an answer left the arm's model (the metric label and the log column): a closed set. */
export type FallbackReason = 'model_error' | 'timeout' | 'unavailable' | 'no_version' | 'no_data';
export const FALLBACK_REASONS: readonly FallbackReason[] = ['model_error', 'timeout', 'unavailable', 'no_version', 'no_data'];

/** What every served answer says about where it came from: the answer's labels and the log's columns alike. */
export interface ServedLabels {
  model: string;
  /** The unit's arm (the exposure); 'champion' when there is no unit, no endpoint, or the endpoint state is unknown. */
  arm: ArmName;
  bucket: number | null;
  /** The arm's version (null for the holdout). */
  assigned_version: number | null;
  /** The version whose output was served: a loaded model, or the batch scores it wrote; null for popularity / nothing. */
  version: number | null;
  served_by: ServedBy;
  /** True when a fault made the answer leave the arm's model (the holdout's no-model answer is by design, not a fallback). */
  fallback: boolean;
  fallback_reason: FallbackReason | null;
}

/** One row of shop_predictions.prediction_log (serving/prediction-log-table.ts); timestamps ISO text, output JSON text. */
export interface PredictionLogEntry extends ServedLabels {
  prediction_id: string;
  shop: string;
  served_at: string;
  route: string;
  customer_id: string | null;
  visitor_id: string | null;
  entity_id: string | null;
  inputs_hash: string;
  output: string | null;
  latency_ms: number;
}

export interface PredictionLogStats {
  /** Entries handed to record() and not yet durable. */
  pending: number;
  /** Entries made durable (journal or Pub/Sub acknowledgement). */
  written: number;
  /** Entries lost: the buffer was full, or the cloud publish failed. */
  dropped: number;
}

export interface PredictionLog {
  /** Hands an entry over; never blocks, never throws (the response does not wait for it). */
  record(entry: PredictionLogEntry): void;
  /** Resolves once every entry recorded so far is durable (embedded: journal fdatasync'd; cloud: published). */
  flush(): Promise<void>;
  stats(): PredictionLogStats;
  /** Flushes, then stops the background work. */
  close(): Promise<void>;
}
