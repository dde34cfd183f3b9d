// In-process Cloud Monitoring MetricService over real gRPC, built from the protos @google-cloud/monitoring ships: records descriptors and time series, enforcing the request rules the API documents.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/* eslint-disable @typescript-eslint/no-explicit-any -- wire objects are whatever proto-loader decodes */

export interface WirePoint {
  interval: { startTime: { seconds: string; nanos: number } | null; endTime: { seconds: string; nanos: number } | null };
  value: { doubleValue?: number; int64Value?: string };
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

/** Why Cloud Monitoring would refuse the request (https://cloud.google.com/monitoring/api/ref_v3/rpc/google.monitoring.v3#createtimeseriesrequest), or null. */
function invalid(req: { name: string; timeSeries: WireSeries[] }): string | null {
  if (!/^projects\/[^/]+$/.test(req.name)) return `bad name ${req.name}`;
  if (req.timeSeries.length === 0 || req.timeSeries.length > 200) return `${req.timeSeries.length} time series (1..200 per request)`;
  const seen = new Set<string>();
  for (const s of req.timeSeries) {
    const key = JSON.stringify([s.metric.type, Object.entries(s.metric.labels).sort(), s.resource.type, Object.entries(s.resource.labels).sort()]);
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
  impl['CreateTimeSeries'] = ((call: grpc.ServerUnaryCall<any, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    if (injected(cb)) return;
    const problem = invalid(call.request);
    if (problem) return cb({ code: grpc.status.INVALID_ARGUMENT, details: problem } as grpc.ServiceError);
    requests.push({ name: call.request.name, timeSeries: call.request.timeSeries });
    cb(null, {});
  }) as grpc.UntypedHandleCall;
  impl['CreateMetricDescriptor'] = ((call: grpc.ServerUnaryCall<any, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    if (injected(cb)) return;
    descriptors.push({ name: call.request.name, descriptor: call.request.metricDescriptor });
    cb(null, call.request.metricDescriptor);
  }) as grpc.UntypedHandleCall;
  const server = new grpc.Server();
  server.addService(service, impl);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port,
    requests,
    descriptors,
    failNext: (code, count = 1) => {
      failures = { code, left: count };
    },
    clear: () => {
      requests.length = 0;
      descriptors.length = 0;
      failures = null;
    },
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
