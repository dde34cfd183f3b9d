// Local-only, token-protected admin routes of the runtime: SQL, drain, features, batch scores, quarantine list and replay, a monitor pass and the rollouts' evidence.
import type { Hono } from 'hono';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { errorResponse } from '../http/webhook-app';
import { ShopMlopsError } from '../core/errors';
import { replayQuarantine } from '../core/quarantine-replay';
import type { LandedEvent } from '../core/classify';
import type { DuckDbWarehouse } from '../adapters/embedded/duckdb-warehouse';
import { createDuckDbPredictionStore } from '../adapters/embedded/duckdb-prediction-store';
import { predictionBatchesSchema } from '../serving/prediction-batch-schema';
import { runFeaturesJob } from './features-job';
import type { Loader } from './loader';
import type { Clock } from '../core/clock';
import type { RequestRetrain } from '../ports/monitoring-store';
import { retrainRouteBody, retrainRouteRequest } from '../monitoring/retrain';

export interface AdminDeps {
  token: string;
  /** Default time zone for feature days. */
  shopTimezone: string;
  /** Admin SQL statements are interrupted after this long unless the request asks for another limit (ms). */
  adminSqlTimeoutMs: number;
  warehouse: DuckDbWarehouse;
  loader: Loader;
  privacy: { handle(e: LandedEvent): Promise<unknown> };
  /** Remote address of the request (loopback only is accepted). */
  remoteAddress: (req: Request, env: unknown) => string | undefined;
  /** The monitoring loop: POST /admin/monitor runs a pass now, GET /admin/rollouts reads every rollout's evidence. */
  monitor?: { pass(now: Date): Promise<unknown>; rollouts(now: Date): Promise<unknown>; clock: Clock };
  /** The retrainer's entry point (POST /admin/retrain: the operator's and the Flow action's requests, trigger 'external'). */
  requestRetrain?: RequestRetrain;
}

export const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function tokenMatches(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** POST /admin/sql: read-only unless `write`; `timeoutMs` replaces the runtime's default limit for this request. */
export const adminSqlRequest = z.object({
  sql: z.string().min(1),
  write: z.boolean().default(false),
  timeoutMs: z.number().int().min(1).max(24 * 3_600_000).optional(),
});

export function mountAdminRoutes(app: Hono, deps: AdminDeps): void {
  app.use('/admin/*', async (c, next) => {
    const remote = deps.remoteAddress(c.req.raw, c.env);
    if (!remote || !LOOPBACK.has(remote)) return errorResponse('NOT_FOUND', 'admin routes are served on loopback only');
    const auth = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    if (!tokenMatches(auth, deps.token)) return errorResponse('UNAUTHORIZED', 'admin token missing or wrong (see runtime.json in the data directory)');
    await next();
  });
  app.post('/admin/sql', async (c) => {
    const body = adminSqlRequest.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return errorResponse('BAD_REQUEST', 'body must be {"sql": "...", "write"?: boolean, "timeoutMs"?: integer}');
    const { sql, write, timeoutMs = deps.adminSqlTimeoutMs } = body.data;
    try {
      return c.json({ rows: await deps.warehouse.adminSql(sql, { write, timeoutMs }) });
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err, 'BAD_REQUEST');
      return errorResponse(e.code, e.message, e.details ?? {});
    }
  });
  app.post('/admin/drain', async (c) => {
    const ok = await deps.loader.drain(Number(c.req.query('timeoutMs') ?? 60000));
    return c.json({ drained: ok, ...deps.loader.stats() }, ok ? 200 : 504);
  });
  app.post('/admin/features', async (c) => {
    const body = z.object({ snapshotDate: z.string().optional(), timezone: z.string().optional(), fullRefresh: z.boolean().optional(), projectDir: z.string().optional() }).safeParse(await c.req.json().catch(() => ({})));
    if (!body.success) return errorResponse('BAD_REQUEST', 'body must be {"snapshotDate"?, "timezone"?, "fullRefresh"?}');
    await deps.loader.drain(600_000); // every acknowledged event lands first
    return c.json({ report: await runFeaturesJob(deps.warehouse, { timezone: deps.shopTimezone, ...body.data }) });
  });
  // Batch scores from a training or score run in another process (the runtime owns the DuckDB file).
  app.post('/admin/predictions', async (c) => {
    const body = predictionBatchesSchema.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return errorResponse('BAD_REQUEST', `body must be {"batches": [{table, key, rows}]}: ${body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; ')}`);
    return c.json({ written: await createDuckDbPredictionStore(deps.warehouse).replace(body.data.batches) });
  });
  app.post('/admin/monitor', async (c) => {
    if (!deps.monitor) return errorResponse('NOT_FOUND', 'this runtime has no monitor');
    try {
      return c.json({ report: await deps.monitor.pass(deps.monitor.clock.now()) });
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err, 'INTERNAL');
      return errorResponse(e.code, e.message, e.details ?? {});
    }
  });
  app.post('/admin/retrain', async (c) => {
    const body = retrainRouteBody.safeParse(await c.req.json().catch(() => null));
    if (!body.success || !deps.requestRetrain) return errorResponse(deps.requestRetrain ? 'BAD_REQUEST' : 'NOT_FOUND', deps.requestRetrain ? `body must be {"shop"?, "models"?: string[], "reason"?}: ${body.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` : 'retraining is not set up in this runtime');
    try {
      const request = await retrainRouteRequest(deps.requestRetrain, deps.warehouse, body.data);
      return c.json({ request }, request.status === 'failed' ? 503 : 202);
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err, 'INTERNAL');
      return errorResponse(e.code, e.message, e.details ?? {});
    }
  });
  app.get('/admin/rollouts', async (c) => {
    if (!deps.monitor) return errorResponse('NOT_FOUND', 'this runtime has no monitor');
    return c.json({ report: await deps.monitor.rollouts(deps.monitor.clock.now()) });
  });
  app.get('/admin/quarantine', async (c) => c.json({ items: await deps.warehouse.listQuarantine({ includeReplayed: c.req.query('all') === '1' }) }));
  app.post('/admin/quarantine/replay', async (c) => {
    const body = z.object({ ids: z.array(z.string()).optional() }).safeParse(await c.req.json().catch(() => ({})));
    if (!body.success) return errorResponse('BAD_REQUEST', 'body must be {"ids"?: string[]}');
    await deps.loader.drain();
    return c.json({ outcomes: await replayQuarantine(deps.warehouse, { ids: body.data.ids, privacy: deps.privacy }) });
  });
}
