// Privacy requests cannot be forged through the unsigned headers: body swaps between privacy topics, shop mismatches and bad domains are quarantined, never acted on.
import { classifyEnvelope } from '../../functions/src/core/classify';
import type { WebhookEnvelope } from '../../functions/src/core/envelope';
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { SECRET, fixture, startTestRuntime } from '../helpers/runtime';
import type { Runtime } from '../../functions/src/runtime/local-runtime';

const SHOP = 'forge-target.myshopify.com';
/** The shared fixtures say "{shop}.myshopify.com"; each body names the shop it is delivered for. */
const body = (file: string, shop = SHOP) => fixture(file).toString('utf8').replace('{shop}.myshopify.com', shop);
const FILES = { 'customers/data_request': 'customers_data_request.json', 'customers/redact': 'customers_redact.json', 'shop/redact': 'shop_redact.json' } as const;
type PrivacyTopic = keyof typeof FILES;
const TOPICS = Object.keys(FILES) as PrivacyTopic[];
const BODIES = Object.fromEntries(TOPICS.map((t) => [t, body(FILES[t])])) as Record<PrivacyTopic, string>;

const envelope = (topic: string, text: string, shop = SHOP): WebhookEnvelope => ({
  shop,
  topic,
  webhookId: `wh-${topic}`,
  eventId: null,
  apiVersion: '2026-10',
  triggeredAt: null,
  receivedAt: '2026-01-02T03:04:05.000Z',
  body: Buffer.from(text, 'utf8'),
});
const reasonOf = (topic: string, text: string, shop = SHOP) => {
  const c = classifyEnvelope(envelope(topic, text, shop));
  return c.kind === 'quarantine' ? c.record.reason : null;
};

/** Every (topic, body of another privacy topic) pair: 3 × 2 swaps. */
const SWAPS = TOPICS.flatMap((topic) => TOPICS.filter((from) => from !== topic).map((from) => [topic, from] as const));

describe('classifyEnvelope', () => {
  test.each(TOPICS)('a genuine %s body for its own shop lands', (topic) => {
    expect(classifyEnvelope(envelope(topic, BODIES[topic])).kind).toBe('event');
  });

  test.each(SWAPS)('a %s delivery carrying a %s body is quarantined as a schema failure', (topic, from) => {
    expect(reasonOf(topic, BODIES[from])).toMatch(/^schema: /);
  });

  test('the reasons say what gave the swap away', () => {
    expect(reasonOf('shop/redact', BODIES['customers/redact'])).toMatch(/customer: belongs to another privacy topic/);
    expect(reasonOf('customers/redact', BODIES['customers/data_request'])).toMatch(/orders_to_redact: .*expected array/);
    expect(reasonOf('customers/redact', BODIES['customers/data_request'])).toMatch(/data_request: belongs to another privacy topic/);
    expect(reasonOf('customers/data_request', BODIES['shop/redact'])).toMatch(/customer: .*expected object/);
  });

  test.each(TOPICS)('%s: a payload naming another shop than the header is quarantined', (topic) => {
    const other = 'someone-else.myshopify.com';
    expect(reasonOf(topic, BODIES[topic], other)).toBe(`shop_mismatch: payload names shop "${SHOP}" but the shop header is "${other}"`);
  });

  test.each(TOPICS)('%s: a shop domain that is not <name>.myshopify.com is quarantined, in the header or in the payload', (topic) => {
    for (const bad of ['forge-target.example.com', 'Forge-Target.myshopify.com', '-x.myshopify.com', 'a.myshopify.com.evil.io', 'a_b.myshopify.com', 'myshopify.com', '']) {
      expect(reasonOf(topic, BODIES[topic], bad)).toBe(`shop_header: shop header ${JSON.stringify(bad)} is not a <name>.myshopify.com domain`);
      expect(reasonOf(topic, body(FILES[topic], bad))).toMatch(/^schema: shop_domain: must be a <name>\.myshopify\.com domain/);
    }
  });

  test('other topics whose payload names the shop must agree with the header', () => {
    const uninstalled = JSON.stringify({ id: 548380009, name: 'Super Toys', myshopify_domain: 'other-store.myshopify.com', domain: 'supertoys.com' });
    expect(reasonOf('app/uninstalled', uninstalled)).toBe(`shop_mismatch: payload names shop "other-store.myshopify.com" but the shop header is "${SHOP}"`);
    expect(classifyEnvelope(envelope('app/uninstalled', uninstalled, 'other-store.myshopify.com')).kind).toBe('event');
    expect(classifyEnvelope(envelope('app/uninstalled', fixture('app_uninstalled.json').toString('utf8'))).kind).toBe('event'); // myshopify_domain null
  });
});

describe('end to end through the embedded runtime', () => {
  let rt: Runtime;
  const send = async (topic: string, text: string, webhookId: string, shop = SHOP) => {
    const r = await postWebhook(`${rt.url}/webhooks`, forgeWebhook({ secret: SECRET, topic, body: text, shop, webhookId }));
    expect(r.status).toBe(200);
  };
  const customerBody = (id: string) => fixture('customers_create.json').toString('utf8').replace(/"id": ?706405506930370084/, `"id": ${id}`);

  beforeAll(async () => {
    rt = await startTestRuntime();
    // Data a forged request would destroy: the fixtures' customer (191167) of the target shop.
    await send('customers/create', customerBody('191167'), 'wh-customer');
    await rt.loader.drain();
  });
  afterAll(async () => rt.close());

  test('signed forged deliveries land in quarantine with the reason; no privacy action runs', async () => {
    for (const [topic, from] of SWAPS) await send(topic, BODIES[from], `wh-swap-${topic}-${from}`);
    await send('shop/redact', BODIES['shop/redact'], 'wh-mismatch', 'someone-else.myshopify.com');
    await send('customers/redact', body(FILES['customers/redact'], 'evil.example.com'), 'wh-bad-domain', 'evil.example.com');
    await rt.loader.drain();

    const q = await rt.warehouse.query("SELECT webhook_id, topic, reason FROM shop_raw.quarantine WHERE webhook_id LIKE 'wh-swap-%' OR webhook_id IN ('wh-mismatch', 'wh-bad-domain') ORDER BY webhook_id");
    expect(q).toHaveLength(SWAPS.length + 2);
    for (const r of q) {
      if (String(r['webhook_id']).startsWith('wh-swap-')) expect(String(r['reason'])).toMatch(/^schema: /);
    }
    expect(q.find((r) => r['webhook_id'] === 'wh-mismatch')!['reason']).toMatch(/^shop_mismatch: payload names shop "forge-target\.myshopify\.com"/);
    expect(q.find((r) => r['webhook_id'] === 'wh-bad-domain')!['reason']).toBe('shop_header: shop header "evil.example.com" is not a <name>.myshopify.com domain');

    // Nothing acted on: no audit row, no export, the customer and the shop's data still there, no privacy event landed.
    expect(await rt.warehouse.query('SELECT * FROM shop_raw.privacy_audit')).toEqual([]);
    expect(await rt.artifacts.list('privacy-exports/')).toEqual([]);
    const events = await rt.warehouse.query(`SELECT topic, json_extract_string(payload, '$.id') AS id FROM shop_raw.events WHERE shop = '${SHOP}'`);
    expect(events).toEqual([{ topic: 'customers/create', id: '191167' }]);
  });

  test('the genuine requests, for comparison, are acted on', async () => {
    await send('customers/data_request', BODIES['customers/data_request'], 'wh-real-request');
    await rt.loader.drain();
    const audit = await rt.warehouse.query('SELECT action, customer_id FROM shop_raw.privacy_audit');
    expect(audit).toEqual([{ action: 'customers/data_request', customer_id: '191167' }]);
  });
});
