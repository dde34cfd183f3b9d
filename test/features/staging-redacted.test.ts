// Staging anti-joins on the privacy audit: a late delivery about an already-redacted customer that reaches the raw table unscrubbed (the cloud's BigQuery subscription) is staged without the customer, and their records not at all.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import type { LandedEvent } from '../../functions/src/core/classify';
import { runFeatures } from '../../functions/src/features/runner';

const GOLDEN = path.join(__dirname, 'golden-store');
const SHOP = 'golden-store.myshopify.com';
const CUSTOMER = '7000000077';
let w: DuckDbWarehouse;

beforeAll(async () => {
  w = await openDuckDbWarehouse({ path: ':memory:' });
  await w.landEvents(readFileSync(path.join(GOLDEN, 'events.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as LandedEvent));
}, 60_000);
afterAll(() => w.close());

test('an unscrubbed late order and customer record of a redacted customer: no staged row, feature or customer record names them', async () => {
  await w.recordPrivacyAction({ audit_id: 'a1', shop: SHOP, action: 'customers/redact', customer_id: CUSTOMER, webhook_id: 'wh-redact', requested_at: '2024-03-05T00:00:00.000Z', completed_at: '2024-03-05T00:00:01.000Z', details: '{}' });
  const base = { shop: SHOP, api_version: '2025-10', triggered_at: '2024-03-06T15:00:00.000Z', received_at: '2024-03-06T15:00:02.000Z' };
  const order = `{"id":6000000000777,"name":"#1777","created_at":"2024-03-06T10:00:00-05:00","updated_at":"2024-03-06T10:00:00-05:00","cancelled_at":null,"currency":"USD","test":false,"financial_status":"paid","total_price":"10.00","subtotal_price":"10.00","customer":{"id":${CUSTOMER},"email":"late@example.org"},"line_items":[{"id":5777000000001,"product_id":8000000000001,"variant_id":9000000000001,"sku":"SKU-A","title":"Product A","quantity":1,"price":"10.00","total_discount":"0.00","product_exists":true,"properties":[]}]}`;
  await w.landEvents([
    { ...base, topic: 'orders/create', webhook_id: 'wh-late-order', event_id: 'ev-late-order', payload: order },
    { ...base, topic: 'customers/update', webhook_id: 'wh-late-customer', event_id: 'ev-late-customer', payload: `{"id":${CUSTOMER},"email":"late@example.org","updated_at":"2024-03-06T10:00:00-05:00","state":"enabled"}` },
  ]);
  const r = await runFeatures({ warehouse: w, snapshotDate: '2024-03-10', timezone: 'America/New_York' });
  expect(r.actions.filter((a) => a.status !== 'ok')).toEqual([]);
  const staged = await w.query(`SELECT topic, customer_id FROM shop_staging.events_dedup WHERE webhook_id IN ('wh-late-order', 'wh-late-customer')`);
  expect(staged).toEqual([{ topic: 'orders/create', customer_id: null }]); // the order kept (demand history), unlinked
  for (const t of ['shop_staging.customers', 'shop_staging.orders', 'shop_features.customer_rfm']) expect(await w.query(`SELECT count(*) AS n FROM ${t} WHERE customer_id = '${CUSTOMER}'`)).toEqual([{ n: '0' }]);
  expect(await w.query(`SELECT count(*) AS n FROM shop_staging.orders WHERE order_id = '6000000000777'`)).toEqual([{ n: '1' }]);
  // Everyone else is still linked.
  expect(Number((await w.query(`SELECT count(*) AS n FROM shop_staging.events_dedup WHERE customer_id IS NOT NULL`))[0]!['n'])).toBeGreaterThan(0);
});
