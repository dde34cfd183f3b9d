// HMAC verification with the real @shopify/shopify-api over raw bytes, including the independent known-answer vector.
import { createHash } from 'node:crypto';
import { createWebhookVerifier, headersOf } from '../../functions/src/core/verify';
import { forgeWebhook } from '../../functions/src/testing/forge';
import { fixture } from '../helpers/runtime';

const KNOWN_HMAC = 'uGRw4pOUhaLBX33PEuq5WgfPXH47ddvrn8MT3ZgK57I=';

/** Headers as a Web Request normalises them (what the Cloud Function path passes). */
function request(headers: Record<string, string>, body: Buffer) {
  return headersOf(new Request('http://localhost/webhooks', { method: 'POST', headers, body: new Uint8Array(body) }));
}

const headersFor = (hmac: string) => ({
  'X-Shopify-Topic': 'orders/create',
  'X-Shopify-Hmac-Sha256': hmac,
  'X-Shopify-Shop-Domain': 'kav.myshopify.com',
  'X-Shopify-API-Version': '2026-10',
  'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  'X-Shopify-Event-Id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
  'X-Shopify-Triggered-At': '2026-11-25T10:00:00.123Z',
});

describe('known-answer vector (secret "hush", orders_create.json)', () => {
  const body = fixture('orders_create.json');
  const verifier = createWebhookVerifier({ apiSecret: 'hush' });

  test('the fixture is the documented 9,856 bytes', () => {
    expect(body.length).toBe(9856);
    expect(createHash('sha256').update(body).digest('hex')).toBe('64bc828eec788704b26850d2207599a416cb5b9fea4d34875c3b0c7dcf2f2df7');
  });

  test('accepts the documented signature and returns the envelope', async () => {
    const r = await verifier.verify(request(headersFor(KNOWN_HMAC), body), body, new Date('2026-11-25T10:00:01Z'));
    expect(r).toMatchObject({ ok: true });
    if (!r.ok) throw new Error('unreachable');
    expect(r.envelope).toMatchObject({
      shop: 'kav.myshopify.com',
      topic: 'orders/create',
      webhookId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      eventId: '98880550-7158-44d4-b7cd-2c97c8a091b5',
      apiVersion: '2026-10',
      triggeredAt: '2026-11-25T10:00:00.123Z',
      receivedAt: '2026-11-25T10:00:01.000Z',
    });
    expect(r.envelope.body.equals(body)).toBe(true);
  });

  test('rejects every one-byte change of the body (sampled across the whole body)', async () => {
    for (let i = 0; i < body.length; i += 97) {
      const changed = Buffer.from(body);
      changed[i] = changed[i]! ^ 0x01;
      const r = await verifier.verify(request(headersFor(KNOWN_HMAC), changed), changed);
      expect(r).toMatchObject({ ok: false, reason: 'invalid_hmac' });
    }
  });

  test('rejects a re-serialised body (JSON.parse/stringify loses the 64-bit id)', async () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    const r = await verifier.verify(request(headersFor(KNOWN_HMAC), reserialised), reserialised);
    expect(r.ok).toBe(false);
  });

  test('rejects the right body under another secret', async () => {
    const r = await createWebhookVerifier({ apiSecret: 'hush2' }).verify(request(headersFor(KNOWN_HMAC), body), body);
    expect(r).toMatchObject({ ok: false, reason: 'invalid_hmac' });
  });
});

test('forgeWebhook signs exactly like Shopify (matches the known answer)', () => {
  const d = forgeWebhook({ secret: 'hush', topic: 'orders/create', body: fixture('orders_create.json') });
  expect(d.headers['X-Shopify-Hmac-Sha256']).toBe(KNOWN_HMAC);
});

test('missing required headers are reported by name', async () => {
  const body = fixture('orders_create.json');
  const h: Record<string, string> = headersFor(KNOWN_HMAC);
  delete h['X-Shopify-Webhook-Id'];
  const r = await createWebhookVerifier({ apiSecret: 'hush' }).verify(request(h, body), body);
  expect(r).toMatchObject({ ok: false, reason: 'missing_headers' });
  if (r.ok || r.reason !== 'missing_headers') throw new Error('unreachable');
  expect(r.missingHeaders.join(',').toLowerCase()).toContain('webhook-id');
});
