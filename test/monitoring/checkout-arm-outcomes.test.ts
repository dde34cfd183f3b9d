// The A/B arm the checkout extension wrote (cart attribute _shop_mlops_arm → the order's note_attributes) through the real
// features build into shop_staging.orders.checkout_arm, and the outcome join counting such an order only for predictions of that arm.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { insertLogEntries } from '../../functions/src/adapters/embedded/journal-prediction-log';
import { parseLossless, stringifyLossless } from '../../functions/src/core/json';
import { createPredictionLogIfAbsent, runOutcomeJoin } from '../../functions/src/monitoring/outcomes-job';
import type { PredictionLogEntry } from '../../functions/src/ports/prediction-log';
import { runFeaturesJob } from '../../functions/src/runtime/features-job';
import { FIXTURES } from '../helpers/shared';

const SHOP = 'arms.myshopify.com';
let w: DuckDbWarehouse;

/** Shopify's orders/create sample, as a real order of `customer` at `at`, with the given note attributes. */
function order(id: number, customer: number, at: string, noteAttributes: { name: string; value: string }[]): string {
  const o = parseLossless(readFileSync(path.join(FIXTURES, 'orders_create.json'), 'utf8')) as Record<string, unknown>;
  Object.assign(o, { id, name: `#${id}`, created_at: at, updated_at: at, processed_at: at, test: false, cancelled_at: null, cancel_reason: null, financial_status: 'paid', note_attributes: noteAttributes });
  (o['customer'] as Record<string, unknown>)['id'] = customer;
  return stringifyLossless(o);
}

const served = (id: string, customer: string, at: string, arm: 'champion' | 'challenger', version: number): PredictionLogEntry => ({
  prediction_id: id, shop: SHOP, served_at: at, route: 'customer_predictions', model: 'propensity', arm, bucket: 1, assigned_version: version, version, served_by: 'model',
  fallback: false, fallback_reason: null, customer_id: customer, visitor_id: null, entity_id: customer, inputs_hash: 'h', latency_ms: 1,
  output: JSON.stringify({ customer_id: customer, rfm_segment: 'x', p_repeat_30d: 0.9, threshold: 0.5, will_repeat: true }),
});

beforeAll(async () => {
  w = await openDuckDbWarehouse({ path: ':memory:' });
  const orders: [number, number, string, { name: string; value: string }[]][] = [
    [9001, 501, '2026-03-10T10:00:00Z', [{ name: 'gift_note', value: 'hi' }, { name: '_shop_mlops_arm', value: 'challenger:v2' }]],
    [9002, 502, '2026-03-10T11:00:00Z', []], // no attribute: counts for whichever arm served the customer
    [9003, 503, '2026-03-10T12:00:00Z', [{ name: '_shop_mlops_arm', value: 'champion' }]],
    [9004, 504, '2026-04-30T00:00:00Z', []], // the data watermark: every window above is closed
  ];
  await w.landEvents(orders.map(([id, customer, at, notes]) => ({ shop: SHOP, topic: 'orders/create', webhook_id: `w-${id}`, event_id: null, api_version: '2026-10', triggered_at: at, received_at: at, payload: order(id, customer, at, notes) })));
  const features = await runFeaturesJob(w, { timezone: 'UTC', snapshotDate: '2026-04-30' });
  expect(features.actions.filter((a) => a.status !== 'ok' && a.name.includes('orders')).map((a) => `${a.name}: ${a.error}`)).toEqual([]);
  await createPredictionLogIfAbsent(w);
  await w.transaction((exec) =>
    insertLogEntries(exec, [
      // 501 was served by the champion on 03-02, then moved to the challenger by a ramp step on 03-05; its order's checkout showed the challenger
      served('p1', '501', '2026-03-02T00:00:00.000Z', 'champion', 1),
      served('p2', '501', '2026-03-05T00:00:00.000Z', 'challenger', 2),
      served('p3', '502', '2026-03-02T00:00:00.000Z', 'champion', 1),
      served('p4', '503', '2026-03-02T00:00:00.000Z', 'challenger', 2),
    ]),
  );
  const report = await runOutcomeJoin(w, { timezone: 'UTC', now: new Date('2026-05-01T00:00:00Z') });
  expect(report.actions.filter((a) => a.status !== 'ok').map((a) => `${a.name}: ${a.error}`)).toEqual([]);
}, 180_000);
afterAll(async () => w.close());

test('the features build reads the arm from the order\'s note_attributes into shop_staging.orders.checkout_arm', async () => {
  const rows = await w.query(`SELECT order_id, checkout_arm FROM shop_staging.orders ORDER BY order_id`);
  expect(rows).toEqual([
    { order_id: '9001', checkout_arm: 'challenger:v2' },
    { order_id: '9002', checkout_arm: null },
    { order_id: '9003', checkout_arm: 'champion' },
    { order_id: '9004', checkout_arm: null },
  ]);
});

test('an order carrying its checkout\'s arm is an outcome only for predictions of that arm; one without counts as before', async () => {
  const rows = await w.query(`SELECT prediction_id, arm, customer_id, closed, outcome_positive FROM shop_monitoring.prediction_outcomes ORDER BY prediction_id`);
  expect(rows).toEqual([
    { prediction_id: 'p1', arm: 'champion', customer_id: '501', closed: true, outcome_positive: false }, // the order is the challenger's
    { prediction_id: 'p2', arm: 'challenger', customer_id: '501', closed: true, outcome_positive: true },
    { prediction_id: 'p3', arm: 'champion', customer_id: '502', closed: true, outcome_positive: true },
    { prediction_id: 'p4', arm: 'challenger', customer_id: '503', closed: true, outcome_positive: false }, // its order showed the champion
  ]);
});
