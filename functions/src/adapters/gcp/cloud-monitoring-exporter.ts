// Exports a function instance's prom-client registry to Cloud Monitoring: counters CUMULATIVE from the instance's start, gauges GAUGE, histograms DISTRIBUTION, each series labelled with its instance.
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../../core/log';
import { globalResource, MAX_SERIES_PER_REQUEST, metricType, newMetricServiceClient, timestamp, type MetricServiceClient, type MonitoringClientOptions } from './cloud-monitoring-sink';
import { vertexError } from './vertex-common';

/** Cloud Monitoring refuses a point per series more often than every 5 s. */
export const MIN_INTERVAL_MS = 5_000;
export const DEFAULT_INTERVAL_MS = 60_000;
/** How long flushIfDue may hold an invocation (the flush itself goes on, but the invocation ends). */
export const DEFAULT_FLUSH_TIMEOUT_MS = 5_000;
/** The label that keeps the series of two instances apart. */
export const INSTANCE_LABEL = 'instance';

export interface CloudMonitoringExporterOptions {
  projectId: string;
  registry: Registry;
  /** The function's name, the first part of the `instance` label (`webhooks-3f9c0a1b2d4e`). */
  functionName: string;
  log: Logger;
  client?: MetricServiceClient;
  clientOptions?: MonitoringClientOptions;
  /** Minimum time between two writes (default 60 s, at least 5 s). */
  intervalMs?: number;
  /** Bound on how long flushIfDue waits for a flush (default 5 s). */
  flushTimeoutMs?: number;
  /** Unix milliseconds (injectable for tests). */
  now?: () => number;
  resource?: { type: string; labels: Record<string, string> };
}

export interface CloudMonitoringExporter {
  /** This instance's `instance` label value. */
  readonly instance: string;
  /** Writes every series now (unless a flush is already running); true when all of it was written. Never throws. */
  flush(): Promise<boolean>;
  /** Flushes when intervalMs has passed since the instance started or since the last flush; awaited at the end of an invocation, bounded by flushTimeoutMs. Never throws. */
  flushIfDue(): Promise<void>;
}

type Kind = 'CUMULATIVE' | 'GAUGE';
type ValueType = 'DOUBLE' | 'DISTRIBUTION';

// What prom-client hands back (its types say less than the objects carry: labelNames).
const metricShape = z.object({ name: z.string(), help: z.string(), type: z.string(), labelNames: z.array(z.string()).default([]) });
const valuesShape = z.object({
  values: z.array(z.object({ value: z.number(), metricName: z.string().optional(), labels: z.record(z.string(), z.union([z.string(), z.number()])).default({}) })),
});
type Value = z.infer<typeof valuesShape>['values'][number];

interface Series {
  metric: { type: string; labels: Record<string, string> };
  metricKind: Kind;
  valueType: ValueType;
  value: { doubleValue: number } | { distributionValue: Distribution };
}
interface Distribution {
  count: number;
  mean: number;
  sumOfSquaredDeviation: number;
  bucketOptions: { explicitBuckets: { bounds: number[] } };
  bucketCounts: number[];
}

const stringLabels = (labels: Record<string, string | number>, without?: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k !== without) out[k] = String(v);
  return out;
};
const labelKey = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

/** prom-client histogram values (cumulative `_bucket` per `le`, `_sum`, `_count`) → one distribution per label set, buckets as counts per bucket. */
function distributions(name: string, values: readonly Value[]): Array<{ labels: Record<string, string>; distribution: Distribution }> {
  const byLabels = new Map<string, { labels: Record<string, string>; buckets: Array<[number, number]>; sum: number; count: number }>();
  const entry = (labels: Record<string, string>) => {
    const key = labelKey(labels);
    let e = byLabels.get(key);
    if (!e) byLabels.set(key, (e = { labels, buckets: [], sum: 0, count: 0 }));
    return e;
  };
  for (const v of values) {
    if (v.metricName === `${name}_bucket`) {
      const le = Number(v.labels['le']);
      if (Number.isFinite(le)) entry(stringLabels(v.labels, 'le')).buckets.push([le, v.value]);
    } else if (v.metricName === `${name}_sum`) entry(stringLabels(v.labels)).sum = v.value;
    else if (v.metricName === `${name}_count`) entry(stringLabels(v.labels)).count = v.value;
  }
  return [...byLabels.values()].map(({ labels, buckets, sum, count }) => {
    buckets.sort(([a], [b]) => a - b);
    const bucketCounts = buckets.map(([, cum], i) => cum - (i > 0 ? buckets[i - 1]![1] : 0));
    bucketCounts.push(count - (buckets.length ? buckets[buckets.length - 1]![1] : 0)); // overflow bucket (le=+Inf)
    return {
      labels,
      // Prometheus keeps no sum of squares: the deviation is unknown and written as 0, as Google's exporters do.
      distribution: { count, mean: count > 0 ? sum / count : 0, sumOfSquaredDeviation: 0, bucketOptions: { explicitBuckets: { bounds: buckets.map(([le]) => le) } }, bucketCounts },
    };
  });
}

/**
 * One exporter per function instance. Counters and histograms are CUMULATIVE points whose start time is the instance's
 * start, so Cloud Monitoring (and PromQL's rate() over custom_googleapis_com:shop_mlops_*) sums instances correctly and
 * sees a new instance as a new series; `instance` keeps instances from writing the same series. Descriptors are created
 * once per metric per process. Only `shop_mlops_*` series are exported.
 */
export function createCloudMonitoringExporter(opts: CloudMonitoringExporterOptions): CloudMonitoringExporter {
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!(intervalMs >= MIN_INTERVAL_MS)) throw new RangeError(`intervalMs must be at least ${MIN_INTERVAL_MS} (Cloud Monitoring takes one point per series every 5 s)`);
  const flushTimeoutMs = opts.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS;
  const now = opts.now ?? Date.now;
  const client = opts.client ?? newMetricServiceClient({ projectId: opts.projectId, ...(opts.clientOptions ?? {}) });
  const project = `projects/${opts.projectId}`;
  const resource = opts.resource ?? globalResource(opts.projectId);
  const instance = `${opts.functionName}-${randomBytes(6).toString('hex')}`;
  const log = opts.log.child({ component: 'cloud-monitoring-exporter', instance });
  const startMs = now();
  let lastFlushMs = startMs;
  let running: Promise<boolean> | null = null;
  const described = new Map<string, Promise<void>>();

  const describe = (m: z.infer<typeof metricShape>, kind: Kind, valueType: ValueType): Promise<void> => {
    let done = described.get(m.name);
    if (!done) {
      done = client
        .createMetricDescriptor({
          name: project,
          metricDescriptor: {
            type: metricType(m.name),
            displayName: m.name,
            description: m.help,
            metricKind: kind,
            valueType,
            labels: [...m.labelNames, INSTANCE_LABEL].map((key) => ({ key, valueType: 'STRING' })),
          },
        })
        .then(() => undefined)
        .catch((err: unknown) => {
          described.delete(m.name); // retried on the next flush
          throw vertexError(err, `Cloud Monitoring createMetricDescriptor ${metricType(m.name)}`);
        });
      described.set(m.name, done);
    }
    return done;
  };

  /** Reads the registry (running collect callbacks) into series; creates missing descriptors. */
  const collect = async (): Promise<Series[]> => {
    const out: Series[] = [];
    const describing: Array<Promise<void>> = [];
    for (const raw of opts.registry.getMetricsAsArray()) {
      const m = metricShape.parse(raw);
      if (!m.name.startsWith('shop_mlops_')) continue;
      const { values } = valuesShape.parse(await (raw as unknown as { get(): Promise<unknown> }).get());
      const type = metricType(m.name);
      const withInstance = (labels: Record<string, string>) => ({ ...labels, [INSTANCE_LABEL]: instance });
      if (m.type === 'counter' || m.type === 'gauge') {
        const kind: Kind = m.type === 'counter' ? 'CUMULATIVE' : 'GAUGE';
        describing.push(describe(m, kind, 'DOUBLE'));
        for (const v of values) {
          if (!Number.isFinite(v.value)) continue; // a source that failed (NaN) writes nothing
          out.push({ metric: { type, labels: withInstance(stringLabels(v.labels)) }, metricKind: kind, valueType: 'DOUBLE', value: { doubleValue: v.value } });
        }
      } else if (m.type === 'histogram') {
        describing.push(describe(m, 'CUMULATIVE', 'DISTRIBUTION'));
        for (const d of distributions(m.name, values)) out.push({ metric: { type, labels: withInstance(d.labels) }, metricKind: 'CUMULATIVE', valueType: 'DISTRIBUTION', value: { distributionValue: d.distribution } });
      } // summaries: none of ours; Cloud Monitoring has no kind for them
    }
    // Every descriptor call settles before the flush ends (a failed one is forgotten, so the next flush retries it).
    const failed = (await Promise.allSettled(describing)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return out;
  };

  const write = async (): Promise<boolean> => {
    const end = Math.max(now(), startMs + 1); // a CUMULATIVE point needs its start before its end
    try {
      const series = await collect();
      const timeSeries = series.map((s) => ({
        metric: s.metric,
        resource,
        metricKind: s.metricKind,
        valueType: s.valueType,
        points: [{ interval: s.metricKind === 'CUMULATIVE' ? { startTime: timestamp(startMs), endTime: timestamp(end) } : { endTime: timestamp(end) }, value: s.value }],
      }));
      for (let i = 0; i < timeSeries.length; i += MAX_SERIES_PER_REQUEST) {
        try {
          await client.createTimeSeries({ name: project, timeSeries: timeSeries.slice(i, i + MAX_SERIES_PER_REQUEST) });
        } catch (err) {
          throw vertexError(err, 'Cloud Monitoring createTimeSeries');
        }
      }
      return true;
    } catch (err) {
      const e = vertexError(err, 'Cloud Monitoring export');
      log.warn('metrics export failed; the next flush writes the totals again', { code: e.code, error: e.message });
      return false;
    }
  };

  const flush = (): Promise<boolean> => {
    if (running) return running;
    lastFlushMs = now();
    running = write().finally(() => {
      running = null;
    });
    return running;
  };

  return {
    instance,
    flush,
    async flushIfDue(): Promise<void> {
      if (running || now() - lastFlushMs < intervalMs) return;
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([flush().then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), flushTimeoutMs)))]);
      clearTimeout(timer);
      if (!done) log.warn('metrics export still pending; the invocation ends without it', { timeoutMs: flushTimeoutMs });
    },
  };
}
