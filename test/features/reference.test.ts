// A simulated store's features from the SQL pipeline equal an independent TypeScript reference computed from the raw deliveries.
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import type { LandedEvent } from '../../functions/src/core/classify';
import type { Topic } from '../../functions/src/core/topics';
import { runFeatures } from '../../functions/src/features/runner';
import { planStore } from '../../functions/src/simulator/plan-store';
import { compareRows, computeReference, type RawDelivery } from './reference/reference-features';

const TZ = 'America/New_York';
const START = '2026-01-05';
const DAYS = 150;
/** Last simulated day is 2026-06-03; the snapshot leaves the labels their whole 30-day window (and one more day). */
const SNAPSHOT = '2026-05-03';
const SHOP = 'reference-store.myshopify.com';

let w: DuckDbWarehouse;
afterAll(async () => w?.close());

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const keyed = (rows: Record<string, unknown>[], key: (r: Record<string, unknown>) => string) => new Map(rows.map((r) => [key(r), r]));
const report = (mismatches: string[]) => (mismatches.length === 0 ? [] : [`${mismatches.length} mismatches; first:`, ...mismatches.slice(0, 15)]);

test('customer_rfm, customer_labels, co_purchase and variant_daily_demand equal the reference computed from the raw deliveries', async () => {
  const t0 = performance.now();
  const plan = planStore({ days: DAYS, seed: 'reference-2026', timezone: TZ, shop: SHOP, startDate: START, duplicates: true });
  // rows exactly as the runtime lands them: headers, received_at = triggered_at, payload = the body text
  const raw: LandedEvent[] = plan.deliveries.map((d) => ({
    shop: d.shop,
    topic: d.topic as Topic,
    webhook_id: d.webhookId,
    event_id: d.eventId,
    api_version: '2026-10',
    triggered_at: d.triggeredAt.toISOString(),
    received_at: d.triggeredAt.toISOString(),
    payload: d.body,
  }));
  const ref = computeReference(raw satisfies RawDelivery[], { timezone: TZ, snapshotDate: SNAPSHOT });
  expect(ref.undecided).toEqual([]);
  expect(plan.summary.duplicates.redeliveries + plan.summary.duplicates.multiSubscription).toBeGreaterThan(0);
  // the store exercises the rules: excluded (cancelled) orders, refunded lines of included orders before the snapshot
  const orders = [...ref.orders.values()];
  expect(orders.filter((o) => !o.isIncluded).length).toBeGreaterThan(5);
  expect(orders.filter((o) => o.isIncluded && o.orderDate <= SNAPSHOT && o.lines.some((l) => l.refundedQuantity > 0)).length).toBeGreaterThan(5);

  w = await openDuckDbWarehouse({ path: ':memory:' });
  const landed = await w.landEvents(raw);
  expect(landed).toEqual({ inserted: ref.distinctEvents, duplicates: raw.length - ref.distinctEvents });
  const t1 = performance.now();
  const run = await runFeatures({ warehouse: w, snapshotDate: SNAPSHOT, timezone: TZ });
  expect(run.actions.filter((a) => a.status !== 'ok').map((a) => `${a.name}: ${a.error}`)).toEqual([]);
  const t2 = performance.now();

  // staging orders first (diagnostic: a difference here explains the feature differences below)
  const orderRows = await w.query("SELECT order_id, customer_id, strftime(order_date, '%Y-%m-%d') AS order_date, is_included FROM shop_staging.orders");
  const refOrders = new Map([...ref.orders].map(([id, o]) => [id, { customer_id: o.customerId, order_date: o.orderDate, is_included: o.isIncluded }]));
  expect(report(compareRows('orders', refOrders, keyed(orderRows, (r) => String(r['order_id'])), { exact: ['customer_id', 'order_date', 'is_included'] }))).toEqual([]);

  const rfmRows = (
    await w.query(`SELECT customer_id, frequency, recency_days, age_days, days_since_last, monetary::DOUBLE AS monetary, r_score, f_score, m_score, segment
      FROM shop_features.customer_rfm WHERE snapshot_date = DATE '${SNAPSHOT}'`)
  ).map((r) => ({ ...r, frequency: num(r['frequency']), recency_days: num(r['recency_days']), age_days: num(r['age_days']), days_since_last: num(r['days_since_last']), r_score: num(r['r_score']), f_score: num(r['f_score']), m_score: num(r['m_score']) }));
  expect(ref.rfm.size).toBeGreaterThan(500);
  expect(report(compareRows('customer_rfm', ref.rfm, keyed(rfmRows, (r) => String(r['customer_id'])), {
    exact: ['frequency', 'recency_days', 'age_days', 'days_since_last', 'r_score', 'f_score', 'm_score', 'segment'],
    approx: ['monetary'],
  }))).toEqual([]);
  // the store exercises the convention: repeat buyers, several segments
  expect([...ref.rfm.values()].filter((r) => r.frequency > 0).length).toBeGreaterThan(100);
  expect(new Set([...ref.rfm.values()].map((r) => r.segment)).size).toBeGreaterThanOrEqual(6);

  const labelRows = await w.query(`SELECT customer_id, bought_within_30d, label_complete FROM shop_features.customer_labels WHERE snapshot_date = DATE '${SNAPSHOT}'`);
  expect(report(compareRows('customer_labels', ref.labels, keyed(labelRows, (r) => String(r['customer_id'])), { exact: ['bought_within_30d', 'label_complete'] }))).toEqual([]);
  expect([...ref.labels.values()].some((l) => l.bought_within_30d)).toBe(true);
  expect([...ref.labels.values()].every((l) => l.label_complete)).toBe(true);

  const coRows = (
    await w.query(`SELECT product_a, product_b, orders_together, orders_with_a, orders_with_b, baskets, support, confidence, lift
      FROM shop_features.co_purchase WHERE snapshot_date = DATE '${SNAPSHOT}'`)
  ).map((r) => ({ ...r, orders_together: num(r['orders_together']), orders_with_a: num(r['orders_with_a']), orders_with_b: num(r['orders_with_b']), baskets: num(r['baskets']) }));
  expect(ref.coPurchase.size).toBeGreaterThan(50);
  expect(report(compareRows('co_purchase', ref.coPurchase, keyed(coRows, (r) => `${String(r['product_a'])}|${String(r['product_b'])}`), {
    exact: ['orders_together', 'orders_with_a', 'orders_with_b', 'baskets'],
    approx: ['support', 'confidence', 'lift'],
  }))).toEqual([]);

  const demandRows = (
    await w.query(`SELECT variant_id, product_id, strftime(date, '%Y-%m-%d') AS date, units, revenue, avg_price, in_stock
      FROM shop_features.variant_daily_demand WHERE snapshot_date = DATE '${SNAPSHOT}'`)
  ).map((r) => ({ ...r, units: num(r['units']) }));
  expect(ref.demand.size).toBeGreaterThan(1000);
  expect(report(compareRows('variant_daily_demand', ref.demand, keyed(demandRows, (r) => `${String(r['variant_id'])}|${String(r['date'])}`), {
    exact: ['product_id', 'units', 'in_stock'],
    approx: ['revenue', 'avg_price'],
  }))).toEqual([]);
  expect(new Set([...ref.demand.values()].map((r) => r.in_stock)).size).toBe(3); // true, false and unknown all occur

  console.log(
    `reference store: ${raw.length} deliveries (${ref.distinctEvents} distinct), ${ref.orders.size} orders, ${ref.rfm.size} customers, ` +
      `${ref.coPurchase.size} pairs, ${ref.demand.size} variant-days; plan+reference ${((t1 - t0) / 1000).toFixed(1)} s, features ${((t2 - t1) / 1000).toFixed(1)} s`,
  );
}, 120_000);

/** A tiny store where two customers' monetary is equal (10.05) but only exact arithmetic sees it (30.15 / 3 in binary floating point is 10.049999999999999). */
function equalMonetaryStore(): LandedEvent[] {
  const shop = 'tie-store.myshopify.com';
  const at = (day: number) => `2024-03-${String(day).padStart(2, '0')}T17:00:00.000Z`;
  let n = 0;
  const event = (topic: Topic, triggered: string, payload: object): LandedEvent => {
    n++;
    return { shop, topic, webhook_id: `wh-${n}`, event_id: `ev-${n}`, api_version: '2026-10', triggered_at: triggered, received_at: triggered, payload: JSON.stringify(payload) };
  };
  const out = [event('products/create', at(1).replace('T17', 'T10'), { id: 8000000000001, title: 'P', status: 'active', created_at: '2024-03-01T05:00:00-05:00', updated_at: '2024-03-01T05:00:00-05:00', variants: [{ id: 9000000000001, product_id: 8000000000001, sku: 'P', title: 'Default', price: '10.05', inventory_item_id: 3000000000001 }] })];
  // customer → (day of March, units) of each order: A and B both spend 10.05 per repeat day; ids A < B
  const buys: Record<string, Array<[number, number]>> = {
    '7000000000000000001': [[1, 1], [5, 1], [12, 1]],
    '7000000000000000002': [[1, 1], [2, 1], [3, 1], [4, 1]],
    '7000000000000000003': [[1, 1]],
    '7000000000000000004': [[1, 1], [2, 2]],
    '7000000000000000005': [[1, 1], [2, 3]],
  };
  let order = 0;
  for (const [customer, list] of Object.entries(buys)) {
    for (const [day, units] of list) {
      order++;
      const created = `2024-03-${String(day).padStart(2, '0')}T12:00:00-05:00`;
      const total = ((1005 * units) / 100).toFixed(2);
      // ids as JSON numbers beyond 2^53, exactly as Shopify writes them
      const body = JSON.stringify({ id: 6000000000000 + order, name: `#${1000 + order}`, created_at: created, updated_at: created, cancelled_at: null, currency: 'USD', test: false, financial_status: 'paid', total_price: total, subtotal_price: total, customer: { id: 'CUSTOMER' }, line_items: [{ id: 5000000000000 + order, product_id: 8000000000001, variant_id: 9000000000001, sku: 'P', title: 'P', quantity: units, price: '10.05', total_discount: '0.00', product_exists: true, properties: [] }] }).replace('"CUSTOMER"', customer);
      out.push({ ...event('orders/create', at(day), {}), payload: body });
    }
  }
  return out.sort((a, b) => a.received_at.localeCompare(b.received_at));
}

test('m_score breaks a tie of equal monetary values by customer_id, as documented (exact values, not their floating-point rounding)', async () => {
  const raw = equalMonetaryStore();
  const snapshot = '2024-03-10';
  const ref = computeReference(raw, { timezone: TZ, snapshotDate: snapshot });
  expect([...ref.rfm.values()].map((r) => [r.customer_id.slice(-1), r.frequency, r.monetary, r.m_score])).toEqual([
    ['1', 1, 10.05, 2],
    ['2', 3, 30.15 / 3, 3],
    ['3', 0, 0, 1],
    ['4', 1, 20.1, 4],
    ['5', 1, 30.15, 5],
  ]);
  const tw = await openDuckDbWarehouse({ path: ':memory:' });
  try {
    await tw.landEvents(raw);
    const run = await runFeatures({ warehouse: tw, snapshotDate: snapshot, timezone: TZ });
    expect(run.actions.filter((a) => a.status !== 'ok').map((a) => `${a.name}: ${a.error}`)).toEqual([]);
    const rows = (await tw.query(`SELECT customer_id, frequency, recency_days, age_days, days_since_last, monetary, r_score, f_score, m_score, segment FROM shop_features.customer_rfm`)).map((r) => ({
      ...r,
      frequency: num(r['frequency']),
      recency_days: num(r['recency_days']),
      age_days: num(r['age_days']),
      days_since_last: num(r['days_since_last']),
      r_score: num(r['r_score']),
      f_score: num(r['f_score']),
      m_score: num(r['m_score']),
    }));
    expect(report(compareRows('customer_rfm', ref.rfm, keyed(rows, (r) => String(r['customer_id'])), {
      exact: ['frequency', 'recency_days', 'age_days', 'days_since_last', 'r_score', 'f_score', 'm_score', 'segment'],
      approx: ['monetary'],
    }))).toEqual([]);
  } finally {
    await tw.close();
  }
}, 60_000);
