// The embedded MetricsSink: monitoring points become the registry's gauges and counters (as /metrics shows them); a bad point rejects the write.
import { Registry } from 'prom-client';
import { MONITORING_SERIES, createMonitoringMetrics } from '../../functions/src/core/metrics';
import { createPromMetricsSink } from '../../functions/src/adapters/embedded/prom-metrics-sink';
import { ShopMlopsError } from '../../functions/src/core/errors';

const AT = new Date('2026-05-01T03:00:00Z');
const live = { shop: 'demo.myshopify.com', model: 'propensity', version: '7', arm: 'challenger', metric: 'precision' };

function setup() {
  const registry = new Registry();
  return { registry, sink: createPromMetricsSink(createMonitoringMetrics(registry)) };
}

test('every contract series is registered with its help, type and label names', async () => {
  const { registry } = setup();
  const json = await registry.getMetricsAsJSON();
  expect(json.map((m) => m.name).sort()).toEqual(Object.keys(MONITORING_SERIES).sort());
  for (const m of json) {
    const s = MONITORING_SERIES[m.name as keyof typeof MONITORING_SERIES];
    expect(m.type).toBe(s.kind);
    expect(m.help).toBe(s.help);
  }
});

test('gauges take the last value, counters add up, per label set', async () => {
  const { registry, sink } = setup();
  await sink.write(
    [
      { name: 'shop_mlops_live_precision', labels: live, value: 0.71 },
      { name: 'shop_mlops_live_precision_high', labels: live, value: 0.76, op: 'set' },
      { name: 'shop_mlops_precision_threshold', labels: { model: 'propensity' }, value: 0.78 },
      { name: 'shop_mlops_monitor_decisions_total', labels: { shop: live.shop, model: 'propensity', action: 'rollback', reason: 'precision' }, value: 1, op: 'add' },
    ],
    AT,
  );
  await sink.write(
    [
      { name: 'shop_mlops_live_precision', labels: live, value: 0.74 },
      { name: 'shop_mlops_monitor_decisions_total', labels: { shop: live.shop, model: 'propensity', action: 'rollback', reason: 'precision' }, value: 2, op: 'add' },
    ],
    AT,
  );
  const text = await registry.metrics();
  expect(text).toContain('shop_mlops_live_precision{shop="demo.myshopify.com",model="propensity",version="7",arm="challenger",metric="precision"} 0.74');
  expect(text).toContain('shop_mlops_live_precision_high{shop="demo.myshopify.com",model="propensity",version="7",arm="challenger",metric="precision"} 0.76');
  expect(text).toContain('shop_mlops_precision_threshold{model="propensity"} 0.78');
  expect(text).toContain('shop_mlops_monitor_decisions_total{shop="demo.myshopify.com",model="propensity",action="rollback",reason="precision"} 3');
  expect(text).toMatch(/# TYPE shop_mlops_monitor_decisions_total counter/);
});

test('a write with any bad point is rejected whole, naming every problem', async () => {
  const { registry, sink } = setup();
  const err = await sink
    .write(
      [
        { name: 'shop_mlops_live_precision', labels: live, value: 0.9 },
        { name: 'shop_mlops_not_a_series', labels: {}, value: 1 },
        { name: 'shop_mlops_precision_threshold', labels: {}, value: 0.78 },
        { name: 'shop_mlops_retrain_runs_total', labels: { shop: 's', trigger: 'drift', status: 'started' }, value: 1 },
        { name: 'shop_mlops_drift_features_drifted', labels: { shop: 's', subject: 'customer_rfm', model: 'propensity' }, value: Number.NaN },
        { name: 'shop_mlops_retrain_runs_total', labels: { shop: 's', trigger: 'drift', status: 'started' }, value: -1, op: 'add' },
      ],
      AT,
    )
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ShopMlopsError);
  const e = err as ShopMlopsError;
  expect(e.code).toBe('BAD_REQUEST');
  expect(e.details?.['problems']).toEqual([
    'point 1: shop_mlops_not_a_series is not a monitoring series',
    'point 2: labels must be {model}, got {}',
    'point 3: shop_mlops_retrain_runs_total is a counter: op must be add',
    'point 4: value: Invalid input: expected number, received NaN',
    'point 5: a counter cannot decrease (add -1)',
  ]);
  // Nothing was written, not even the good point.
  expect(await registry.metrics()).not.toMatch(/^shop_mlops_live_precision\{/m);
});
