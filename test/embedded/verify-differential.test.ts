// Differential test: the node:crypto verifier against @shopify/shopify-api's webhooks.validate on 12,000 seeded cases (verdict, class, header names, envelope ids).
import { isUtf8 } from 'node:buffer';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import '@shopify/shopify-api/adapters/node';
import { shopifyApi, LogSeverity, ApiVersion } from '@shopify/shopify-api';
import { createWebhookVerifier, type HeaderMap, type VerifyResult } from '../../functions/src/core/verify';
import { signBody } from '../../functions/src/testing/forge';
import { FIXTURES, hasShared } from '../helpers/runtime';
import { inCi } from '../helpers/shared';
import { prng, type Rng } from '../helpers/prng';

const CASES = 12_000;
const CURRENT = 'shpss_current-secret-2026';
const PREVIOUS = ['shpss_previous-secret-2025', 'pr\u00e9c\u00e9dent-\u00fcnicode-\u{1F511}'];
const WRONG = 'shpss_not-our-secret';
const NAMES = ['X-Shopify-Hmac-Sha256', 'X-Shopify-Topic', 'X-Shopify-Shop-Domain', 'X-Shopify-API-Version', 'X-Shopify-Webhook-Id', 'X-Shopify-Event-Id', 'X-Shopify-Triggered-At'];


// Outside CI a missing ../shared falls back to one body; in CI reading the fixtures fails instead.
const fixtures = hasShared() || inCi()
  ? readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readFileSync(path.join(FIXTURES, f)))
  : [Buffer.from('{"id":820982911946154508,"email":"jon@example.com"}')];

function body(r: Rng): { bytes: Buffer; kind: string } {
  const roll = r.int(20);
  if (roll < 9) return { bytes: r.pick(fixtures), kind: 'fixture' };
  if (roll < 11) return { bytes: Buffer.alloc(0), kind: 'empty' };
  if (roll < 13) return { bytes: Buffer.from(`{"id":${r.int(1e9)},"note":"caf\u00e9 \u{1F600} \u4e2d\u6587"}`), kind: 'multibyte' };
  if (roll < 14) return { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"bom":true}')]), kind: 'bom' };
  // Not UTF-8: random bytes, a lone surrogate, an overlong NUL, a truncated sequence, Latin-1 text.
  const bad = [
    Buffer.from(Array.from({ length: 1 + r.int(64) }, () => r.int(256))),
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
    Buffer.from([0x7b, 0xc0, 0x80, 0x7d]),
    Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]),
    Buffer.from('{"name":"Jos\u00e9"}', 'latin1'),
  ];
  return { bytes: r.pick(bad), kind: 'non-utf8' };
}

function randomCase(name: string, r: Rng): string {
  const mode = r.int(4);
  if (mode === 0) return name.toLowerCase();
  if (mode === 1) return name;
  if (mode === 2) return name.toUpperCase();
  return [...name].map((c) => (r.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
}

function signature(r: Rng, bytes: Buffer): string {
  const good = signBody(r.pick([CURRENT, CURRENT, ...PREVIOUS]), bytes);
  switch (r.int(16)) {
    case 0:
      return signBody(WRONG, bytes);
    case 1: // one character of the signature changed
      return good.slice(0, 10) + (good[10] === 'A' ? 'B' : 'A') + good.slice(11);
    case 2:
      return good.replace(/=+$/, ''); // no padding
    case 3:
      return `${good}=`; // extra padding
    case 4:
      return r.pick([` ${good}`, `${good} `, `\t${good}\t`, ` ${good}  `]);
    case 5:
      return good.replace(/\+/g, '-').replace(/\//g, '_'); // url-safe alphabet
    case 6: {
      const hex = Buffer.from(good, 'base64').toString('hex');
      return r.chance(0.5) ? hex : hex.toUpperCase();
    }
    case 7: // the last base64 character's unused bits set: decodes to the same bytes, not the same string
      return good.slice(0, 42) + String.fromCharCode(good.charCodeAt(42) + 1) + '=';
    case 8: // signed over the text the library would see (U+FFFD for every bad sequence)
      return signBody(CURRENT, Buffer.from(bytes.toString('utf8'), 'utf8'));
    case 9:
      return r.pick(['', ' ', '=', 'AAAA', good.slice(0, 43), `${good}${good}`, good.toLowerCase()]);
    default:
      return good;
  }
}

interface Case {
  headers: HeaderMap;
  bytes: Buffer;
  kind: string;
}

function generate(r: Rng): Case {
  const { bytes: original, kind } = body(r);
  const values: string[] = [
    signature(r, original),
    r.pick(['orders/create', 'customers/redact', ' orders/paid ', 'app/uninstalled']),
    r.pick(['demo-store.myshopify.com', 'kav.myshopify.com', ' padded.myshopify.com ']),
    r.pick(['2026-10', '2025-07', 'unstable']),
    `wh-${r.int(1e6)}`,
    `ev-${r.int(1e6)}`,
    '2026-11-25T10:00:00.123Z',
  ];
  let bytes = original;
  if (bytes.length > 0 && r.chance(0.1)) {
    bytes = Buffer.from(bytes);
    const i = r.int(bytes.length);
    bytes[i] = bytes[i]! ^ (1 << r.int(8)); // one flipped bit after signing
  }
  const headers: HeaderMap = { 'content-type': 'application/json', 'user-agent': 'Shopify-Captain-Hook' };
  NAMES.forEach((name, i) => {
    const roll = r.int(40);
    if (roll === 0) return; // missing
    const key = randomCase(name, r);
    const value = values[i]!;
    if (roll === 1) headers[key] = '';
    else if (roll === 2) headers[key] = '   ';
    else if (roll === 3) headers[key] = [value, 'second'];
    else if (roll === 4) headers[key] = ['', value];
    else if (roll === 5) headers[key] = [];
    else if (roll === 6) headers[key] = [' ', value];
    else if (roll === 7) {
      // the same header under two spellings: the library puts the canonically spelled one first
      headers[key] = value;
      headers[r.pick([name, name.toLowerCase(), name.toUpperCase()])] = r.pick(['other', '', value]);
    } else if (roll === 8) headers[key] = undefined;
    else headers[key] = value;
  });
  return { headers, bytes, kind };
}

/** The reference: webhooks.validate called the way the old verifier did (body as UTF-8 text, the node adapter), once per accepted secret in order. */
function libraryFor(secret: string) {
  return shopifyApi({
    apiSecretKey: secret,
    apiKey: 'shop-mlops',
    hostName: 'localhost',
    apiVersion: ApiVersion.October25,
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error, log: async () => undefined },
  });
}
const libraries = [CURRENT, ...PREVIOUS].map(libraryFor);
const LABELS = ['current', 'previous[0]', 'previous[1]'];

interface Verdict {
  ok: boolean;
  reason?: string;
  missingHeaders?: string[];
  signedWith?: string;
  shop?: string;
  webhookId?: string;
  apiVersion?: string;
  eventId?: string | null;
}

let libraryOnlyAccepts = 0;

async function reference(c: Case): Promise<Verdict> {
  for (const [i, shopify] of libraries.entries()) {
    // The library canonicalises the header map in place (and pushes into its arrays): give each call its own copy.
    const rawRequest = { headers: structuredClone(c.headers), method: 'POST', url: '/webhooks' } as unknown as IncomingMessage;
    const r = await shopify.webhooks.validate({ rawBody: c.bytes.toString('utf8'), rawRequest, rawResponse: undefined as unknown as ServerResponse });
    if (!r.valid && r.reason === 'invalid_hmac') continue;
    // The one adaptation: the library takes the body as text, so bytes that are not UTF-8 reach it already replaced by
    // U+FFFD; a signature over that text is not Shopify's signature of these bytes (the old verifier refused them too).
    if ((r.valid || r.reason === 'missing_headers') && !isUtf8(c.bytes)) {
      libraryOnlyAccepts++;
      return { ok: false, reason: 'invalid_hmac' };
    }
    if (r.valid) return { ok: true, signedWith: LABELS[i]!, shop: r.domain, webhookId: r.webhookId, apiVersion: r.apiVersion, eventId: ('eventId' in r && r.eventId) || null };
    if (r.reason === 'missing_headers') return { ok: false, reason: r.reason, missingHeaders: 'missingHeaders' in r ? r.missingHeaders : [] };
    if (r.reason === 'missing_body') return { ok: false, reason: 'invalid_body' };
    return { ok: false, reason: r.reason };
  }
  return { ok: false, reason: 'invalid_hmac' };
}

function ours(r: VerifyResult): Verdict {
  if (r.ok) return { ok: true, signedWith: r.signedWith, shop: r.envelope.shop, webhookId: r.envelope.webhookId, apiVersion: r.envelope.apiVersion, eventId: r.envelope.eventId };
  return r.reason === 'missing_headers' ? { ok: false, reason: r.reason, missingHeaders: r.missingHeaders } : { ok: false, reason: r.reason };
}

test(`the verifier and webhooks.validate agree on ${CASES} generated cases`, async () => {
  const r = prng(20261206);
  const verifier = createWebhookVerifier({ apiSecret: CURRENT, previousSecrets: PREVIOUS });
  const tally = new Map<string, number>();
  const disagreements: string[] = [];
  for (let n = 0; n < CASES; n++) {
    const c = generate(r);
    const expected = await reference(c);
    const actual = ours(await verifier.verify(c.headers, c.bytes));
    const key = expected.ok ? `ok ${expected.signedWith}` : `${expected.reason}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    tally.set(`body ${c.kind}`, (tally.get(`body ${c.kind}`) ?? 0) + 1);
    try {
      expect(actual).toEqual(expected);
    } catch {
      if (disagreements.length < 5) disagreements.push(`case ${n}: ${JSON.stringify({ headers: c.headers, body: c.bytes.toString('base64').slice(0, 80) })}\n  library ${JSON.stringify(expected)}\n  ours    ${JSON.stringify(actual)}`);
    }
  }
  expect(disagreements).toEqual([]);
  // Every class and every secret is exercised, and often.
  for (const k of ['ok current', 'ok previous[0]', 'ok previous[1]', 'invalid_hmac', 'missing_hmac', 'missing_headers', 'invalid_body', 'body empty', 'body non-utf8', 'body multibyte', 'body bom']) {
    expect([k, tally.get(k) ?? 0]).toEqual([k, expect.any(Number)]);
    expect(tally.get(k)).toBeGreaterThan(50);
  }
  // Non-UTF-8 bodies signed over their U+FFFD text, which the library alone would have accepted, occurred.
  expect(libraryOnlyAccepts).toBeGreaterThan(10);
});

test('a rotated-out secret, a wrong secret and a secret-less verifier all refuse; the label names the matching secret', async () => {
  const bytes = fixtures[0]!;
  const headers = (secret: string): HeaderMap => ({
    'x-shopify-hmac-sha256': signBody(secret, bytes),
    'x-shopify-topic': 'orders/create',
    'x-shopify-shop-domain': 'demo-store.myshopify.com',
    'x-shopify-api-version': '2026-10',
    'x-shopify-webhook-id': 'wh-1',
  });
  const rotating = createWebhookVerifier({ apiSecret: CURRENT, previousSecrets: PREVIOUS });
  const rotated = createWebhookVerifier({ apiSecret: CURRENT });
  expect(await rotating.verify(headers(PREVIOUS[1]!), bytes)).toMatchObject({ ok: true, signedWith: 'previous[1]' });
  expect(await rotating.verify(headers(CURRENT), bytes)).toMatchObject({ ok: true, signedWith: 'current' });
  expect(await rotated.verify(headers(PREVIOUS[0]!), bytes)).toMatchObject({ ok: false, reason: 'invalid_hmac' });
  expect(await rotating.verify(headers(WRONG), bytes)).toMatchObject({ ok: false, reason: 'invalid_hmac' });
});
