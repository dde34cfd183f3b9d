// MetricsSink into prom-client: the monitoring jobs' points become the runtime registry's gauges and counters, served on /metrics.
import type { Counter, Gauge } from 'prom-client';
import type { MonitoringMetrics } from '../../core/metrics';
import type { MetricPoint, MetricsSink } from '../../ports/metrics-sink';
import { checkMetricPoints } from '../../monitoring/metric-points';

/** Sets gauges and increments counters (Prometheus stamps samples when scraped, so `at` is not kept). A bad point rejects the whole write. */
export function createPromMetricsSink(metrics: MonitoringMetrics): MetricsSink {
  return {
    write(points: readonly MetricPoint[]): Promise<void> {
      try {
        for (const p of checkMetricPoints(points)) {
          if (p.op === 'add') (metrics[p.name] as Counter<string>).inc(p.labels, p.value);
          else (metrics[p.name] as Gauge<string>).set(p.labels, p.value);
        }
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },
  };
}
