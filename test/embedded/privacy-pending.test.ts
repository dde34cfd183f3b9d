// Privacy requests are never dropped: one that fails for good stays pending (an alarm each time) and is retried on schedule until its audit row exists; expired data-request exports are deleted.
import { utimesSync } from 'node:fs';
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { SECRET, startTestRuntime } from '../helpers/runtime';
import type { Runtime } from '../../functions/src/runtime/local-runtime';

const SHOP = 'pending-privacy.myshopify.com';
const CUSTOMER = '9007199254740993555';
let rt: Runtime & { dataDir: string };

const send = async (topic: string, body: string) => {
  const r = await postWebhook(`${rt.url}/webhooks`, forgeWebhook({ secret: SECRET, topic, body, shop: SHOP, webhookId: `wh-${topic}` }));
  expect(r.status).toBe(200);
};
const audited = async () => rt.warehouse.query(`SELECT action, webhook_id FROM shop_raw.privacy_audit WHERE shop = '${SHOP}'`);

beforeAll(async () => {
  rt = await startTestRuntime();
}, 60_000);
afterAll(async () => rt.close());

test('a customers/redact that fails for good is kept, alarmed and retried until an audit row exists for its webhook id', async () => {
  await send('orders/create', JSON.stringify({ id: 1001, created_at: '2026-11-01T10:00:00Z', updated_at: '2026-11-01T10:00:00Z', currency: 'USD', total_price: '5.00', customer: { id: 0, email: 'kept@example.org' }, line_items: [] }).replace('"id":0', `"id":${CUSTOMER}`));
  expect(await rt.loader.drain()).toBe(true);
  // A derived table the redaction must anonymise refuses it (customer_id NOT NULL): the whole redaction rolls back.
  await rt.warehouse.execute('CREATE SCHEMA IF NOT EXISTS shop_staging');
  await rt.warehouse.execute('CREATE TABLE shop_staging.orders (shop VARCHAR, order_id VARCHAR, customer_id VARCHAR NOT NULL)');
  await rt.warehouse.execute(`INSERT INTO shop_staging.orders VALUES ('${SHOP}', '1001', '${CUSTOMER}')`);
  await send('customers/redact', JSON.stringify({ shop_id: 1, shop_domain: SHOP, customer: { id: 0, email: 'kept@example.org', phone: null }, orders_to_redact: [] }).replace('"id":0', `"id":${CUSTOMER}`));
  expect(await rt.loader.drain(60_000)).toBe(true);
  expect(await audited()).toEqual([]);
  // Still there, not dropped: the scheduled retry finds it (and fails again while the table refuses).
  expect((await rt.warehouse.pendingPrivacyRequests(new Date().toISOString())).map((e) => e.webhook_id)).toEqual(['wh-customers/redact']);
  await rt.loader.privacyRetryNow();
  expect(await audited()).toEqual([]);
  // Fixed: the next pass honours it, once.
  await rt.warehouse.execute('ALTER TABLE shop_staging.orders ALTER customer_id DROP NOT NULL');
  await rt.loader.privacyRetryNow();
  expect(await audited()).toEqual([{ action: 'customers/redact', webhook_id: 'wh-customers/redact' }]);
  expect(await rt.warehouse.query(`SELECT count(*) AS n FROM shop_staging.orders WHERE customer_id IS NOT NULL`)).toEqual([{ n: '0' }]);
  expect(String((await rt.warehouse.query(`SELECT payload::VARCHAR AS p FROM shop_raw.events WHERE topic = 'orders/create' AND shop = '${SHOP}'`))[0]!['p'])).not.toContain('kept@example.org');
  expect(await rt.warehouse.pendingPrivacyRequests(new Date().toISOString())).toEqual([]);
  await rt.loader.privacyRetryNow();
  expect(await audited()).toHaveLength(1);
}, 120_000);

test('shop/redact keeps its own request row until audited, so a failed one is retried too', async () => {
  await send('shop/redact', JSON.stringify({ shop_id: 1, shop_domain: SHOP }));
  expect(await rt.loader.drain()).toBe(true);
  expect(await rt.warehouse.query(`SELECT topic FROM shop_raw.events WHERE shop = '${SHOP}'`)).toEqual([{ topic: 'shop/redact' }]);
  expect((await audited()).map((r) => r['action']).sort()).toEqual(['customers/redact', 'shop/redact']);
});

test('data-request exports older than the TTL are deleted by the scheduled pass; newer ones stay', async () => {
  const old = 'privacy-exports/a-shop.myshopify.com/customer-1/request-1.json';
  const fresh = 'privacy-exports/a-shop.myshopify.com/customer-2/request-2.json';
  await rt.artifacts.put(old, '{}', { contentType: 'application/json' });
  await rt.artifacts.put(fresh, '{}', { contentType: 'application/json' });
  const ttlDays = 30; // the default SHOP_MLOPS_PRIVACY_EXPORT_TTL_DAYS
  const past = new Date(Date.now() - (ttlDays + 1) * 86_400_000);
  utimesSync(rt.artifacts.uri(old), past, past);
  await rt.loader.privacyRetryNow();
  expect(await rt.artifacts.get(old)).toBeNull();
  expect(await rt.artifacts.get(fresh)).not.toBeNull();
});
