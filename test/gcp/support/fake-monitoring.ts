// In-process Cloud Monitoring MetricService over real gRPC, built from the protos @google-cloud/monitoring ships: records descriptors and time series, enforcing the request and per-series rules the API documents.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/* eslint-disable @typescript-eslint/no-explicit-any -- wire objects are whatever proto-loader decodes */

export interface WirePoint {
  interval: { startTime: { seconds: string; nanos: number } | null; endTime: { seconds: string; nanos: number } | null };
  value: { doubleValue?: number; int64Value?: string; distributionValue?: WireDistribution };
}
export interface WireDistribution {
  count: string;
  mean: number;
  sumOfSquaredDeviation: number;
  bucketOptions: { explicitBuckets?: { bounds: number[] } | null };
  bucketCounts: string[];
}
export interface WireSeries {
  metric: { type: string; labels: Record<string, string> };
  resource: { type: string; labels: Record<string, string> };
  metricKind: string;
  valueType: string;
  points: WirePoint[];
}

export interface FakeMonitoring {
  port: number;
  /** Each CreateTimeSeries request that succeeded: the project name and its series. */
  requests: Array<{ name: string; timeSeries: WireSeries[] }>;
  descriptors: Array<{ name: string; descriptor: any }>;
  failNext(code: grpc.status, count?: number): void;
  /** Holds every answer this long (a slow API); 0 answers at once. */
  delayMs: number;
  clear(): void;
  stop(): Promise<void>;
}

const root = path.dirname(require.resolve('@google-cloud/monitoring/package.json'));
function packageRoot(entry: string): string {
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== 'google-gax') dir = path.dirname(dir);
  return dir;
}
const gaxRoot = packageRoot(require.resolve('google-gax', { paths: [root] }));
const ms = (t: { seconds: string; nanos: number } | null) => (t ? Number(t.seconds) * 1000 + Math.round(t.nanos / 1e6) : null);

const seriesKey = (s: WireSeries) => JSON.stringify([s.metric.type, Object.entries(s.metric.labels).sort(), s.resource.type, Object.entries(s.resource.labels).sort()]);

/** Why a distribution value is malformed (explicit buckets: one count per bucket plus the overflow, summing to count), or null. */
function badDistribution(d: WireDistribution | undefined): string | null {
  if (!d) return 'a DISTRIBUTION series needs a distributionValue';
  const bounds = d.bucketOptions.explicitBuckets?.bounds;
  if (!bounds) return 'a distribution without explicit bucket bounds';
  if (bounds.some((b, i) => i > 0 && b <= bounds[i - 1]!)) return 'bucket bounds must increase';
  if (d.bucketCounts.length !== bounds.length + 1) return `${d.bucketCounts.length} bucket counts for ${bounds.length} bounds (bounds + 1)`;
  const total = d.bucketCounts.reduce((a, c) => a + Number(c), 0);
  if (total !== Number(d.count)) return `bucket counts sum to ${total}, count is ${d.count}`;
  if (d.bucketCounts.some((c) => Number(c) < 0)) return 'a negative bucket count';
  return null;
}

/** The per-series state Cloud Monitoring keeps: the last point's interval and value. */
interface Last {
  start: number | null;
  end: number;
  value: number;
}
const scalar = (p: WirePoint) => (p.value.distributionValue ? Number(p.value.distributionValue.count) : (p.value.doubleValue ?? Number(p.value.int64Value ?? 0)));

/**
 * Why Cloud Monitoring would refuse the request (https://cloud.google.com/monitoring/api/ref_v3/rpc/google.monitoring.v3#createtimeseriesrequest
 * and https://cloud.google.com/monitoring/quotas: one point per series every 5 s, points in order; labels, kind and
 * value type as the metric's descriptor says; a CUMULATIVE series that keeps its start time cannot go down), or null.
 */
function invalid(req: { name: string; timeSeries: WireSeries[] }, descriptors: ReadonlyMap<string, any>, history: ReadonlyMap<string, Last>): string | null {
  if (!/^projects\/[^/]+$/.test(req.name)) return `bad name ${req.name}`;
  if (req.timeSeries.length === 0 || req.timeSeries.length > 200) return `${req.timeSeries.length} time series (1..200 per request)`;
  const seen = new Set<string>();
  for (const s of req.timeSeries) {
    const key = seriesKey(s);
    if (seen.has(key)) return `time series ${s.metric.type} appears twice in one request`;
    seen.add(key);
    if (!s.metric.type.startsWith('custom.googleapis.com/')) return `not a custom metric: ${s.metric.type}`;
    if (s.points.length !== 1) return `${s.points.length} points (exactly one per series)`;
    const [p] = s.points;
    const start = ms(p!.interval.startTime);
    const end = ms(p!.interval.endTime);
    if (end === null) return 'point without an end time';
    if (s.metricKind === 'GAUGE' && start !== null && start !== end) return 'a GAUGE point\'s start time must equal its end time';
    if (s.metricKind === 'CUMULATIVE' && (start === null || start >= end)) return 'a CUMULATIVE point needs a start time before its end time';
    if (!['GAUGE', 'CUMULATIVE'].includes(s.metricKind)) return `metric kind ${s.metricKind} cannot be written to a custom metric`;
    if (s.valueType === 'DISTRIBUTION') {
      const bad = badDistribution(p!.value.distributionValue);
      if (bad) return `${s.metric.type}: ${bad}`;
    }
    const d = descriptors.get(s.metric.type);
    if (d) {
      if (d.metricKind !== s.metricKind || d.valueType !== s.valueType) return `${s.metric.type} is ${d.metricKind} ${d.valueType}, written as ${s.metricKind} ${s.valueType}`;
      const keys = new Set((d.labels as Array<{ key: string }>).map((l) => l.key));
      const extra = Object.keys(s.metric.labels).filter((k) => !keys.has(k));
      if (extra.length) return `${s.metric.type}: labels ${extra.join(', ')} are not in its descriptor`;
    }
    const last = history.get(key);
    if (last) {
      if (end < last.end + 5_000) return `${s.metric.type}: one point per series every 5 s (previous at ${last.end}, this at ${end})`;
      if (s.metricKind === 'CUMULATIVE' && start === last.start && scalar(p!) < last.value) return `${s.metric.type}: a CUMULATIVE value went down without a new start time`;
    }
  }
  return null;
}

export async function startFakeMonitoring(): Promise<FakeMonitoring> {
  const def = protoLoader.loadSync('google/monitoring/v3/metric_service.proto', {
    includeDirs: [path.join(root, 'build/protos'), path.join(gaxRoot, 'build/protos')],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const service = pkg.google.monitoring.v3.MetricService.service as grpc.ServiceDefinition;
  const requests: FakeMonitoring['requests'] = [];
  const descriptors: FakeMonitoring['descriptors'] = [];
  const described = new Map<string, any>();
  const history = new Map<string, Last>();
  let failures: { code: grpc.status; left: number } | null = null;
  const injected = (cb: grpc.sendUnaryData<unknown>) => {
    if (failures && failures.left > 0) {
      failures.left--;
      cb({ code: failures.code, details: 'injected failure' } as grpc.ServiceError);
      return true;
    }
    return false;
  };
  const impl: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(service)) impl[name] = ((_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'not in the fake' } as grpc.ServiceError)) as grpc.UntypedHandleCall;
  const answer = (handle: (call: grpc.ServerUnaryCall<any, unknown>, cb: grpc.sendUnaryData<unknown>) => void) =>
    ((call: grpc.ServerUnaryCall<any, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      if (fake.delayMs > 0) setTimeout(() => handle(call, cb), fake.delayMs);
      else handle(call, cb);
    }) as grpc.UntypedHandleCall;
  impl['CreateTimeSeries'] = answer((call, cb) => {
    if (injected(cb)) return;
    const problem = invalid(call.request, described, history);
    if (problem) return cb({ code: grpc.status.INVALID_ARGUMENT, details: problem } as grpc.ServiceError);
    for (const s of call.request.timeSeries as WireSeries[]) {
      const [p] = s.points;
      history.set(seriesKey(s), { start: ms(p!.interval.startTime), end: ms(p!.interval.endTime)!, value: scalar(p!) });
    }
    requests.push({ name: call.request.name, timeSeries: call.request.timeSeries });
    cb(null, {});
  });
  impl['CreateMetricDescriptor'] = answer((call, cb) => {
    if (injected(cb)) return;
    descriptors.push({ name: call.request.name, descriptor: call.request.metricDescriptor });
    described.set(call.request.metricDescriptor.type, call.request.metricDescriptor);
    cb(null, call.request.metricDescriptor);
  });
  const server = new grpc.Server();
  server.addService(service, impl);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const fake: FakeMonitoring = {
    port,
    requests,
    descriptors,
    delayMs: 0,
    failNext: (code, count = 1) => {
      failures = { code, left: count };
    },
    clear: () => {
      requests.length = 0;
      descriptors.length = 0;
      described.clear();
      history.clear();
      failures = null;
      fake.delayMs = 0;
    },
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
  return fake;
}
