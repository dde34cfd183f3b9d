// Prediction routes (Hono, Web Request/Response, mounted at /api): product and cart recommendations, a customer's predictions, a variant's forecast, and a bounded batch of them; queries validated with zod, every answer labelled by the serving core.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import type { ServingMetrics } from '../core/metrics';
import type { AssignmentUnit } from '../serving/assignment';
import type { ServingCore } from '../serving/serve';
import type { Caller, ResolveCaller } from './caller';
import { errorResponse } from './webhook-app';

export interface PredictionRoutesDeps {
  resolveCaller: ResolveCaller;
  serving: ServingCore;
  logger: Logger;
  metrics?: ServingMetrics;
  /** Remote address of a request (the local_admin check needs it). */
  remoteAddress?: (req: Request, env: unknown) => string | undefined;
  /** Most requests in one batch call. */
  maxBatch?: number;
}

/** Shopify ids (digits) or the simulator's / other stores' plain ids: no separators, no spaces. */
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');
const k = z.coerce.number().int().min(1).max(50).default(10);
// Unknown keys (App Proxy's shop, signature, timestamp, path_prefix, logged_in_customer_id) are ignored, never read here.
// No `.transform` in these schemas (see appProxyIdentity in app-proxy-verify.ts): the cart's comma list is split first.
export const QUERIES = {
  'recommendations/product': z.object({ product_id: id, k }),
  'recommendations/cart': z.object({
    product_ids: z.array(id, { error: (iss) => (iss.input === undefined ? 'Invalid input: expected string, received undefined' : undefined) }).min(1, 'needs at least one product id').max(50, 'at most 50 products'),
    k,
  }),
  'customers/predictions': z.object({ customer_id: id.optional() }),
  'variants/forecast': z.object({ variant_id: id }),
} as const;
export type RouteName = keyof typeof QUERIES;
const ROUTE_NAMES = Object.keys(QUERIES) as RouteName[];

export const DEFAULT_MAX_BATCH = 20;
const MAX_BATCH_BODY = 64 * 1024;

interface Answer {
  status: number;
  body: unknown;
}

const fromError = (e: ShopMlopsError): Answer => ({ status: e.status, body: e.toJSON() });

function badQuery(route: string, issues: z.core.$ZodIssue[]): ShopMlopsError {
  const problems = issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`);
  return new ShopMlopsError('BAD_REQUEST', `${route}: ${problems.join('; ')}`, { details: { problems } });
}

const unitOf = (c: Caller): AssignmentUnit | null => (c.customerId ? { kind: 'customer', id: c.customerId } : c.visitorId ? { kind: 'visitor', id: c.visitorId } : null);

export function createPredictionRoutes(deps: PredictionRoutesDeps): Hono {
  const app = new Hono();
  const maxBatch = deps.maxBatch ?? DEFAULT_MAX_BATCH;
  const { serving } = deps;

  /** One route's answer for a verified caller (used by the single routes and the batch route alike). */
  async function answer(route: RouteName, query: Record<string, string>, caller: Caller): Promise<Answer> {
    const list = route === 'recommendations/cart' ? query['product_ids'] : undefined;
    const parsed = QUERIES[route].safeParse(list === undefined ? query : { ...query, product_ids: list.split(',').map((x) => x.trim()).filter(Boolean) });
    if (!parsed.success) return fromError(badQuery(route, parsed.error.issues));
    const caller_ = { customerId: caller.customerId, visitorId: caller.visitorId };
    const q = parsed.data as Record<string, unknown>;
    switch (route) {
      case 'recommendations/product':
      case 'recommendations/cart': {
        const productIds = route === 'recommendations/product' ? [q['product_id'] as string] : (q['product_ids'] as string[]);
        const served = await serving.predict({ shop: caller.shop, route: route === 'recommendations/product' ? 'recommendations_product' : 'recommendations_cart', model: 'recommend', caller: caller_, unit: unitOf(caller), entity: { kind: 'products', productIds, k: q['k'] as number } });
        return { status: 200, body: { shop: caller.shop, product_ids: productIds, ...served } };
      }
      case 'customers/predictions': {
        // A shopper reads only their own predictions (App Proxy's logged_in_customer_id, a UI extension token's sub); admins name the customer.
        const asked = q['customer_id'] as string | undefined;
        let customerId: string;
        if (caller.via === 'app_proxy' || caller.via === 'extension_token') {
          if (!caller.customerId) return fromError(new ShopMlopsError('UNAUTHORIZED', 'log in to see your predictions'));
          if (asked !== undefined && asked !== caller.customerId) return fromError(new ShopMlopsError('FORBIDDEN', 'a shopper can only read their own predictions'));
          customerId = caller.customerId;
        } else {
          if (!asked) return fromError(new ShopMlopsError('BAD_REQUEST', 'customers/predictions: customer_id: required'));
          customerId = asked;
        }
        const base = { shop: caller.shop, route: 'customer_predictions' as const, caller: caller_, unit: { kind: 'customer' as const, id: customerId }, entity: { kind: 'customer' as const, customerId } };
        const [clv, propensity] = await Promise.all([serving.predict({ ...base, model: 'clv' }), serving.predict({ ...base, model: 'propensity' })]);
        return { status: 200, body: { shop: caller.shop, customer_id: customerId, clv, propensity } };
      }
      case 'variants/forecast': {
        const variantId = q['variant_id'] as string;
        const served = await serving.predict({ shop: caller.shop, route: 'variant_forecast', model: 'forecast', caller: caller_, unit: unitOf(caller), entity: { kind: 'variant', variantId } });
        return { status: 200, body: { shop: caller.shop, variant_id: variantId, ...served } };
      }
    }
  }

  const batchBody = z.strictObject({
    requests: z
      .array(z.strictObject({ route: z.enum(ROUTE_NAMES as [RouteName, ...RouteName[]]), query: z.record(z.string(), z.string()).default({}) }))
      .min(1, 'needs at least one request')
      .max(maxBatch, `at most ${maxBatch} requests per call`),
  });

  async function handle(c: Context, route: RouteName | 'batch'): Promise<Response> {
    const started = performance.now();
    try {
      const resolved = await deps.resolveCaller(c.req.raw, { remoteAddress: deps.remoteAddress?.(c.req.raw, c.env), caller: c.get('caller') as Caller | undefined });
      if (resolved instanceof Response) return resolved;
      const caller = resolved;
      let a: Answer;
      if (route === 'batch') {
        const text = await c.req.raw.text();
        if (Buffer.byteLength(text) > MAX_BATCH_BODY) return errorResponse('PAYLOAD_TOO_LARGE', `batch body exceeds ${MAX_BATCH_BODY} bytes`);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          return errorResponse('BAD_REQUEST', 'batch body must be JSON: {"requests": [{"route", "query"}]}');
        }
        const body = batchBody.safeParse(json);
        if (!body.success) {
          const e = badQuery('batch', body.error.issues);
          return errorResponse(e.code, e.message, e.details ?? {});
        }
        const responses = await Promise.all(body.data.requests.map((r) => answer(r.route, r.query, caller)));
        a = { status: 200, body: { responses } };
      } else {
        a = await answer(route, Object.fromEntries(new URL(c.req.raw.url).searchParams), caller);
      }
      return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json', 'cache-control': 'private, no-store' } });
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err, 'INTERNAL');
      if (e.status >= 500) deps.logger.error('prediction route failed', { route, error: e.message, code: e.code });
      return errorResponse(e.code, e.message, e.details ?? {});
    } finally {
      deps.metrics?.seconds.observe({ route }, (performance.now() - started) / 1000);
    }
  }

  for (const route of ROUTE_NAMES) app.get(`/${route}`, (c) => handle(c, route));
  app.post('/batch', (c) => handle(c, 'batch'));
  return app;
}
