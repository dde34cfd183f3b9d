// Who is calling a prediction route: the Caller of http/storefront-auth.ts (App Proxy, App Bridge session token) plus the runtime's local admin, and the one interface the routes take it through.
import { ShopMlopsError } from '../core/errors';
import type { Caller as StorefrontCaller } from './storefront-auth';

export type CallerVia = StorefrontCaller['via'] | 'local_admin';

/** Shop and customer come from verified credentials only (see storefront-auth.ts); `local_admin` is the runtime's operator. */
export interface Caller extends Omit<StorefrontCaller, 'via'> {
  via: CallerVia;
}

/** What a route knows about the request besides the Request itself. */
export interface CallerContext {
  remoteAddress: string | undefined;
  /** The caller a middleware mounted before the routes resolved (storefrontAuth's `caller`), if any. */
  caller: Caller | undefined;
}

/**
 * Resolves the caller of a request. A refusal is either a thrown ShopMlopsError (answered as its JSON error body) or a
 * Response to send as is (e.g. 429 with Retry-After). Route handlers never read the shop or the customer from anything else.
 */
export type ResolveCaller = (request: Request, ctx: CallerContext) => Promise<Caller | Response>;

/** The caller storefrontAuth (mounted on the same paths, before the routes) resolved, rate-limited and set. */
export const callerFromMiddleware: ResolveCaller = (_request, ctx) =>
  ctx.caller ? Promise.resolve(ctx.caller) : Promise.reject(new ShopMlopsError('INTERNAL', 'storefrontAuth middleware is not mounted before the prediction routes'));
