// The exported Cloud Functions: deploy manifests, the HTTPS webhook function end to end into an in-process Pub/Sub,
// and the privacy worker (firebase-functions-test wrap) against in-process BigQuery and Cloud Storage APIs.
import './support/cjs-http-transport';
import { readFileSync } from 'node:fs';
import functionsTest from 'firebase-functions-test';
// The functions read their environment on first invocation, so importing them before beforeAll sets it is fine.
import * as fns from '../../functions/src/index';
import { forgeWebhook, type ForgedDelivery } from '../../functions/src/testing/forge';
import { signAppProxyQuery } from '../../functions/src/testing/app-proxy-signer';
import { paramsOf, startFakeBigQuery, type FakeBigQuery } from './support/fake-bigquery';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs';
import { startFakePubSub, type FakePubSub } from './support/fake-pubsub';
import { startFakeFirestore, type FakeFirestore } from './support/fake-firestore';
import { FIXTURES } from '../helpers/shared';
import path from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { createBigQueryPredictionStore } from '../../functions/src/adapters/gcp/bigquery-prediction-store';
import { bigQueryScoreSource } from '../../functions/src/adapters/gcp/bigquery-score-source';
import { cloudFirestore } from '../../functions/src/adapters/gcp/cloud-shopify';
import { createFirestoreSessionStorage } from '../../functions/src/adapters/gcp/firestore-session-storage';
import { silentLogger } from '../../functions/src/core/log';
import { PREDICTIONS_DATASET } from '../../functions/src/serving/prediction-tables';
import { desiredMetafields } from '../../functions/src/shopify/metafield-values';
import { WRITE_BACK_TABLES } from '../../functions/src/shopify/score-source';
import { startAdminContractServer } from '../../functions/src/testing/admin-graphql-contract-server';
import { syntheticBatches } from '../shopify/support';
import { startBigQueryOnDuckDb } from './support/bigquery-on-duckdb';


const SECRET = 'hush';
/** The secret being rotated out: SHOPIFY_API_SECRET_PREVIOUS in the function's environment. */
const PREVIOUS_SECRET = 'hush-before-rotation';
const PROJECT = 'demo-shop-mlops';
const orders = readFileSync(`${FIXTURES}/orders_create.json`);

let pubsub: FakePubSub;
let bigquery: FakeBigQuery;
let gcs: FakeGcs;
let firestore: FakeFirestore;
const fft = functionsTest({ projectId: PROJECT });
const saved = { ...process.env };

beforeAll(async () => {
  [pubsub, bigquery, gcs, firestore] = await Promise.all([startFakePubSub(), startFakeBigQuery(), startFakeGcs(), startFakeFirestore()]);
  Object.assign(process.env, {
    GCLOUD_PROJECT: PROJECT,
    SHOPIFY_API_SECRET: SECRET,
    SHOPIFY_API_SECRET_PREVIOUS: PREVIOUS_SECRET,
    PUBSUB_EMULATOR_HOST: pubsub.host,
    BIGQUERY_EMULATOR_HOST: bigquery.endpoint,
    STORAGE_EMULATOR_HOST: gcs.endpoint,
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${firestore.port}`,
    SHOP_MLOPS_LOG_LEVEL: 'ERROR',
  });
});
afterAll(async () => {
  fft.cleanup();
  process.env = saved;
  await Promise.all([pubsub.stop(), bigquery.stop(), gcs.stop(), firestore.stop()]);
});
beforeEach(() => {
  pubsub.clear();
  bigquery.jobs.length = 0;
  bigquery.respond = () => ({ numDmlAffectedRows: 0 });
  gcs.buckets.clear();
});

interface FakeRes {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  done: Promise<void>;
}

/** Calls the HTTPS function the way the Functions framework does: an Express-like req with rawBody, a res we read back. */
async function invoke(d: ForgedDelivery, opts: { url?: string; method?: string; fn?: unknown } = {}): Promise<FakeRes & { json: unknown }> {
  const headers: Record<string, string> = { host: 'us-central1-demo-shop-mlops.cloudfunctions.net', 'content-length': String(d.body.length) };
  for (const [k, v] of Object.entries(d.headers)) headers[k.toLowerCase()] = v;
  const req = { method: opts.method ?? 'POST', url: opts.url ?? '/webhooks', originalUrl: opts.url ?? '/webhooks', path: (opts.url ?? '/webhooks').split('?')[0], headers, rawBody: d.body, body: {}, get: (n: string) => headers[n.toLowerCase()], header: (n: string) => headers[n.toLowerCase()] };
  let finish!: () => void;
  const res: FakeRes & Record<string, unknown> = {
    statusCode: 200,
    headers: {},
    body: Buffer.alloc(0),
    done: new Promise<void>((r) => (finish = r)),
    headersSent: false,
    status(code: number) {
      res.statusCode = code;
      return res;
    },
    setHeader(n: string, v: string | string[]) {
      res.headers[n.toLowerCase()] = v;
      return res;
    },
    getHeader: (n: string) => res.headers[n.toLowerCase()],
    on: () => res,
    end(b?: Buffer) {
      res.body = b ?? Buffer.alloc(0);
      res.headersSent = true;
      finish();
      return res;
    },
  };
  await ((opts.fn ?? fns.webhooks) as unknown as (q: unknown, s: unknown) => Promise<void>)(req, res);
  await res.done;
  const text = res.body.toString('utf8');
  return Object.assign(res, { json: text ? (JSON.parse(text) as unknown) : null });
}

describe('deploy manifests', () => {
  test('webhooks is a gcfv2 HTTPS function in us-central1 with the secret, concurrency, memory and timeout', () => {
    const ep = (fns.webhooks as unknown as { __endpoint: Record<string, unknown> }).__endpoint;
    expect(ep).toMatchObject({
      platform: 'gcfv2',
      region: ['us-central1'],
      httpsTrigger: {},
      concurrency: 80,
      availableMemoryMb: 512,
      timeoutSeconds: 30,
      serviceAccountEmail: 'shop-mlops-functions@',
      secretEnvironmentVariables: [{ key: 'SHOPIFY_API_SECRET' }],
    });
    expect(ep).not.toHaveProperty('eventTrigger');
  });

  test('api is a gcfv2 HTTPS function in us-central1 (the region firebase.json rewrites /api/** to) with the secret and the functions\' account', () => {
    const ep = (fns.api as unknown as { __endpoint: Record<string, unknown> }).__endpoint;
    expect(ep).toMatchObject({
      platform: 'gcfv2',
      region: ['us-central1'],
      httpsTrigger: {},
      concurrency: 80,
      availableMemoryMb: 1024,
      timeoutSeconds: 30,
      serviceAccountEmail: 'shop-mlops-functions@',
      secretEnvironmentVariables: [{ key: 'SHOPIFY_API_SECRET' }],
    });
    const firebase = JSON.parse(readFileSync(`${__dirname}/../../firebase.json`, 'utf8')) as { hosting: { rewrites: Array<{ source: string; function: { functionId: string; region: string } }> } };
    expect(firebase.hosting.rewrites).toContainEqual({ source: '/api/**', function: { functionId: 'api', region: (ep['region'] as string[])[0] } });
  });

  test('webhooks and api keep minInstances warm instances from deploy parameters (default 0: scale to zero)', () => {
    const minOf = (f: unknown) => String((f as { __endpoint: { minInstances?: unknown } }).__endpoint.minInstances);
    expect([minOf(fns.webhooks), minOf(fns.api)]).toEqual(['params.WEBHOOKS_MIN_INSTANCES', 'params.API_MIN_INSTANCES']);
    const spec = (p: unknown) => (p as { toSpec(): { default?: unknown } }).toSpec();
    expect([spec(fns.WEBHOOKS_MIN_INSTANCES).default, spec(fns.API_MIN_INSTANCES).default]).toEqual([0, 0]);
    // firebase deploy resolves them from functions/.env.<project> (or asks): the value the function is deployed with.
    process.env['WEBHOOKS_MIN_INSTANCES'] = '2';
    try {
      expect(fns.WEBHOOKS_MIN_INSTANCES.value()).toBe(2);
    } finally {
      delete process.env['WEBHOOKS_MIN_INSTANCES'];
    }
  });

  test('privacyWorker is a gcfv2 Pub/Sub function on shopify-privacy with retry and the secret', () => {
    const ep = (fns.privacyWorker as unknown as { __endpoint: Record<string, unknown> }).__endpoint;
    expect(ep).toMatchObject({
      platform: 'gcfv2',
      region: ['us-central1'],
      eventTrigger: { eventType: 'google.cloud.pubsub.topic.v1.messagePublished', eventFilters: { topic: 'shopify-privacy' }, retry: true },
      serviceAccountEmail: 'shop-mlops-functions@',
      secretEnvironmentVariables: [{ key: 'SHOPIFY_API_SECRET' }],
    });
    expect(ep).not.toHaveProperty('httpsTrigger');
  });

  test('privacyRetry runs every 30 minutes on Cloud Scheduler, one instance, as the functions\' account with the secret', () => {
    const ep = (fns.privacyRetry as unknown as { __endpoint: Record<string, unknown> }).__endpoint;
    expect(ep).toMatchObject({ platform: 'gcfv2', region: ['us-central1'], scheduleTrigger: { schedule: 'every 30 minutes', timeZone: 'Etc/UTC' }, maxInstances: 1, serviceAccountEmail: 'shop-mlops-functions@', secretEnvironmentVariables: [{ key: 'SHOPIFY_API_SECRET' }] });
  });

  test('monitor runs hourly and driftNightly at 02:00 UTC on Cloud Scheduler, one instance each, as the functions\' account with the secret', () => {
    const monitor = (fns.monitor as unknown as { __endpoint: Record<string, unknown> }).__endpoint;
    expect(monitor).toMatchObject({
      platform: 'gcfv2',
      region: ['us-central1'],
      scheduleTrigger: { schedule: 'every 60 minutes', timeZone: 'Etc/UTC', retryConfig: { retryCount: 0 } },
      maxInstances: 1,
      timeoutSeconds: 540,
      serviceAccountEmail: 'shop-mlops-functions@',
      secretEnvironmentVariables: [{ key: 'SHOPIFY_API_SECRET' }],
    });
    const drift = (fns.driftNightly as unknown as { __endpoint: Record<string, unknown> }).__endpoint;
    expect(drift).toMatchObject({
      platform: 'gcfv2',
      region: ['us-central1'],
      scheduleTrigger: { schedule: '0 2 * * *', timeZone: 'Etc/UTC', retryConfig: { retryCount: 1 } },
      maxInstances: 1,
      serviceAccountEmail: 'shop-mlops-functions@',
      secretEnvironmentVariables: [{ key: 'SHOPIFY_API_SECRET' }],
    });
    for (const ep of [monitor, drift]) expect(ep).not.toHaveProperty('httpsTrigger');
  });

  test('metafieldsNightly runs at 04:00 UTC (after driftNightly) on Cloud Scheduler, one instance, one retry (the journal makes it safe), as the functions\' account with the secret', () => {
    const ep = (fns.metafieldsNightly as unknown as { __endpoint: Record<string, unknown> }).__endpoint;
    expect(ep).toMatchObject({
      platform: 'gcfv2',
      region: ['us-central1'],
      scheduleTrigger: { schedule: '0 4 * * *', timeZone: 'Etc/UTC', retryConfig: { retryCount: 1 } },
      maxInstances: 1,
      timeoutSeconds: 1800,
      serviceAccountEmail: 'shop-mlops-functions@',
      secretEnvironmentVariables: [{ key: 'SHOPIFY_API_SECRET' }],
    });
    expect(ep).not.toHaveProperty('httpsTrigger');
  });
});

describe('webhooks function', () => {
  test('a signed delivery gets 200 only after the message is on Pub/Sub, payload byte-exact', async () => {
    const d = forgeWebhook({ secret: SECRET, topic: 'orders/create', body: orders, webhookId: 'wh-fn-1', eventId: 'ev-fn-1' });
    const res = await invoke(d);
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({ ok: true, webhookId: 'wh-fn-1' });
    expect(pubsub.messages).toHaveLength(1);
    const m = pubsub.messages[0]!;
    expect(m.topic).toBe(`projects/${PROJECT}/topics/shopify-webhooks`);
    expect(m.attributes).toMatchObject({ route: 'events', webhook_id: 'wh-fn-1', event_id: 'ev-fn-1', topic: 'orders/create', shop: 'demo-store.myshopify.com' });
    expect(m.orderingKey).toBe('');
    expect((JSON.parse(m.data.toString('utf8')) as { payload: string }).payload).toBe(orders.toString('utf8'));
  });

  test('the function URL itself (path /) is the webhook route too', async () => {
    const res = await invoke(forgeWebhook({ secret: SECRET, topic: 'orders/create', body: orders }), { url: '/' });
    expect(res.statusCode).toBe(200);
    expect(pubsub.messages).toHaveLength(1);
  });

  test('while rotating, a delivery signed with the previous secret (SHOPIFY_API_SECRET_PREVIOUS) is accepted', async () => {
    const res = await invoke(forgeWebhook({ secret: PREVIOUS_SECRET, topic: 'orders/create', body: orders, webhookId: 'wh-prev' }));
    expect(res.statusCode).toBe(200);
    expect(pubsub.messages.map((m) => m.attributes['webhook_id'])).toEqual(['wh-prev']);
  });

  test('an unsigned or wrongly signed delivery gets 401 and nothing is published', async () => {
    const wrong = await invoke(forgeWebhook({ secret: 'not-the-secret', topic: 'orders/create', body: orders }));
    expect(wrong.statusCode).toBe(401);
    const d = forgeWebhook({ secret: SECRET, topic: 'orders/create', body: orders });
    delete d.headers['X-Shopify-Hmac-Sha256'];
    const unsigned = await invoke(d);
    expect(unsigned.statusCode).toBe(401);
    expect(pubsub.messages).toHaveLength(0);
  });

  test('a signed body that fails the topic schema is accepted and routed to quarantine with the reason', async () => {
    const body = Buffer.from('{"id": 820982911946154508, "currency": "USD"}');
    const res = await invoke(forgeWebhook({ secret: SECRET, topic: 'orders/create', body, webhookId: 'wh-bad' }));
    expect(res.statusCode).toBe(200);
    expect(pubsub.messages).toHaveLength(1);
    const m = pubsub.messages[0]!;
    expect(m.attributes['route']).toBe('quarantine');
    const row = JSON.parse(m.data.toString('utf8')) as Record<string, string>;
    expect(row['reason']).toMatch(/^schema: /);
    expect(row['body']).toBe(body.toString('utf8'));
    expect(row['webhook_id']).toBe('wh-bad');
  });

  test('a privacy topic delivery is also published to shopify-privacy', async () => {
    const body = readFileSync(`${FIXTURES}/customers_redact.json`, 'utf8').replace('{shop}.myshopify.com', 'demo-store.myshopify.com');
    const res = await invoke(forgeWebhook({ secret: SECRET, topic: 'customers/redact', body, shop: 'demo-store.myshopify.com' }));
    expect(res.statusCode).toBe(200);
    expect(pubsub.messages.map((m) => m.topic).sort()).toEqual([`projects/${PROJECT}/topics/shopify-privacy`, `projects/${PROJECT}/topics/shopify-webhooks`]);
  });

  test('app/uninstalled is also published to shopify-privacy (its worker deletes the shop\'s token); quarantined, it is not', async () => {
    const body = Buffer.from('{"id": 548380009, "myshopify_domain": "demo-store.myshopify.com", "domain": null}');
    expect((await invoke(forgeWebhook({ secret: SECRET, topic: 'app/uninstalled', body, shop: 'demo-store.myshopify.com' }))).statusCode).toBe(200);
    expect(pubsub.messages.map((m) => m.topic).sort()).toEqual([`projects/${PROJECT}/topics/shopify-privacy`, `projects/${PROJECT}/topics/shopify-webhooks`]);
    pubsub.clear();
    const forged = await invoke(forgeWebhook({ secret: SECRET, topic: 'app/uninstalled', body, shop: 'other-store.myshopify.com' }));
    expect(forged.statusCode).toBe(200);
    expect(pubsub.messages.map((m) => [m.topic, m.attributes['route']])).toEqual([[`projects/${PROJECT}/topics/shopify-webhooks`, 'quarantine']]);
  });

  test('Pub/Sub refusing the message turns into 503 with Retry-After, so Shopify retries', async () => {
    pubsub.failNext(16 /* UNAUTHENTICATED: not retried by the client */, 10);
    const res = await invoke(forgeWebhook({ secret: SECRET, topic: 'orders/create', body: orders }));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(pubsub.messages).toHaveLength(0);
  });
});

describe('webhooks function: nothing but webhooks in public', () => {
  test('GET /healthz and /metrics (at the function URL or through the rewrite) are 404s that reveal nothing', async () => {
    const get = (url: string) => invoke({ body: Buffer.alloc(0), headers: {} } as unknown as ForgedDelivery, { url, method: 'GET' });
    await invoke(forgeWebhook({ secret: SECRET, topic: 'orders/create', body: orders, webhookId: 'wh-ops' })); // something to count
    for (const url of ['/metrics', '/healthz', '/webhooks/metrics']) {
      const res = await get(url);
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
      expect(res.json).toMatchObject({ error: { code: 'NOT_FOUND' } });
      expect(res.body.toString('utf8')).not.toMatch(/shop_mlops_|inFlight|topic/);
    }
  });
});

describe('api function', () => {
  const get = (url: string) => invoke({ body: Buffer.alloc(0), headers: {} } as unknown as ForgedDelivery, { url, method: 'GET', fn: fns.api });
  const signed = (params: Record<string, string>, secret = SECRET) => signAppProxyQuery({ secret, shop: 'demo-store.myshopify.com', params });

  test('a prediction route without storefront credentials gets the JSON 401 body (storefrontAuth runs first); nothing is published', async () => {
    const res = await get('/api/recommendations/product?shop=demo-store.myshopify.com&product_id=1');
    expect(res.statusCode).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'UNAUTHORIZED', retryable: false, details: { reason: 'missing_credentials' } } });
    expect(pubsub.messages).toHaveLength(0);
  });

  test('/metrics and /healthz are not served by the public api function either (with or without a valid App Proxy signature)', async () => {
    for (const url of ['/metrics', '/healthz', '/api/metrics', '/api/healthz', `/api/metrics?${signed({})}`, `/api/healthz?${signed({})}`]) {
      const res = await get(url);
      expect([url, [401, 404].includes(res.statusCode)]).toEqual([url, true]);
      expect(res.body.toString('utf8')).not.toMatch(/shop_mlops_|# HELP|# TYPE|inFlight/);
    }
  });

  test('a signed App Proxy call passes the check and reaches the route: bad input is its 400; a wrong signature is refused', async () => {
    const bad = await get(`/api/recommendations/product?${signed({ k: '0' })}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect((bad.json as { error: { message: string } }).error.message).toMatch(/product_id/);
    const forged = await get(`/api/recommendations/product?${signed({ product_id: '1' }, 'not-the-secret')}`);
    expect(forged.statusCode).toBe(401);
    const unknown = await get(`/api/admin/sql?${signed({})}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(pubsub.messages).toHaveLength(0);
  });
});

describe('privacyWorker function', () => {
  const message = (row: Record<string, unknown>, id = '1') => ({ data: { message: { data: Buffer.from(JSON.stringify(row)).toString('base64'), messageId: id, attributes: {} }, subscription: 'sub' } });
  const row = (topic: string, payload: string) => ({ shop: 'demo-store.myshopify.com', topic, webhook_id: `wh-${topic}`, event_id: null, api_version: '2026-10', triggered_at: '2026-01-02T03:04:05.000Z', received_at: '2026-01-02T03:04:06.000Z', payload });

  test('shop/redact deletes the shop from the raw tables and records the action in the audit table', async () => {
    const wrapped = fft.wrap(fns.privacyWorker);
    await wrapped(message(row('shop/redact', readFileSync(`${FIXTURES}/shop_redact.json`, 'utf8').replace('{shop}.myshopify.com', 'demo-store.myshopify.com'))) as never);
    const sqls = bigquery.jobs.map((j) => j.query.replace(/\s+/g, ' '));
    expect(sqls).toContain(`DELETE FROM \`${PROJECT}.shop_raw.events\` WHERE shop = @shop AND topic <> 'shop/redact'`); // the request stays until audited
    expect(sqls).toContain(`DELETE FROM \`${PROJECT}.shop_raw.quarantine\` WHERE shop = @shop`);
    const audit = bigquery.jobs.find((j) => j.query.includes('shop_raw.privacy_audit'));
    expect(audit).toBeDefined();
    expect(paramsOf(audit!)).toMatchObject({ shop: 'demo-store.myshopify.com', action: 'shop/redact', webhook_id: 'wh-shop/redact' });
  });

  test('customers/data_request writes the export to Cloud Storage and audits it', async () => {
    const wrapped = fft.wrap(fns.privacyWorker);
    await wrapped(message(row('customers/data_request', readFileSync(`${FIXTURES}/customers_data_request.json`, 'utf8').replace('{shop}.myshopify.com', 'demo-store.myshopify.com'))) as never);
    const objects = [...(gcs.buckets.get(`${PROJECT}-shop-mlops-artifacts`)?.keys() ?? [])];
    expect(objects).toHaveLength(1);
    expect(objects[0]).toContain('191167');
    expect(bigquery.jobs.some((j) => j.query.includes('INSERT INTO `demo-shop-mlops.shop_raw.privacy_audit`'))).toBe(true);
  });

  test('a warehouse outage is rethrown so Pub/Sub redelivers', async () => {
    bigquery.respond = () => ({ error: { status: 503, reason: 'backendError', message: 'unavailable' } });
    const wrapped = fft.wrap(fns.privacyWorker);
    await expect(wrapped(message(row('shop/redact', '{"shop_id": 1, "shop_domain": "demo-store.myshopify.com"}')) as never)).rejects.toMatchObject({ retryable: true });
  }, 60_000);

  test('BigQuery refusing DML on rows still in the streaming buffer is acknowledged (no hot loop): the scheduled retry acts on it', async () => {
    bigquery.respond = (job) => (/^(UPDATE|DELETE)/.test(job.query) ? { error: { status: 400, reason: 'invalidQuery', message: 'UPDATE or DELETE statement over table demo-shop-mlops.shop_raw.events would affect rows in the streaming buffer, which is not supported' } } : { numDmlAffectedRows: 0 });
    const wrapped = fft.wrap(fns.privacyWorker);
    await expect(wrapped(message(row('shop/redact', '{"shop_id": 1, "shop_domain": "demo-store.myshopify.com"}'))) as never).resolves.toBeUndefined();
    expect(bigquery.jobs.some((j) => j.query.includes('privacy_audit'))).toBe(false); // not honoured: no audit, so still pending
  });

  test('a 4xx from BigQuery on a redaction is an alarm, not a drop: the request stays pending and privacyRetry honours it and audits it', async () => {
    const redact = readFileSync(`${FIXTURES}/customers_redact.json`, 'utf8').replace('{shop}.myshopify.com', 'demo-store.myshopify.com');
    bigquery.respond = () => ({ error: { status: 403, reason: 'accessDenied', message: 'Access Denied: Table demo-shop-mlops:shop_raw.events: Permission bigquery.tables.updateData denied' } });
    await expect(fft.wrap(fns.privacyWorker)(message(row('customers/redact', redact))) as never).resolves.toBeUndefined();
    // The grant is fixed; the scheduled pass finds the request in shop_raw.events without an audit row and acts on it.
    bigquery.jobs.length = 0;
    const pending = row('customers/redact', redact);
    bigquery.respond = (job) => {
      if (job.query.includes('ROW_NUMBER() OVER (PARTITION BY e.webhook_id') && job.query.includes('privacy_audit')) {
        const cols = Object.keys(pending);
        return { schema: { fields: cols.map((name) => ({ name, type: 'STRING' })) }, rows: [{ f: cols.map((c) => ({ v: (pending as Record<string, unknown>)[c] })) }] };
      }
      if (job.query.startsWith('SELECT')) return { schema: { fields: [{ name: 'x', type: 'STRING' }] }, rows: [] };
      return { numDmlAffectedRows: 1 };
    };
    await (fns.privacyRetry as unknown as { run(e: unknown): Promise<void> }).run({ scheduleTime: '2026-01-02T04:00:00.000Z', jobName: 'privacyRetry' });
    const pendingJob = bigquery.jobs[0]!;
    expect(paramsOf(pendingJob)).toEqual({ privacy_topics: ['customers/data_request', 'customers/redact', 'shop/redact'], received_before: '2026-01-02T03:50:00.000Z' });
    expect(bigquery.jobs.some((j) => j.query.startsWith('DELETE FROM `demo-shop-mlops.shop_raw.events`'))).toBe(true);
    const audit = bigquery.jobs.find((j) => j.query.startsWith('INSERT INTO `demo-shop-mlops.shop_raw.privacy_audit`'))!;
    expect(paramsOf(audit)).toMatchObject({ action: 'customers/redact', webhook_id: 'wh-customers/redact' });
    // Late deliveries the subscription landed as sent (received in the last day, out of the streaming buffer) are scrubbed too.
    const late = bigquery.jobs.find((j) => j.query.startsWith('UPDATE `demo-shop-mlops.shop_raw.events` AS e SET payload'))!;
    expect(paramsOf(late)).toMatchObject({ since: '2026-01-01T04:00:00.000Z', until: '2026-01-02T03:25:00.000Z' });
    // And answers the prediction log's subscription landed after the redaction (served while it ran) are deleted.
    const lateServed = bigquery.jobs.find((j) => j.query.startsWith('DELETE FROM `demo-shop-mlops.shop_predictions.prediction_log` AS l'))!;
    expect(lateServed.query).toContain('r.customer_id = l.customer_id');
    expect(paramsOf(lateServed)).toMatchObject({ since: '2026-01-01T04:00:00.000Z', until: '2026-01-02T03:25:00.000Z' });
    // Written once per webhook id, however often Pub/Sub or the schedule acts on the request.
    expect(audit.query).toContain('WHERE NOT EXISTS (SELECT 1 FROM `demo-shop-mlops.shop_raw.privacy_audit` AS a WHERE a.webhook_id = @webhook_id)');
  });

  test('a message that can never succeed is logged and acknowledged, not retried', async () => {
    const wrapped = fft.wrap(fns.privacyWorker);
    await expect(wrapped({ data: { message: { data: Buffer.from('not json').toString('base64'), messageId: '9', attributes: {} }, subscription: 'sub' } } as never)).resolves.toBeUndefined();
    await expect(wrapped(message(row('orders/create', '{}'))) as never).resolves.toBeUndefined();
    expect(bigquery.jobs).toHaveLength(0);
  });

  test('app/uninstalled deletes the shop\'s offline token in Firestore (the Admin SDK, FIRESTORE_EMULATOR_HOST) and marks the shop', async () => {
    const doc = `projects/${PROJECT}/databases/(default)/documents/shopify_sessions/demo-store.myshopify.com`;
    const wrapped = fft.wrap(fns.privacyWorker);
    await wrapped(message(row('app/uninstalled', '{"id": 548380009, "myshopify_domain": "demo-store.myshopify.com", "domain": null}')) as never);
    expect(firestore.documents().get(doc)).toEqual({ shop: 'demo-store.myshopify.com', session: null, uninstalledAt: '2026-01-02T03:04:05.000Z' });
    expect(bigquery.jobs).toHaveLength(0);
  });

  test('a privacy message whose payload names another shop, or carries another topic\'s body, is dropped, never acted on', async () => {
    const wrapped = fft.wrap(fns.privacyWorker);
    await expect(wrapped(message(row('shop/redact', '{"shop_id": 1, "shop_domain": "other-store.myshopify.com"}'))) as never).resolves.toBeUndefined();
    const redactBody = readFileSync(`${FIXTURES}/customers_redact.json`, 'utf8').replace('{shop}.myshopify.com', 'demo-store.myshopify.com');
    await expect(wrapped(message(row('shop/redact', redactBody))) as never).resolves.toBeUndefined();
    expect(bigquery.jobs).toHaveLength(0);
  });
});

describe('metafieldsNightly function', () => {
  test('writes each installed shop\'s newest scores from BigQuery to its metafields (token from Firestore through the Admin SDK, journal in the artifact bucket)', async () => {
    const SHOP = 'fn-meta.myshopify.com';
    const admin = await startAdminContractServer({ apiKey: 'fn-meta-key', apiSecret: SECRET, tokens: { shpat_fn_meta: SHOP } });
    const engine = await startBigQueryOnDuckDb(Object.fromEntries(WRITE_BACK_TABLES.map((t) => [`${PREDICTIONS_DATASET}.${t}`, path.join(__dirname, '../../infra/schemas', `predictions_${t}.json`)])));
    bigquery.respond = (job) => engine.respond(job);
    // Read once, when the function's runtime is built on its first invocation.
    Object.assign(process.env, { SHOPIFY_API_KEY: 'fn-meta-key', SHOP_MLOPS_SHOPIFY_ADMIN_ORIGIN: admin.url });
    try {
      const bq = new BigQuery({ projectId: PROJECT, apiEndpoint: bigquery.endpoint, autoRetry: false });
      await createBigQueryPredictionStore({ bigquery: bq, projectId: PROJECT, log: silentLogger }).replace(syntheticBatches({ customers: 4, variants: 3, products: 3, version: 1, shop: SHOP }));
      await createFirestoreSessionStorage(cloudFirestore(PROJECT)).store({ shop: SHOP, accessToken: 'shpat_fn_meta', scope: 'write_products,write_customers', installedAt: '2026-12-06T00:00:00.000Z' });
      await (fns.metafieldsNightly as unknown as { run(e: unknown): Promise<void> }).run({ scheduleTime: '2026-12-07T04:00:00.000Z', jobName: 'metafieldsNightly' });
      const desired = desiredMetafields(await bigQueryScoreSource({ bigquery: bq, projectId: PROJECT, log: silentLogger }).newest(SHOP));
      expect(desired.length).toBeGreaterThan(0);
      for (const m of desired) expect(admin.metafieldsOf(SHOP, m.ownerId)[m.key]?.value).toBe(m.value);
      const objects = [...(gcs.buckets.get(`${PROJECT}-shop-mlops-artifacts`)?.keys() ?? [])];
      expect(objects.length).toBeGreaterThan(0);
      expect(objects.every((k) => k.startsWith(`metafields/${SHOP}/journal/`))).toBe(true);
    } finally {
      delete process.env['SHOPIFY_API_KEY'];
      delete process.env['SHOP_MLOPS_SHOPIFY_ADMIN_ORIGIN'];
      engine.close();
      await admin.idle();
      await admin.close();
    }
  }, 60_000);
});
