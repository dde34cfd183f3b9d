// Port: where the monitoring job's series go (prom-client gauges served on /metrics embedded; Cloud Monitoring time series in the cloud, where no one scrapes a function).
export interface MetricPoint {
  /** A series of core/metrics.ts MONITORING_SERIES, e.g. shop_mlops_live_precision. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** set (a gauge's value; the default) or add (a counter's increment). */
  op?: 'set' | 'add';
}

export interface MetricsSink {
  /** Sets each gauge to its value, or adds to each counter, as of `at`. */
  write(points: readonly MetricPoint[], at: Date): Promise<void>;
}
