// Port: where the monitoring job's series go (prom-client gauges served on /metrics embedded; Cloud Monitoring time series in the cloud, where no one scrapes a function).
export interface MetricPoint {
  /** A series of core/metrics.ts MONITORING_SERIES, e.g. shop_mlops_live_precision. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricsSink {
  /** Sets each series to its value as of `at` (gauges; counters are written as their running totals). */
  write(points: readonly MetricPoint[], at: Date): Promise<void>;
}
