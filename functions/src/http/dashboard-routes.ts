// The operations dashboard's JSON routes (a Hono sub-app): registry, runs, endpoints and their history, live metrics, drift, the rollout timeline, forecasts, customer value and ingest health, read from ports only.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import type { DashboardReads } from '../ports/dashboard-reads';
import type { Endpoints, RolloutRecord } from '../ports/endpoints';
import type { ModelRegistries } from '../ports/model-registry';
import type { MonitorDecision, MonitoringStore, RetrainRequest } from '../ports/monitoring-store';
import { compareRunRecords, type RunTracker } from '../ports/run-tracker';
import type { Caller, ResolveCaller } from './caller';
import { errorResponse } from './webhook-app';

export interface DashboardDeps {
  /** Who calls: the admin app's session token (cloud) or the runtime's operator (local); storefront callers are refused. */
  resolveCaller: ResolveCaller;
  remoteAddress?: (req: Request, env: unknown) => string | undefined;
  /** Local only (the mount is already loopback + admin token): GET /shops lists every shop of the store. */
  listsAllShops?: boolean;
  /** Models shown (the registry has no list of names): the scored models. */
  models: readonly string[];
  /** Every shop's registry: the page shows the versions of the shop it is for. */
  registries: Pick<ModelRegistries, 'forShop'>;
  runs: Pick<RunTracker, 'listRuns'>;
  endpoints: Pick<Endpoints, 'getState' | 'history'>;
  monitoring: Pick<MonitoringStore, 'decisions' | 'driftResults' | 'retrainRequests'>;
  reads: DashboardReads;
  /** The rollback threshold per model (the monitoring policy's models). */
  thresholds: Record<string, { metric: string; threshold: number }>;
  /** Deliveries acknowledged and not yet landed (embedded: the loader's backlog); absent where it is not known here. */
  backlog?: () => { bytes: number; oldestSeconds: number | null } | Promise<{ bytes: number; oldestSeconds: number | null }>;
  now: () => Date;
  logger: Logger;
}

const VIA_ALLOWED = new Set<Caller['via']>(['session_token', 'local_admin']);
const int = (min: number, max: number, dflt: number) => z.coerce.number().int().min(min).max(max).default(dflt);
/** Every route's query: the shop (checked by the caller resolver) and the route's own parameters; nothing else. */
const QUERIES = {
  shops: z.strictObject({}),
  models: z.strictObject({ shop: z.string().optional() }),
  runs: z.strictObject({ shop: z.string().optional(), limit: int(1, 20, 6) }),
  endpoints: z.strictObject({ shop: z.string().optional() }),
  live: z.strictObject({ shop: z.string().optional(), model: z.string().regex(/^[a-z_][a-z0-9_-]{0,62}$/).optional(), days: int(1, 400, 90) }),
  drift: z.strictObject({ shop: z.string().optional(), days: int(1, 400, 30) }),
  timeline: z.strictObject({ shop: z.string().optional(), days: int(1, 400, 90) }),
  variants: z.strictObject({ shop: z.string().optional(), limit: int(1, 500, 100) }),
  forecast: z.strictObject({ shop: z.string().optional(), variant_id: z.string().regex(/^[0-9A-Za-z_:.-]{1,64}$/, 'must be a variant id'), history_days: int(7, 365, 56) }),
  customers: z.strictObject({ shop: z.string().optional(), bins: int(4, 60, 24) }),
  ingest: z.strictObject({ shop: z.string().optional(), minutes: int(5, 1440, 60) }),
} as const;
type RouteName = keyof typeof QUERIES;

/** One entry of the rollout timeline: an endpoint change, a monitor decision (with its evidence) or a retraining request. */
export type TimelineEvent =
  | { kind: 'rollout'; at: string; model: string; action: RolloutRecord['action']; actor: string; reason: string; version: number | null; before: RolloutRecord['before']; after: RolloutRecord['after']; revision: number }
  | { kind: 'decision'; at: string; model: string; action: MonitorDecision['action']; reason: MonitorDecision['reason']; version: number; precision: MonitorDecision['precision']; guardrails: MonitorDecision['guardrails']; before: MonitorDecision['before']; after: MonitorDecision['after'] }
  | { kind: 'retrain'; at: string; models: string[]; trigger: RetrainRequest['trigger']; reason: string; status: RetrainRequest['status']; run_id: string | null };

const daysBefore = (now: Date, days: number): Date => new Date(now.getTime() - days * 86_400_000);

export function createDashboardRoutes(deps: DashboardDeps): Hono {
  const app = new Hono();

  async function handle(c: Context, route: RouteName, answer: (q: Record<string, unknown>, shop: string) => Promise<unknown>): Promise<Response> {
    try {
      // Who calls first: a refused caller learns nothing about the parameters.
      let shop = '';
      if (!(route === 'shops' && deps.listsAllShops)) {
        const caller = await deps.resolveCaller(c.req.raw, { remoteAddress: deps.remoteAddress?.(c.req.raw, c.env), caller: c.get('caller') as Caller | undefined });
        if (caller instanceof Response) return caller;
        if (!VIA_ALLOWED.has(caller.via)) return errorResponse('FORBIDDEN', 'the dashboard is for the shop\'s admins (App Bridge session token), not the storefront');
        shop = caller.shop;
      }
      const parsed = QUERIES[route].safeParse(Object.fromEntries(new URL(c.req.raw.url).searchParams));
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`);
        return errorResponse('BAD_REQUEST', `dashboard/${route}: ${problems.join('; ')}`, { problems });
      }
      const body = await answer(parsed.data as Record<string, unknown>, shop);
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'private, no-store' } });
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err, 'INTERNAL');
      if (e.status >= 500) deps.logger.error('dashboard route failed', { route, error: e.message, code: e.code });
      return errorResponse(e.code, e.message, e.details ?? {});
    }
  }

  app.get('/shops', (c) => handle(c, 'shops', async (_q, shop) => ({ shops: deps.listsAllShops ? await deps.reads.shops() : [shop] })));

  app.get('/models', (c) =>
    handle(c, 'models', async (_q, shop) => ({
      models: await Promise.all(
        deps.models.map(async (model) => ({
          model,
          versions: (await deps.registries.forShop(shop).listVersions(model)).map((v) => ({ version: v.version, aliases: v.aliases, metrics: v.metrics, runId: v.runId, createdAt: v.createdAt, description: v.description })),
          threshold: deps.thresholds[model] ?? null,
        })),
      ),
    })),
  );

  app.get('/runs', (c) =>
    handle(c, 'runs', async (q, shop) => {
      // The shop's newest runs side by side (params, metrics, data snapshot, code, step times); a run names its shop in its
      // params, or none when it trained on the store's only shop (shown to the local operator, who owns the whole store).
      const ofShop = (r: { params: Record<string, unknown> }) => r.params['shop'] === shop || (deps.listsAllShops === true && !r.params['shop']);
      const runs = (await deps.runs.listRuns()).filter(ofShop).slice(0, q['limit'] as number);
      return { runs: runs.map((r) => ({ id: r.id, experiment: r.experiment, status: r.status, startedAt: r.startedAt, endedAt: r.endedAt, dataSnapshot: r.dataSnapshot })), comparison: compareRunRecords(runs) };
    }),
  );

  app.get('/endpoints', (c) =>
    handle(c, 'endpoints', async (_q, shop) => ({
      endpoints: await Promise.all(
        deps.models.map(async (model) => {
          const [state, history] = await Promise.all([deps.endpoints.getState({ shop, model }), deps.endpoints.history({ shop, model })]);
          return { model, split: state.split, deployed: state.deployed.map((d) => d.version), revision: state.revision, history: history.map((h) => ({ at: h.at, revision: h.revision, action: h.action, actor: h.actor, reason: h.reason, version: h.version, after: h.after })) };
        }),
      ),
    })),
  );

  app.get('/live', (c) =>
    handle(c, 'live', async (q, shop) => {
      const since = daysBefore(deps.now(), q['days'] as number).toISOString().slice(0, 10);
      const model = q['model'] as string | undefined;
      return { since, thresholds: deps.thresholds, days: await deps.reads.liveMetrics({ shop, sinceDate: since, ...(model ? { model } : {}) }) };
    }),
  );

  app.get('/drift', (c) =>
    handle(c, 'drift', async (q, shop) => {
      const since = daysBefore(deps.now(), q['days'] as number).toISOString().slice(0, 10);
      const results = await deps.monitoring.driftResults({ shop, since });
      return { since, results: results.map((r) => ({ run_date: r.run_date, subject: r.subject, model: r.model, feature: r.feature, kind: r.kind, psi: r.psi, p_adjusted: r.p_adjusted, drifted: r.drifted, level: r.level, n_reference: r.n_reference, n_current: r.n_current })) };
    }),
  );

  app.get('/timeline', (c) =>
    handle(c, 'timeline', async (q, shop) => {
      const since = daysBefore(deps.now(), q['days'] as number).toISOString();
      const [histories, decisions, retrains] = await Promise.all([
        Promise.all(deps.models.map((model) => deps.endpoints.history({ shop, model }))),
        deps.monitoring.decisions({ shop, since }),
        deps.monitoring.retrainRequests({ shop, since }),
      ]);
      const events: TimelineEvent[] = [
        ...histories.flat().filter((h) => h.at >= since).map((h): TimelineEvent => ({ kind: 'rollout', at: h.at, model: h.model, action: h.action, actor: h.actor, reason: h.reason, version: h.version, before: h.before, after: h.after, revision: h.revision })),
        ...decisions.map((d): TimelineEvent => ({ kind: 'decision', at: d.decided_at, model: d.model, action: d.action, reason: d.reason, version: d.version, precision: d.precision, guardrails: d.guardrails, before: d.before, after: d.after })),
        ...retrains.map((r): TimelineEvent => ({ kind: 'retrain', at: r.requested_at, models: r.models, trigger: r.trigger, reason: r.reason, status: r.status, run_id: r.run_id })),
      ];
      events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      return { since, events };
    }),
  );

  app.get('/variants', (c) => handle(c, 'variants', async (q, shop) => ({ variants: await deps.reads.variants({ shop, limit: q['limit'] as number }) })));
  app.get('/forecast', (c) => handle(c, 'forecast', async (q, shop) => deps.reads.forecast({ shop, variantId: q['variant_id'] as string, historyDays: q['history_days'] as number })));
  app.get('/customers', (c) => handle(c, 'customers', async (q, shop) => deps.reads.customerValue({ shop, bins: q['bins'] as number })));
  app.get('/ingest', (c) =>
    handle(c, 'ingest', async (q, shop) => {
      const now = new Date(); // landing happens on the wall clock, whatever clock the jobs run on
      const [health, backlog] = await Promise.all([deps.reads.ingest({ shop, now, minutes: q['minutes'] as number }), deps.backlog ? deps.backlog() : null]);
      return { ...health, backlog };
    }),
  );
  app.notFound(() => errorResponse('NOT_FOUND', 'no such dashboard route'));
  return app;
}
