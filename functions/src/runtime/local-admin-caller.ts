// The embedded runtime's caller check for the prediction routes: loopback plus the runtime's admin bearer token (runtime.json); the operator names the shop and, to act as one, a customer or visitor.
import { ShopMlopsError } from '../core/errors';
import type { ResolveCaller } from '../http/caller';
import { SHOP_DOMAIN } from '../ports/endpoints';
import { LOOPBACK, tokenMatches } from './admin-routes';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Whether a request is the operator's (it carries the runtime's admin token and no App Proxy signature): those go to
 * localAdminCaller; every other /api request is the storefront's or the admin app's and goes through storefrontAuth.
 */
export function isLocalAdminRequest(req: Request, token: string): boolean {
  const bearer = req.headers.get('authorization')?.replace(/^Bearer\s+/i, '');
  return bearer !== undefined && !new URL(req.url).searchParams.has('signature') && tokenMatches(bearer, token);
}

/**
 * Query parameters, named as the App Proxy names them: `shop` (required), `logged_in_customer_id` and `visitor_id`
 * (optional: the assignment unit). Only for the operator of this machine, never for the storefront.
 */
export function localAdminCaller(token: string): ResolveCaller {
  return async (req, ctx) => {
    if (!ctx.remoteAddress || !LOOPBACK.has(ctx.remoteAddress)) throw new ShopMlopsError('NOT_FOUND', 'local admin prediction calls are served on loopback only');
    if (!tokenMatches(req.headers.get('authorization')?.replace(/^Bearer\s+/i, ''), token)) throw new ShopMlopsError('UNAUTHORIZED', 'admin token missing or wrong (see runtime.json in the data directory)');
    const q = new URL(req.url).searchParams;
    const shop = q.get('shop') ?? '';
    if (!SHOP_DOMAIN.test(shop)) throw new ShopMlopsError('BAD_REQUEST', 'shop: must be a shop domain like example.myshopify.com');
    const opt = (name: string): string | null => {
      const v = q.get(name);
      if (v === null || v === '') return null;
      if (!ID.test(v)) throw new ShopMlopsError('BAD_REQUEST', `${name}: must be 1-64 letters, digits, _ or -`);
      return v;
    };
    return { shop, customerId: opt('logged_in_customer_id'), visitorId: opt('visitor_id'), via: 'local_admin' };
  };
}
