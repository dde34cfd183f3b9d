// The Shopify side of the Cloud Functions against in-process servers speaking each client's protocol: POST /shopify/install on the api runtime (token exchange at the Admin contract server, the offline token in Firestore over gRPC), app/uninstalled acted on by the privacy worker's runtime with the signed shop, and the monitor's pass skipping uninstalled shops, then sending its decisions to Flow once (journal in Firestore).
import './support/cjs-http-transport';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { Storage } from '@google-cloud/storage';
import { getJwt } from '@shopify/shopify-api/test-helpers';
import { signAppProxyQuery } from '../../functions/src/testing/app-proxy-signer';
import { buildApiRuntime, buildMonitorRuntime, buildPrivacyRuntime, loadCloudConfig } from '../../functions/src/adapters/gcp/cloud-runtime';
import { buildCloudRetrainer } from '../../functions/src/adapters/gcp/cloud-retrainer';
import { createBigQueryMonitoringStore } from '../../functions/src/adapters/gcp/bigquery-monitoring-store';
import { FLOW_TRIGGERS_COLLECTION } from '../../functions/src/adapters/gcp/firestore-flow-trigger-journal';
import { SESSIONS_COLLECTION, createFirestoreSessionStorage } from '../../functions/src/adapters/gcp/firestore-session-storage';
import { createGcsFlowActionRuns } from '../../functions/src/adapters/gcp/gcs-flow-action-runs';
import type { MetricServiceClient } from '../../functions/src/adapters/gcp/cloud-monitoring-sink';
import { decodePrivacyMessage, privacyFailureAction } from '../../functions/src/adapters/gcp/privacy-message';
import { silentLogger } from '../../functions/src/core/log';
import { MONITORING_TABLE_NAMES, qualifiedMonitoringTable } from '../../functions/src/monitoring/monitoring-tables';
import { startAdminContractServer, type ContractServer } from '../../functions/src/testing/admin-graphql-contract-server';
import { decision } from '../contracts/monitoring-store.contract';
import { startBigQueryOnDuckDb, type BigQueryOnDuckDb } from './support/bigquery-on-duckdb';
import { startFakeBigQuery, type FakeBigQuery } from './support/fake-bigquery';
import { startFakeFirestore, type FakeFirestore } from './support/fake-firestore';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs';
import { startFakeMonitoring, type FakeMonitoring } from './support/fake-monitoring';

const PROJECT = 'demo-shop-mlops';
const SECRET = 'cloud-shopify-secret';
const API_KEY = 'cloud-shopify-key';
const STORE = 'cloud-install';
const SHOP = `${STORE}.myshopify.com`;
const GONE = 'cloud-gone.myshopify.com';
const TOKEN = 'shpat_cloud_offline';
const DOCS = `projects/${PROJECT}/databases/(default)/documents`;
// No metadata server here: the clients built but unused (Vertex AI, Pub/Sub) must not go looking for one.
process.env['METADATA_SERVER_DETECTION'] = 'none';

let firestoreServer: FakeFirestore;
let db: Firestore;
let admin: ContractServer;
let gcs: FakeGcs;
let bq: FakeBigQuery;
let monitoring: FakeMonitoring;
let metricClient: MetricServiceClient;

beforeAll(async () => {
  [firestoreServer, gcs, bq, monitoring] = await Promise.all([startFakeFirestore(), startFakeGcs(), startFakeBigQuery(), startFakeMonitoring()]);
  const { MetricServiceClient: Client } = require('@google-cloud/monitoring/build/src/v3/metric_service_client') as { MetricServiceClient: new (o: unknown) => MetricServiceClient };
  metricClient = new Client({ apiEndpoint: '127.0.0.1', port: monitoring.port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' });
});
afterAll(async () => {
  await metricClient.close();
  await Promise.all([firestoreServer.stop(), gcs.stop(), bq.stop(), monitoring.stop()]);
});
beforeEach(async () => {
  db = new Firestore({ projectId: PROJECT, host: '127.0.0.1', port: firestoreServer.port, ssl: false, customHeaders: { Authorization: 'Bearer owner' } });
  admin = await startAdminContractServer({ apiKey: API_KEY, apiSecret: SECRET, tokens: { [TOKEN]: SHOP } });
});
afterEach(async () => {
  await db.terminate();
  await admin.close();
});

const config = () =>
  loadCloudConfig({ GOOGLE_CLOUD_PROJECT: PROJECT, SHOP_MLOPS_LOG_LEVEL: 'ERROR', SHOPIFY_API_KEY: API_KEY, SHOP_MLOPS_SHOPIFY_ADMIN_ORIGIN: admin.url, SHOP_MLOPS_ARTIFACT_BUCKET: 'demo-artifacts' }, SECRET);
const sessionDoc = (shop: string) => firestoreServer.documents().get(`${DOCS}/${SESSIONS_COLLECTION}/${shop}`);

describe('api function: POST /shopify/install', () => {
  const api = () =>
    buildApiRuntime(config(), {
      location: 'us-central1',
      firestore: db,
      metricClient,
      flowAction: { runs: createGcsFlowActionRuns({ storage: new Storage({ projectId: PROJECT, apiEndpoint: gcs.endpoint }), bucket: 'demo-artifacts' }), requestRetrain: () => Promise.reject(new Error('not here')), isInstalledShop: async () => false },
    });
  const install = (rt: ReturnType<typeof api>, token: string) => rt.app.fetch(new Request(`https://${PROJECT}.web.app/shopify/install`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }));

  test('the session token is exchanged for the offline token, kept in Firestore; forged, foreign or missing tokens are refused', async () => {
    const rt = api();
    const res = await install(rt, (await getJwt(STORE, API_KEY, SECRET)).token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ shop: SHOP, scope: 'read_orders,read_products,read_customers,read_inventory,write_products,write_customers', reinstalled: false });
    // The token only the contract server issued is the one stored, in the shop's document.
    expect(sessionDoc(SHOP)).toMatchObject({ shop: SHOP, uninstalledAt: null, session: { shop: SHOP, accessToken: expect.stringMatching(/^shpat_[0-9a-f]{32}$/) } });
    for (const bad of [(await getJwt(STORE, API_KEY, 'not-the-secret')).token, (await getJwt(STORE, 'another-app', SECRET)).token, '']) {
      const r = await install(rt, bad);
      expect([r.status, ((await r.json()) as { error: { code: string } }).error.code]).toEqual([401, 'UNAUTHORIZED']);
    }
    await rt.flowActions.idle();
  });

  test('the prediction routes refuse a shop the app was uninstalled from (403, as embedded); another shop reaches the route', async () => {
    await createFirestoreSessionStorage(db).uninstall(GONE, '2026-12-07T00:00:00.000Z');
    const rt = api();
    const call = (shop: string) => rt.app.fetch(new Request(`https://${PROJECT}.web.app/api/recommendations/product?${signAppProxyQuery({ secret: SECRET, shop, params: { k: '0' } })}`));
    const gone = await call(GONE);
    expect([gone.status, ((await gone.json()) as { error: { code: string } }).error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await call(SHOP)).status).toBe(400); // past the caller check: the route's own answer (no product_id)
    await rt.flowActions.idle();
  });
});

describe('privacy worker: app/uninstalled from the privacy topic', () => {
  const row = (header: string, named: string) => ({ shop: header, topic: 'app/uninstalled', webhook_id: `wh-${header}-${named}`, event_id: null, api_version: '2025-10', triggered_at: '2026-12-07T00:00:00.000Z', received_at: '2026-12-07T00:00:01.000Z', payload: `{"id": 548380009, "name": "x", "myshopify_domain": "${named}", "domain": null}` });
  const message = (r: Record<string, unknown>) => Buffer.from(JSON.stringify(r)).toString('base64');

  test('deletes the shop\'s offline token and marks it; a payload naming another shop than the header is dropped and nothing is deleted', async () => {
    const sessions = createFirestoreSessionStorage(db);
    await sessions.store({ shop: SHOP, accessToken: TOKEN, scope: 'write_products', installedAt: '2026-12-06T00:00:00.000Z' });
    await sessions.store({ shop: GONE, accessToken: 'shpat_other', scope: 'write_products', installedAt: '2026-12-06T00:00:00.000Z' });
    const rt = buildPrivacyRuntime(config(), { firestore: db });
    // The unsigned header says GONE, the signed payload says SHOP: refused, and dropped (never retried).
    const forged = rt.service.handle(decodePrivacyMessage(message(row(GONE, SHOP))));
    await expect(forged).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(privacyFailureAction(await forged.catch((e: unknown) => e), true)).toBe('drop');
    // A payload naming no shop: the unsigned header alone is never trusted.
    const unnamed = { ...row(GONE, GONE), payload: '{"id": 548380009, "name": "x", "domain": null}' };
    await expect(rt.service.handle(decodePrivacyMessage(message(unnamed)))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect([await sessions.load(SHOP), await sessions.load(GONE)].map((s) => s?.accessToken)).toEqual([TOKEN, 'shpat_other']);

    expect(await rt.service.handle(decodePrivacyMessage(message(row(GONE, GONE))))).toEqual({ action: 'app/uninstalled', details: { hadToken: true } });
    expect(sessionDoc(GONE)).toEqual({ shop: GONE, session: null, uninstalledAt: '2026-12-07T00:00:00.000Z' });
    expect(await sessions.isUninstalled(GONE)).toBe(true);
    expect((await sessions.load(SHOP))?.accessToken).toBe(TOKEN);
  });
});

describe('monitor function: uninstalled shops skipped, decisions sent to Flow after the pass', () => {
  let engine: BigQueryOnDuckDb;
  beforeEach(async () => {
    engine = await startBigQueryOnDuckDb(Object.fromEntries(MONITORING_TABLE_NAMES.map((t) => [qualifiedMonitoringTable(t), path.join(__dirname, '../../infra/schemas', `monitoring_${t}.json`)])));
    // The shops with served predictions: only the uninstalled one (an installed one would need Vertex AI endpoints).
    bq.respond = (job) => (/SELECT DISTINCT shop FROM .*prediction_log/.test(job.query) ? { schema: { fields: [{ name: 'shop', type: 'STRING' }] }, rows: [{ f: [{ v: GONE }] }] } : engine.respond(job));
    bq.jobs.length = 0;
  });
  afterEach(() => engine.close());
  const bigquery = () => new BigQuery({ projectId: PROJECT, apiEndpoint: bq.endpoint, autoRetry: false });

  test('the pass leaves the uninstalled shop alone; each recorded decision of an installed shop goes out once with its offline token, the uninstalled shop\'s never', async () => {
    const sessions = createFirestoreSessionStorage(db);
    await sessions.store({ shop: SHOP, accessToken: TOKEN, scope: 'write_products', installedAt: '2026-12-06T00:00:00.000Z' });
    await sessions.uninstall(GONE, '2026-12-07T00:00:00.000Z');
    const store = createBigQueryMonitoringStore({ bigquery: bigquery(), projectId: PROJECT, log: silentLogger });
    const promoted = decision({ shop: SHOP, model: 'clv', action: 'promote', revision_before: 7, flow_event: { trigger: 'model_promoted', shop: SHOP, model: 'clv', version: 4, precision: null, reason: 'guardrails_held' } });
    expect(await store.recordDecision(promoted)).toBe(true);
    expect(await store.recordDecision(decision({ shop: GONE, model: 'propensity' }))).toBe(true);

    const rt = buildMonitorRuntime(config(), { location: 'us-central1', bigquery: bigquery(), metricClient, firestore: db });
    const first = await rt.pass(new Date('2026-12-07T01:00:00.000Z'));
    expect(first.endpoints).toEqual([]);
    expect(admin.flowTriggers).toEqual([{ shop: SHOP, handle: 'model-promoted', payload: { model: 'clv', version: '4' } }]);
    expect(firestoreServer.documents().get(`${DOCS}/${FLOW_TRIGGERS_COLLECTION}/${promoted.decision_id}`)).toMatchObject({ shop: SHOP, decisionId: promoted.decision_id });
    // The next pass (another instance: the journal is in Firestore) sends nothing again.
    await buildMonitorRuntime(config(), { location: 'us-central1', bigquery: bigquery(), metricClient, firestore: db }).pass(new Date('2026-12-07T02:00:00.000Z'));
    expect(admin.flowTriggers).toHaveLength(1);
  });

  test('retraining (drift, Flow action) refuses to start for the uninstalled shop', async () => {
    await createFirestoreSessionStorage(db).uninstall(GONE, '2026-12-07T00:00:00.000Z');
    const { retrainer } = buildCloudRetrainer(loadCloudConfig({ GOOGLE_CLOUD_PROJECT: PROJECT, SHOP_MLOPS_LOG_LEVEL: 'ERROR', SHOP_MLOPS_PIPELINE_IMAGE: 'us-docker.pkg.dev/p/r/i:1' }, SECRET), { location: 'us-central1', bigquery: bigquery(), metricClient, log: silentLogger, sessions: createFirestoreSessionStorage(db) });
    expect(await retrainer.request({ shop: GONE, models: ['clv'], trigger: 'external', reason: 'test' })).toMatchObject({ status: 'failed', error: expect.stringMatching(/uninstalled/) });
  });
});
