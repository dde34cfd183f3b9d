// Shopify App Proxy requests: the signature (validateHmac's check on node:crypto, timestamp within ±90 s), then the caller from the signed parameters only.
import { z } from 'zod';
import { MYSHOPIFY_DOMAIN } from '../core/config';
import { checkAppProxySignature } from './app-proxy-signature';

/**
 * The storefront script's anonymous visitor id. Shopify strips cookies from App Proxy requests, so it cannot arrive as
 * a cookie: the theme extension appends it to the proxied query (a first-party id it keeps in the shop's own domain,
 * e.g. the value of Shopify's `_shopify_y` cookie). Shopify signs the whole query, so it is not altered on the way, but
 * the shopper chooses it: it is a bucketing key for sticky assignment, never a key to anyone's data. Lower case on
 * purpose: the signature sorts keys with localeCompare, which disagrees with byte order on upper case.
 */
export const VISITOR_PARAM = 'visitor_id';

/** Parameters that name the caller: more than one of any makes the query ambiguous, whatever the signature says. */
const SINGLE_VALUED = ['shop', 'logged_in_customer_id', 'path_prefix', 'timestamp', 'signature', VISITOR_PARAM] as const;

/**
 * No `.transform` here (the empty customer id becomes null after parsing): in zod 4.6 a container holding a transform
 * runs its cycle memoizer, with per-parse WeakMap state. Measured with `--trace-gc-nvp` while bisecting the route:
 * with the transform each storefront call's parse left ~360 B promoted to the old generation, without it none; at
 * 2,000 req/s that fed a major GC cycle every few seconds, each a 20-50 ms episode in the prediction routes' tail.
 * test/serving/hot-path-schemas.test.ts.
 */
export const appProxyIdentity = z.object({
  shop: z.string().regex(MYSHOPIFY_DOMAIN),
  // Empty when the shopper is not logged in; Shopify customer ids are numeric.
  logged_in_customer_id: z
    .string()
    .regex(/^(\d{1,20})?$/)
    .nullable(),
  path_prefix: z.string().nullable(),
  [VISITOR_PARAM]: z.string().nullable(),
});
const VISITOR_ID = /^[A-Za-z0-9_.-]{8,128}$/;

export type AppProxyFailure =
  | 'duplicate_parameter'
  | 'timestamp_missing'
  | 'timestamp_out_of_window'
  | 'invalid_signature'
  | 'malformed_identity'
  | 'path_prefix_not_allowed';
export type AppProxyResult =
  | { ok: true; shop: string; customerId: string | null; visitorId: string | null }
  | { ok: false; status: 401 | 403; reason: AppProxyFailure; message: string };

const fail = (status: 401 | 403, reason: AppProxyFailure, message: string): AppProxyResult => ({ ok: false, status, reason, message });

/**
 * `secrets`: the current API secret, then previous ones while rotating. The signature check is @shopify/shopify-api's
 * `utils.validateHmac(query, {signator: 'appProxy'})` computed on node:crypto (app-proxy-signature.ts; a differential
 * test holds the two to the same answer): the library imports a WebCrypto key on every call, a tenth of a millisecond
 * on the storefront's path.
 */
export function verifyAppProxy(url: URL, secrets: readonly string[], pathPrefixes: readonly string[]): AppProxyResult {
  const q = url.searchParams;
  const repeated = SINGLE_VALUED.filter((k) => q.getAll(k).length > 1);
  if (repeated.length) return fail(401, 'duplicate_parameter', `parameter given more than once: ${repeated.join(', ')}`);
  const signature = checkAppProxySignature(q, secrets);
  if (!signature.ok) {
    switch (signature.reason) {
      case 'timestamp_out_of_window':
        return fail(401, 'timestamp_out_of_window', 'the signed timestamp is more than 90 s away from now');
      case 'timestamp_missing':
        return fail(401, 'timestamp_missing', 'the signed query has no valid timestamp');
      case 'mismatch':
        return fail(401, 'invalid_signature', 'the App Proxy signature does not match the query');
      default:
        return fail(401, 'invalid_signature', 'the App Proxy signature is missing or malformed');
    }
  }
  const id = appProxyIdentity.safeParse({
    shop: q.get('shop'),
    logged_in_customer_id: q.get('logged_in_customer_id'),
    path_prefix: q.get('path_prefix'),
    [VISITOR_PARAM]: q.get(VISITOR_PARAM),
  });
  if (!id.success) return fail(401, 'malformed_identity', 'the signed shop or logged_in_customer_id is malformed');
  // Signed by our secret, but not sent through the proxy path this app declares (shopify.app.toml [app_proxy]).
  if (id.data.path_prefix === null || !pathPrefixes.includes(id.data.path_prefix)) return fail(403, 'path_prefix_not_allowed', 'the signed path_prefix is not one this app serves');
  const visitor = id.data[VISITOR_PARAM];
  return { ok: true, shop: id.data.shop, customerId: id.data.logged_in_customer_id || null, visitorId: visitor !== null && VISITOR_ID.test(visitor) ? visitor : null };
}
