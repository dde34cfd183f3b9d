// The Dataform project on a tiny hand-checked store (test/features/golden-store/README.md), executed on DuckDB by
// the local runner: exact expected rows for RFM, labels, the demand calendar and co-purchase lift; exactly-once
// staging from an at-least-once raw table; incremental runs equal a full build and keep snapshot history.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import type { LandedEvent } from '../../functions/src/core/classify';
import { runFeatures, type RunReport } from '../../functions/src/features/runner';

const DIR = path.join(__dirname, 'golden-store');
const PROJECT = path.join(__dirname, '../../dataform');
const SNAPSHOT = '2024-03-10';
const TZ = 'America/New_York';

const jsonl = (file: string): LandedEvent[] =>
  readFileSync(path.join(DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LandedEvent);
const expected = (name: string) => JSON.parse(readFileSync(path.join(DIR, `expected-${name}.json`), 'utf8')) as { snapshot_date: string; rows: Record<string, unknown>[] };

/** DuckDB BIGINTs come back as strings: read numbers where the expected row has a number. */
function like(actual: Record<string, unknown>[], want: Record<string, unknown>[]): Record<string, unknown>[] {
  return actual.map((row, i) => {
    const w = want[i] ?? {};
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(w)) {
      const v = row[k];
      out[k] = typeof w[k] === 'number' && v !== null && v !== undefined ? Number(v) : v;
    }
    return out;
  });
}

const failures = (r: RunReport) => r.actions.filter((a) => a.status !== 'ok').map((a) => `${a.name}: ${a.error}`);

async function landRawDuplicates(w: DuckDbWarehouse) {
  for (const e of jsonl('raw-duplicates.jsonl')) {
    await w.execute('INSERT INTO shop_raw.events VALUES ($1, $2, $3, $4, $5, $6::TIMESTAMPTZ, $7::TIMESTAMPTZ, $8::JSON)', [e.shop, e.topic, e.webhook_id, e.event_id, e.api_version, e.triggered_at, e.received_at, e.payload]);
  }
}

async function checkGolden(w: DuckDbWarehouse) {
  const rfm = expected('customer_rfm');
  const rfmRows = await w.query(`SELECT * FROM shop_features.customer_rfm WHERE snapshot_date = DATE '${SNAPSHOT}' ORDER BY customer_id`);
  expect(like(rfmRows, rfm.rows)).toEqual(rfm.rows);

  const labels = expected('customer_labels');
  const labelRows = await w.query(`SELECT * FROM shop_features.customer_labels WHERE snapshot_date = DATE '${SNAPSHOT}' ORDER BY customer_id`);
  expect(like(labelRows, labels.rows)).toEqual(labels.rows);

  const demand = expected('variant_daily_demand');
  const demandRows = await w.query(`SELECT variant_id, product_id, strftime(date, '%Y-%m-%d') AS date, units, revenue, avg_price, in_stock FROM shop_features.variant_daily_demand ORDER BY variant_id, date`);
  expect(like(demandRows, demand.rows)).toEqual(demand.rows);

  const co = expected('co_purchase');
  const coRows = like(await w.query(`SELECT * FROM shop_features.co_purchase WHERE snapshot_date = DATE '${SNAPSHOT}' ORDER BY product_a, product_b`), co.rows);
  const exact = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => !['support', 'confidence', 'lift'].includes(k)));
  expect(coRows.map(exact)).toEqual(co.rows.map(exact));
  coRows.forEach((r, i) => {
    for (const k of ['support', 'confidence', 'lift']) expect(r[k] as number).toBeCloseTo(co.rows[i]![k] as number, 6);
  });
}

let w: DuckDbWarehouse;
beforeEach(async () => {
  w = await openDuckDbWarehouse({ path: ':memory:' });
});
afterEach(async () => w.close());

test('a full build of the golden store gives the hand-checked rows, with every assertion passing', async () => {
  await w.landEvents(jsonl('events.jsonl'));
  await landRawDuplicates(w);
  const report = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: SNAPSHOT, timezone: TZ });
  expect(failures(report)).toEqual([]);
  expect(report.actions.filter((a) => a.type === 'assertion').length).toBeGreaterThanOrEqual(20);

  // exactly once: 40 distinct events although the raw table holds 42 rows
  expect(await w.query('SELECT count(*)::INTEGER AS n FROM shop_raw.events')).toEqual([{ n: 42 }]);
  expect(await w.query('SELECT count(*)::INTEGER AS n FROM shop_staging.events_dedup')).toEqual([{ n: 40 }]);
  // current state: order 8 stays cancelled although a stale orders/paid was received last; order 9 is a test
  expect(await w.query("SELECT order_id, is_cancelled, is_test, is_included, strftime(order_date, '%Y-%m-%d') AS order_date FROM shop_staging.orders WHERE order_id IN ('6000000000003', '6000000000008', '6000000000009') ORDER BY order_id")).toEqual([
    { order_id: '6000000000003', is_cancelled: false, is_test: false, is_included: true, order_date: '2024-03-03' },
    { order_id: '6000000000008', is_cancelled: true, is_test: false, is_included: false, order_date: '2024-03-06' },
    { order_id: '6000000000009', is_cancelled: false, is_test: true, is_included: false, order_date: '2024-03-07' },
  ]);
  // refunds netted per line; the postage line is flagged
  expect(await w.query("SELECT line_item_id, net_quantity::INTEGER AS q, net_revenue::DOUBLE AS r, is_non_product FROM shop_staging.order_lines WHERE order_id IN ('6000000000001', '6000000000010') ORDER BY line_item_id")).toEqual([
    { line_item_id: '5001000000001', q: 2, r: 20, is_non_product: false },
    { line_item_id: '5001000000002', q: 1, r: 10, is_non_product: false },
    { line_item_id: '5001000000003', q: 1, r: 5, is_non_product: true },
    { line_item_id: '5010000000001', q: 2, r: 20, is_non_product: false },
    { line_item_id: '5010000000002', q: 4, r: 20, is_non_product: false },
  ]);
  await checkGolden(w);
}, 120_000);

test('incremental runs (events arriving in two batches, two snapshots) equal the full build and keep snapshot history', async () => {
  const events = jsonl('events.jsonl');
  const cut = '2024-03-09T00:00:00.000Z';
  await w.landEvents(events.filter((e) => e.received_at < cut));
  const first = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2024-03-07', timezone: TZ });
  expect(failures(first)).toEqual([]);

  await w.landEvents(events.filter((e) => e.received_at >= cut));
  await landRawDuplicates(w);
  const second = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: SNAPSHOT, timezone: TZ });
  expect(failures(second)).toEqual([]);
  expect(second.actions.find((a) => a.name === 'shop_staging.order_lines')).toMatchObject({ mode: 'incremental' });
  await checkGolden(w);

  // running the same snapshot again replaces its rows (no duplicates); the earlier snapshot is kept
  const again = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: SNAPSHOT, timezone: TZ });
  expect(failures(again)).toEqual([]);
  expect(await w.query("SELECT strftime(snapshot_date, '%Y-%m-%d') AS s, count(*)::INTEGER AS n FROM shop_features.customer_rfm GROUP BY 1 ORDER BY 1")).toEqual([
    { s: '2024-03-07', n: 5 },
    { s: '2024-03-10', n: 5 },
  ]);
  await checkGolden(w);
}, 180_000);

test('co_purchase carries pair counts forward from the previous snapshot, and recounts when it is too old or the basket ledger was rebuilt', async () => {
  const events = jsonl('events.jsonl');
  const cut = '2024-03-09T00:00:00.000Z';
  // After 03-07 was counted, order 1 ({A, B}, 03-01) is cancelled: its counted basket must be taken back out.
  const created = events.find((e) => e.webhook_id === 'wh-o1-create')!;
  const cancelled = {
    ...created, topic: 'orders/cancelled' as const, webhook_id: 'wh-o1-cancel', event_id: 'ev-o1-cancel', triggered_at: '2024-03-09T12:00:00.000Z', received_at: '2024-03-09T12:00:01.000Z',
    payload: created.payload.replace('"cancelled_at":null', '"cancelled_at":"2024-03-09T07:00:00-05:00"').replace('"updated_at":"2024-03-01T10:00:00-05:00"', '"updated_at":"2024-03-09T07:00:00-05:00"'),
  };
  expect(cancelled.payload).toContain('"cancelled_at":"2024-03-09');
  const later = [...events.filter((e) => e.received_at >= cut), cancelled];
  await w.landEvents(events.filter((e) => e.received_at < cut));
  expect(failures(await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2024-03-07', timezone: TZ }))).toEqual([]);
  await w.landEvents(later);
  expect(failures(await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: SNAPSHOT, timezone: TZ }))).toEqual([]);
  expect(await w.query("SELECT sign::INTEGER AS sign, products::VARCHAR AS products FROM shop_staging.order_versions WHERE order_id = '6000000000001' ORDER BY appended_at, sign")).toEqual([
    { sign: 1, products: '[8000000000001, 8000000000002]' },
    { sign: -1, products: '[8000000000001, 8000000000002]' },
    { sign: 1, products: '[]' },
  ]);

  const pairs = async (wh: DuckDbWarehouse, date: string) =>
    await wh.query(`SELECT * EXCLUDE (snapshot_date) FROM shop_features.co_purchase WHERE snapshot_date = DATE '${date}' ORDER BY product_a, product_b`);
  // the carried 03-10 equals a full build from every event
  const fresh = await openDuckDbWarehouse({ path: ':memory:' });
  await fresh.landEvents([...events, cancelled]);
  expect(failures(await runFeatures({ warehouse: fresh, projectDir: PROJECT, snapshotDate: SNAPSHOT, timezone: TZ, fullRefresh: true }))).toEqual([]);
  const truth = await pairs(fresh, SNAPSHOT);
  await fresh.close();
  expect(truth.length).toBeGreaterThan(0);
  expect(truth.find((r) => r['product_a'] === '8000000000001' && r['product_b'] === '8000000000002')).toMatchObject({ orders_together: '1' }); // order 7 alone now
  expect(await pairs(w, SNAPSHOT)).toEqual(truth);

  const counts = async (date: string) => (await pairs(w, date)).map((r) => Number(r['orders_together']));
  const run = (date: string) => runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: date, timezone: TZ });
  const plant = (date: string, n: number) => w.execute(`UPDATE shop_features.co_purchase_pairs SET orders_together = orders_together + ${n} WHERE snapshot_date = DATE '${date}'`);
  // Carried: a count planted in 03-10's rows shows up in 03-11's, which start from them (and their checks catch it).
  await plant(SNAPSHOT, 100);
  const carried = await run('2024-03-11');
  expect(await counts('2024-03-11')).toEqual(truth.map((r) => Number(r['orders_together']) + 100));
  expect(failures(carried).filter((f) => !f.includes('skipped'))).toEqual([expect.stringMatching(/^shop_assertions.shop_features_co_purchase_pairs_assertions_rowConditions: assertion failed.*"snapshot_date":"2024-03-11"/)]);
  await plant(SNAPSHOT, -100);
  await w.execute("DELETE FROM shop_features.co_purchase_pairs WHERE snapshot_date = DATE '2024-03-11'");
  // Too old: no snapshot within the 31 days before 04-20 to start from, so it recounts (no basket is dated after
  // 03-10). A product delivery of 04-20 keeps the raw data fresh for that snapshot.
  const product = events.find((e) => e.topic === 'products/create')!;
  await w.landEvents([{ ...product, topic: 'products/update', webhook_id: 'wh-p-0420', event_id: 'ev-p-0420', received_at: '2024-04-20T12:00:00.000Z' }]);
  expect(failures(await run('2024-04-20'))).toEqual([]);
  expect(await counts('2024-04-20')).toEqual(truth.map((r) => Number(r['orders_together'])));
  // Rebuilt ledger: every version is appended after the carried snapshot (03-10, planted again) counted, so 03-12 recounts.
  await plant(SNAPSHOT, 100);
  await w.execute('DROP TABLE shop_staging.order_versions');
  expect(failures(await run('2024-03-12'))).toEqual([]);
  expect(await counts('2024-03-12')).toEqual(truth.map((r) => Number(r['orders_together'])));
  expect(await w.query('SELECT count(*)::INTEGER AS n FROM shop_staging.order_versions WHERE sign = -1')).toEqual([{ n: 0 }]);
}, 180_000);

test('customer_days follows cancelled, moved and re-valued orders through the order ledger, and equals a full build (customer_rfm too)', async () => {
  const events = jsonl('events.jsonl');
  const cut = '2024-03-09T00:00:00.000Z';
  const update = (webhookId: string, to: string, edit: (payload: string) => string): LandedEvent => {
    const created = events.find((e) => e.webhook_id === webhookId)!;
    const payload = edit(created.payload).replace(/"updated_at":"[^"]+"/, '"updated_at":"2024-03-09T07:00:00-05:00"');
    expect(payload).not.toBe(created.payload);
    return { ...created, topic: 'orders/updated', webhook_id: `${webhookId}-${to}`, event_id: `ev-${webhookId}-${to}`, triggered_at: '2024-03-09T12:00:00.000Z', received_at: '2024-03-09T12:00:01.000Z', payload };
  };
  const changes = [
    // order 1 (customer 8209…, 03-01) cancelled; order 5 (8209…, 03-05) moved to customer 7000000002; order 4 re-valued
    update('wh-o1-create', 'cancel', (p) => p.replace('"cancelled_at":null', '"cancelled_at":"2024-03-09T07:00:00-05:00"')),
    update('wh-023', 'move', (p) => p.replace('"customer":{"id":820982911946154508', '"customer":{"id":7000000002')),
    update('wh-022', 'revalue', (p) => p.replace('"subtotal_price":"15.00"', '"subtotal_price":"12.00"')),
  ];
  await w.landEvents(events.filter((e) => e.received_at < cut));
  expect(failures(await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2024-03-07', timezone: TZ }))).toEqual([]);
  await w.landEvents([...events.filter((e) => e.received_at >= cut), ...changes]);
  expect(failures(await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: SNAPSHOT, timezone: TZ }))).toEqual([]);

  const days = (wh: DuckDbWarehouse) =>
    wh.query("SELECT customer_id, strftime(order_date, '%m-%d') AS day, orders::INTEGER AS orders, value::DOUBLE AS value FROM shop_staging.customer_days WHERE orders > 0 ORDER BY ALL");
  const rfm = (wh: DuckDbWarehouse, date: string) => wh.query(`SELECT * EXCLUDE (snapshot_date) FROM shop_features.customer_rfm WHERE snapshot_date = DATE '${date}' ORDER BY customer_id`);
  const fresh = await openDuckDbWarehouse({ path: ':memory:' });
  await fresh.landEvents([...events, ...changes]);
  expect(failures(await runFeatures({ warehouse: fresh, projectDir: PROJECT, snapshotDate: SNAPSHOT, timezone: TZ, fullRefresh: true }))).toEqual([]);
  const truthDays = await days(fresh);
  const truthRfm = await rfm(fresh, SNAPSHOT);
  await fresh.close();
  expect(truthDays.filter((r) => r['day'] === '03-05' || r['day'] === '03-04' || r['day'] === '03-01')).toEqual([
    { customer_id: '7000000002', day: '03-05', orders: 1, value: 20 }, // moved here
    { customer_id: '7000000004', day: '03-04', orders: 1, value: 12 }, // re-valued
    { customer_id: '7000000006', day: '03-01', orders: 1, value: 10 },
    { customer_id: '7000000006', day: '03-04', orders: 1, value: 10 },
    { customer_id: '820982911946154508', day: '03-05', orders: 1, value: 10 }, // order 6 left; order 1 (03-01) cancelled
  ]);
  expect(await days(w)).toEqual(truthDays);
  expect(await rfm(w, SNAPSHOT)).toEqual(truthRfm);
  // the day order 1 was cancelled from keeps its row, emptied
  expect(await w.query("SELECT orders::INTEGER AS orders, value::DOUBLE AS value FROM shop_staging.customer_days WHERE customer_id = '820982911946154508' AND order_date = DATE '2024-03-01'")).toEqual([{ orders: 0, value: 0 }]);

  // A run with nothing new adds nothing twice (the ledger is read exactly once, without the staging lookback).
  const run = (date: string) => runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: date, timezone: TZ });
  expect(failures(await run(SNAPSHOT))).toEqual([]);
  expect(await days(w)).toEqual(truthDays);
  expect(await rfm(w, SNAPSHOT)).toEqual(truthRfm);
  // A rebuilt ledger (every row newer than what customer_days counted): the table starts over from it.
  await w.execute("UPDATE shop_staging.customer_days SET orders = orders + 5 WHERE customer_id = '7000000004'");
  await w.execute('DROP TABLE shop_staging.order_versions');
  expect(failures(await run(SNAPSHOT))).toEqual([]);
  expect(await days(w)).toEqual(truthDays);
  expect(await w.query('SELECT count(*)::INTEGER AS n FROM shop_staging.customer_days WHERE orders = 0')).toEqual([{ n: 0 }]);
  expect(await rfm(w, SNAPSHOT)).toEqual(truthRfm);
}, 180_000);
