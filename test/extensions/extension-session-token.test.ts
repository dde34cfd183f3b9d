// Session tokens of checkout / customer account UI extensions (no iss, bare dest, sub = the logged-in customer's GID), signed by @shopify/shopify-api's getJwt: the checkout offer's caller is the shop and that customer (the A/B unit), readable from the extensions' origin (CORS); admin tokens unchanged.
import { getJwt } from '@shopify/shopify-api/test-helpers';
import { Hono } from 'hono';
import { loadConfig } from '../../functions/src/core/config';
import { callerOf, createCallerResolver, storefrontAuthFromConfig, type StorefrontEnv } from '../../functions/src/http/storefront-auth';

const SECRET = 'extension-token-test-secret';
const API_KEY = 'shop-mlops-test-key';
const SHOP = 'shop-a.myshopify.com';
const resolve = createCallerResolver({ apiKey: API_KEY, apiSecret: SECRET, appProxyPathPrefixes: ['/apps/shop-mlops'] });

/** A checkout UI extension's token: Shopify's claims (dest, aud, exp, nbf, iat, jti, optional sub), no iss. */
async function extensionToken(claims: Record<string, unknown>, secret = SECRET): Promise<string> {
  return (await getJwt('shop-a', API_KEY, secret, { iss: undefined, dest: SHOP, sid: undefined, sub: undefined, ...claims })).token;
}
const callWith = (token: string, query = '') => resolve(new Request(`https://demo-shop-mlops.web.app/api/recommendations/cart?product_ids=1${query}`, { headers: { authorization: `Bearer ${token}` } }));

test('a logged-in buyer: the shop from dest, the customer from sub (the assignment unit), via extension_token', async () => {
  const r = await callWith(await extensionToken({ sub: 'gid://shopify/Customer/5001' }));
  expect(r).toEqual({ ok: true, caller: { shop: SHOP, customerId: '5001', visitorId: null, via: 'extension_token' } });
});

test('a guest (no sub): the shop, no customer', async () => {
  expect(await callWith(await extensionToken({}))).toEqual({ ok: true, caller: { shop: SHOP, customerId: null, visitorId: null, via: 'extension_token' } });
});

test('refused: a sub that is not a customer, a dest that is not a shop, another shop named in the query, a wrong secret', async () => {
  const reason = (r: Awaited<ReturnType<typeof resolve>>) => (r.ok ? 'accepted' : `${r.status} ${r.reason}`);
  expect(reason(await callWith(await extensionToken({ sub: 'gid://shopify/StaffMember/1' })))).toBe('401 invalid_session_token');
  expect(reason(await callWith(await extensionToken({ dest: 'evil.example' })))).toBe('401 issuer_destination_mismatch');
  expect(reason(await callWith(await extensionToken({ dest: 'https://shop-a.myshopify.com' })))).toBe('401 issuer_destination_mismatch');
  expect(reason(await callWith(await extensionToken({ sub: 'gid://shopify/Customer/5001' }), '&shop=shop-b.myshopify.com'))).toBe('403 shop_mismatch');
  expect(reason(await callWith(await extensionToken({ sub: 'gid://shopify/Customer/5001' }, 'another-apps-secret')))).toBe('401 invalid_session_token');
  expect(reason(await callWith(await extensionToken({ exp: undefined })))).toBe('401 missing_exp');
});

test('an admin token (iss present) still yields no customer, whatever its sub (a staff member)', async () => {
  const { token } = await getJwt('shop-a', API_KEY, SECRET, { sub: 'gid://shopify/Customer/5001' });
  expect(await callWith(token)).toEqual({ ok: true, caller: { shop: SHOP, customerId: null, visitorId: null, via: 'session_token' } });
});

describe('CORS for UI extensions (their Web Worker origin https://extensions.shopifycdn.com)', () => {
  const ORIGIN = 'https://extensions.shopifycdn.com';
  const app = new Hono<StorefrontEnv>();
  app.use('/api/*', storefrontAuthFromConfig(loadConfig({ SHOPIFY_API_SECRET: SECRET, SHOPIFY_API_KEY: API_KEY }), SECRET).middleware);
  app.get('/api/echo', (c) => c.json(callerOf(c)));
  const get = (headers: Record<string, string>) => app.fetch(new Request('https://demo-shop-mlops.web.app/api/echo', { headers }));

  test('the preflight is answered for that origin; the response of an extension-token call is readable there', async () => {
    const pre = await app.fetch(new Request('https://demo-shop-mlops.web.app/api/echo', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } }));
    expect([pre.status, pre.headers.get('access-control-allow-origin'), pre.headers.get('access-control-allow-headers')]).toEqual([204, ORIGIN, 'Authorization, Content-Type']);
    const r = await get({ origin: ORIGIN, authorization: `Bearer ${await extensionToken({ sub: 'gid://shopify/Customer/5001' })}` });
    expect([r.status, r.headers.get('access-control-allow-origin')]).toEqual([200, ORIGIN]);
  });

  test('an admin token from that origin, or an extension token from another origin, gets no CORS header; other origins\' preflights stay refused', async () => {
    const { token } = await getJwt('shop-a', API_KEY, SECRET);
    expect((await get({ origin: ORIGIN, authorization: `Bearer ${token}` })).headers.get('access-control-allow-origin')).toBeNull();
    expect((await get({ origin: 'https://evil.example', authorization: `Bearer ${await extensionToken({})}` })).headers.get('access-control-allow-origin')).toBeNull();
    const pre = await app.fetch(new Request('https://demo-shop-mlops.web.app/api/echo', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } }));
    expect(pre.status).toBe(403);
  });
});
