// The cloud metafields write-back end to end in-process: batch scores in BigQuery (the REST API, jobs run on DuckDB), offline tokens in Firestore (gRPC), journals in Cloud Storage (JSON API) → the same job → the Admin GraphQL contract server receives one bulk run, then metafieldsSet deltas; a crash mid-run is resumed by the next pass without a second write.
import './support/cjs-http-transport';
import path from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { Storage } from '@google-cloud/storage';
import { createBigQueryPredictionStore } from '../../functions/src/adapters/gcp/bigquery-prediction-store';
import { bigQueryScoreSource } from '../../functions/src/adapters/gcp/bigquery-score-source';
import { buildMetafieldsRuntime, METAFIELDS_JOURNAL_PREFIX } from '../../functions/src/adapters/gcp/cloud-metafields';
import { loadCloudConfig } from '../../functions/src/adapters/gcp/cloud-config';
import { buildPrivacyRuntime } from '../../functions/src/adapters/gcp/cloud-runtime';
import type { LandedEvent } from '../../functions/src/core/classify';
import { createFirestoreSessionStorage } from '../../functions/src/adapters/gcp/firestore-session-storage';
import { createGcsJournalStorage } from '../../functions/src/adapters/gcp/gcs-journal-storage';
import { silentLogger } from '../../functions/src/core/log';
import { PREDICTIONS_DATASET } from '../../functions/src/serving/prediction-tables';
import { desiredMetafields } from '../../functions/src/shopify/metafield-values';
import { writtenMetafields } from '../../functions/src/shopify/metafields-job';
import { WRITE_BACK_TABLES } from '../../functions/src/shopify/score-source';
import { startAdminContractServer, type ContractServer } from '../../functions/src/testing/admin-graphql-contract-server';
import { syntheticBatches } from '../shopify/support';
import { startBigQueryOnDuckDb, type BigQueryOnDuckDb } from './support/bigquery-on-duckdb';
import { startFakeBigQuery, type FakeBigQuery } from './support/fake-bigquery';
import { startFakeFirestore, type FakeFirestore } from './support/fake-firestore';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs';

const PROJECT = 'demo-shop-mlops';
const BUCKET = 'demo-artifacts';
const API_KEY = 'cloud-meta-key';
const SECRET = 'cloud-meta-secret';
const SHOP = 'cloud-meta.myshopify.com';
const GONE = 'cloud-meta-gone.myshopify.com';
const LATER = 'cloud-meta-later.myshopify.com';
const TOKEN = 'shpat_cloud_meta';
process.env['METADATA_SERVER_DETECTION'] = 'none';

let firestoreServer: FakeFirestore;
let gcs: FakeGcs;
let bq: FakeBigQuery;
let engine: BigQueryOnDuckDb;
let admin: ContractServer;
let db: Firestore;

beforeAll(async () => {
  [firestoreServer, gcs, bq] = await Promise.all([startFakeFirestore(), startFakeGcs(), startFakeBigQuery()]);
});
afterAll(async () => {
  await Promise.all([firestoreServer.stop(), gcs.stop(), bq.stop()]);
});
beforeEach(async () => {
  engine = await startBigQueryOnDuckDb(Object.fromEntries(WRITE_BACK_TABLES.map((t) => [`${PREDICTIONS_DATASET}.${t}`, path.join(__dirname, '../../infra/schemas', `predictions_${t}.json`)])));
  bq.respond = (job) => engine.respond(job);
  db = new Firestore({ projectId: PROJECT, host: '127.0.0.1', port: firestoreServer.port, ssl: false, customHeaders: { Authorization: 'Bearer owner' } });
  admin = await startAdminContractServer({ apiKey: API_KEY, apiSecret: SECRET, tokens: { [TOKEN]: SHOP, shpat_gone: GONE }, bulkLineDelayMs: 1 });
});
afterEach(async () => {
  await admin.idle();
  await admin.close();
  await db.terminate();
  engine.close();
  gcs.buckets.clear();
});

const bigquery = () => new BigQuery({ projectId: PROJECT, apiEndpoint: bq.endpoint, autoRetry: false });
const storage = () => new Storage({ projectId: PROJECT, apiEndpoint: gcs.endpoint, retryOptions: { autoRetry: false } });
const config = () => loadCloudConfig({ GOOGLE_CLOUD_PROJECT: PROJECT, SHOP_MLOPS_LOG_LEVEL: 'ERROR', SHOPIFY_API_KEY: API_KEY, SHOP_MLOPS_SHOPIFY_ADMIN_ORIGIN: admin.url, SHOP_MLOPS_ARTIFACT_BUCKET: BUCKET }, SECRET);
/** A fresh function instance: new clients, nothing in memory from the last one. */
const instance = () => buildMetafieldsRuntime(config(), { firestore: db, bigquery: bigquery(), storage: storage(), job: { pollMs: 20 } });

test('scores in BigQuery → one bulk operation (a crash mid-run resumed by the next pass, nothing written twice) → a metafieldsSet delta after rescoring; uninstalled and token-less shops are left alone', async () => {
  const predictions = createBigQueryPredictionStore({ bigquery: bigquery(), projectId: PROJECT, log: silentLogger });
  for (const shop of [SHOP, GONE, LATER]) await predictions.replace(syntheticBatches({ customers: 90, variants: 12, products: 8, version: 1, shop }));
  const sessions = createFirestoreSessionStorage(db);
  await sessions.store({ shop: SHOP, accessToken: TOKEN, scope: 'write_products,write_customers', installedAt: '2026-12-06T00:00:00.000Z' });
  await sessions.store({ shop: GONE, accessToken: 'shpat_gone', scope: 'write_products,write_customers', installedAt: '2026-12-06T00:00:00.000Z' });
  await sessions.uninstall(GONE, '2026-12-07T00:00:00.000Z');
  const scores = bigQueryScoreSource({ bigquery: bigquery(), projectId: PROJECT, log: silentLogger });
  const desired = desiredMetafields(await scores.newest(SHOP));
  expect(desired.length).toBeGreaterThan(500); // more than the delta limit: a bulk run

  // Crash: bulkOperationRunMutation reaches Shopify and starts the operation, but its answer never comes back.
  admin.faults.push({ field: 'bulkOperationRunMutation', nth: 1, when: 'after' });
  const crashed = await instance().pass('auto');
  expect(crashed.shops).toEqual([SHOP]);
  expect(crashed.failed).toEqual([expect.objectContaining({ shop: SHOP })]);
  expect(admin.ops).toHaveLength(1);
  await admin.idle();

  // The next pass (a new instance: the journal is all that survived, in Cloud Storage) finds that operation and finishes the run.
  const resumed = await instance().pass('auto');
  expect(resumed.failed).toEqual([]);
  const r = resumed.reports.find((x) => x.shop === SHOP)!;
  expect(r.resumed).toMatchObject({ operations: 1, rejected: 0, requeuedLines: 0, written: desired.length });
  expect(r.changed).toBe(0);
  expect(admin.ops).toHaveLength(1);
  expect(admin.writes.every((w) => w.via === 'bulk')).toBe(true);
  for (const m of desired) expect(admin.metafieldsOf(SHOP, m.ownerId)[m.key]?.value).toBe(m.value);
  expect(admin.definitions.filter((d) => d.shop !== SHOP)).toEqual([]); // nothing reached the uninstalled or the token-less shop
  expect(new Set(admin.writes.map((w) => w.shop))).toEqual(new Set([SHOP]));

  // Rescoring: a new recommend version; only the products' values change → metafieldsSet, 25 per call.
  const [, , , recs] = syntheticBatches({ customers: 90, variants: 12, products: 8, version: 2, shop: SHOP });
  await predictions.replace([{ ...recs!, rows: recs!.rows.map((row) => ({ ...row, recommended_product_id: String(8_000_000 + ((Number(row['product_id']) - 8_000_000 + 2 * Number(row['rank'])) % 8)) })) }]);
  const after = desiredMetafields(await scores.newest(SHOP));
  const before = new Map(desired.map((m) => [`${m.ownerId}|${m.key}`, m.value]));
  const changed = after.filter((m) => before.get(`${m.ownerId}|${m.key}`) !== m.value);
  expect(changed.length).toBeGreaterThan(0);
  const sets = admin.calls.filter((c) => c === 'metafieldsSet').length;
  const delta = await instance().pass('auto');
  expect(delta.reports.find((x) => x.shop === SHOP)!.delta).toMatchObject({ written: changed.length, rejected: [] });
  expect(admin.calls.filter((c) => c === 'metafieldsSet').length - sets).toBe(Math.ceil(changed.length / 25));
  for (const m of after) expect(admin.metafieldsOf(SHOP, m.ownerId)[m.key]?.value).toBe(m.value);
  expect(admin.writes.filter((w) => w.redundant)).toEqual([]);

  // The journal lives in the artifact bucket under metafields/<shop>/ and says what the shop holds.
  const journals = createGcsJournalStorage({ storage: storage(), bucket: BUCKET, prefix: METAFIELDS_JOURNAL_PREFIX });
  const product = 'gid://shopify/Product/8000000';
  expect(await writtenMetafields(journals, SHOP, product)).toEqual(Object.fromEntries(Object.entries(admin.metafieldsOf(SHOP, product)).map(([k, v]) => [k, { type: v.type, value: v.value }])));
  expect([...gcs.buckets.get(BUCKET)!.keys()].every((k) => k.startsWith(`${METAFIELDS_JOURNAL_PREFIX}/${SHOP}/journal/`))).toBe(true);
}, 120_000);

test('privacy worker: customers/redact leaves no generation of any journal object holding the customer (records, compactions, run files); shop/redact leaves nothing under the shop\'s prefix', async () => {
  const predictions = createBigQueryPredictionStore({ bigquery: bigquery(), projectId: PROJECT, log: silentLogger });
  await predictions.replace(syntheticBatches({ customers: 20, variants: 3, products: 3, version: 1, shop: SHOP }));
  await createFirestoreSessionStorage(db).store({ shop: SHOP, accessToken: TOKEN, scope: 'write_products,write_customers', installedAt: '2026-12-06T00:00:00.000Z' });
  // Written and compacted (the records it replaced stay as noncurrent generations), then a rescoring's bulk run
  // crashes before its file is uploaded (the run file stays in the bucket).
  const compacting = buildMetafieldsRuntime(config(), { firestore: db, bigquery: bigquery(), storage: storage(), job: { pollMs: 20, compactAboveBytes: 1 } });
  expect((await compacting.pass('delta')).failed).toEqual([]);
  await predictions.replace(syntheticBatches({ customers: 20, variants: 3, products: 3, version: 2, shop: SHOP }));
  admin.faults.push({ field: 'upload', nth: 1, when: 'before' });
  expect((await instance().pass('full')).failed).toEqual([expect.objectContaining({ shop: SHOP })]);
  const customer = '7000000000005';
  const gid = `gid://shopify/Customer/${customer}"`;
  const generations = () => [...(gcs.buckets.get(BUCKET)?.values() ?? [])].map((o) => ({ name: o.name, text: o.data.toString('utf8'), live: true })).concat((gcs.noncurrent.get(BUCKET) ?? []).map((o) => ({ name: o.name, text: o.data.toString('utf8'), live: false })));
  const holding = (needle: string) => generations().filter((g) => g.text.includes(needle)).map((g) => `${g.name}${g.live ? '' : ' (noncurrent)'}`);
  expect(holding(gid).some((n) => n.includes('/runs/'))).toBe(true);
  expect(holding(gid).some((n) => n.endsWith('(noncurrent)'))).toBe(true);
  expect(holding(gid).some((n) => n.includes('.snapshot.jsonl'))).toBe(true);

  // The privacy worker as deployed: BigQuery (its redaction answered by the fake) and the artifact bucket, from the environment.
  const saved = { ...process.env };
  Object.assign(process.env, { STORAGE_EMULATOR_HOST: gcs.endpoint, BIGQUERY_EMULATOR_HOST: bq.endpoint });
  bq.respond = () => ({ numDmlAffectedRows: 0 });
  try {
    const worker = buildPrivacyRuntime(config(), { firestore: db });
    const event = (topic: 'customers/redact' | 'shop/redact', payload: unknown): LandedEvent => ({ shop: SHOP, topic, webhook_id: `wh-${topic}`, event_id: null, api_version: '2026-10', triggered_at: null, received_at: '2026-12-07T00:00:00.000Z', payload: JSON.stringify(payload) });
    await worker.service.handle(event('customers/redact', { shop_id: 1, shop_domain: SHOP, customer: { id: Number(customer), email: null, phone: null }, orders_to_redact: [] }));
    expect(holding(gid)).toEqual([]);
    expect(holding('gid://shopify/Customer/7000000000006"').length).toBeGreaterThan(0); // the others' values stay
    expect(generations().filter((g) => !g.live && g.name.startsWith(`${METAFIELDS_JOURNAL_PREFIX}/${SHOP}/`))).toEqual([]);

    await worker.service.handle(event('shop/redact', { shop_id: 1, shop_domain: SHOP }));
    expect(generations().filter((g) => g.name.startsWith(`${METAFIELDS_JOURNAL_PREFIX}/${SHOP}/`)).map((g) => g.name)).toEqual([]);
  } finally {
    process.env = saved;
  }
}, 120_000);
