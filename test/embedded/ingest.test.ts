// End-to-end ingestion on the embedded stack: real HMAC, durable log, DuckDB; exact ids, dedup, quarantine, bad input.
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { SECRET, fixture, startTestRuntime } from '../helpers/runtime';
import type { Runtime } from '../../functions/src/runtime/local-runtime';

let rt: Runtime;
beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt.close();
});

const hook = (o: Partial<Parameters<typeof forgeWebhook>[0]> & { topic?: string; body?: Buffer | string } = {}) =>
  forgeWebhook({ secret: SECRET, topic: 'orders/create', body: fixture('orders_create.json'), shop: 'ingest-test.myshopify.com', ...o });

async function count(sql: string): Promise<number> {
  await rt.loader.drain(10_000);
  const r = await rt.warehouse.query(sql);
  return Number(r[0]?.['n']);
}

test('a signed orders/create lands with its 64-bit id exact and the exact bytes', async () => {
  const d = hook({ webhookId: 'wh-exact-1' });
  const res = await postWebhook(`${rt.url}/webhooks`, d);
  expect(res.status).toBe(200);
  await rt.loader.drain();
  const rows = await rt.warehouse.query(
    "SELECT json_extract_string(payload, '$.id') AS id, payload::VARCHAR AS p, topic, shop, api_version, event_id FROM shop_raw.events WHERE webhook_id = 'wh-exact-1'",
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]!['id']).toBe('820982911946154508');
  expect(rows[0]!['p']).toBe(fixture('orders_create.json').toString('utf8'));
  expect(rows[0]!['topic']).toBe('orders/create');
  expect(rows[0]!['shop']).toBe('ingest-test.myshopify.com');
  expect(rows[0]!['event_id']).toBe(d.headers['X-Shopify-Event-Id']);
});

test('redelivery with the same webhook id never creates a second row', async () => {
  const d = hook({ webhookId: 'wh-dup-1' });
  for (let i = 0; i < 3; i++) expect((await postWebhook(`${rt.url}/webhooks`, d)).status).toBe(200);
  expect(await count("SELECT count(*) AS n FROM shop_raw.events WHERE webhook_id = 'wh-dup-1'")).toBe(1);
});

test('deliveries of one merchant action to several subscriptions (same shop, topic, event id) collapse to one', async () => {
  await postWebhook(`${rt.url}/webhooks`, hook({ webhookId: 'wh-ev-a', eventId: 'ev-shared-1' }));
  await postWebhook(`${rt.url}/webhooks`, hook({ webhookId: 'wh-ev-b', eventId: 'ev-shared-1' }));
  // Same event id under another topic is a different event.
  await postWebhook(`${rt.url}/webhooks`, hook({ webhookId: 'wh-ev-c', eventId: 'ev-shared-1', topic: 'orders/paid' }));
  expect(await count("SELECT count(*) AS n FROM shop_raw.events WHERE event_id = 'ev-shared-1'")).toBe(2);
});

test('concurrent duplicates inside one batch still land once', async () => {
  const d = hook({ webhookId: 'wh-burst' });
  const results = await Promise.all(Array.from({ length: 20 }, () => postWebhook(`${rt.url}/webhooks`, d)));
  expect(results.every((r) => r.status === 200)).toBe(true);
  expect(await count("SELECT count(*) AS n FROM shop_raw.events WHERE webhook_id = 'wh-burst'")).toBe(1);
});

test('bad or missing HMAC → 401 with a JSON reason, and nothing is stored', async () => {
  const bad = hook({ webhookId: 'wh-bad-hmac', hmac: 'Zm9yZ2Vk' });
  const r1 = await postWebhook(`${rt.url}/webhooks`, bad);
  expect(r1.status).toBe(401);
  expect(r1.body).toMatchObject({ error: { code: 'UNAUTHORIZED', details: { reason: 'invalid_hmac' } } });
  const missing = hook({ webhookId: 'wh-no-hmac' });
  delete (missing.headers as Record<string, string>)['X-Shopify-Hmac-Sha256'];
  const r2 = await postWebhook(`${rt.url}/webhooks`, missing);
  expect(r2.status).toBe(401);
  expect(r2.body).toMatchObject({ error: { details: { reason: 'missing_hmac' } } });
  // One flipped byte of a correctly signed body.
  const good = hook({ webhookId: 'wh-flipped' });
  const flipped = Buffer.from(good.body);
  flipped[100] = flipped[100]! ^ 1;
  expect((await postWebhook(`${rt.url}/webhooks`, { headers: good.headers, body: flipped })).status).toBe(401);
  expect(await count("SELECT count(*) AS n FROM shop_raw.events WHERE webhook_id IN ('wh-bad-hmac','wh-no-hmac','wh-flipped')")).toBe(0);
  expect(await count("SELECT count(*) AS n FROM shop_raw.quarantine WHERE webhook_id IN ('wh-bad-hmac','wh-no-hmac','wh-flipped')")).toBe(0);
});

test('wrong method → 405, unknown path → 404, both with JSON bodies', async () => {
  const r1 = await fetch(`${rt.url}/webhooks`);
  expect(r1.status).toBe(405);
  expect(r1.headers.get('allow')).toBe('POST');
  expect(await r1.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  const r2 = await fetch(`${rt.url}/nope`, { method: 'POST' });
  expect(r2.status).toBe(404);
  expect(await r2.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
});

test('unknown topic, unparsable JSON and schema failures → 200 and quarantined with the reason', async () => {
  const cases = [
    hook({ webhookId: 'wh-q-topic', topic: 'carts/create', body: '{"id": 1}' }),
    hook({ webhookId: 'wh-q-json', body: '{"id": 820982911946154508, ' }),
    hook({ webhookId: 'wh-q-schema', body: JSON.stringify({ id: 5, created_at: 'yesterday', currency: 'USD', total_price: '1.00', line_items: [] }) }),
  ];
  for (const c of cases) expect((await postWebhook(`${rt.url}/webhooks`, c)).status).toBe(200);
  await rt.loader.drain();
  const q = await rt.warehouse.listQuarantine();
  const reasons = Object.fromEntries(q.filter((r) => r.webhook_id.startsWith('wh-q-')).map((r) => [r.webhook_id, r.reason]));
  expect(reasons['wh-q-topic']).toMatch(/^unknown_topic: carts\/create/);
  expect(reasons['wh-q-json']).toMatch(/^invalid_json/);
  expect(reasons['wh-q-schema']).toMatch(/^schema: created_at/);
  expect(q.find((r) => r.webhook_id === 'wh-q-json')!.body).toBe('{"id": 820982911946154508, ');
  expect(await count("SELECT count(*) AS n FROM shop_raw.events WHERE webhook_id LIKE 'wh-q-%'")).toBe(0);
});

test('a body over the configured limit → 413 with JSON', async () => {
  const small = await startTestRuntime({ maxBodyBytes: 2048 });
  try {
    const r = await postWebhook(`${small.url}/webhooks`, hook({ webhookId: 'wh-big' }));
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  } finally {
    await small.close();
  }
});

test('healthz and metrics answer', async () => {
  const h = await fetch(`${rt.url}/healthz`);
  expect(h.status).toBe(200);
  expect(await h.json()).toMatchObject({ status: 'ok', mode: 'embedded' });
  const m = await (await fetch(`${rt.url}/metrics`)).text();
  expect(m).toMatch(/shop_mlops_webhooks_received_total\{topic="orders\/create",outcome="accepted"\} \d+/);
  // Unverified deliveries are labelled `other`: unsigned headers cannot add metric series.
  expect(m).toMatch(/shop_mlops_webhooks_received_total\{topic="other",outcome="unauthorized"\} \d+/);
});
