// MetricsSink into Cloud Monitoring (custom.googleapis.com/shop_mlops/<series>): gauges as GAUGE points, counter increments as CUMULATIVE points that each start a new interval.
import type { MetricServiceClient } from '@google-cloud/monitoring/build/src/v3/metric_service_client';
import { MONITORING_SERIES, type MonitoringSeriesName } from '../../core/metrics';
import type { MetricPoint, MetricsSink } from '../../ports/metrics-sink';
import { checkMetricPoints, type CheckedPoint } from '../../monitoring/metric-points';
import { vertexError } from './vertex-common';

export type { MetricServiceClient };
export type MonitoringClientOptions = ConstructorParameters<typeof MetricServiceClient>[0];

/** Cloud Monitoring takes at most 200 time series per CreateTimeSeries request. */
export const MAX_SERIES_PER_REQUEST = 200;
const DOMAIN = 'custom.googleapis.com/shop_mlops/';

/** The Cloud Monitoring metric type of a series: shop_mlops_live_precision → custom.googleapis.com/shop_mlops/live_precision (PromQL: custom_googleapis_com:shop_mlops_live_precision). Also used for the runtime's prom-client series (cloud-monitoring-exporter.ts). */
export const metricType = (name: string): string => DOMAIN + name.replace(/^shop_mlops_/, '');

/** The monitored resource points are written against by default: global in the project. */
export const globalResource = (projectId: string) => ({ type: 'global', labels: { project_id: projectId } });

export interface CloudMonitoringSinkOptions {
  projectId: string;
  client?: MetricServiceClient;
  clientOptions?: MonitoringClientOptions;
  /** The monitored resource the points are written against (default: global in the project). */
  resource?: { type: string; labels: Record<string, string> };
}

export function newMetricServiceClient(opts: MonitoringClientOptions): MetricServiceClient {
  // Only the one generated client (the package index loads every service).
  const mod = require('@google-cloud/monitoring/build/src/v3/metric_service_client') as { MetricServiceClient: typeof MetricServiceClient };
  return new mod.MetricServiceClient(opts);
}

/** A protobuf Timestamp from Unix milliseconds. */
export const timestamp = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
const seriesKey = (p: CheckedPoint) => `${p.name}\u0000${JSON.stringify(Object.entries(p.labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;

/**
 * Writes each point as one time series point at `at`. Points of the same series in one write are merged (a gauge
 * keeps the last value, increments are summed), since a request may carry each series once. A counter increment is
 * a CUMULATIVE point over [at − 1 ms, at]: a new start time is a reset, so PromQL's increase()/rate() add the
 * increments up, whichever function instance wrote them, without any state kept between invocations. Descriptors
 * (help, labels) are created once per series per process. Cloud Monitoring accepts one point per series every 5 s.
 */
export function createCloudMonitoringSink(opts: CloudMonitoringSinkOptions): MetricsSink {
  const client = opts.client ?? newMetricServiceClient({ projectId: opts.projectId, ...(opts.clientOptions ?? {}) });
  const project = `projects/${opts.projectId}`;
  const resource = opts.resource ?? globalResource(opts.projectId);
  const described = new Map<MonitoringSeriesName, Promise<void>>();

  const describe = (name: MonitoringSeriesName): Promise<void> => {
    let done = described.get(name);
    if (!done) {
      const s = MONITORING_SERIES[name];
      done = client
        .createMetricDescriptor({
          name: project,
          metricDescriptor: {
            type: metricType(name),
            displayName: name,
            description: s.help,
            metricKind: s.kind === 'counter' ? 'CUMULATIVE' : 'GAUGE',
            valueType: 'DOUBLE',
            labels: s.labels.map((key) => ({ key, valueType: 'STRING' })),
          },
        })
        .then(() => undefined)
        .catch((err: unknown) => {
          described.delete(name); // retried on the next write
          throw vertexError(err, `Cloud Monitoring createMetricDescriptor ${metricType(name)}`);
        });
      described.set(name, done);
    }
    return done;
  };

  return {
    async write(points: readonly MetricPoint[], at: Date): Promise<void> {
      const merged = new Map<string, CheckedPoint>();
      for (const p of checkMetricPoints(points)) {
        const key = seriesKey(p);
        const prev = merged.get(key);
        merged.set(key, prev && p.op === 'add' ? { ...p, value: prev.value + p.value } : p);
      }
      if (merged.size === 0) return;
      await Promise.all([...new Set([...merged.values()].map((p) => p.name))].map(describe));
      const end = at.getTime();
      const series = [...merged.values()].map((p) => ({
        metric: { type: metricType(p.name), labels: p.labels },
        resource,
        metricKind: p.op === 'add' ? ('CUMULATIVE' as const) : ('GAUGE' as const),
        valueType: 'DOUBLE' as const,
        points: [{ interval: p.op === 'add' ? { startTime: timestamp(end - 1), endTime: timestamp(end) } : { endTime: timestamp(end) }, value: { doubleValue: p.value } }],
      }));
      for (let i = 0; i < series.length; i += MAX_SERIES_PER_REQUEST) {
        try {
          await client.createTimeSeries({ name: project, timeSeries: series.slice(i, i + MAX_SERIES_PER_REQUEST) });
        } catch (err) {
          throw vertexError(err, 'Cloud Monitoring createTimeSeries');
        }
      }
    },
  };
}
