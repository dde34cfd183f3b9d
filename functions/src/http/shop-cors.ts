// CORS for the prediction routes: an origin is allowed only for the shop it belongs to (its myshopify domain, its storefront domains); no wildcard.
import { MYSHOPIFY_DOMAIN } from '../core/config';

/** Where each shop's storefront lives. The config-backed one reads SHOP_MLOPS_STOREFRONT_DOMAINS; a store-backed one can replace it. */
export interface ShopDomains {
  /** The storefront host names configured for a shop (its myshopify domain is implied). */
  storefrontHosts(shop: string): readonly string[];
  /** The shops a storefront host name is configured for. */
  shopsForHost(host: string): readonly string[];
}

export function staticShopDomains(byShop: Readonly<Record<string, readonly string[]>>): ShopDomains {
  const byHost = new Map<string, string[]>();
  for (const [shop, hosts] of Object.entries(byShop)) for (const h of hosts) byHost.set(h, [...(byHost.get(h) ?? []), shop]);
  return {
    storefrontHosts: (shop) => byShop[shop] ?? [],
    shopsForHost: (host) => byHost.get(host) ?? [],
  };
}

/** The host of an `https://host` origin (no path, no port, no credentials), lower-cased; null for anything else ("null", http:, ports). */
export function httpsOriginHost(origin: string): string | null {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' || u.port !== '' || u.username !== '' || u.password !== '' || `${u.protocol}//${u.host}` !== origin.toLowerCase()) return null;
  return u.hostname;
}

export interface ShopCors {
  /** Whether `origin` may call on behalf of `shop`: https://<shop> or https://<one of its storefront hosts>, exactly. */
  allows(shop: string, origin: string): boolean;
  /**
   * The shops an origin belongs to. A preflight carries no credentials, so it is answered for an origin that belongs to
   * some (known) shop; the real request's response is then readable only if the origin belongs to the caller's shop.
   */
  shopsOfOrigin(origin: string): readonly string[];
}

/**
 * Where checkout and customer account UI extensions run (their Web Worker's origin): their calls carry the extension's
 * session token, so the token, not the origin, names the shop; this origin is allowed for those callers only.
 */
export const UI_EXTENSION_ORIGIN = 'https://extensions.shopifycdn.com';

export const CORS_ALLOW_METHODS = 'GET, POST, OPTIONS';
export const CORS_ALLOW_HEADERS = 'Authorization, Content-Type';
export const CORS_EXPOSE_HEADERS = 'Retry-After';
export const CORS_MAX_AGE_SECONDS = '600';

export function createShopCors(domains: ShopDomains): ShopCors {
  return {
    allows(shop, origin) {
      const host = httpsOriginHost(origin);
      return host !== null && (host === shop || domains.storefrontHosts(shop).includes(host));
    },
    shopsOfOrigin(origin) {
      const host = httpsOriginHost(origin);
      if (host === null) return [];
      return MYSHOPIFY_DOMAIN.test(host) ? [host] : domains.shopsForHost(host);
    },
  };
}
