// Privacy topics end to end: customers/redact scrubs orders (keeps line items), shop/redact deletes, data_request exports; audited.
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { parseExact } from '../../functions/src/core/json';
import { exportKey } from '../../functions/src/core/privacy-service';
import { replayQuarantine } from '../../functions/src/core/quarantine-replay';
import { SECRET, fixture, startTestRuntime } from '../helpers/runtime';
import type { Runtime } from '../../functions/src/runtime/local-runtime';

const SHOP = 'privacy-test.myshopify.com';
const OTHER = 'other-shop.myshopify.com';
let rt: Runtime;

const send = async (topic: string, body: string | Buffer, shop = SHOP) => {
  const r = await postWebhook(`${rt.url}/webhooks`, forgeWebhook({ secret: SECRET, topic, body, shop }));
  expect(r.status).toBe(200);
};

/** The fixture order, re-targeted to a customer and order id without touching any other byte. */
const orderFor = (orderId: string, customerId: string) =>
  fixture('orders_create.json').toString('utf8').replace(/"id": ?820982911946154508/, `"id": ${orderId}`).replace(/("customer": ?\{\s*"id": ?)\d+/, `$1${customerId}`);
const customerBody = (id: string) => fixture('customers_create.json').toString('utf8').replace(/"id": ?706405506930370084/, `"id": ${id}`);

beforeAll(async () => {
  rt = await startTestRuntime();
  await send('customers/create', customerBody('9007199254740993001'));
  await send('customers/create', customerBody('555'));
  await send('orders/create', orderFor('9007199254740993101', '9007199254740993001'));
  await send('orders/updated', orderFor('9007199254740993101', '9007199254740993001'));
  await send('orders/create', orderFor('9007199254740993102', '555'));
  // A refund of the customer's order: found through the order, not listed in orders_to_redact.
  await send('refunds/create', fixture('refunds_create.json').toString('utf8').replace(/"order_id": ?820982911946154508/, '"order_id": 9007199254740993101'));
  await send('orders/create', orderFor('9007199254740993101', '9007199254740993001'), OTHER);
  await rt.loader.drain();
});
afterAll(async () => rt.close());

test('customers/data_request writes a JSON export of everything held on the customer, and audits it', async () => {
  await send('customers/data_request', JSON.stringify({ shop_id: 1, shop_domain: SHOP, orders_requested: [], customer: { id: 0, email: 'a@b.c', phone: null }, data_request: { id: 77 } }).replace('"id":0', '"id":9007199254740993001'));
  await rt.loader.drain();
  const doc = await rt.artifacts.get(exportKey(SHOP, '9007199254740993001', '77'));
  expect(doc).not.toBeNull();
  const exp = JSON.parse(doc!.toString()) as { customer_id: string; tables: Record<string, { topic: string; payload: { id: string } }[]> };
  expect(exp.customer_id).toBe('9007199254740993001');
  const topics = exp.tables['shop_raw.events']!.map((r) => r.topic).sort();
  expect(topics).toEqual(['customers/create', 'customers/data_request', 'orders/create', 'orders/updated', 'refunds/create']);
  expect(exp.tables['shop_raw.events']!.find((r) => r.topic === 'orders/create')!.payload.id).toBe('9007199254740993101');
  const audit = await rt.warehouse.query("SELECT action, customer_id FROM shop_raw.privacy_audit WHERE action = 'customers/data_request'");
  expect(audit).toEqual([{ action: 'customers/data_request', customer_id: '9007199254740993001' }]);
});

test('customers/redact deletes the customer record, scrubs personal fields from their orders, keeps line items', async () => {
  const before = await rt.warehouse.query("SELECT payload::VARCHAR AS p FROM shop_raw.events WHERE topic = 'orders/create' AND shop = 'privacy-test.myshopify.com' AND json_extract_string(payload, '$.id') = '9007199254740993101'");
  const lineItemsBefore = (parseExact(String(before[0]!['p'])) as { line_items: unknown[] }).line_items;
  await send('customers/redact', JSON.stringify({ shop_id: 1, shop_domain: SHOP, customer: { id: 0, email: 'bob@biller.com', phone: '555-625-1199' }, orders_to_redact: [] }).replace('"id":0', '"id":9007199254740993001'));
  await rt.loader.drain();
  const customers = await rt.warehouse.query("SELECT json_extract_string(payload, '$.id') AS id FROM shop_raw.events WHERE shop = 'privacy-test.myshopify.com' AND topic LIKE 'customers/create'");
  expect(customers.map((r) => r['id'])).toEqual(['555']);
  const orders = await rt.warehouse.query("SELECT topic, payload::VARCHAR AS p FROM shop_raw.events WHERE shop = 'privacy-test.myshopify.com' AND topic LIKE 'orders/%' AND json_extract_string(payload, '$.id') = '9007199254740993101'");
  expect(orders).toHaveLength(2);
  for (const o of orders) {
    const p = String(o['p']);
    for (const personal of ['"customer":', '"email":', '"contact_email":', '"billing_address":', '"shipping_address":', '"phone":', 'jon@example.com', 'bob@biller.com']) expect(p).not.toContain(personal);
    const doc = parseExact(p) as { line_items: unknown[]; redacted: boolean; id: string };
    expect(doc.redacted).toBe(true);
    expect(doc.id).toBe('9007199254740993101');
    expect(doc.line_items).toEqual(lineItemsBefore);
  }
  const refund = await rt.warehouse.query("SELECT payload::VARCHAR AS p FROM shop_raw.events WHERE topic = 'refunds/create'");
  expect(String(refund[0]!['p'])).toContain('"redacted":true');
  expect(String(refund[0]!['p'])).not.toContain('Things were damaged'); // the free-text note
  // The redaction request itself keeps only the customer id.
  const req = await rt.warehouse.query("SELECT payload::VARCHAR AS p FROM shop_raw.events WHERE topic = 'customers/redact'");
  expect(String(req[0]!['p'])).not.toContain('bob@biller.com');
  // Other customers and other shops are untouched.
  const other = await rt.warehouse.query("SELECT payload::VARCHAR AS p FROM shop_raw.events WHERE json_extract_string(payload, '$.id') = '9007199254740993102'");
  expect(String(other[0]!['p'])).toContain('"customer"');
  const otherShop = await rt.warehouse.query("SELECT payload::VARCHAR AS p FROM shop_raw.events WHERE shop = 'other-shop.myshopify.com'");
  expect(String(otherShop[0]!['p'])).toContain('"customer"');
  const audit = await rt.warehouse.query("SELECT details::VARCHAR AS d FROM shop_raw.privacy_audit WHERE action = 'customers/redact'");
  expect(JSON.parse(String(audit[0]!['d']))).toMatchObject({ tables: { 'shop_raw.events': { deleted: 1, scrubbed: 5 } } }); // 2 order events + their refund + the redact and data requests
});

test('a late delivery about a redacted customer lands scrubbed (orders) or not at all (customer records)', async () => {
  await send('orders/updated', orderFor('9007199254740993101', '9007199254740993001'));
  await send('customers/update', customerBody('9007199254740993001'));
  await rt.loader.drain();
  const rows = await rt.warehouse.query("SELECT topic, payload::VARCHAR AS p FROM shop_raw.events WHERE shop = 'privacy-test.myshopify.com' AND topic IN ('orders/updated', 'customers/update')");
  expect(rows.map((r) => r['topic'])).toEqual(['orders/updated', 'orders/updated']);
  for (const r of rows) expect(String(r['p'])).not.toContain('"customer":');
});

test('a delivery quarantined as sent after the redaction (as the cloud subscription stores it) replays scrubbed, or not at all', async () => {
  const q = (topic: string, body: string, webhookId: string) => ({ shop: SHOP, topic, webhook_id: webhookId, event_id: null, api_version: '2026-10', triggered_at: null, received_at: new Date().toISOString(), reason: 'schema: an older schema', body, body_encoding: 'utf8' as const });
  await rt.warehouse.quarantine([q('orders/updated', orderFor('9007199254740993103', '9007199254740993001'), 'wh-replay-order'), q('customers/update', customerBody('9007199254740993001'), 'wh-replay-customer')]);
  const ids = (await rt.warehouse.listQuarantine()).filter((r) => r.webhook_id.startsWith('wh-replay-')).map((r) => r.quarantine_id);
  const outcomes = await replayQuarantine(rt.warehouse, { ids });
  expect(outcomes.map((o) => [o.webhookId, o.result]).sort()).toEqual([['wh-replay-customer', 'redacted'], ['wh-replay-order', 'landed']]);
  const rows = await rt.warehouse.query("SELECT topic, payload::VARCHAR AS p FROM shop_raw.events WHERE webhook_id LIKE 'wh-replay-%'");
  expect(rows.map((r) => r['topic'])).toEqual(['orders/updated']);
  expect(String(rows[0]!['p'])).not.toContain('"customer":');
  expect(String(rows[0]!['p'])).toContain('"redacted":true');
});

test('shop/redact deletes everything of that shop and nothing of others', async () => {
  await send('carts/create', '{"id": 1}', OTHER); // a quarantined row of the other shop
  await send('carts/create', '{"id": 2}'); // and of this shop
  await send('shop/redact', JSON.stringify({ shop_id: 1, shop_domain: SHOP }));
  await rt.loader.drain();
  const left = await rt.warehouse.query("SELECT shop, topic, count(*) AS n FROM shop_raw.events GROUP BY ALL ORDER BY shop");
  // The shop/redact request itself stays (shop id and domain): the record that keeps it pending until audited.
  expect(left).toEqual([{ shop: OTHER, topic: 'orders/create', n: '1' }, { shop: SHOP, topic: 'shop/redact', n: '1' }]);
  const q = await rt.warehouse.query('SELECT shop FROM shop_raw.quarantine');
  expect(q).toEqual([{ shop: OTHER }]);
  const audit = await rt.warehouse.query("SELECT shop, customer_id FROM shop_raw.privacy_audit WHERE action = 'shop/redact'");
  expect(audit).toEqual([{ shop: SHOP, customer_id: null }]);
});
