// Prediction-route security over real HTTP on 127.0.0.1: App Proxy signatures and session tokens signed by @shopify/shopify-api's own test helpers, per-shop 429s, CORS per shop.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { getJwt, RequestType, setUpValidRequest } from '@shopify/shopify-api/test-helpers';
import '@shopify/shopify-api/adapters/node';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { Hono } from 'hono';
import { loadConfig } from '../../functions/src/core/config';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { createLogger } from '../../functions/src/core/log';
import { callerOf, createCallerResolver, storefrontAuthFromConfig, type IsKnownShop, type StorefrontEnv } from '../../functions/src/http/storefront-auth';
import type { ShopRateLimiter } from '../../functions/src/http/shop-rate-limiter';
import { appProxySignature, signAppProxyQuery } from '../../functions/src/testing/app-proxy-signer';

// smol-toml ships CommonJS under `require` but only ESM typings (as in test/gcp/infra.test.ts).
const { parse: parseToml } = require('smol-toml') as { parse(text: string): unknown };

const SECRET = 'storefront-auth-test-secret';
const API_KEY = 'shop-mlops-test-key';
const PREFIX = '/apps/shop-mlops';
const SHOP_A = 'shop-a.myshopify.com';
const SHOP_B = 'shop-b.myshopify.com';
const nowSec = () => Math.trunc(Date.now() / 1000);

/** Each shop's stored predictions, keyed by shop then customer: what a route may read for its caller only. */
const PREDICTIONS: Record<string, Record<string, { clv: number }>> = {
  [SHOP_A]: { '1': { clv: 111 }, '2': { clv: 222 } },
  [SHOP_B]: { '1': { clv: 999 } },
};

interface Server {
  base: string;
  limiter: ShopRateLimiter;
  close(): Promise<void>;
}

async function start(env: Record<string, string> = {}, isKnownShop?: IsKnownShop, logLines?: string[]): Promise<Server> {
  const config = loadConfig({ SHOPIFY_API_SECRET: SECRET, SHOPIFY_API_KEY: API_KEY, ...env });
  const log = logLines ? createLogger({ write: (line) => logLines.push(line) }) : undefined;
  const { middleware, limiter } = storefrontAuthFromConfig(config, config.shopifyApiSecret!, { ...(isKnownShop ? { isKnownShop } : {}), ...(log ? { log } : {}) });
  const app = new Hono<StorefrontEnv>();
  app.use('/api/*', middleware);
  app.get('/api/echo', (c) => c.json(callerOf(c)));
  app.post('/api/echo', (c) => c.json(callerOf(c)));
  // Reads a customer's predictions: shop and customer from the caller, never from the request.
  app.get('/api/customer', (c) => {
    const { shop, customerId } = callerOf(c);
    const row = customerId === null ? undefined : PREDICTIONS[shop]?.[customerId];
    return row ? c.json({ shop, customerId, ...row }) : c.json({ error: 'no predictions' }, 404);
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, limiter, close: () => new Promise((r) => server.close(() => r())) };
}

/** A proxied query signed by the library's own helper (shop and timestamp added by it). */
async function librarySigned(base: string, store: string, params: Record<string, string>, secret = SECRET, route = '/api/echo'): Promise<string> {
  const url = new URL(route, base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const signed = await setUpValidRequest({ type: RequestType.Public, store, apiSecretKey: secret }, new Request(url));
  return signed.url;
}

/** Our shipped signer (functions/src/testing/app-proxy-signer.ts), for what the helper cannot make (a chosen timestamp, none at all); checked against the helper below. */
function ownSigned(base: string, params: Record<string, string>, secret = SECRET, route = '/api/echo'): string {
  const url = new URL(route, base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  url.searchParams.set('signature', appProxySignature(secret, params));
  return url.href;
}

const proxyParams = (extra: Record<string, string> = {}) => ({ shop: SHOP_A, path_prefix: PREFIX, logged_in_customer_id: '1', timestamp: String(nowSec()), ...extra });

async function call(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}
const reasonOf = (body: Record<string, unknown> | null) => (body?.['error'] as { details?: { reason?: string } } | undefined)?.details?.reason;
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

let srv: Server;
beforeAll(async () => {
  srv = await start({ SHOP_MLOPS_STOREFRONT_DOMAINS: `${SHOP_A}=www.shop-a.com|shop-a.com;${SHOP_B}=shop-b.example` });
});
afterAll(() => srv.close());

describe('App Proxy (storefront)', () => {
  test('a proxied call signed by the library yields the signed shop and logged-in customer', async () => {
    const r = await call(await librarySigned(srv.base, 'shop-a', { path_prefix: PREFIX, logged_in_customer_id: '1' }));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ shop: SHOP_A, customerId: '1', visitorId: null, via: 'app_proxy' });
  });

  test('our test signer agrees with the library helper, so the cases below are signed the way Shopify signs', async () => {
    const fromLib = new URL(await librarySigned(srv.base, 'shop-a', { path_prefix: PREFIX, logged_in_customer_id: '7' }));
    const params = Object.fromEntries([...fromLib.searchParams].filter(([k]) => k !== 'signature'));
    expect(new URL(ownSigned(srv.base, params)).searchParams.get('signature')).toBe(fromLib.searchParams.get('signature'));
    // signAppProxyQuery (for the demo and the benchmark) builds a whole query the verifier accepts.
    const q = signAppProxyQuery({ secret: SECRET, shop: SHOP_A, loggedInCustomerId: '2', params: { product_id: '123', visitor_id: 'visitor-0001' } });
    expect((await call(`${srv.base}/api/echo?${q}`)).body).toEqual({ shop: SHOP_A, customerId: '2', visitorId: 'visitor-0001', via: 'app_proxy' });
  });

  test('not logged in: customer null; a visitor id from the signed visitor_id parameter (malformed ones ignored)', async () => {
    const anon = await call(await librarySigned(srv.base, 'shop-a', { path_prefix: PREFIX, logged_in_customer_id: '', visitor_id: 'v-1234abcd' }));
    expect(anon.body).toEqual({ shop: SHOP_A, customerId: null, visitorId: 'v-1234abcd', via: 'app_proxy' });
    const odd = await call(await librarySigned(srv.base, 'shop-a', { path_prefix: PREFIX, logged_in_customer_id: '', visitor_id: 'x y' }));
    expect(odd.body).toMatchObject({ customerId: null, visitorId: null });
  });

  test('a tampered signature, or a signed value changed afterwards, is refused (401)', async () => {
    const good = new URL(await librarySigned(srv.base, 'shop-a', { path_prefix: PREFIX, logged_in_customer_id: '1' }));
    const sig = good.searchParams.get('signature')!;
    const flipped = new URL(good);
    flipped.searchParams.set('signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    const changed = new URL(good);
    changed.searchParams.set('logged_in_customer_id', '2');
    const otherSecret = await librarySigned(srv.base, 'shop-a', { path_prefix: PREFIX, logged_in_customer_id: '1' }, 'another-apps-secret');
    for (const u of [flipped.href, changed.href, otherSecret]) {
      const r = await call(u);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: { code: 'UNAUTHORIZED', retryable: false } });
      expect(reasonOf(r.body)).toBe('invalid_signature');
    }
  });

  test('a timestamp outside ±90 s, or none at all, is refused even with a correct signature (15.x; 13.x accepted no timestamp)', async () => {
    const old = await call(ownSigned(srv.base, proxyParams({ timestamp: String(nowSec() - 600) })));
    const future = await call(ownSigned(srv.base, proxyParams({ timestamp: String(nowSec() + 600) })));
    const { timestamp: _t, ...noTimestamp } = proxyParams();
    const missing = await call(ownSigned(srv.base, noTimestamp));
    expect([old.status, future.status, missing.status]).toEqual([401, 401, 401]);
    expect([reasonOf(old.body), reasonOf(future.body), reasonOf(missing.body)]).toEqual(['timestamp_out_of_window', 'timestamp_out_of_window', 'timestamp_missing']);
    // The same query inside the window passes: it was the timestamp that failed.
    expect((await call(ownSigned(srv.base, proxyParams({ timestamp: String(nowSec() - 30) })))).status).toBe(200);
  });

  test('parameters appended to a signed query (new or repeated) are refused', async () => {
    const signed = await librarySigned(srv.base, 'shop-a', { path_prefix: PREFIX, logged_in_customer_id: '1' });
    const cases = {
      'customer_id=2': 'invalid_signature',
      'logged_in_customer_id=2': 'duplicate_parameter',
      [`shop=${SHOP_B}`]: 'duplicate_parameter',
      'path_prefix=/apps/other': 'duplicate_parameter',
      'visitor_id=someone-else': 'invalid_signature',
    };
    for (const [extra, reason] of Object.entries(cases)) {
      const r = await call(`${signed}&${extra}`);
      expect({ extra, status: r.status, reason: reasonOf(r.body) }).toEqual({ extra, status: 401, reason });
    }
  });

  test('a signed path_prefix this app does not serve is refused (403), as is none', async () => {
    const other = await call(ownSigned(srv.base, proxyParams({ path_prefix: '/apps/another-app' })));
    const { path_prefix: _p, ...withoutPrefix } = proxyParams();
    const none = await call(ownSigned(srv.base, withoutPrefix));
    expect([other.status, none.status]).toEqual([403, 403]);
    expect(reasonOf(other.body)).toBe('path_prefix_not_allowed');
  });
});

describe("shop A's credentials never read shop B's data (nor another customer's)", () => {
  test('the shop and customer come from the signed shop and logged_in_customer_id only', async () => {
    // Everything a shopper on shop A can add to the proxied URL is signed too; none of it moves the caller.
    const url = await librarySigned(srv.base, 'shop-a', { path_prefix: PREFIX, logged_in_customer_id: '1', customer_id: '2', customer: '2', shop_domain: SHOP_B }, SECRET, '/api/customer');
    const r = await call(url, { headers: { 'x-shopify-shop-domain': SHOP_B, 'x-shopify-customer-id': '2' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ shop: SHOP_A, customerId: '1', clv: 111 });
    // Shop A's signature over a query naming shop B does not hold.
    const forged = new URL(url);
    forged.searchParams.set('shop', SHOP_B);
    expect((await call(forged.href)).status).toBe(401);
  });

  test("shop A's session token cannot name shop B", async () => {
    const { token } = await getJwt('shop-a', API_KEY, SECRET);
    const own = await call(`${srv.base}/api/echo?shop=${SHOP_A}`, bearer(token));
    expect(own.body).toEqual({ shop: SHOP_A, customerId: null, visitorId: null, via: 'session_token' });
    const other = await call(`${srv.base}/api/echo?shop=${SHOP_B}`, bearer(token));
    expect(other.status).toBe(403);
    expect(reasonOf(other.body)).toBe('shop_mismatch');
  });
});

describe('session tokens (admin)', () => {
  test('a token from the library helper, and one with Shopify\'s https://<shop>/admin issuer, are accepted', async () => {
    const helper = await setUpValidRequest({ type: RequestType.Bearer, store: 'shop-b', apiKey: API_KEY, apiSecretKey: SECRET }, new Request(`${srv.base}/api/echo`));
    const a = await call(helper.url, { headers: { authorization: helper.headers.get('authorization')! } });
    expect(a.body).toEqual({ shop: SHOP_B, customerId: null, visitorId: null, via: 'session_token' });
    const { token } = await getJwt('shop-b', API_KEY, SECRET, { iss: `https://${SHOP_B}/admin` });
    expect((await call(`${srv.base}/api/echo`, bearer(token))).body).toMatchObject({ shop: SHOP_B });
  });

  test('iss/dest naming different shops, no exp, expired, wrong audience, wrong secret, malformed header → 401', async () => {
    const t = nowSec();
    const cases: Record<string, [string, string]> = {
      issuer_destination_mismatch: [(await getJwt('shop-a', API_KEY, SECRET, { iss: `https://${SHOP_B}/admin` })).token, 'issuer_destination_mismatch'],
      dest_not_a_shop: [(await getJwt('shop-a', API_KEY, SECRET, { dest: 'https://evil.example' })).token, 'issuer_destination_mismatch'],
      no_exp: [(await getJwt('shop-a', API_KEY, SECRET, { exp: undefined })).token, 'missing_exp'],
      expired: [(await getJwt('shop-a', API_KEY, SECRET, { exp: t - 60 })).token, 'token_expired'],
      wrong_audience: [(await getJwt('shop-a', 'another-app', SECRET)).token, 'wrong_audience'],
      wrong_secret: [(await getJwt('shop-a', API_KEY, 'another-apps-secret')).token, 'invalid_session_token'],
    };
    for (const [name, [token, reason]] of Object.entries(cases)) {
      const r = await call(`${srv.base}/api/echo`, bearer(token));
      expect({ name, status: r.status, reason: reasonOf(r.body) }).toEqual({ name, status: 401, reason });
    }
    const malformed = await call(`${srv.base}/api/echo`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect([malformed.status, reasonOf(malformed.body)]).toEqual([401, 'malformed_authorization']);
  });

  test('the library alone accepts a token with no exp and with iss/dest naming two shops: the checks are ours', async () => {
    const shopify = shopifyApi({ apiKey: API_KEY, apiSecretKey: SECRET, hostName: 'localhost', apiVersion: ApiVersion.October25, isEmbeddedApp: true, logger: { level: LogSeverity.Error, log: async () => undefined } });
    const noExp = (await getJwt('shop-a', API_KEY, SECRET, { exp: undefined })).token;
    const mixed = (await getJwt('shop-a', API_KEY, SECRET, { iss: `https://${SHOP_B}/admin` })).token;
    await expect(shopify.session.decodeSessionToken(noExp)).resolves.not.toHaveProperty('exp');
    await expect(shopify.session.decodeSessionToken(mixed)).resolves.toMatchObject({ iss: `https://${SHOP_B}/admin`, dest: `https://${SHOP_A}` });
  });

  test('no credentials, or both kinds at once → 401; without SHOPIFY_API_KEY session tokens are refused', async () => {
    expect(reasonOf((await call(`${srv.base}/api/echo`)).body)).toBe('missing_credentials');
    const { token } = await getJwt('shop-a', API_KEY, SECRET);
    const both = await call(await librarySigned(srv.base, 'shop-a', { path_prefix: PREFIX, logged_in_customer_id: '1' }), bearer(token));
    expect([both.status, reasonOf(both.body)]).toEqual([401, 'ambiguous_credentials']);
    const resolve = createCallerResolver({ apiKey: undefined, apiSecret: SECRET, appProxyPathPrefixes: [PREFIX] });
    expect(await resolve(new Request('http://x/api/echo', bearer(token)))).toMatchObject({ ok: false, status: 401, reason: 'session_tokens_not_configured' });
  });

  test('a secret being rotated out still verifies both kinds while listed in SHOPIFY_API_SECRET_PREVIOUS', async () => {
    const resolve = createCallerResolver({ apiKey: API_KEY, apiSecret: 'the-new-secret', previousSecrets: [SECRET], appProxyPathPrefixes: [PREFIX] });
    const { token } = await getJwt('shop-a', API_KEY, SECRET);
    expect(await resolve(new Request('http://x/api/echo', bearer(token)))).toMatchObject({ ok: true, caller: { shop: SHOP_A } });
    expect(await resolve(new Request(ownSigned('http://x', proxyParams())))).toMatchObject({ ok: true, caller: { shop: SHOP_A, customerId: '1' } });
    const current = createCallerResolver({ apiKey: API_KEY, apiSecret: 'the-new-secret', appProxyPathPrefixes: [PREFIX] });
    expect(await current(new Request('http://x/api/echo', bearer(token)))).toMatchObject({ ok: false, reason: 'invalid_session_token' });
  });
});

test('refusals are logged once a minute per reason, without the token, signature or customer', async () => {
  const lines: string[] = [];
  const s = await start({}, undefined, lines);
  try {
    const { token } = await getJwt('shop-a', 'another-app', SECRET);
    for (let i = 0; i < 5; i++) expect((await call(`${s.base}/api/echo`, bearer(token))).status).toBe(401);
    const forged = ownSigned(s.base, proxyParams({ logged_in_customer_id: '987654321' }), 'not-our-secret');
    for (let i = 0; i < 5; i++) expect((await call(forged)).status).toBe(401);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ message: 'prediction route caller refused', reason: 'wrong_audience', status: 401, count: 1 }),
      expect.objectContaining({ message: 'prediction route caller refused', reason: 'invalid_signature', status: 401, count: 1 }),
    ]);
    const all = lines.join('\n');
    for (const secretish of [token, new URL(forged).searchParams.get('signature')!, '987654321', SECRET]) expect(all).not.toContain(secretish);
  } finally {
    await s.close();
  }
});

describe('per-shop rate limit', () => {
  test("429 with Retry-After once a shop's bucket is empty; another shop is unaffected; unverified and unknown shops create no bucket", async () => {
    const known = new Set([SHOP_A, SHOP_B]);
    // One token a minute: the test cannot race the refill.
    const s = await start({ SHOP_MLOPS_RATE_LIMIT_BURST: '3', SHOP_MLOPS_RATE_LIMIT_PER_SECOND: String(1 / 60) }, (shop) => known.has(shop));
    try {
      const forA = () => librarySigned(s.base, 'shop-a', { path_prefix: PREFIX, logged_in_customer_id: '1' });
      for (let i = 0; i < 3; i++) expect((await call(await forA())).status).toBe(200);
      const limited = await call(await forA());
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('60');
      expect(limited.body).toMatchObject({ error: { code: 'RATE_LIMITED', retryable: true, details: { reason: 'rate_limited', retryAfterSeconds: 60 } } });
      // Shop B (admin and storefront alike) still has its whole bucket.
      const { token } = await getJwt('shop-b', API_KEY, SECRET);
      expect((await call(`${s.base}/api/echo`, bearer(token))).status).toBe(200);
      expect((await call(await librarySigned(s.base, 'shop-b', { path_prefix: PREFIX, logged_in_customer_id: '' }))).status).toBe(200);
      expect(s.limiter.size()).toBe(2);
      // Forged, unsigned and unknown-shop requests are refused before the limiter: no bucket, whatever the count.
      for (let i = 0; i < 20; i++) {
        expect((await call(ownSigned(s.base, proxyParams({ shop: `stranger-${i}.myshopify.com` }), 'not-our-secret'))).status).toBe(401);
        const unknown = await call(await librarySigned(s.base, `unknown-${i}`, { path_prefix: PREFIX, logged_in_customer_id: '' }));
        expect([unknown.status, reasonOf(unknown.body)]).toEqual([403, 'unknown_shop']);
      }
      expect(s.limiter.size()).toBe(2);
    } finally {
      await s.close();
    }
  });
});

describe('CORS: only the shop\'s own domains', () => {
  const preflight = (origin: string | null) =>
    fetch(`${srv.base}/api/echo`, { method: 'OPTIONS', headers: { 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization', ...(origin ? { origin } : {}) } });

  test('a preflight from a shop\'s myshopify or storefront domain is answered; any other origin gets 403 and no CORS headers', async () => {
    for (const origin of [`https://${SHOP_A}`, 'https://www.shop-a.com', 'https://shop-b.example']) {
      const r = await preflight(origin);
      expect({ origin, status: r.status }).toEqual({ origin, status: 204 });
      expect(r.headers.get('access-control-allow-origin')).toBe(origin);
      expect(r.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
      expect(r.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type');
      expect(r.headers.get('vary')).toBe('Origin');
    }
    for (const origin of ['https://evil.example', 'http://www.shop-a.com', 'https://www.shop-a.com:8443', 'null', 'https://shop-a.com.evil.example', null]) {
      const r = await preflight(origin);
      expect({ origin, status: r.status, acao: r.headers.get('access-control-allow-origin') }).toEqual({ origin, status: 403, acao: null });
    }
  });

  test("a response is readable cross-origin only from the caller's own shop's domains; never a wildcard", async () => {
    const { token } = await getJwt('shop-a', API_KEY, SECRET);
    const from = (origin: string) => call(`${srv.base}/api/echo`, { headers: { authorization: `Bearer ${token}`, origin } });
    for (const origin of ['https://www.shop-a.com', 'https://shop-a.com', `https://${SHOP_A}`]) {
      const r = await from(origin);
      expect([r.status, r.headers.get('access-control-allow-origin')]).toEqual([200, origin]);
      expect(r.headers.get('vary')).toContain('Origin');
    }
    // Shop B's own domains are allowed for shop B, not for shop A's caller.
    for (const origin of [`https://${SHOP_B}`, 'https://shop-b.example', 'https://evil.example']) {
      const r = await from(origin);
      expect([r.status, r.headers.get('access-control-allow-origin')]).toEqual([200, null]);
    }
    // Refused callers get no CORS headers at all.
    const refused = await call(`${srv.base}/api/echo`, { headers: { origin: 'https://www.shop-a.com' } });
    expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([401, null]);
  });
});

describe('configuration and shopify.app.toml', () => {
  test('storefront domains, path prefixes and rate limits are validated together, every problem listed', () => {
    let err: unknown;
    try {
      loadConfig({ SHOP_MLOPS_STOREFRONT_DOMAINS: `${SHOP_A}=*.shop-a.com;nonsense`, SHOP_MLOPS_APP_PROXY_PATH_PREFIXES: '/proxy/x', SHOP_MLOPS_RATE_LIMIT_BURST: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShopMlopsError);
    const problems = (err as ShopMlopsError).details?.['problems'] as string[];
    expect(problems.join('\n')).toMatch(/storefrontDomains \(SHOP_MLOPS_STOREFRONT_DOMAINS\).*\*\.shop-a\.com/);
    expect(problems.join('\n')).toMatch(/storefrontDomains \(SHOP_MLOPS_STOREFRONT_DOMAINS\).*"nonsense"/);
    expect(problems.join('\n')).toMatch(/appProxyPathPrefixes \(SHOP_MLOPS_APP_PROXY_PATH_PREFIXES\)/);
    expect(problems.join('\n')).toMatch(/rateLimitBurst \(SHOP_MLOPS_RATE_LIMIT_BURST\)/);
  });

  test("the [app_proxy] block in shopify.app.toml sends /<prefix>/<subpath> to the app's /api routes, the default accepted path_prefix", () => {
    const toml = parseToml(readFileSync(path.join(__dirname, '../../shopify.app.toml'), 'utf8')) as { application_url: string; app_proxy: { url: string; prefix: string; subpath: string } };
    expect(toml.app_proxy.url).toBe(`${toml.application_url}/api`);
    expect(loadConfig({}).appProxyPathPrefixes).toEqual([`/${toml.app_proxy.prefix}/${toml.app_proxy.subpath}`]);
  });
});
