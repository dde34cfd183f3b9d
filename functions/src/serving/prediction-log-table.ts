// The prediction log table (shop_predictions.prediction_log): one row per served prediction; one definition for the DuckDB DDL, the BigQuery schema and the docs.
import { PREDICTIONS_DATASET, duckdbType, type PredictionColumn } from './prediction-tables';

export const PREDICTION_LOG_TABLE = 'prediction_log';
/** `shop_predictions.prediction_log` */
export const QUALIFIED_PREDICTION_LOG = `${PREDICTIONS_DATASET}.${PREDICTION_LOG_TABLE}`;

const col = (name: string, type: PredictionColumn['type'], mode: PredictionColumn['mode'], description: string): PredictionColumn => ({ name, type, mode, description });

/** Columns, in order. BigQuery partitions by day on served_at and clusters by (shop, model). */
export const PREDICTION_LOG_COLUMNS: readonly PredictionColumn[] = [
  col('prediction_id', 'STRING', 'REQUIRED', 'unique id of the served prediction (the embedded drain skips ids already landed)'),
  col('shop', 'STRING', 'REQUIRED', 'shop domain (from the verified caller only)'),
  col('served_at', 'TIMESTAMP', 'REQUIRED', 'when the answer was computed'),
  col('route', 'STRING', 'REQUIRED', 'recommendations_product, recommendations_cart, customer_predictions or variant_forecast'),
  col('model', 'STRING', 'REQUIRED', 'endpoint (registered model name)'),
  col('arm', 'STRING', 'REQUIRED', 'champion, challenger or holdout: the arm the unit is assigned to (the exposure)'),
  col('bucket', 'INT64', 'NULLABLE', 'the unit\'s assignment bucket in [0, 10000); null when the request had no unit'),
  col('assigned_version', 'INT64', 'NULLABLE', 'the version of the assigned arm; null for the holdout or when the endpoint state was unknown'),
  col('version', 'INT64', 'NULLABLE', 'the version whose output was served (a model, or the batch scores of a version); null for popularity / nothing'),
  col('served_by', 'STRING', 'REQUIRED', 'model (the arm\'s version), champion, batch, popularity or none'),
  col('fallback', 'BOOL', 'REQUIRED', 'true when a fault made the answer leave the arm\'s model (never for the holdout by design)'),
  col('fallback_reason', 'STRING', 'NULLABLE', 'the first fault: model_error, timeout, unavailable, no_version, no_data'),
  col('customer_id', 'STRING', 'NULLABLE', 'the logged-in customer (the unit when present); deleted on customers/redact'),
  col('visitor_id', 'STRING', 'NULLABLE', 'the anonymous visitor id (the unit when no customer)'),
  col('entity_id', 'STRING', 'NULLABLE', 'what was predicted for: product id(s) comma-joined, customer id or variant id'),
  col('inputs_hash', 'STRING', 'REQUIRED', 'SHA-256 (hex) of the canonical inputs (route, entity, parameters)'),
  col('output', 'STRING', 'NULLABLE', 'the prediction served, as JSON text'),
  col('latency_ms', 'FLOAT64', 'REQUIRED', 'time to compute the answer (ms)'),
];

export function duckdbCreatePredictionLog(): string {
  const cols = PREDICTION_LOG_COLUMNS.map((c) => `${c.name} ${duckdbType(c.type)}${c.mode === 'REQUIRED' ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${QUALIFIED_PREDICTION_LOG} (${cols.join(', ')})`;
}

/** infra/schemas/prediction_log.json */
export function predictionLogBigQuerySchema(): Array<{ name: string; type: string; mode: string; description: string }> {
  return PREDICTION_LOG_COLUMNS.map((c) => ({ name: c.name, type: c.type === 'BOOL' ? 'BOOLEAN' : c.type === 'INT64' ? 'INTEGER' : c.type === 'FLOAT64' ? 'FLOAT' : c.type, mode: c.mode, description: c.description }));
}
