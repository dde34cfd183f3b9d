// Test, demo and benchmark helper shipped with the product: signs a query the way Shopify's App Proxy does, so a local call can pass storefront-auth.
import { createHmac } from 'node:crypto';

export interface AppProxyQueryOptions {
  secret: string;
  shop: string;
  /** Shopify sends '' for a shopper who is not logged in. */
  loggedInCustomerId?: string;
  pathPrefix?: string;
  /** Unix seconds; now by default. */
  timestamp?: number | null;
  /** Any other parameters (the route's own, `visitor_id`): signed like the rest. Keep names lower case. */
  params?: Record<string, string>;
}

/** Shopify's App Proxy signature: drop `signature`, sort keys with localeCompare, join `k=v` with no separator, HMAC-SHA256 hex. */
export function appProxySignature(secret: string, params: Record<string, string>): string {
  const message = Object.entries(params)
    .filter(([k]) => k !== 'signature')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join('');
  return createHmac('sha256', secret).update(message).digest('hex');
}

/** The query string (no leading `?`) Shopify would forward: the given parameters plus shop, logged_in_customer_id, path_prefix, timestamp, signature. */
export function signAppProxyQuery(o: AppProxyQueryOptions): string {
  const params: Record<string, string> = {
    ...o.params,
    shop: o.shop,
    logged_in_customer_id: o.loggedInCustomerId ?? '',
    path_prefix: o.pathPrefix ?? '/apps/shop-mlops',
  };
  const timestamp = o.timestamp === undefined ? Math.trunc(Date.now() / 1000) : o.timestamp;
  if (timestamp !== null) params['timestamp'] = String(timestamp);
  return new URLSearchParams({ ...params, signature: appProxySignature(o.secret, params) }).toString();
}
