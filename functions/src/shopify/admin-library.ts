// The @shopify/shopify-api instance for Admin API calls and token exchange (offline tokens, embedded app), and routing its HTTPS calls to a local server (tests, development).
import '@shopify/shopify-api/adapters/node';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { setAbstractFetchFunc } from '@shopify/shopify-api/runtime';
import { ShopMlopsError } from '../core/errors';

export type AdminLibrary = ReturnType<typeof shopifyApi>;

/** The Admin API version every call uses (the webhooks' api_version in shopify.app.toml). */
export const ADMIN_API_VERSION = ApiVersion.October25;

/** Scopes the app asks for (shopify.app.toml [access_scopes]; test/shopify checks they agree). */
export const APP_SCOPES = ['read_orders', 'read_products', 'read_customers', 'read_inventory', 'write_products', 'write_customers'] as const;

export function createAdminLibrary(opts: { apiKey: string; apiSecret: string; hostName?: string }): AdminLibrary {
  if (!opts.apiKey) throw new ShopMlopsError('CONFIG_INVALID', 'SHOPIFY_API_KEY is required for Admin API calls and token exchange');
  return shopifyApi({
    apiKey: opts.apiKey,
    apiSecretKey: opts.apiSecret,
    hostName: opts.hostName ?? 'localhost',
    apiVersion: ADMIN_API_VERSION,
    scopes: [...APP_SCOPES],
    isEmbeddedApp: true,
    // The library can log request bodies and tokens at debug level: never let it.
    logger: { level: LogSeverity.Error, log: async () => undefined },
  });
}

/**
 * Sends the library's calls to `https://<shop>.myshopify.com/...` to `<origin>/shops/<shop>.myshopify.com/...` instead
 * (the Admin GraphQL contract server; SHOP_MLOPS_SHOPIFY_ADMIN_ORIGIN). Process-wide, as the library's fetch is.
 */
export function routeShopifyAdminTo(origin: string): void {
  const base = origin.replace(/\/+$/, '');
  const real = globalThis.fetch;
  setAbstractFetchFunc((input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input.toString() : input.url);
    if (url.protocol === 'https:' && url.hostname.endsWith('.myshopify.com')) return real(`${base}/shops/${url.hostname}${url.pathname}${url.search}`, init);
    return real(input, init);
  });
}
