// Retraining triggers: one entry point (velocity, drift, schedule, the Flow action) that coalesces a burst into one training run through MonitoringStore.claimRetrain; the velocity check and the schedule.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import { silentLogger, type Logger } from '../core/log';
import { SHOP_DOMAIN } from '../ports/endpoints';
import type { MetricsSink } from '../ports/metrics-sink';
import type { MonitoringStore, RequestRetrain, RetrainRequest, RetrainTrigger } from '../ports/monitoring-store';
import type { Row } from '../ports/warehouse';
import { shopsSql } from '../training/extract-sql';
import { SCORED_MODELS } from '../training/score';
import type { MonitoringPolicy } from './config';
import { HOUR_MS, velocityVerdict, velocityWindow, type HourlyOrders, type VelocityVerdict } from './velocity';
import { ordersPerHourSql } from './velocity-sql';

/** The models a retraining request may name (the training pipeline's). */
export const RETRAIN_MODELS: readonly string[] = SCORED_MODELS;
export const RETRAIN_TRIGGERS = ['velocity', 'drift', 'schedule', 'external'] as const satisfies readonly RetrainTrigger[];

export const retrainInputSchema = z.strictObject({
  shop: z.string().regex(SHOP_DOMAIN, 'must be a shop domain like example.myshopify.com'),
  models: z.array(z.enum(RETRAIN_MODELS as [string, ...string[]])).min(1, 'name at least one model'),
  trigger: z.enum(RETRAIN_TRIGGERS),
  reason: z.string().min(1).max(2000),
});
export type RetrainInput = z.input<typeof retrainInputSchema>;

/** A started training run: its id (the tracked run / the Vertex job), and, when the starter can follow it, its end. */
export interface StartedRun {
  runId: string;
  done?: Promise<{ ok: boolean; error?: string }>;
}
/** Starts the training pipeline for a request that owns its window (embedded: in-process; cloud: a Vertex pipeline job). */
export type StartTraining = (request: RetrainRequest) => Promise<StartedRun>;

/** The tracked params that name what started a run (training pipeline parameters: recorded with the run in both worlds). */
export const triggerParams = (r: RetrainRequest): { shop: string; trigger: string; trigger_request_id: string; trigger_models: string } => ({
  shop: r.shop,
  trigger: r.trigger,
  trigger_request_id: r.request_id,
  trigger_models: r.models.join(','),
});

export interface RetrainerDeps {
  store: MonitoringStore;
  start: StartTraining;
  policy: MonitoringPolicy;
  clock: { now(): Date };
  sink?: MetricsSink;
  logger?: Logger;
}

export interface Retrainer {
  /** Records the request; the first of a burst (same shop, a shared model, within retrain.coalesceMinutes) starts a run, the rest join it. */
  request: RequestRetrain;
  /** Resolves when every run this retrainer started has ended and its outcome is recorded (tests, shutdown). */
  idle(): Promise<void>;
}

export function createRetrainer(deps: RetrainerDeps): Retrainer {
  const log = deps.logger ?? silentLogger;
  const pending = new Set<Promise<void>>();
  const count = async (r: RetrainRequest, status: string) => {
    if (!deps.sink) return;
    await deps.sink.write([{ name: 'shop_mlops_retrain_runs_total', labels: { shop: r.shop, trigger: r.trigger, status }, value: 1, op: 'add' }], deps.clock.now()).catch((err: Error) => log.warn('retrain metric not written', { error: err.message }));
  };
  const finish = async (r: RetrainRequest, outcome: { ok: boolean; error?: string }) => {
    const patch = { status: outcome.ok ? ('succeeded' as const) : ('failed' as const), finished_at: deps.clock.now().toISOString(), error: outcome.ok ? null : (outcome.error ?? 'failed').slice(0, 2000) };
    await deps.store.updateRetrain(r.request_id, patch);
    await count(r, patch.status);
    log.info('retraining run ended', { shop: r.shop, trigger: r.trigger, requestId: r.request_id, runId: r.run_id, status: patch.status, ...(patch.error ? { error: patch.error } : {}) });
    return { ...r, ...patch };
  };

  const request: RequestRetrain = async (input) => {
    const parsed = retrainInputSchema.safeParse(input);
    if (!parsed.success) throw new ShopMlopsError('BAD_REQUEST', `retraining request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    const now = deps.clock.now();
    const own = {
      request_id: randomUUID(),
      shop: parsed.data.shop,
      models: [...new Set(parsed.data.models)].sort(),
      trigger: parsed.data.trigger,
      reason: parsed.data.reason,
      requested_at: now.toISOString(),
    };
    const since = new Date(now.getTime() - deps.policy.retrain.coalesceMinutes * 60_000).toISOString();
    const claimed = await deps.store.claimRetrain(own, since);
    // The store answers with this request as recorded: started, or coalesced into run_request_id's run.
    if (claimed.status === 'coalesced') {
      const runRequestId = claimed.run_request_id;
      const owner = (await deps.store.retrainRequests({ shop: own.shop, since })).find((r) => r.request_id === runRequestId);
      const joined: RetrainRequest = { ...own, status: 'coalesced', run_request_id: runRequestId, run_id: owner?.run_id ?? null, finished_at: null, error: null };
      log.info('retraining request joined a run already started', { shop: own.shop, trigger: own.trigger, requestId: own.request_id, runRequestId: joined.run_request_id });
      await count(joined, 'coalesced');
      return joined;
    }
    const started: RetrainRequest = { ...own, status: 'started', run_request_id: own.request_id, run_id: null, finished_at: null, error: null };
    let run: StartedRun;
    try {
      run = await deps.start(started);
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err);
      log.error('retraining run did not start', { shop: own.shop, trigger: own.trigger, requestId: own.request_id, error: e.message });
      return finish(started, { ok: false, error: e.message });
    }
    await deps.store.updateRetrain(own.request_id, { run_id: run.runId });
    const withRun = { ...started, run_id: run.runId };
    await count(withRun, 'started');
    log.info('retraining run started', { shop: own.shop, models: own.models, trigger: own.trigger, requestId: own.request_id, runId: run.runId });
    if (run.done) {
      const p: Promise<void> = run.done
        .catch((err: unknown) => ({ ok: false, error: ShopMlopsError.fromUnknown(err).message }))
        .then((outcome) => finish(withRun, outcome))
        .then(
          () => undefined,
          (err: Error) => log.error('retraining outcome not recorded', { requestId: own.request_id, error: err.message }),
        )
        .finally(() => pending.delete(p));
      pending.add(p);
    }
    return withRun;
  };

  return {
    request,
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}

/** What the velocity check and the schedule read and call. */
export interface RetrainJobDeps {
  /** Query-only: DuckDB embedded, BigQuery in the cloud. */
  warehouse: { readonly dialect: 'duckdb' | 'bigquery'; query(sql: string): Promise<Row[]> };
  store: MonitoringStore;
  policy: MonitoringPolicy;
  requestRetrain: RequestRetrain;
  sink?: MetricsSink;
  /** The models a trigger retrains (default all). */
  models?: readonly string[];
  logger?: Logger;
}

export interface VelocityCheckReport {
  at: string;
  shops: { shop: string; verdict: VelocityVerdict; request: RetrainRequest | null }[];
}

const lastRun = (deps: RetrainJobDeps, job: string, now: Date) =>
  deps.sink?.write([{ name: 'shop_mlops_monitor_last_run_timestamp_seconds', labels: { job }, value: now.getTime() / 1000 }], now).catch((err: Error) => deps.logger?.warn('monitor metric not written', { job, error: err.message }));

/**
 * Orders per hour of every shop (shop_raw.events) over the baseline window before `now`; a shop whose last complete hour
 * shifted (velocity.up / velocity.down against the baseline, enough orders) and that had no velocity request within
 * velocity.debounceHours asks to retrain (trigger 'velocity', the numbers as the reason).
 */
export async function runVelocityCheck(deps: RetrainJobDeps, now: Date): Promise<VelocityCheckReport> {
  const policy = deps.policy.velocity;
  const rows = await deps.warehouse.query(ordersPerHourSql(deps.warehouse.dialect, velocityWindow(now, policy.baselineHours)));
  const byShop = new Map<string, HourlyOrders[]>();
  for (const r of rows) {
    const shop = String(r['shop']);
    if (!byShop.has(shop)) byShop.set(shop, []);
    byShop.get(shop)!.push({ hour: Number(r['hour']), orders: Number(r['orders']) });
  }
  const report: VelocityCheckReport = { at: now.toISOString(), shops: [] };
  const debounceSince = new Date(now.getTime() - policy.debounceHours * HOUR_MS).toISOString();
  for (const [shop, counts] of [...byShop].sort(([a], [b]) => a.localeCompare(b))) {
    const recent = (await deps.store.retrainRequests({ shop, since: debounceSince })).filter((r) => r.trigger === 'velocity');
    const last = recent.reduce<string | null>((m, r) => (m === null || r.requested_at > m ? r.requested_at : m), null);
    const verdict = velocityVerdict(counts, now, policy, last ? new Date(last) : null);
    const request = verdict.trigger ? await deps.requestRetrain({ shop, models: [...(deps.models ?? RETRAIN_MODELS)], trigger: 'velocity', reason: verdict.reason }) : null;
    deps.logger?.info('velocity check', { shop, status: verdict.status, ratio: verdict.ratio, current: verdict.current, baselineMean: verdict.baselineMean, requestId: request?.request_id ?? null });
    report.shops.push({ shop, verdict, request });
  }
  await lastRun(deps, 'velocity', now);
  return report;
}

export interface ScheduledRetrainReport {
  at: string;
  shops: { shop: string; due: boolean; lastRunAt: string | null; request: RetrainRequest | null }[];
}

/**
 * Every shop with features (shop_features.customer_rfm) in which no retraining run started (any trigger; coalesced
 * requests do not count) within retrain.everyHours before `now` asks to retrain (trigger 'schedule'). everyHours 0: never.
 */
export async function runScheduledRetrain(deps: RetrainJobDeps, now: Date): Promise<ScheduledRetrainReport> {
  const every = deps.policy.retrain.everyHours;
  const report: ScheduledRetrainReport = { at: now.toISOString(), shops: [] };
  if (every <= 0) return report;
  const since = new Date(now.getTime() - every * HOUR_MS).toISOString();
  const shops = (await deps.warehouse.query(shopsSql())).map((r) => String(r['shop']));
  for (const shop of shops.sort()) {
    const started = (await deps.store.retrainRequests({ shop, since })).filter((r) => r.status !== 'coalesced');
    const lastRunAt = started.reduce<string | null>((m, r) => (m === null || r.requested_at > m ? r.requested_at : m), null);
    const due = lastRunAt === null;
    const request = due ? await deps.requestRetrain({ shop, models: [...(deps.models ?? RETRAIN_MODELS)], trigger: 'schedule', reason: `scheduled: no retraining run started in the ${every} hours before ${now.toISOString()}` }) : null;
    report.shops.push({ shop, due, lastRunAt, request });
  }
  await lastRun(deps, 'retrain', now);
  return report;
}

/** POST /admin/retrain's body (and the Flow action's fields): the shop (default: the only shop in the warehouse), models (default all), why. */
export const retrainRouteBody = z.strictObject({
  shop: retrainInputSchema.shape.shop.optional(),
  models: retrainInputSchema.shape.models.optional(),
  reason: z.string().min(1).max(2000).optional(),
});

/** A request from outside (operator, Flow action): trigger 'external'; without a shop, the warehouse's only shop. */
export async function retrainRouteRequest(request: RequestRetrain, warehouse: { query(sql: string): Promise<Row[]> }, body: z.output<typeof retrainRouteBody>): Promise<RetrainRequest> {
  let shop = body.shop;
  if (!shop) {
    const shops = (await warehouse.query('SELECT DISTINCT shop FROM shop_raw.events ORDER BY shop')).map((r) => String(r['shop']));
    if (shops.length !== 1) throw new ShopMlopsError('BAD_REQUEST', shops.length ? `name the shop: the warehouse has ${shops.join(', ')}` : 'name the shop: the warehouse has no shop yet');
    shop = shops[0]!;
  }
  return request({ shop, models: body.models ?? [...RETRAIN_MODELS], trigger: 'external', reason: body.reason ?? 'requested from outside (operator or Flow action)' });
}
