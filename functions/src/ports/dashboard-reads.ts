// Port: the operations dashboard's reads that no other port answers (DuckDB embedded, BigQuery in the cloud): live metrics per version and day, forecasts per variant, customer value, ingest health.
import type { ArmName } from './endpoints';

/** One (model, version, arm, metric) on one served day: closed outcome windows only (shop_monitoring.outcome_daily). */
export interface LiveMetricDay {
  model: string;
  version: number;
  arm: ArmName;
  metric: string;
  /** UTC day the predictions were served. */
  date: string;
  n: number;
  successes: number | null;
  /** successes / n (counting metrics) or the mean absolute error (error metrics); null when n = 0. */
  value: number | null;
  /** Wilson 95 % interval of the counting metrics; null for error metrics. */
  low: number | null;
  high: number | null;
}

/** A variant in the newest forecast batch, with its replenishment numbers. */
export interface VariantSummary {
  variant_id: string;
  product_id: string | null;
  forecast_total: number;
  stock: number | null;
  reorder_point: number | null;
  days_of_cover: number | null;
  below_reorder_point: boolean | null;
}

export interface VariantForecast {
  variant_id: string;
  product_id: string | null;
  /** The forecast batch read (null when the variant has none). */
  batch: { version: number; snapshot_date: string } | null;
  /** Daily net units sold up to the batch's snapshot (shop_features.variant_daily_demand), the last `historyDays`. */
  history: { date: string; units: number }[];
  forecast: { date: string; forecast: number; lo80: number; hi80: number; lo95: number; hi95: number }[];
  replenishment: { stock: number | null; reorder_point: number; safety_stock: number; lead_time_days: number; service_level: number; days_of_cover: number | null; forecast_model: string; demand_class: string } | null;
}

export interface CustomerValue {
  /** The newest clv batch (null when there is none). */
  batch: { version: number; snapshot_date: string } | null;
  /** Customers per CLV bin (equal widths from 0 to the 99th percentile; the last bin holds the rest). */
  clv: { low: number; high: number; customers: number }[];
  segments: { segment: string; customers: number; clv_mean: number | null; p_alive_mean: number | null }[];
}

export interface IngestHealth {
  /** Events landed per minute (by received_at) over the last `minutes` minutes before `now`, zero-filled. */
  perMinute: { minute: string; events: number }[];
  /** Quarantined deliveries waiting for a replay. */
  quarantine: number;
}

export interface DashboardReads {
  /** Shops with any landed event or served prediction. */
  shops(): Promise<string[]>;
  liveMetrics(q: { shop: string; model?: string; sinceDate: string }): Promise<LiveMetricDay[]>;
  /** Variants of the newest forecast batch, the ones below their reorder point first. */
  variants(q: { shop: string; limit: number }): Promise<VariantSummary[]>;
  forecast(q: { shop: string; variantId: string; historyDays: number }): Promise<VariantForecast>;
  customerValue(q: { shop: string; bins: number }): Promise<CustomerValue>;
  ingest(q: { shop: string; now: Date; minutes: number }): Promise<IngestHealth>;
}
