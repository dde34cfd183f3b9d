// Artifact redaction on the versioned Cloud Storage bucket: the Vertex pipeline root and the data-request exports are covered, and no generation (live or noncurrent) of a redacted object keeps the customer.
import { Storage } from '@google-cloud/storage';
import { createGcsArtifactStore } from '../../functions/src/adapters/gcp/gcs-artifact-store';
import { silentLogger } from '../../functions/src/core/log';
import { expireExports, redactCustomerArtifacts, redactShopArtifacts } from '../../functions/src/core/privacy-artifacts';
import { exportKey } from '../../functions/src/core/privacy-service';
import type { ArtifactStore } from '../../functions/src/ports/artifact-store';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs';

const BUCKET = 'demo-shop-mlops-shop-mlops-artifacts';
const SHOP = 'gcs-privacy.myshopify.com';
const CUSTOMER = '9007199254740993888';
/** Where Vertex AI puts an extract task's dataset under the pipeline root (gcsOutputDirectory/<project number>/<job>/<task>_<id>/<output>). */
const VERTEX_RFM = 'pipeline-root/123456789/training-20261101000000/extract_4711/customer_rfm';
const LOCAL_LINES = 'pipeline-runs/training/run-1/extract/order_lines';

let fake: FakeGcs;
let store: ArtifactStore;
const row = (customerId: string, extra: Record<string, unknown> = {}) => JSON.stringify({ shop: SHOP, snapshot_date: '2026-10-31', customer_id: customerId, ...extra });
/** Every generation the bucket holds, as text. */
const everything = () => fake.allBytes(BUCKET).map((b) => b.toString('utf8')).join('\n');

beforeAll(async () => {
  fake = await startFakeGcs();
  store = createGcsArtifactStore({ storage: new Storage({ projectId: 'demo-shop-mlops', apiEndpoint: fake.endpoint }), bucket: BUCKET, log: silentLogger });
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.buckets.clear();
  fake.noncurrent.clear();
});

test('customers/redact: the Vertex pipeline root and local runs lose the customer\'s rows, their exports go, and no noncurrent generation keeps any of it', async () => {
  const ndjson = { contentType: 'application/x-ndjson' };
  // Two generations of the Vertex dataset (a re-run overwrote it): both hold the customer.
  await store.put(VERTEX_RFM, [row(CUSTOMER), row('555')].join('\n') + '\n', ndjson);
  await store.put(VERTEX_RFM, [row(CUSTOMER, { frequency: '3' }), row('555')].join('\n') + '\n', ndjson);
  await store.put(LOCAL_LINES, row(CUSTOMER, { line_item_id: '1' }) + '\n', ndjson);
  await store.put(exportKey(SHOP, CUSTOMER, '77'), JSON.stringify({ customer_id: CUSTOMER, email: 'gcs.person@example.org' }), { contentType: 'application/json' });
  await store.put(exportKey(SHOP, '555', '78'), JSON.stringify({ customer_id: '555' }), { contentType: 'application/json' });
  expect(everything()).toContain(CUSTOMER);

  const res = await redactCustomerArtifacts(store, SHOP, CUSTOMER);
  expect(res.artifacts.map((a) => a.key).sort()).toEqual([VERTEX_RFM, LOCAL_LINES]);
  expect(res.exports).toEqual([exportKey(SHOP, CUSTOMER, '77')]);
  expect((await store.get(VERTEX_RFM))!.toString()).toBe(row('555') + '\n');
  expect(await store.get(LOCAL_LINES)).toBeNull();
  expect(await store.get(exportKey(SHOP, '555', '78'))).not.toBeNull();
  // No byte of the customer in any generation the versioned bucket still holds.
  expect(everything()).not.toContain(CUSTOMER);
  expect(everything()).not.toContain('gcs.person@example.org');
});

test('shop/redact deletes the shop\'s exports and datasets with every generation; expired exports go with theirs too', async () => {
  await store.put(VERTEX_RFM, row('555') + '\n', { contentType: 'application/x-ndjson' });
  await store.put(exportKey(SHOP, '555', '78'), '{"customer_id":"555"}', { contentType: 'application/json' });
  await store.put(exportKey('other.myshopify.com', '1', '1'), '{"customer_id":"1"}', { contentType: 'application/json' });
  const res = await redactShopArtifacts(store, SHOP);
  expect(res.exports).toEqual([exportKey(SHOP, '555', '78')]);
  expect(everything()).not.toContain(SHOP);
  // The other shop's export expires after the TTL (written "now": 31 days later it is past a 30-day TTL).
  expect(await expireExports(store, 30, new Date(Date.now() + 29 * 86_400_000))).toEqual([]);
  expect(await expireExports(store, 30, new Date(Date.now() + 31 * 86_400_000))).toEqual([exportKey('other.myshopify.com', '1', '1')]);
  expect(fake.allBytes(BUCKET)).toEqual([]);
});
