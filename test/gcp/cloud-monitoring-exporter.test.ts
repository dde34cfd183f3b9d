// The Cloud Monitoring exporter of a function instance's prom-client registry, with the real client against an in-process MetricService (real gRPC, the API's per-series rules).
import './support/cjs-http-transport';
import * as grpc from '@grpc/grpc-js';
import { Counter, Registry } from 'prom-client';
import { createCloudMonitoringExporter, DEFAULT_INTERVAL_MS } from '../../functions/src/adapters/gcp/cloud-monitoring-exporter';
import type { MetricServiceClient } from '../../functions/src/adapters/gcp/cloud-monitoring-sink';
import { BigQuery } from '@google-cloud/bigquery';
import { Storage } from '@google-cloud/storage';
import { buildApiRuntime, buildMonitorRuntime, buildWebhookRuntime, loadCloudConfig } from '../../functions/src/adapters/gcp/cloud-runtime';
import { startFakeBigQuery } from './support/fake-bigquery';
import { createLogger } from '../../functions/src/core/log';
import { createIngestMetrics, createServingMetrics } from '../../functions/src/core/metrics';
import { startFakeMonitoring, type FakeMonitoring, type WireSeries } from './support/fake-monitoring';

const PROJECT = 'demo-shop';
const T0 = Date.parse('2026-05-01T03:00:00.000Z');
let fake: FakeMonitoring;
let client: MetricServiceClient;
let t: number;
let logged: string[];

beforeAll(async () => {
  fake = await startFakeMonitoring();
  const { MetricServiceClient: Client } = require('@google-cloud/monitoring/build/src/v3/metric_service_client') as { MetricServiceClient: new (o: unknown) => MetricServiceClient };
  client = new Client({ apiEndpoint: '127.0.0.1', port: fake.port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' });
});
afterAll(async () => {
  await client.close();
  await fake.stop();
});
beforeEach(() => {
  fake.clear();
  t = T0;
  logged = [];
});

/** The serving and ingest series of one instance, in one real prom-client registry. */
function instance(functionName = 'api', opts: { flushTimeoutMs?: number } = {}) {
  const ingest = createIngestMetrics();
  const serving = createServingMetrics(ingest.registry);
  const log = createLogger({ write: (l) => logged.push(l) });
  const exporter = createCloudMonitoringExporter({ projectId: PROJECT, registry: ingest.registry, functionName, log, client, now: () => t, ...opts });
  return { ingest, serving, exporter };
}
const written = (type: string) => fake.requests.flatMap((r) => r.timeSeries).filter((s) => s.metric.type === `custom.googleapis.com/shop_mlops/${type}`);
const ms = (ts: { seconds: string; nanos: number } | null) => (ts ? Number(ts.seconds) * 1000 + ts.nanos / 1e6 : null);
const labelled = (series: WireSeries[], labels: Record<string, string>) => series.filter((s) => Object.entries(labels).every(([k, v]) => s.metric.labels[k] === v));

test('counters are CUMULATIVE points from the instance start: one start time across flushes, the value grows; gauges are GAUGE points', async () => {
  const { serving, exporter } = instance();
  serving.predictions.inc({ model: 'propensity', arm: 'champion', served_by: 'model' });
  serving.fallbacks.inc({ model: 'propensity', reason: 'timeout', served_by: 'champion' });
  t = T0 + 60_000;
  expect(await exporter.flush()).toBe(true);
  serving.predictions.inc({ model: 'propensity', arm: 'champion', served_by: 'model' }, 2);
  t = T0 + 120_000;
  expect(await exporter.flush()).toBe(true);

  const points = written('predictions_total');
  expect(points).toHaveLength(2);
  for (const s of points) {
    expect(s).toMatchObject({ metricKind: 'CUMULATIVE', valueType: 'DOUBLE', resource: { type: 'global', labels: { project_id: PROJECT } } });
    expect(s.metric.labels).toEqual({ model: 'propensity', arm: 'champion', served_by: 'model', instance: exporter.instance });
    expect(ms(s.points[0]!.interval.startTime)).toBe(T0);
  }
  expect(points.map((s) => ms(s.points[0]!.interval.endTime))).toEqual([T0 + 60_000, T0 + 120_000]);
  expect(points.map((s) => s.points[0]!.value.doubleValue)).toEqual([1, 3]);
  expect(written('serving_fallbacks_total').map((s) => s.points[0]!.value.doubleValue)).toEqual([1, 1]);

  const dropped = written('prediction_log_dropped');
  expect(dropped[0]).toMatchObject({ metricKind: 'GAUGE', valueType: 'DOUBLE' });
  expect(dropped[0]!.points[0]!.interval.startTime).toBeNull();
  expect(ms(dropped[0]!.points[0]!.interval.endTime)).toBe(T0 + 60_000);
});

test('histograms arrive as CUMULATIVE distributions: bounds from the buckets, a count per bucket plus the overflow, count and mean', async () => {
  const { serving, exporter } = instance();
  for (const s of [0.0004, 0.003, 0.004, 0.02, 0.3, 2]) serving.predictionSeconds.observe({ model: 'propensity', version: '7' }, s);
  serving.predictionSeconds.observe({ model: 'propensity', version: 'none' }, 0.0008);
  t = T0 + 60_000;
  await exporter.flush();

  const series = written('prediction_seconds');
  expect(series).toHaveLength(2);
  const v7 = labelled(series, { version: '7' })[0]!;
  expect(v7).toMatchObject({ metricKind: 'CUMULATIVE', valueType: 'DISTRIBUTION' });
  expect(ms(v7.points[0]!.interval.startTime)).toBe(T0);
  const d = v7.points[0]!.value.distributionValue!;
  expect(d.bucketOptions.explicitBuckets!.bounds).toEqual([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]);
  //                  ≤0.0005 ≤0.001 ≤0.0025 ≤0.005 ≤0.01 ≤0.025 ≤0.05 ≤0.1 ≤0.25 ≤0.5 ≤1  >1
  expect(d.bucketCounts.map(Number)).toEqual([1, 0, 0, 2, 0, 1, 0, 0, 0, 1, 0, 1]);
  expect(Number(d.count)).toBe(6);
  expect(d.mean).toBeCloseTo((0.0004 + 0.003 + 0.004 + 0.02 + 0.3 + 2) / 6, 12);
  expect(labelled(series, { version: 'none' })[0]!.points[0]!.value.distributionValue!.bucketCounts.map(Number)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  // An unlabelled histogram with no observations is an empty distribution, still a valid point.
  const ack = written('webhook_ack_seconds');
  expect(ack.length).toBe(0); // labelled by outcome: no series until a delivery
  const commits = written('log_commit_records')[0]!.points[0]!.value.distributionValue!;
  expect(Number(commits.count)).toBe(0);
  expect(commits.bucketCounts.map(Number)).toEqual(new Array(10).fill(0));
});

test('descriptors are created once per process: help, kind, value type, the labels plus instance; only shop_mlops_ series', async () => {
  const { ingest, serving, exporter } = instance();
  new Counter({ name: 'other_total', help: 'not ours', registers: [ingest.registry] }).inc();
  serving.predictions.inc({ model: 'recommend', arm: 'challenger', served_by: 'model' });
  t = T0 + 60_000;
  await exporter.flush();
  const first = fake.descriptors.length;
  t = T0 + 120_000;
  await exporter.flush();
  expect(fake.descriptors).toHaveLength(first);
  const byType = new Map(fake.descriptors.map((d) => [d.descriptor.type as string, d.descriptor]));
  expect(byType.size).toBe(first);
  expect([...byType.keys()].every((k) => k.startsWith('custom.googleapis.com/shop_mlops/'))).toBe(true);
  expect(byType.get('custom.googleapis.com/shop_mlops/predictions_total')).toMatchObject({
    metricKind: 'CUMULATIVE',
    valueType: 'DOUBLE',
    description: expect.stringContaining('Served predictions'),
    labels: ['model', 'arm', 'served_by', 'instance'].map((key) => ({ key, valueType: 'STRING' })),
  });
  expect(byType.get('custom.googleapis.com/shop_mlops/prediction_seconds')).toMatchObject({ metricKind: 'CUMULATIVE', valueType: 'DISTRIBUTION' });
  expect(byType.get('custom.googleapis.com/shop_mlops/webhooks_in_flight')).toMatchObject({ metricKind: 'GAUGE', valueType: 'DOUBLE' });
  expect(fake.requests.flatMap((r) => r.timeSeries).some((s) => s.metric.type.includes('other'))).toBe(false);
});

test('two instances never write the same series: each carries its own instance label, so both writes at the same moment are accepted', async () => {
  const a = instance('api');
  const b = instance('api');
  const w = instance('webhooks');
  for (const i of [a, b]) i.serving.predictions.inc({ model: 'propensity', arm: 'champion', served_by: 'model' });
  t = T0 + 60_000;
  expect(await a.exporter.flush()).toBe(true);
  expect(await b.exporter.flush()).toBe(true);
  expect(await w.exporter.flush()).toBe(true);
  expect(a.exporter.instance).toMatch(/^api-[0-9a-f]{12}$/);
  expect(w.exporter.instance).toMatch(/^webhooks-[0-9a-f]{12}$/);
  expect(new Set([a, b, w].map((i) => i.exporter.instance)).size).toBe(3);
  const all = fake.requests.flatMap((r) => r.timeSeries);
  expect(all.every((s) => typeof s.metric.labels['instance'] === 'string')).toBe(true);
  const keys = all.map((s) => JSON.stringify([s.metric.type, Object.entries(s.metric.labels).sort()]));
  expect(new Set(keys).size).toBe(keys.length);
  expect(written('predictions_total').map((s) => s.metric.labels['instance']).sort()).toEqual([a.exporter.instance, b.exporter.instance].sort());
});

test('flushIfDue writes nothing before the interval, then once per interval', async () => {
  const { serving, exporter } = instance();
  serving.predictions.inc({ model: 'propensity', arm: 'champion', served_by: 'model' });
  t = T0 + DEFAULT_INTERVAL_MS - 1;
  await exporter.flushIfDue();
  expect(fake.requests).toHaveLength(0);
  expect(fake.descriptors).toHaveLength(0);
  t = T0 + DEFAULT_INTERVAL_MS;
  await exporter.flushIfDue();
  const after = fake.requests.length;
  expect(after).toBeGreaterThan(0);
  t = T0 + 2 * DEFAULT_INTERVAL_MS - 1;
  await exporter.flushIfDue();
  expect(fake.requests).toHaveLength(after);
  t = T0 + 2 * DEFAULT_INTERVAL_MS;
  await exporter.flushIfDue();
  expect(fake.requests.length).toBeGreaterThan(after);
  expect(() => createCloudMonitoringExporter({ projectId: PROJECT, registry: new Registry(), functionName: 'api', log: createLogger({ write: () => undefined }), client, intervalMs: 1_000 })).toThrow(/at least 5000/);
});

test('a failing Monitoring API never throws into the invocation; it is logged, and the next flush writes the totals', async () => {
  const { serving, exporter } = instance();
  serving.predictions.inc({ model: 'propensity', arm: 'champion', served_by: 'model' });
  fake.failNext(grpc.status.UNAVAILABLE, 1_000);
  t = T0 + 60_000;
  await expect(exporter.flushIfDue()).resolves.toBeUndefined();
  expect(await exporter.flush()).toBe(false);
  expect(fake.requests).toHaveLength(0);
  const warning = logged.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e['severity'] === 'WARNING');
  expect(warning).toMatchObject({ message: expect.stringContaining('metrics export failed'), code: 'UNAVAILABLE', instance: exporter.instance });

  fake.clear();
  serving.predictions.inc({ model: 'propensity', arm: 'champion', served_by: 'model' });
  t = T0 + 120_000;
  await exporter.flushIfDue();
  expect(written('predictions_total').map((s) => [ms(s.points[0]!.interval.startTime), s.points[0]!.value.doubleValue])).toEqual([[T0, 2]]);
});

test('a slow Monitoring API holds the invocation no longer than the flush timeout', async () => {
  const { exporter } = instance('api', { flushTimeoutMs: 200 });
  fake.delayMs = 3_000;
  t = T0 + 60_000;
  const started = Date.now();
  await exporter.flushIfDue();
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(logged.some((l) => l.includes('still pending'))).toBe(true);
  // The pending flush is not doubled by the next invocation.
  t = T0 + 120_000;
  await exporter.flushIfDue();
  fake.delayMs = 0;
  await new Promise((r) => setTimeout(r, 3_500));
  expect(fake.requests.length).toBeGreaterThan(0);
  expect(new Set(fake.requests.flatMap((r) => r.timeSeries.map((s) => s.points[0]!.interval.endTime!.seconds))).size).toBe(1);
});

test('more than 200 series go out as requests of at most 200', async () => {
  const registry = new Registry();
  const c = new Counter({ name: 'shop_mlops_rows_landed_total', help: 'rows', labelNames: ['table'], registers: [registry] });
  for (let i = 0; i < 450; i++) c.inc({ table: `t${i}` });
  const exporter = createCloudMonitoringExporter({ projectId: PROJECT, registry, functionName: 'webhooks', log: createLogger({ write: () => undefined }), client, now: () => t });
  t = T0 + 60_000;
  expect(await exporter.flush()).toBe(true);
  expect(fake.requests.map((r) => r.timeSeries.length)).toEqual([200, 200, 50]);
});

describe('the functions write their instance series', () => {
  const config = loadCloudConfig({ GOOGLE_CLOUD_PROJECT: PROJECT, SHOP_MLOPS_LOG_LEVEL: 'ERROR' }, 'hush');

  test('webhooks: a refused delivery is counted and reaches Cloud Monitoring under the webhooks instance', async () => {
    const rt = buildWebhookRuntime(config, { metricClient: client });
    const res = await rt.app.fetch(new Request('https://example.test/webhooks', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }));
    expect(res.status).toBe(401);
    expect(await rt.metrics.flush()).toBe(true);
    const received = written('webhooks_received_total');
    expect(received).toHaveLength(1);
    expect(received[0]!.metric.labels).toEqual({ topic: 'other', outcome: 'unauthorized', instance: rt.metrics.instance });
    expect(rt.metrics.instance).toMatch(/^webhooks-/);
    expect(labelled(written('webhook_ack_seconds'), { outcome: 'unauthorized' })[0]!.points[0]!.value.distributionValue!.count).toBe('1');
  });

  test('api: the serving series (predictions, fallbacks, per-version latency) are described and written', async () => {
    // The Flow action's ledger resumes on start: pointed at a closed port with no retries, so no retry timer outlives the test.
    const storage = new Storage({ projectId: PROJECT, apiEndpoint: 'http://127.0.0.1:9', retryOptions: { autoRetry: false } });
    const rt = buildApiRuntime(config, { location: 'us-central1', metricClient: client, flowAction: { storage } });
    expect(await rt.metrics.flush()).toBe(true);
    expect(rt.metrics.instance).toMatch(/^api-/);
    const types = fake.descriptors.map((d) => d.descriptor.type as string);
    for (const name of ['predictions_total', 'serving_fallbacks_total', 'prediction_seconds', 'prediction_log_dropped']) expect(types).toContain(`custom.googleapis.com/shop_mlops/${name}`);
    expect(types).not.toContain('custom.googleapis.com/shop_mlops/webhooks_received_total');
    await rt.predictionLog.flush();
  });

  test('monitor: the quarantine waiting for a replay (a count on BigQuery) reaches Cloud Monitoring as shop_mlops_quarantine_records', async () => {
    const bq = await startFakeBigQuery();
    try {
      bq.respond = (job) => (/COUNT\(\*\) AS n FROM `demo-shop\.shop_raw\.quarantine` WHERE replayed_at IS NULL/.test(job.query) ? { schema: { fields: [{ name: 'n', type: 'INTEGER' }] }, rows: [{ f: [{ v: '3' }] }] } : { numDmlAffectedRows: 0 });
      const monitorConfig = loadCloudConfig({ GOOGLE_CLOUD_PROJECT: PROJECT, SHOP_MLOPS_LOG_LEVEL: 'ERROR', SHOP_MLOPS_ARTIFACT_BUCKET: 'demo-shop-artifacts' }, 'hush');
      const rt = buildMonitorRuntime(monitorConfig, { location: 'us-central1', metricClient: client, bigquery: new BigQuery({ projectId: PROJECT, apiEndpoint: bq.endpoint, autoRetry: false }) });
      expect(await rt.queueHealth()).toBe(true);
      const q = written('quarantine_records');
      expect(q).toHaveLength(1);
      expect(q[0]).toMatchObject({ metricKind: 'GAUGE', valueType: 'DOUBLE' });
      expect(q[0]!.metric.labels['instance']).toMatch(/^monitor-/);
      expect(q[0]!.points[0]!.value.doubleValue).toBe(3);
      // Queue lag is Pub/Sub's own metric in the cloud (infra/alert-rules.tf): the monitor writes none.
      expect(written('queue_lag_seconds')).toHaveLength(0);
    } finally {
      await bq.stop();
    }
  });
});
