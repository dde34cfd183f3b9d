// Shopify Flow action "Retrain models" (POST /flow/actions/retrain): HMAC checked with @shopify/shopify-api flow.validate, shop from the signed body, deduplicated on action_run_id (durably), answered at once with the retraining queued.
import type { Hono } from 'hono';
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import { silentLogger, type Logger } from '../core/log';
import { SHOP_DOMAIN } from '../ports/endpoints';
import type { FlowActionRun, FlowActionRuns } from '../ports/flow-action-runs';
import type { ShopifyLibrary } from './shopify-verifiers';
import { errorResponse } from './webhook-app';

export const FLOW_ACTION_PATH = '/flow/actions/retrain';
/** The action's handle (extensions/retrain-models-action/shopify.extension.toml). */
export const RETRAIN_ACTION_HANDLE = 'retrain-models';
const MAX_BODY_BYTES = 256 * 1024;

/** What Flow posts to the runtime URL (shopify.dev "Flow action execution"); properties are the action's settings fields. */
export const flowActionBody = z.object({
  shop_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  shopify_domain: z.string().regex(SHOP_DOMAIN, 'must be a shop domain like example.myshopify.com'),
  action_run_id: z.string().min(1).max(200),
  action_definition_id: z.string().optional(),
  handle: z.string().min(1).max(100).optional(),
  properties: z
    .object({
      models: z.string().max(500).optional(),
      reason: z.string().max(2000).optional(),
    })
    .passthrough()
    .default({}),
});

export interface FlowActionDeps {
  /** One library per accepted secret (current first): `flow.validate` checks X-Shopify-Hmac-Sha256 over the raw body. */
  libraries: readonly ShopifyLibrary[];
  runs: FlowActionRuns;
  /** Queues the accepted run's work (never awaited by the route). */
  enqueue(run: FlowActionRun): void;
  /** Whether this deployment serves the shop (installed); another shop's signed body is refused. */
  isInstalledShop(shop: string): Promise<boolean>;
  /** The models a run may name; empty `models` property = all of them. */
  models: readonly string[];
  clock: { now(): Date };
  logger?: Logger;
}

/** The Flow request as the library's node adapter reads it (headers as a plain object). */
function rawRequestOf(req: Request) {
  const headers: Record<string, string> = {};
  req.headers.forEach((value, name) => (headers[name] = value));
  return { method: req.method, url: new URL(req.url).pathname, headers };
}

async function verified(libraries: readonly ShopifyLibrary[], rawBody: string, req: Request): Promise<{ ok: true } | { ok: false; reason: string }> {
  let reason = 'invalid_hmac';
  for (const shopify of libraries) {
    const r = await shopify.flow.validate({ rawBody, rawRequest: rawRequestOf(req) });
    if (r.valid) return { ok: true };
    reason = r.reason;
    if (r.reason !== 'invalid_hmac') break; // missing header or body: no other secret helps
  }
  return { ok: false, reason };
}

/** Models named by the `models` property (comma-separated; empty = all), each one the pipeline trains. */
function modelsOf(value: string | undefined, known: readonly string[]): { ok: true; models: string[] } | { ok: false; message: string } {
  const named = (value ?? '').split(',').map((m) => m.trim().toLowerCase()).filter(Boolean);
  if (named.length === 0) return { ok: true, models: [...known] };
  const unknown = named.filter((m) => !known.includes(m));
  if (unknown.length) return { ok: false, message: `unknown model(s) ${unknown.join(', ')}; known: ${known.join(', ')}` };
  return { ok: true, models: [...new Set(named)].sort() };
}

export function mountFlowActionRoute(app: Hono, deps: FlowActionDeps): void {
  const log = deps.logger ?? silentLogger;
  app.post(FLOW_ACTION_PATH, async (c) => {
    try {
      const declared = Number(c.req.header('content-length') ?? '0');
      if (declared > MAX_BODY_BYTES) return errorResponse('PAYLOAD_TOO_LARGE', `body exceeds ${MAX_BODY_BYTES} bytes`);
      const rawBody = await c.req.raw.text();
      if (Buffer.byteLength(rawBody) > MAX_BODY_BYTES) return errorResponse('PAYLOAD_TOO_LARGE', `body exceeds ${MAX_BODY_BYTES} bytes`);
      const v = await verified(deps.libraries, rawBody, c.req.raw);
      if (!v.ok) {
        log.warn('flow action refused: signature', { reason: v.reason });
        return errorResponse('UNAUTHORIZED', `Flow request not verified (${v.reason})`);
      }
      let json: unknown;
      try {
        json = JSON.parse(rawBody);
      } catch {
        return errorResponse('BAD_REQUEST', 'Flow action body must be JSON');
      }
      const body = flowActionBody.safeParse(json);
      if (!body.success) return errorResponse('BAD_REQUEST', `Flow action body: ${body.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
      const b = body.data;
      const shop = b.shopify_domain;
      // The shop is the signed body's; an unsigned header naming another shop, or a shop not served here, is refused.
      const header = c.req.header('x-shopify-shop-domain');
      if (header !== undefined && header.toLowerCase() !== shop) return errorResponse('FORBIDDEN', 'X-Shopify-Shop-Domain does not name the signed shop');
      if (b.handle !== undefined && b.handle !== RETRAIN_ACTION_HANDLE) return errorResponse('NOT_FOUND', `no Flow action ${JSON.stringify(b.handle)} here`);
      if (!(await deps.isInstalledShop(shop))) {
        log.warn('flow action refused: shop not installed here', { shop });
        return errorResponse('FORBIDDEN', 'the shop is not installed here');
      }
      const models = modelsOf(b.properties.models, deps.models);
      if (!models.ok) return errorResponse('BAD_REQUEST', `Flow action property models: ${models.message}`);
      const run: FlowActionRun = {
        action_run_id: b.action_run_id,
        shop,
        handle: RETRAIN_ACTION_HANDLE,
        models: models.models,
        reason: b.properties.reason?.trim() || `Shopify Flow action ${RETRAIN_ACTION_HANDLE} (run ${b.action_run_id})`,
        received_at: deps.clock.now().toISOString(),
      };
      const fresh = await deps.runs.claim(run);
      if (!fresh) {
        log.info('flow action replayed: already accepted', { shop, actionRunId: run.action_run_id });
        return c.json({ status: 'duplicate', action_run_id: run.action_run_id });
      }
      deps.enqueue(run);
      log.info('flow action accepted: retraining queued', { shop, actionRunId: run.action_run_id, models: run.models });
      return c.json({ status: 'queued', action_run_id: run.action_run_id });
    } catch (err) {
      // Flow retries a 5xx (the run was not recorded, or recorded and queued once: a retry is then a duplicate).
      const e = ShopMlopsError.fromUnknown(err, 'UNAVAILABLE');
      log.error('flow action failed', { error: e.message, code: e.code });
      return errorResponse(e.status >= 500 ? e.code : 'UNAVAILABLE', e.message);
    }
  });
}
