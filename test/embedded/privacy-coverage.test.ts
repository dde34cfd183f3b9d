// Every warehouse table with a customer, email or phone column (feature tables and batch scores included) is covered by the
// redaction path, and a customers/redact reaches the staging, feature and prediction tables the pipelines derived.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import type { LandedEvent } from '../../functions/src/core/classify';
import { CUSTOMER_DATA_TABLES } from '../../functions/src/core/privacy';
import { runFeatures } from '../../functions/src/features/runner';
import { runTraining } from '../../functions/src/training/run';
import type { ScoreReport } from '../../functions/src/training/score';
import { insertLogEntries } from '../../functions/src/adapters/embedded/journal-prediction-log';
import { runOutcomeJoin } from '../../functions/src/monitoring/outcomes-job';

const GOLDEN = path.join(__dirname, '../features/golden-store');
const SHOP = 'golden-store.myshopify.com';

let w: DuckDbWarehouse;
let scored: ScoreReport;
const dataDir = mkdtempSync(path.join(tmpdir(), 'privacy-coverage-'));
beforeAll(async () => {
  w = await openDuckDbWarehouse({ path: ':memory:' });
  const events = readFileSync(path.join(GOLDEN, 'events.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as LandedEvent);
  await w.landEvents(events);
  const r = await runFeatures({ warehouse: w, snapshotDate: '2024-03-10', timezone: 'America/New_York' });
  expect(r.actions.filter((a) => a.status !== 'ok')).toEqual([]);
  // The training pipeline ends by scoring: the shop_predictions tables exist and hold the champions' batch scores.
  const { report } = await runTraining({ world: { mode: 'embedded', dataDir, warehouse: w }, params: { holdout_days: 7 } });
  scored = report.steps.find((s) => s.name === 'score')!.outputs['scored'] as unknown as ScoreReport;
  // The monitoring run joins a prediction served about the first customer with their orders (shop_monitoring tables).
  const first = String((await w.query(`SELECT min(customer_id) AS c FROM shop_features.customer_rfm`))[0]!['c']);
  const served = { shop: SHOP, served_at: '2024-03-01T12:00:00.000Z', route: 'customer_predictions', model: 'propensity', arm: 'champion' as const, bucket: 1, assigned_version: 1, version: 1, served_by: 'model' as const, fallback: false, fallback_reason: null, visitor_id: null, inputs_hash: 'x', latency_ms: 1 };
  await w.transaction((exec) => insertLogEntries(exec, [{ ...served, prediction_id: 'm1', customer_id: first, entity_id: first, output: JSON.stringify({ customer_id: first, will_repeat: true }) }]));
  const joined = await runOutcomeJoin(w, { timezone: 'America/New_York' });
  expect(joined.actions.filter((a) => a.status !== 'ok')).toEqual([]);
  expect(await w.query(`SELECT customer_id FROM shop_monitoring.prediction_outcomes`)).toEqual([{ customer_id: first }]);
}, 120_000);
afterAll(async () => {
  await w.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('no table holding customer data escapes the redaction path', async () => {
  const cols = await w.query(`
    SELECT DISTINCT table_schema || '.' || table_name AS t
    FROM information_schema.columns
    WHERE table_schema NOT IN ('information_schema', 'pg_catalog') AND table_schema NOT LIKE 'temp%'
      AND (column_name ILIKE '%customer%' OR column_name ILIKE '%email%' OR column_name ILIKE '%phone%' OR column_name IN ('payload', 'body'))`);
  const tables = cols.map((r) => String(r['t'])).sort();
  expect(tables).toEqual(expect.arrayContaining(['shop_raw.events', 'shop_staging.orders', 'shop_features.customer_rfm', 'shop_predictions.customer_clv', 'shop_predictions.customer_propensity', 'shop_predictions.prediction_log', 'shop_monitoring.prediction_outcomes']));
  expect(tables.filter((t) => !(t in CUSTOMER_DATA_TABLES))).toEqual([]);
});

test('customers/redact reaches the derived tables: features deleted, orders anonymised, the event index unlinked', async () => {
  const rfm = await w.query(`SELECT customer_id FROM shop_features.customer_rfm ORDER BY customer_id`);
  const customerId = String(rfm[0]!['customer_id']);
  const before = await w.query(`SELECT count(*) AS n FROM shop_staging.orders WHERE customer_id = '${customerId}'`);
  // The golden store trains CLV (propensity needs an earlier labelled snapshot): every customer has CLV scores.
  expect(scored.models.find((m) => m.model === 'clv')!.tables).toMatchObject([{ table: 'shop_predictions.customer_clv', inserted: rfm.length }]);
  expect(await w.query(`SELECT count(*) AS n FROM shop_predictions.customer_clv WHERE customer_id = '${customerId}'`)).toEqual([{ n: '1' }]);
  expect(Number(before[0]!['n'])).toBeGreaterThan(0);
  // A prediction served about the customer (the prediction log), and one served to an anonymous visitor that stays.
  const served = { shop: SHOP, served_at: '2024-03-10T12:00:00.000Z', route: 'customer_predictions', model: 'clv', arm: 'champion' as const, bucket: 1, assigned_version: 1, version: 1, served_by: 'model' as const, fallback: false, fallback_reason: null, visitor_id: null, inputs_hash: 'x', output: '{}', latency_ms: 1 };
  await w.transaction((exec) => insertLogEntries(exec, [{ ...served, prediction_id: 'p1', customer_id: customerId, entity_id: customerId }, { ...served, prediction_id: 'p2', customer_id: null, visitor_id: 'v1', entity_id: 'prod' }]));
  const res = await w.redactCustomer({ shop: SHOP, customerId, orderIds: [] });
  expect(res.tables['shop_predictions.prediction_log']).toEqual({ deleted: 2, scrubbed: 0 }); // p1 and the one the monitoring run joined
  expect(res.tables['shop_monitoring.prediction_outcomes']).toEqual({ deleted: 1, scrubbed: 0 });
  expect(await w.query(`SELECT prediction_id FROM shop_predictions.prediction_log`)).toEqual([{ prediction_id: 'p2' }]);
  expect(Object.keys(res.tables).sort()).toEqual(Object.keys(CUSTOMER_DATA_TABLES).filter((t) => t !== 'shop_raw.privacy_audit').sort());
  expect(res.tables['shop_predictions.customer_clv']).toEqual({ deleted: 1, scrubbed: 0 });
  for (const t of ['shop_features.customer_rfm', 'shop_features.customer_labels', 'shop_staging.customers', 'shop_staging.orders', 'shop_staging.order_lines', 'shop_predictions.customer_clv', 'shop_predictions.customer_propensity', 'shop_monitoring.prediction_outcomes']) {
    expect(await w.query(`SELECT count(*) AS n FROM ${t} WHERE customer_id = '${customerId}'`)).toEqual([{ n: '0' }]);
  }
  expect(res.tables['shop_staging.orders']!.scrubbed).toBe(Number(before[0]!['n']));
  // The parsed event index: no row names the customer any more; their order events stay (demand history).
  const staged = await w.query(`SELECT count(*) FILTER (WHERE customer_id = '${customerId}') AS named, count(*) FILTER (WHERE topic LIKE 'orders/%') AS orders FROM shop_staging.events_dedup`);
  expect(staged[0]!['named']).toBe('0');
  expect(Number(staged[0]!['orders'])).toBeGreaterThan(0);
  expect(res.tables['shop_staging.events_dedup']!.scrubbed).toBeGreaterThan(0);
  // Nothing personal was parsed into it: its body has no email, phone, name or address field.
  const fields = await w.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'shop_staging' AND table_name = 'events_dedup' AND column_name = 'body'`);
  expect(String(fields[0]!['data_type'])).not.toMatch(/(?<!has_)(email|phone)\b|first_name|last_name|address/i);
  expect(String(fields[0]!['data_type'])).toMatch(/has_email BOOLEAN/);
});

test('shop/redact empties every table of the shop, derived ones included (an analyst\'s view over them is left alone)', async () => {
  await w.execute(`CREATE VIEW shop_features.rfm_by_segment AS SELECT shop, segment, count(*) AS customers FROM shop_features.customer_rfm GROUP BY ALL`);
  const res = await w.redactShop(SHOP);
  expect(Object.keys(res.tables)).not.toContain('shop_features.rfm_by_segment');
  expect(Object.keys(res.tables)).toEqual(expect.arrayContaining(['shop_raw.events', 'shop_staging.orders', 'shop_features.customer_rfm', 'shop_features.co_purchase_pairs', 'shop_predictions.prediction_log', 'shop_predictions.customer_clv', 'shop_predictions.variant_forecast', 'shop_predictions.variant_replenishment', 'shop_predictions.product_recommendations', 'shop_monitoring.prediction_outcomes', 'shop_monitoring.outcome_daily']));
  expect(res.tables['shop_predictions.variant_forecast']!.deleted).toBeGreaterThan(0);
  for (const t of Object.keys(res.tables)) expect(await w.query(`SELECT count(*) AS n FROM ${t} WHERE shop = '${SHOP}'`)).toEqual([{ n: '0' }]);
});
