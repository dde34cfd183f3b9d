// The shop_predictions tables (batch scores): one definition for the DuckDB DDL, the BigQuery Terraform schemas, the writers and the contract docs.
import { ShopMlopsError } from '../core/errors';
import type { TrainedModelName } from '../training/models/types';

export const PREDICTIONS_DATASET = 'shop_predictions';

export type PredictionColumnType = 'STRING' | 'DATE' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP';
export interface PredictionColumn {
  name: string;
  type: PredictionColumnType;
  mode: 'REQUIRED' | 'NULLABLE';
  description: string;
}

export type PredictionTableName = 'customer_clv' | 'customer_propensity' | 'variant_forecast' | 'variant_replenishment' | 'product_recommendations';

export interface PredictionTable {
  /** The model whose versions write it: a (shop, snapshot_date, model, version) batch replaces its rows. */
  model: TrainedModelName;
  /** Columns after the batch key that identify a row within a batch. */
  grain: readonly string[];
  /** BigQuery clustering (the key columns readers filter on). */
  clustering: readonly string[];
  description: string;
  columns: readonly PredictionColumn[];
}

/** Every table starts with the batch key. */
export const KEY_COLUMNS: readonly PredictionColumn[] = [
  { name: 'shop', type: 'STRING', mode: 'REQUIRED', description: 'shop domain' },
  { name: 'snapshot_date', type: 'DATE', mode: 'REQUIRED', description: 'feature snapshot scored (shop-local day, inclusive)' },
  { name: 'model', type: 'STRING', mode: 'REQUIRED', description: 'registered model name' },
  { name: 'version', type: 'INT64', mode: 'REQUIRED', description: 'registered model version that produced the row' },
];
const SCORED_AT: PredictionColumn = { name: 'scored_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'when the batch was written' };
const SEGMENT: PredictionColumn = { name: 'rfm_segment', type: 'STRING', mode: 'REQUIRED', description: 'RFM segment of shop_features.customer_rfm at the snapshot (one of SEGMENTS in models/propensity/rows.ts; rules in docs/data-contracts.md)' };

const col = (name: string, type: PredictionColumnType, mode: 'REQUIRED' | 'NULLABLE', description: string): PredictionColumn => ({ name, type, mode, description });

export const PREDICTION_TABLES: Record<PredictionTableName, PredictionTable> = {
  customer_clv: {
    model: 'clv',
    grain: ['customer_id'],
    clustering: ['shop', 'customer_id'],
    description: 'Per customer: BG/NBD + Gamma-Gamma predictions of a clv version (every customer of customer_rfm at the snapshot).',
    columns: [
      ...KEY_COLUMNS,
      col('customer_id', 'STRING', 'REQUIRED', 'customer'),
      SEGMENT,
      col('expected_purchases_90d', 'FLOAT64', 'REQUIRED', 'expected repeat purchase days in the 90 days after the snapshot'),
      col('expected_purchases_90d_low', 'FLOAT64', 'NULLABLE', 'lower end of its interval (the fit\'s CI level, parameter uncertainty); null when the fit has none'),
      col('expected_purchases_90d_high', 'FLOAT64', 'NULLABLE', 'upper end of its interval'),
      col('p_alive', 'FLOAT64', 'REQUIRED', 'P(the customer is still active)'),
      col('expected_next_order_date', 'DATE', 'NULLABLE', 'snapshot + 1 / E[rate ∣ alive]: when the next order is expected if alive (read with p_alive); null when beyond ~270 years'),
      col('expected_order_value', 'FLOAT64', 'NULLABLE', 'E[order value] (Gamma-Gamma); null without a spend model'),
      col('clv', 'FLOAT64', 'NULLABLE', 'discounted customer value over clv_horizon_days (shop currency, revenue not margin)'),
      col('clv_low', 'FLOAT64', 'NULLABLE', 'lower end of the CLV interval'),
      col('clv_high', 'FLOAT64', 'NULLABLE', 'upper end of the CLV interval'),
      col('clv_horizon_days', 'INT64', 'REQUIRED', 'horizon of clv'),
      SCORED_AT,
    ],
  },
  customer_propensity: {
    model: 'propensity',
    grain: ['customer_id'],
    clustering: ['shop', 'customer_id'],
    description: 'Per customer: calibrated repeat-purchase probability of a propensity version and its decision at the model threshold.',
    columns: [
      ...KEY_COLUMNS,
      col('customer_id', 'STRING', 'REQUIRED', 'customer'),
      SEGMENT,
      col('p_repeat_30d', 'FLOAT64', 'REQUIRED', 'calibrated P(an included order in the 30 days after the snapshot)'),
      col('threshold', 'FLOAT64', 'NULLABLE', 'the model\'s decision threshold; null when no threshold reached the target precision'),
      col('will_repeat', 'BOOL', 'REQUIRED', 'decision: p_repeat_30d ≥ threshold (false when there is no threshold)'),
      SCORED_AT,
    ],
  },
  variant_forecast: {
    model: 'forecast',
    grain: ['variant_id', 'date'],
    clustering: ['shop', 'variant_id'],
    description: 'Per variant and forecast day: daily demand forecast of a forecast version with 80 % and 95 % bands (per day, not cumulative).',
    columns: [
      ...KEY_COLUMNS,
      col('variant_id', 'STRING', 'REQUIRED', 'variant'),
      col('product_id', 'STRING', 'NULLABLE', 'its product (from variant_daily_demand)'),
      col('date', 'DATE', 'REQUIRED', 'forecast day (shop-local), from the day after the version\'s training snapshot'),
      col('horizon_day', 'INT64', 'REQUIRED', '1 = the first forecast day'),
      col('forecast', 'FLOAT64', 'REQUIRED', 'expected units that day'),
      col('lo80', 'FLOAT64', 'REQUIRED', 'lower end of the 80 % band that day'),
      col('hi80', 'FLOAT64', 'REQUIRED', 'upper end of the 80 % band'),
      col('lo95', 'FLOAT64', 'REQUIRED', 'lower end of the 95 % band'),
      col('hi95', 'FLOAT64', 'REQUIRED', 'upper end of the 95 % band'),
      SCORED_AT,
    ],
  },
  variant_replenishment: {
    model: 'forecast',
    grain: ['variant_id'],
    clustering: ['shop', 'variant_id'],
    description: 'Per variant: forecast total, current stock, days of cover, safety stock and reorder point of a forecast version.',
    columns: [
      ...KEY_COLUMNS,
      col('variant_id', 'STRING', 'REQUIRED', 'variant'),
      col('product_id', 'STRING', 'NULLABLE', 'its product'),
      col('forecast_model', 'STRING', 'REQUIRED', 'the per-variant model the version chose (snaive, mean28, wmean, ets, croston, sba, tsb, combo, zero)'),
      col('demand_class', 'STRING', 'REQUIRED', 'smooth, erratic, intermittent, lumpy, …'),
      col('horizon_days', 'INT64', 'REQUIRED', 'days forecast'),
      col('forecast_total', 'FLOAT64', 'REQUIRED', 'sum of the daily forecasts over the horizon'),
      col('lead_time_days', 'INT64', 'REQUIRED', 'replenishment lead time the reorder point assumes'),
      col('service_level', 'FLOAT64', 'REQUIRED', 'cycle service level of the reorder point'),
      col('expected_lead_time_demand', 'FLOAT64', 'REQUIRED', 'expected units over the lead time'),
      col('safety_stock', 'FLOAT64', 'REQUIRED', 'reorder_point − expected_lead_time_demand (≥ 0)'),
      col('reorder_point', 'FLOAT64', 'REQUIRED', 'reorder when stock falls to this'),
      col('stock', 'INT64', 'NULLABLE', 'units available at the snapshot: latest level per location on or before it, summed (shop_staging.inventory_levels); null when not tracked'),
      col('days_of_cover', 'FLOAT64', 'NULLABLE', 'days the stock lasts at the forecast (daysOfCover); null when stock is unknown or nothing is expected to sell'),
      col('below_reorder_point', 'BOOL', 'NULLABLE', 'stock ≤ reorder_point; null when stock is unknown'),
      SCORED_AT,
    ],
  },
  product_recommendations: {
    model: 'recommend',
    grain: ['product_id', 'rank'],
    clustering: ['shop', 'product_id'],
    description: 'Per product of the model\'s catalogue: its top-k recommended products ("goes with this").',
    columns: [
      ...KEY_COLUMNS,
      col('product_id', 'STRING', 'REQUIRED', 'the product shown'),
      col('rank', 'INT64', 'REQUIRED', '1 = best'),
      col('recommended_product_id', 'STRING', 'REQUIRED', 'the product recommended'),
      col('score', 'FLOAT64', 'REQUIRED', "'similar': item-kNN similarity to the product; 'popular': share of customers who bought it"),
      col('source', 'STRING', 'REQUIRED', "'similar' or 'popular' (fill when fewer than k similar products exist)"),
      SCORED_AT,
    ],
  },
};

export const PREDICTION_TABLE_NAMES = Object.keys(PREDICTION_TABLES) as PredictionTableName[];

/** `shop_predictions.<table>` */
export const qualifiedPredictionTable = (t: PredictionTableName): string => `${PREDICTIONS_DATASET}.${t}`;

/** The tables a model's versions write. */
export const tablesOfModel = (model: TrainedModelName): PredictionTableName[] => PREDICTION_TABLE_NAMES.filter((t) => PREDICTION_TABLES[t].model === model);

const DUCK_TYPES: Record<PredictionColumnType, string> = { STRING: 'VARCHAR', DATE: 'DATE', INT64: 'BIGINT', FLOAT64: 'DOUBLE', BOOL: 'BOOLEAN', TIMESTAMP: 'TIMESTAMPTZ' };
export const duckdbType = (t: PredictionColumnType): string => DUCK_TYPES[t];

export function duckdbCreatePredictionTable(t: PredictionTableName): string {
  const cols = PREDICTION_TABLES[t].columns.map((c) => `${c.name} ${DUCK_TYPES[c.type]}${c.mode === 'REQUIRED' ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${qualifiedPredictionTable(t)} (${cols.join(', ')})`;
}

/** The Terraform schema file (infra/schemas/predictions_<table>.json) of a table, as BigQuery's JSON schema. */
export function bigQuerySchema(t: PredictionTableName): Array<{ name: string; type: string; mode: string; description: string }> {
  return PREDICTION_TABLES[t].columns.map((c) => ({ name: c.name, type: c.type === 'BOOL' ? 'BOOLEAN' : c.type === 'INT64' ? 'INTEGER' : c.type === 'FLOAT64' ? 'FLOAT' : c.type, mode: c.mode, description: c.description }));
}

/** One row of a prediction table: values by column name (dates 'YYYY-MM-DD', timestamps ISO text). */
export type PredictionRow = Record<string, string | number | boolean | null>;

/** The batch key a write replaces. */
export interface PredictionKey {
  shop: string;
  snapshotDate: string;
  model: TrainedModelName;
  version: number;
}

/** A batch names a table its key's model writes (a clv version never writes recommendations). */
export function assertBatch(b: PredictionBatch): void {
  if (PREDICTION_TABLES[b.table]?.model !== b.key.model) throw new ShopMlopsError('BAD_REQUEST', `${PREDICTIONS_DATASET}.${b.table} is not written by model ${b.key.model}`);
  if (!Number.isInteger(b.key.version) || b.key.version < 1) throw new ShopMlopsError('BAD_REQUEST', `version must be a positive integer, got ${b.key.version}`);
}

/** One table's rows of one batch. */
export interface PredictionBatch {
  table: PredictionTableName;
  key: PredictionKey;
  rows: PredictionRow[];
}
