// Who is calling a prediction route (App Proxy storefront call or admin session token), per-shop rate limit and CORS: one Hono middleware.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppConfig } from '../core/config';
import type { Logger } from '../core/log';
import { verifyAppProxy, type AppProxyFailure } from './app-proxy-verify';
import { verifySessionToken, type SessionTokenFailure } from './session-token-verify';
import { shopifyVerifiers } from './shopify-verifiers';
import { createShopRateLimiter, type ShopRateLimiter } from './shop-rate-limiter';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS, UI_EXTENSION_ORIGIN, createShopCors, staticShopDomains, type ShopCors } from './shop-cors';
import { errorResponse } from './webhook-app';

/** app_proxy: the storefront; session_token: the admin (App Bridge); extension_token: a checkout or customer account UI extension (a shopper). */
export type CallerVia = 'app_proxy' | 'session_token' | 'extension_token';

/** The only place route handlers take shop and customer from. */
export interface Caller {
  /** `<name>.myshopify.com`, from the signed `shop` parameter or the session token's `dest`. */
  shop: string;
  /** From the signed `logged_in_customer_id` only; null when the shopper is not logged in and for admin calls. */
  customerId: string | null;
  /** An anonymous storefront visitor's bucketing id (App Proxy `visitor_id`); never a key to stored data. */
  visitorId: string | null;
  via: CallerVia;
}

export type CallerFailure = AppProxyFailure | SessionTokenFailure | 'missing_credentials' | 'ambiguous_credentials' | 'shop_mismatch' | 'unknown_shop';
export type ResolveResult = { ok: true; caller: Caller } | { ok: false; status: 401 | 403; reason: CallerFailure; message: string };
export type CallerResolver = (request: Request) => Promise<ResolveResult>;

/** Whether a shop has the app installed (e.g. from a shops store); without one, every correctly signed shop is accepted. */
export type IsKnownShop = (shop: string) => boolean | Promise<boolean>;

export interface CallerResolverOptions {
  /** SHOPIFY_API_KEY: the session tokens' audience. Without it session tokens are refused (App Proxy calls still work). */
  apiKey: string | undefined;
  /** SHOPIFY_API_SECRET (or the development secret), then SHOPIFY_API_SECRET_PREVIOUS while rotating. */
  apiSecret: string;
  previousSecrets?: readonly string[];
  /** Signed `path_prefix` values accepted (SHOP_MLOPS_APP_PROXY_PATH_PREFIXES). */
  appProxyPathPrefixes: readonly string[];
  isKnownShop?: IsKnownShop;
}

const failure = (status: 401 | 403, reason: CallerFailure, message: string): ResolveResult => ({ ok: false, status, reason, message });

export function createCallerResolver(opts: CallerResolverOptions): CallerResolver {
  const libraries = shopifyVerifiers(opts);
  const secrets = [opts.apiSecret, ...(opts.previousSecrets ?? [])];
  const known = opts.isKnownShop ?? (() => true);

  async function identify(request: Request): Promise<ResolveResult> {
    const url = new URL(request.url);
    const authorization = request.headers.get('authorization');
    const signed = url.searchParams.has('signature');
    if (signed && authorization !== null) return failure(401, 'ambiguous_credentials', 'send an App Proxy signature or a session token, not both');
    if (signed) {
      const r = verifyAppProxy(url, secrets, opts.appProxyPathPrefixes);
      return r.ok ? { ok: true, caller: { shop: r.shop, customerId: r.customerId, visitorId: r.visitorId, via: 'app_proxy' } } : r;
    }
    if (authorization !== null) {
      const r = await verifySessionToken(authorization, libraries, opts.apiKey !== undefined);
      if (!r.ok) return r;
      // An admin page may name its shop in the query (App Bridge adds ?shop=): it must be the token's shop.
      const named = url.searchParams.getAll('shop');
      if (named.some((s) => s.toLowerCase() !== r.shop)) return failure(403, 'shop_mismatch', 'the session token is for another shop');
      return { ok: true, caller: { shop: r.shop, customerId: r.customerId, visitorId: null, via: r.kind === 'extension' ? 'extension_token' : 'session_token' } };
    }
    return failure(401, 'missing_credentials', 'call through the App Proxy (signed query) or with an App Bridge session token');
  }

  return async (request) => {
    const r = await identify(request);
    if (r.ok && !(await known(r.caller.shop))) return failure(403, 'unknown_shop', 'the app is not installed on this shop');
    return r;
  };
}

export type StorefrontEnv = { Variables: { caller: Caller } };

/** The caller the middleware resolved (a route without the middleware has none: that is a wiring bug). */
export function callerOf(c: Context<StorefrontEnv>): Caller {
  const caller = c.get('caller');
  if (!caller) throw new Error('storefrontAuth middleware is not mounted on this route');
  return caller;
}

export interface StorefrontAuthDeps {
  resolve: CallerResolver;
  limiter: ShopRateLimiter;
  cors: ShopCors;
  /** Preflights are answered only for origins of known shops (same predicate as the resolver's). */
  isKnownShop?: IsKnownShop;
  log?: Logger;
}

/** Adds `Vary: Origin`, and the CORS headers when the origin is allowed: in place, or on a copy if the response's headers are immutable. */
function withCors(res: Response, origin: string | null): Response {
  const apply = (h: Headers) => {
    if (origin !== null) {
      h.set('access-control-allow-origin', origin);
      h.set('access-control-expose-headers', CORS_EXPOSE_HEADERS);
    }
    h.append('vary', 'Origin');
  };
  try {
    apply(res.headers);
    return res;
  } catch {
    const h = new Headers(res.headers);
    apply(h);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: h });
  }
}

const REFUSAL_NOTE_MS = 60_000;

/**
 * Mount before the prediction routes. Preflight (OPTIONS with Access-Control-Request-Method): 204 with CORS headers
 * for an origin of a known shop, else 403. Otherwise: resolve the caller (401/403 with the JSON error body), take a
 * token from its shop's bucket (429 with Retry-After), set `caller`, run the route; the response carries
 * Access-Control-Allow-Origin only when the request's Origin is one of the caller's shop's own domains.
 */
export function storefrontAuth(deps: StorefrontAuthDeps): MiddlewareHandler<StorefrontEnv> {
  const known = deps.isKnownShop ?? (() => true);
  // Refusals are logged at most once a minute per reason, with the count since: unsigned traffic cannot flood the log.
  const refusals = new Map<CallerFailure, { lastMs: number; since: number }>();
  function noteRefusal(reason: CallerFailure, status: number): void {
    if (!deps.log) return;
    const now = Date.now();
    const n = refusals.get(reason) ?? { lastMs: -Infinity, since: 0 };
    n.since += 1;
    refusals.set(reason, n);
    if (now - n.lastMs < REFUSAL_NOTE_MS) return;
    deps.log.notice('prediction route caller refused', { reason, status, count: n.since });
    n.lastMs = now;
    n.since = 0;
  }
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined) {
      // UI extensions' origin: the preflight carries no credentials; the request itself must bring an extension token.
      let allowed = origin === UI_EXTENSION_ORIGIN;
      if (!allowed && origin !== undefined) for (const shop of deps.cors.shopsOfOrigin(origin)) if ((allowed = await known(shop))) break;
      if (!allowed) return errorResponse('FORBIDDEN', 'origin not allowed', { reason: 'origin_not_allowed' }, { vary: 'Origin' });
      return new Response(null, {
        status: 204,
        headers: {
          'access-control-allow-origin': origin!,
          'access-control-allow-methods': CORS_ALLOW_METHODS,
          'access-control-allow-headers': CORS_ALLOW_HEADERS,
          'access-control-max-age': CORS_MAX_AGE_SECONDS,
          vary: 'Origin',
        },
      });
    }
    const r = await deps.resolve(c.req.raw);
    if (!r.ok) {
      noteRefusal(r.reason, r.status);
      return errorResponse(r.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', r.message, { reason: r.reason }, { vary: 'Origin' });
    }
    const { caller } = r;
    const corsOrigin = origin !== undefined && (deps.cors.allows(caller.shop, origin) || (caller.via === 'extension_token' && origin === UI_EXTENSION_ORIGIN)) ? origin : null;
    const rate = deps.limiter.take(caller.shop);
    if (!rate.ok) {
      const res = errorResponse('RATE_LIMITED', 'too many requests for this shop', { reason: 'rate_limited', retryAfterSeconds: rate.retryAfterSeconds }, { 'retry-after': String(rate.retryAfterSeconds) });
      return withCors(res, corsOrigin);
    }
    c.set('caller', caller);
    await next();
    const res = withCors(c.res, corsOrigin);
    if (res !== c.res) c.res = res;
  };
}

/** The middleware as the runtime and the `api` function mount it, from the validated configuration. */
export function storefrontAuthFromConfig(
  config: Pick<AppConfig, 'shopifyApiKey' | 'shopifyApiSecretPrevious' | 'appProxyPathPrefixes' | 'storefrontDomains' | 'rateLimitPerSecond' | 'rateLimitBurst' | 'rateLimitMaxShops'>,
  apiSecret: string,
  extra: { isKnownShop?: IsKnownShop; log?: Logger; now?: () => number } = {},
): { middleware: MiddlewareHandler<StorefrontEnv>; resolveCaller: CallerResolver; limiter: ShopRateLimiter } {
  const resolveCaller = createCallerResolver({
    apiKey: config.shopifyApiKey,
    apiSecret,
    previousSecrets: config.shopifyApiSecretPrevious,
    appProxyPathPrefixes: config.appProxyPathPrefixes,
    ...(extra.isKnownShop ? { isKnownShop: extra.isKnownShop } : {}),
  });
  const limiter = createShopRateLimiter({ perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst, maxShops: config.rateLimitMaxShops, ...(extra.now ? { now: extra.now } : {}) });
  const cors = createShopCors(staticShopDomains(config.storefrontDomains));
  return { resolveCaller, limiter, middleware: storefrontAuth({ resolve: resolveCaller, limiter, cors, ...(extra.isKnownShop ? { isKnownShop: extra.isKnownShop } : {}), ...(extra.log ? { log: extra.log } : {}) }) };
}
