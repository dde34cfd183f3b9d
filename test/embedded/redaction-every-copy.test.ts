// End to end: a customer's orders, their scores written back to Shopify metafields (a bulk run left open by a crash), customers/redact, then a late orders/updated; the write-back resumes, features, training and scoring run; the customer's email, phone, name, metafield owner id and predicted value are in no byte of the data directory.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { getJwt } from '@shopify/shopify-api/test-helpers';
import { createDuckDbPredictionStore } from '../../functions/src/adapters/embedded/duckdb-prediction-store';
import { startAdminContractServer, type ContractServer } from '../../functions/src/testing/admin-graphql-contract-server';
import type { ShopWriteReport } from '../../functions/src/shopify/metafields-job';
import { syntheticBatches } from '../shopify/support';
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import type { LandedEvent } from '../../functions/src/core/classify';
import { exportKey } from '../../functions/src/core/privacy-service';
import { runFeatures } from '../../functions/src/features/runner';
import { runTraining } from '../../functions/src/training/run';
import { SECRET, startTestRuntime } from '../helpers/runtime';
import type { Runtime } from '../../functions/src/runtime/local-runtime';

const SHOP = 'golden-store.myshopify.com';
const CUSTOMER = '7000000099';
/** The customer's personal values: distinctive, so a byte match anywhere is theirs. */
const PII = { first: 'Zephyrine', last: 'Quillfeather', email: 'zephyrine.quillfeather@example.org', phone: '+16135550142', metafieldOwner: `gid://shopify/Customer/${CUSTOMER}`, predictedClv: '31415.93' };
const API_KEY = 'redaction-api-key';
const GOLDEN = path.join(__dirname, '../features/golden-store/events.jsonl');

let rt: Runtime & { dataDir: string };
let admin: ContractServer;

const send = async (topic: string, body: string, extra: { webhookId?: string; eventId?: string; triggeredAt?: string } = {}) => {
  const r = await postWebhook(`${rt.url}/webhooks`, forgeWebhook({ secret: SECRET, topic, body, shop: SHOP, ...extra }));
  expect(r.status).toBe(200);
};

const person = { first_name: PII.first, last_name: PII.last, email: PII.email, phone: PII.phone };
const address = { ...person, name: `${PII.first} ${PII.last}`, address1: '12 Lantern Row', city: 'Ottawa', country_code: 'CA' };
const order = (id: string, day: string, updated = day) =>
  JSON.stringify({
    id: 0, name: `#${id.slice(-4)}`, created_at: `2024-03-${day}T10:00:00-05:00`, updated_at: `2024-03-${updated}T10:00:00-05:00`, cancelled_at: null, currency: 'USD', test: false,
    financial_status: 'paid', total_price: '20.00', subtotal_price: '20.00', email: PII.email, contact_email: PII.email, phone: PII.phone,
    customer: { id: 0, ...person, default_address: address }, billing_address: address, shipping_address: address,
    line_items: [{ id: Number(`${id.slice(-4)}01`), product_id: 8000000000001, variant_id: 9000000000001, sku: 'SKU-A', title: 'Product A', quantity: 2, price: '10.00', total_discount: '0.00', product_exists: true, properties: [] }],
  }).replace('"id":0,"name"', `"id":${id},"name"`).replace('"customer":{"id":0', `"customer":{"id":${CUSTOMER}`);

/** Every file under the data directory, as raw bytes (the DuckDB file and its WAL, log segments, artifacts, exports, journals). */
function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
/** Files holding any of the customer's personal values, with which. */
function leaks(dir: string): string[] {
  const found: string[] = [];
  for (const f of files(dir)) {
    const bytes = readFileSync(f);
    for (const [k, v] of Object.entries(PII)) if (bytes.includes(Buffer.from(v, 'utf8'))) found.push(`${path.relative(dir, f)}: ${k} (${statSync(f).size} bytes)`);
  }
  return found;
}

beforeAll(async () => {
  admin = await startAdminContractServer({ apiKey: API_KEY, apiSecret: SECRET });
  rt = await startTestRuntime({ shopifyApiKey: API_KEY, shopifyAdminOrigin: admin.url });
}, 60_000);
afterAll(async () => {
  await rt.close();
  await admin.idle();
  await admin.close();
});

/** The metafields write-back through the runtime (POST /admin/metafields). */
const writeBack = async (mode: 'full' | 'auto') => {
  const res = await fetch(`${rt.url}/admin/metafields`, { method: 'POST', headers: { authorization: `Bearer ${rt.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ mode, shops: [SHOP] }) });
  return { status: res.status, reports: ((await res.json()) as { reports?: ShopWriteReport[] }).reports };
};
/** Batch scores naming the customer (and two others), the customer's CLV distinctive. */
const scores = (version: number) =>
  syntheticBatches({ customers: 3, variants: 0, products: 0, version, shop: SHOP }).map((b) =>
    b.table === 'customer_clv' || b.table === 'customer_propensity'
      ? { ...b, rows: b.rows.map((r, i) => (i === 0 ? { ...r, customer_id: CUSTOMER, ...(b.table === 'customer_clv' ? { clv: Number(PII.predictedClv) + version - 1, clv_horizon_days: 90 } : {}) } : r)) }
      : b,
  );

test('after customers/redact and a late orders/updated, no byte of the data directory holds the customer\'s email, phone, name, metafield owner id or predicted value (the write-back journal included)', async () => {
  // The golden store (other customers: the models have data), delivered as webhooks so they pass through the log.
  for (const line of readFileSync(GOLDEN, 'utf8').split('\n').filter((l) => l.trim())) {
    const e = JSON.parse(line) as LandedEvent;
    await send(e.topic, e.payload, { webhookId: e.webhook_id, ...(e.event_id ? { eventId: e.event_id } : {}), ...(e.triggered_at ? { triggeredAt: e.triggered_at } : {}) });
  }
  // The customer: their record, three orders, a delivery quarantined (no id) that names them, a data request.
  await send('customers/create', JSON.stringify({ id: 0, ...person, created_at: '2024-03-01T09:00:00-05:00', updated_at: '2024-03-01T09:00:00-05:00', default_address: address, addresses: [address] }).replace('"id":0', `"id":${CUSTOMER}`));
  await send('orders/create', order('6000000000901', '02'));
  await send('orders/create', order('6000000000902', '05'));
  await send('orders/create', order('6000000000903', '08'));
  await send('orders/create', JSON.stringify({ admin_graphql_api_id: 'gid://shopify/Order/6000000000904', customer: { id: Number(CUSTOMER), email: PII.email, first_name: PII.first } }));
  await send('customers/data_request', JSON.stringify({ shop_id: 1, shop_domain: SHOP, orders_requested: [], customer: { id: 0, email: PII.email, phone: PII.phone }, data_request: { id: 4242 } }).replace('"id":0', `"id":${CUSTOMER}`));
  expect(await rt.loader.drain()).toBe(true);
  // The export exists, and the grep sees the values where they are held (the log, the export, the WAL).
  expect(await rt.artifacts.get(exportKey(SHOP, CUSTOMER, '4242'))).not.toBeNull();
  expect(leaks(rt.dataDir).join('\n')).toMatch(/log\/seg-.*email/);
  expect(leaks(rt.dataDir).join('\n')).toMatch(/privacy-exports\/.*email/);

  // Their scores go to Shopify: the shop installs the app, metafieldsSet writes every value (journaled), then a
  // rescoring's bulk run crashes before its file is uploaded (the run and its JSONL file stay in the journal).
  const installed = await fetch(`${rt.url}/shopify/install`, { method: 'POST', headers: { authorization: `Bearer ${(await getJwt(SHOP.replace('.myshopify.com', ''), API_KEY, SECRET)).token}` } });
  expect(installed.status).toBe(200);
  const predictions = createDuckDbPredictionStore(rt.warehouse);
  await predictions.replace(scores(1));
  expect((await writeBack('auto')).status).toBe(200);
  expect(admin.metafieldsOf(SHOP, PII.metafieldOwner)['clv_90d']?.value).toBe(PII.predictedClv);
  await predictions.replace(scores(2));
  admin.faults.push({ field: 'upload', nth: 1, when: 'before' });
  expect((await writeBack('full')).status).toBe(503);
  expect(leaks(rt.dataDir).join('\n')).toMatch(/metafields\/golden-store\.myshopify\.com\/journal\.jsonl: metafieldOwner/);
  expect(leaks(rt.dataDir).join('\n')).toMatch(/metafields\/golden-store\.myshopify\.com\/journal\.jsonl: predictedClv/);
  expect(leaks(rt.dataDir).join('\n')).toMatch(/metafields\/golden-store\.myshopify\.com\/runs\/.*: metafieldOwner/);

  await send('customers/redact', JSON.stringify({ shop_id: 1, shop_domain: SHOP, customer: { id: 0, email: PII.email, phone: PII.phone }, orders_to_redact: ['6000000000901'] }).replace('"id":0', `"id":${CUSTOMER}`));
  expect(await rt.loader.drain()).toBe(true);
  // The write-back resumes its open run: the other customers' values go out, the redacted customer's never again.
  const writesOfCustomer = admin.writes.filter((w) => w.ownerId === PII.metafieldOwner).length;
  const resumed = await writeBack('auto');
  expect(resumed.status).toBe(200);
  expect(resumed.reports![0]!.resumed).toMatchObject({ written: expect.any(Number), rejected: 0 });
  expect(resumed.reports![0]!.resumed!.written).toBeGreaterThan(0);
  expect(admin.writes.filter((w) => w.ownerId === PII.metafieldOwner).length).toBe(writesOfCustomer);
  // Late: Shopify delivers up to a day late, and orders change for months.
  await send('orders/updated', order('6000000000903', '08', '09'));
  await send('customers/update', JSON.stringify({ id: 0, ...person, updated_at: '2024-03-09T09:00:00-05:00' }).replace('"id":0', `"id":${CUSTOMER}`));
  await send('orders/updated', JSON.stringify({ admin_graphql_api_id: 'gid://shopify/Order/6000000000903', note: `call ${PII.first} on ${PII.phone}` })); // quarantined (no id), names the order
  expect(await rt.loader.drain()).toBe(true);

  const features = await runFeatures({ warehouse: rt.warehouse, snapshotDate: '2024-03-10', timezone: 'America/New_York' });
  expect(features.actions.filter((a) => a.status !== 'ok')).toEqual([]);
  const { report } = await runTraining({ world: { mode: 'embedded', dataDir: rt.dataDir, warehouse: rt.warehouse }, params: { holdout_days: 7 } });
  expect(report.steps.find((s) => s.name === 'score')).toBeDefined();
  // The late order landed scrubbed (demand history kept), the late customer record not at all.
  const late = await rt.warehouse.query(`SELECT topic, payload::VARCHAR AS p FROM shop_raw.events WHERE topic IN ('orders/updated', 'customers/update') AND json_extract_string(payload, '$.id') IN ('6000000000903', '${CUSTOMER}')`);
  expect(late.map((r) => r['topic'])).toEqual(['orders/updated']);
  expect(String(late[0]!['p'])).toContain('"redacted":true');
  expect(await rt.artifacts.get(exportKey(SHOP, CUSTOMER, '4242'))).toBeNull();
  // Both quarantined deliveries are there (operators see them), neither with its body.
  const q = await rt.warehouse.query(`SELECT topic, body FROM shop_raw.quarantine WHERE shop = '${SHOP}' ORDER BY quarantined_at`);
  expect(q).toEqual([{ topic: 'orders/updated', body: '{"redacted":true}' }]);

  // The log's segments holding the raw deliveries are rolled and deleted once the loader has passed them; the
  // checkpoint that does so is written behind landing, so wait for it (bounded).
  const until = Date.now() + 20_000;
  while (leaks(rt.dataDir).length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  expect(leaks(rt.dataDir)).toEqual([]);
  // And after the runtime closes (its last checkpoint, the DuckDB file folded).
  await rt.close();
  expect(leaks(rt.dataDir)).toEqual([]);
}, 240_000);
