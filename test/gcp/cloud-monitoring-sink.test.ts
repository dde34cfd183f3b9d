// The Cloud Monitoring MetricsSink against an in-process MetricService speaking the real gRPC protocol (protos from @google-cloud/monitoring).
import * as grpc from '@grpc/grpc-js';
import { createCloudMonitoringSink, metricType, type MetricServiceClient } from '../../functions/src/adapters/gcp/cloud-monitoring-sink';
import { MONITORING_SERIES, type MonitoringSeriesName } from '../../functions/src/core/metrics';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { startFakeMonitoring, type FakeMonitoring } from './support/fake-monitoring';

const PROJECT = 'demo-shop';
const AT = new Date('2026-05-01T03:00:00.250Z');
const live = { shop: 'demo.myshopify.com', model: 'propensity', version: '7', arm: 'challenger', metric: 'precision' };
let fake: FakeMonitoring;
let client: MetricServiceClient;

beforeAll(async () => {
  fake = await startFakeMonitoring();
  const { MetricServiceClient: Client } = require('@google-cloud/monitoring/build/src/v3/metric_service_client') as { MetricServiceClient: new (o: unknown) => MetricServiceClient };
  client = new Client({ apiEndpoint: '127.0.0.1', port: fake.port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' });
});
afterAll(async () => {
  await client.close();
  await fake.stop();
});
beforeEach(() => fake.clear());

const sink = () => createCloudMonitoringSink({ projectId: PROJECT, client });
const seconds = (t: { seconds: string; nanos: number } | null) => (t ? Number(t.seconds) + t.nanos / 1e9 : null);

test('metric types are custom.googleapis.com/shop_mlops/<series without the prefix>', () => {
  expect(metricType('shop_mlops_live_precision')).toBe('custom.googleapis.com/shop_mlops/live_precision');
  expect(metricType('shop_mlops_monitor_decisions_total')).toBe('custom.googleapis.com/shop_mlops/monitor_decisions_total');
});

test('a gauge is a GAUGE point at `at`; a counter increment is a CUMULATIVE point over [at − 1 ms, at]; against the global resource of the project', async () => {
  await sink().write(
    [
      { name: 'shop_mlops_live_precision', labels: live, value: 0.71 },
      { name: 'shop_mlops_monitor_decisions_total', labels: { shop: live.shop, model: 'propensity', action: 'rollback', reason: 'precision' }, value: 1, op: 'add' },
    ],
    AT,
  );
  expect(fake.requests).toHaveLength(1);
  const [req] = fake.requests;
  expect(req!.name).toBe(`projects/${PROJECT}`);
  const [gauge, counter] = req!.timeSeries;
  expect(gauge).toMatchObject({ metric: { type: 'custom.googleapis.com/shop_mlops/live_precision', labels: live }, resource: { type: 'global', labels: { project_id: PROJECT } }, metricKind: 'GAUGE', valueType: 'DOUBLE' });
  expect(gauge!.points[0]!.value.doubleValue).toBe(0.71);
  expect(seconds(gauge!.points[0]!.interval.endTime)).toBe(AT.getTime() / 1000);
  expect(gauge!.points[0]!.interval.startTime).toBeNull();
  expect(counter).toMatchObject({ metric: { type: 'custom.googleapis.com/shop_mlops/monitor_decisions_total', labels: { action: 'rollback', reason: 'precision' } }, metricKind: 'CUMULATIVE', valueType: 'DOUBLE' });
  expect(counter!.points[0]!.value.doubleValue).toBe(1);
  expect(seconds(counter!.points[0]!.interval.startTime)).toBeCloseTo(AT.getTime() / 1000 - 0.001, 6);
  expect(seconds(counter!.points[0]!.interval.endTime)).toBe(AT.getTime() / 1000);
});

test('each series gets its descriptor (help, kind, labels) once per process', async () => {
  const s = sink();
  await s.write([{ name: 'shop_mlops_precision_threshold', labels: { model: 'propensity' }, value: 0.78 }], AT);
  await s.write([{ name: 'shop_mlops_precision_threshold', labels: { model: 'recommend' }, value: 0.05 }], new Date(AT.getTime() + 60_000));
  expect(fake.descriptors).toHaveLength(1);
  expect(fake.descriptors[0]).toMatchObject({
    name: `projects/${PROJECT}`,
    descriptor: { type: 'custom.googleapis.com/shop_mlops/precision_threshold', metricKind: 'GAUGE', valueType: 'DOUBLE', description: MONITORING_SERIES.shop_mlops_precision_threshold.help, labels: [{ key: 'model', valueType: 'STRING' }] },
  });
  expect(fake.requests).toHaveLength(2);
});

test('a write of 450 series goes out as requests of at most 200; a series given twice is sent once (gauge: last value, counter: summed)', async () => {
  const points = Array.from({ length: 450 }, (_, i) => ({ name: 'shop_mlops_drift_psi' as MonitoringSeriesName, labels: { shop: 's.myshopify.com', subject: 'customer_rfm', model: 'propensity', feature: `f${i}` }, value: i / 1000 }));
  points.push({ name: 'shop_mlops_drift_psi', labels: { shop: 's.myshopify.com', subject: 'customer_rfm', model: 'propensity', feature: 'f0' }, value: 0.3 });
  const runs = { shop: 's.myshopify.com', trigger: 'drift', status: 'started' };
  await sink().write([...points, { name: 'shop_mlops_retrain_runs_total', labels: runs, value: 1, op: 'add' }, { name: 'shop_mlops_retrain_runs_total', labels: runs, value: 2, op: 'add' }], AT);
  expect(fake.requests.map((r) => r.timeSeries.length)).toEqual([200, 200, 51]);
  const all = fake.requests.flatMap((r) => r.timeSeries);
  expect(all.filter((s) => s.metric.labels['feature'] === 'f0').map((s) => s.points[0]!.value.doubleValue)).toEqual([0.3]);
  expect(all.filter((s) => s.metric.type.endsWith('/retrain_runs_total')).map((s) => s.points[0]!.value.doubleValue)).toEqual([3]);
});

test('a bad point rejects the write before anything is sent', async () => {
  await expect(sink().write([{ name: 'shop_mlops_live_precision', labels: { shop: 'x' }, value: 1 }], AT)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  expect(fake.requests).toHaveLength(0);
  expect(fake.descriptors).toHaveLength(0);
});

test('an outage is a retryable UNAVAILABLE; a refused request is BAD_REQUEST', async () => {
  const s = sink();
  fake.failNext(grpc.status.UNAVAILABLE, 10);
  const err = await s.write([{ name: 'shop_mlops_ab_srm_p_value', labels: { shop: 's', model: 'recommend' }, value: 0.2 }], AT).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ShopMlopsError);
  expect(err).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  fake.clear();
  // The descriptor is retried after a failure, then the write goes through.
  await s.write([{ name: 'shop_mlops_ab_srm_p_value', labels: { shop: 's', model: 'recommend' }, value: 0.2 }], AT);
  expect(fake.descriptors).toHaveLength(1);
  expect(fake.requests).toHaveLength(1);
  fake.failNext(grpc.status.INVALID_ARGUMENT);
  await expect(s.write([{ name: 'shop_mlops_ab_srm_p_value', labels: { shop: 's', model: 'recommend' }, value: 0.3 }], AT)).rejects.toMatchObject({ code: 'BAD_REQUEST', retryable: false });
});

test('without an injected client the sink builds its own MetricServiceClient from clientOptions', async () => {
  const own = createCloudMonitoringSink({ projectId: PROJECT, clientOptions: { apiEndpoint: '127.0.0.1', port: fake.port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' } });
  await own.write([{ name: 'shop_mlops_monitor_last_run_timestamp_seconds', labels: { job: 'monitor' }, value: AT.getTime() / 1000 }], AT);
  expect(fake.requests.flatMap((r) => r.timeSeries.map((s) => s.metric.type))).toEqual(['custom.googleapis.com/shop_mlops/monitor_last_run_timestamp_seconds']);
});
