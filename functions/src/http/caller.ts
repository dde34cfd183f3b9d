// Who is calling a prediction route: the one interface every caller check implements (App Proxy, App Bridge session token, the runtime's local admin).
import { ShopMlopsError } from '../core/errors';
export type CallerVia = 'app_proxy' | 'session_token' | 'local_admin';

export interface Caller {
  /** The shop, from verified credentials only (signed App Proxy parameters, the token's dest, the runtime's operator). */
  shop: string;
  /** The logged-in customer (App Proxy: `logged_in_customer_id` only); null for admins and anonymous shoppers. */
  customerId: string | null;
  /** An anonymous visitor id (the assignment unit when no customer is logged in). */
  visitorId: string | null;
  via: CallerVia;
}

/** What a route needs to know about the connection besides the Request. */
export interface CallerContext {
  remoteAddress: string | undefined;
}

/**
 * Resolves the caller of a request. A refusal is either a thrown ShopMlopsError (answered as its JSON error body) or a
 * Response to send as is (e.g. 429 with Retry-After, or CORS headers on a 403). Route handlers never read the shop or
 * the customer from anything else.
 */
export type ResolveCaller = (request: Request, ctx: CallerContext) => Promise<Caller | Response>;

/** Until the App Proxy / session-token check (http/storefront-auth.ts) is wired in, the cloud `api` function answers every call 401. */
export const refuseEveryCaller: ResolveCaller = () =>
  Promise.reject(new ShopMlopsError('UNAUTHORIZED', 'prediction routes need App Proxy or session-token credentials'));
