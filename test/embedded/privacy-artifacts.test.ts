// Privacy covers artifacts too: customers/redact and shop/redact remove the rows the training pipeline extracted into datasets.
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { SECRET, startTestRuntime } from '../helpers/runtime';
import type { Runtime } from '../../functions/src/runtime/local-runtime';

const SHOP = 'artifact-privacy.myshopify.com';
const RUN = 'pipeline-runs/training/training-20261101-000000-abcd';
let rt: Runtime;

const row = (customerId: string, extra: Record<string, unknown> = {}) => JSON.stringify({ shop: SHOP, snapshot_date: '2026-10-31', customer_id: customerId, frequency: '2', ...extra });
const send = async (topic: string, body: unknown) => {
  const r = await postWebhook(`${rt.url}/webhooks`, forgeWebhook({ secret: SECRET, topic, body: JSON.stringify(body).replace('"ID"', '9007199254740993777'), shop: SHOP }));
  expect(r.status).toBe(200);
  await rt.loader.drain();
};

beforeAll(async () => {
  rt = await startTestRuntime();
  const ndjson = { contentType: 'application/x-ndjson' };
  await rt.artifacts.put(`${RUN}/extract/customer_rfm`, [row('9007199254740993777'), row('555'), row('9007199254740993777', { snapshot_date: '2026-09-30' })].join('\n') + '\n', ndjson);
  await rt.artifacts.put(`${RUN}/extract/order_lines`, [row('9007199254740993777', { line_item_id: '1' })].join('\n') + '\n', ndjson);
  await rt.artifacts.put(`${RUN}/extract/variant_daily_demand`, JSON.stringify({ shop: SHOP, variant_id: '9007199254740993777', units: '3' }) + '\n', ndjson);
  await rt.artifacts.put(`${RUN}/train_clv/model`, JSON.stringify({ model: 'clv', production: { customers: 2 } }), { contentType: 'application/json' });
});
afterAll(async () => rt.close());

test("customers/redact removes the customer's rows from extracted datasets, keeps everyone else's, and audits it", async () => {
  await send('customers/redact', { shop_id: 1, shop_domain: SHOP, customer: { id: 'ID', email: 'a@b.c', phone: null }, orders_to_redact: [] });
  const rfm = (await rt.artifacts.get(`${RUN}/extract/customer_rfm`))!.toString('utf8').trim().split('\n');
  expect(rfm.map((l) => (JSON.parse(l) as { customer_id: string }).customer_id)).toEqual(['555']);
  // a dataset left empty is deleted; a variant whose id happens to equal the customer id is not a customer row
  expect(await rt.artifacts.get(`${RUN}/extract/order_lines`)).toBeNull();
  expect((await rt.artifacts.get(`${RUN}/extract/variant_daily_demand`))!.toString()).toContain('9007199254740993777');
  expect(JSON.parse((await rt.artifacts.get(`${RUN}/train_clv/model`))!.toString())).toEqual({ model: 'clv', production: { customers: 2 } });
  const audit = await rt.warehouse.query(`SELECT details FROM shop_raw.privacy_audit WHERE shop = '${SHOP}' AND action = 'customers/redact'`);
  const details = JSON.parse(String(audit[0]!['details'])) as { artifacts: { key: string; rowsRemoved: number }[] };
  expect(details.artifacts).toEqual(expect.arrayContaining([{ key: `${RUN}/extract/customer_rfm`, rowsRemoved: 2 }, { key: `${RUN}/extract/order_lines`, rowsRemoved: 1 }]));
});

test('shop/redact removes every row of the shop from extracted datasets', async () => {
  await send('shop/redact', { shop_id: 1, shop_domain: SHOP });
  expect(await rt.artifacts.get(`${RUN}/extract/customer_rfm`)).toBeNull();
  expect(await rt.artifacts.get(`${RUN}/extract/variant_daily_demand`)).toBeNull();
});
