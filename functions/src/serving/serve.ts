// The serving core: (shop, model, unit, entity) → the assigned arm's version predicts; on a fault or a missed latency budget the champion, then the last batch score, then popularity / nothing answers; every answer is labelled, counted and logged.
import { randomUUID } from 'node:crypto';
import { sha256 } from '../core/hmac-sha256';
import { ShopMlopsError } from '../core/errors';
import { throttledWarn, type Logger } from '../core/log';
import { versionLabel, type ServingMetrics } from '../core/metrics';
import type { EndpointKey, EndpointState, Endpoints } from '../ports/endpoints';
import type { FallbackReason, PredictionLog, ServedBy, ServedLabels } from '../ports/prediction-log';
import type { PredictionStore } from '../ports/prediction-store';
import type { TrainedModelName } from '../training/models/types';
import { assignArm, type AssignmentUnit } from './assignment';
import type { LoadedModel, ModelCache } from './model-cache';
import { clvFromBatch, clvScore, propensityScore } from './predict-customer';
import { forecastDays, replenishment } from './predict-forecast';
import { recommendFor, type ProductRecommendation } from './predict-recommend';
import { KEY_COLUMNS, type PredictionRow } from './prediction-tables';
import type { ServingFeatures } from './serving-features';

export type ServingRoute = 'recommendations_product' | 'recommendations_cart' | 'customer_predictions' | 'variant_forecast';

export type PredictEntity =
  | { kind: 'products'; productIds: string[]; k: number }
  | { kind: 'customer'; customerId: string }
  | { kind: 'variant'; variantId: string };

export interface PredictRequest {
  shop: string;
  route: ServingRoute;
  model: TrainedModelName;
  /** Who asked (logged; the customer id is what redaction deletes by). */
  caller: { customerId: string | null; visitorId: string | null };
  /** The assignment unit; null when the request has none (the champion answers, unassigned). */
  unit: AssignmentUnit | null;
  entity: PredictEntity;
}

/** What every answer says besides the prediction. */
export interface ServedPrediction extends ServedLabels {
  /** Feature or batch snapshot the prediction rests on. */
  snapshot_date: string | null;
  prediction: unknown;
  latency_ms: number;
}

export interface ServingCoreDeps {
  endpoints: Pick<Endpoints, 'getState'>;
  models: ModelCache;
  predictions: Pick<PredictionStore, 'read'>;
  features: ServingFeatures;
  log: PredictionLog;
  metrics?: ServingMetrics;
  /** Latency budget of each layer (ms): the endpoint state, the arm's version, the champion, the batch scores and popularity get as much each. */
  budgetMs: number;
  logger: Logger;
  now?: () => Date;
}

export interface ServingCore {
  predict(req: PredictRequest): Promise<ServedPrediction>;
  /**
   * Loads what a first request would: every deployed version of the endpoint, the shop's serving features and (CLV)
   * the version's batch answers for the latest snapshot. Run before traffic, a restart under load serves from memory
   * at once (cold, each request timed out into a per-request batch read until the loads landed). Never throws: what
   * fails to load is loaded on request, as without it.
   */
  warm(key: EndpointKey): Promise<void>;
}

/** A layer could not answer, and why. */
class Fault extends Error {
  constructor(readonly reason: FallbackReason, message: string) {
    super(message);
  }
}

/** Rejects with a timeout fault when `p` does not settle within `ms` (p keeps running: a slow load still lands in the cache). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  if (ms <= 0) return Promise.reject(new Fault('timeout', 'no time left in the latency budget'));
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Fault('timeout', `no answer within ${ms.toFixed(1)} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** Load failures: no such version or files → no_version; not a servable model → model_error; the registry or store failing → unavailable. */
function loadFault(err: unknown): Fault {
  if (err instanceof Fault) return err;
  const e = ShopMlopsError.fromUnknown(err, 'UNAVAILABLE');
  const reason: FallbackReason = e.code === 'NOT_FOUND' ? 'no_version' : e.code === 'UNPROCESSABLE' || e.code === 'BAD_REQUEST' || e.code === 'INTERNAL' ? 'model_error' : 'unavailable';
  return new Fault(reason, e.message);
}

const KEY_NAMES = new Set([...KEY_COLUMNS.map((c) => c.name), 'scored_at']);
const withoutKey = (r: PredictionRow): PredictionRow => Object.fromEntries(Object.entries(r).filter(([k]) => !KEY_NAMES.has(k)));

/** Product recommendations of a batch for the shown products: one product's list as scored, a cart's lists summed per product (never one of the cart's). */
function mergeBatchRecommendations(rows: readonly PredictionRow[], productIds: readonly string[], k: number): ProductRecommendation[] {
  const key = productIds.join(',');
  if (productIds.length === 1) return rows.slice(0, k).map((r) => ({ product_id: key, rank: Number(r['rank']), recommended_product_id: String(r['recommended_product_id']), score: Number(r['score']), source: r['source'] === 'popular' ? 'popular' : 'similar' }));
  const shown = new Set(productIds);
  const sum = new Map<string, { score: number; similar: boolean }>();
  for (const r of rows) {
    const id = String(r['recommended_product_id']);
    if (shown.has(id)) continue;
    const s = sum.get(id) ?? { score: 0, similar: false };
    s.score += Number(r['score']);
    s.similar ||= r['source'] !== 'popular';
    sum.set(id, s);
  }
  return [...sum.entries()]
    .sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([id, s], i) => ({ product_id: key, rank: i + 1, recommended_product_id: id, score: s.score, source: s.similar ? 'similar' : 'popular' }));
}

export function inputsHash(req: Pick<PredictRequest, 'route' | 'model' | 'entity'>): string {
  return sha256(JSON.stringify({ route: req.route, model: req.model, entity: req.entity })).toString('hex');
}

/** Most customer predictions kept per loaded version (oldest evicted first). */
const MEMO_PER_VERSION = 200_000;
const memos = new WeakMap<LoadedModel, Map<string, unknown>>();

const memoOf = (m: LoadedModel): Map<string, unknown> => {
  let memo = memos.get(m);
  if (!memo) memos.set(m, (memo = new Map()));
  return memo;
};
const remember = (memo: Map<string, unknown>, key: string, value: unknown) => {
  if (memo.size >= MEMO_PER_VERSION) memo.delete(memo.keys().next().value!);
  memo.set(key, value);
};

/** The loaded version's answer for `key`, computed once (bounded per version; dropped with the version). */
function memoized(m: LoadedModel, key: string, compute: () => unknown): unknown {
  const memo = memoOf(m);
  if (memo.has(key)) return memo.get(key);
  const value = compute();
  remember(memo, key, value);
  return value;
}

/** Customers per batch-score read when seeding a version's CLV answers. */
const SEED_CHUNK = 5_000;
/** Seeds started per loaded version and snapshot (each runs once; concurrent requests share it). */
const seeds = new WeakMap<LoadedModel, Map<string, Promise<void>>>();

export function createServingCore(deps: ServingCoreDeps): ServingCore {
  const { models, features, budgetMs } = deps;
  const now = deps.now ?? (() => new Date());
  /** Fallback warnings at most once per (shop, model, step, reason) per 10 s; the fallbacks metric counts each. */
  const warnings = throttledWarn(deps.logger, 10_000);

  /** Starts loading deployed versions that are not loaded yet (warm versions are preloaded on first sight). */
  const preload = (state: EndpointState) => {
    for (const d of state.deployed) if (!models.isLoaded(state.shop, state.model, d.version)) void models.warm({ shop: state.shop, model: state.model, version: d.version }).catch(() => undefined);
  };

  /**
   * Fills the version's memo with its batch scores for `snapshot` (customer_clv rows of this version and snapshot), once
   * per (version, snapshot); a failed or empty read leaves the customers to be computed on request.
   */
  function seedClv(shop: string, m: LoadedModel, snapshot: string, customerIds: readonly string[]): Promise<void> {
    let bySnapshot = seeds.get(m);
    if (!bySnapshot) seeds.set(m, (bySnapshot = new Map()));
    let seed = bySnapshot.get(snapshot);
    if (!seed) {
      seed = (async () => {
        const memo = memoOf(m);
        for (let i = 0; i < customerIds.length && i < MEMO_PER_VERSION; i += SEED_CHUNK) {
          const r = await deps.predictions.read({ table: 'customer_clv', shop, column: 'customer_id', values: customerIds.slice(i, i + SEED_CHUNK), batch: { snapshotDate: snapshot, version: m.version } });
          if (!r) return;
          for (const row of r.rows) {
            const k = `${snapshot}|${String(row['customer_id'])}`;
            if (!memo.has(k)) remember(memo, k, clvFromBatch(row));
          }
        }
      })().catch((err: Error) => warnings.warn(`seed|${shop}|${m.model}`, 'batch scores could not seed the CLV answers; computing them per request', { shop, model: m.model, version: m.version, error: err.message }));
      bySnapshot.set(snapshot, seed);
    }
    return seed;
  }

  /** The loaded version's prediction for the entity. */
  async function online(req: PredictRequest, m: LoadedModel): Promise<{ prediction: unknown; snapshot: string | null }> {
    const e = req.entity;
    if (m.model === 'recommend' && e.kind === 'products') return { prediction: recommendFor(m.production, e.productIds, e.k), snapshot: m.snapshot };
    if ((m.model === 'clv' || m.model === 'propensity') && e.kind === 'customer') {
      const f = await features.get(req.shop).catch((err: Error) => {
        throw new Fault('unavailable', `customer features: ${err.message}`);
      });
      const row = f.customers.get(e.customerId);
      if (!row || !f.snapshot) throw new Fault('no_data', `customer ${e.customerId} is not in the latest customer_rfm snapshot`);
      const snapshot = f.snapshot;
      // A version's prediction for a customer's features row is deterministic (CLV's interval draws are seeded), and
      // CLV costs ~1 ms of CPU: each (version, snapshot, customer) is computed once and then served from memory.
      const key = `${snapshot}|${e.customerId}`;
      // CLV's score step already computed this version's answer for every customer of its snapshot (the same fit, row,
      // draws and seed): the first request for a (version, snapshot) reads that batch into memory instead of spending
      // milliseconds of the serving thread per customer (877 new customers at 2,000 req/s stalled it for seconds).
      if (m.model === 'clv' && !memoOf(m).has(key)) await seedClv(req.shop, m, snapshot, [...f.customers.keys()]);
      const prediction = memoized(m, key, () => (m.model === 'clv' ? clvScore(m.production, row, { snapshot }) : propensityScore(m.production, row)));
      return { prediction, snapshot };
    }
    if (m.model === 'forecast' && e.kind === 'variant') {
      const v = m.byVariant.get(e.variantId);
      if (!v) throw new Fault('no_data', `variant ${e.variantId} is not in forecast v${m.version}`);
      // Stock is optional: without features the reorder point is still served (days of cover unknown).
      const f = await features.get(req.shop).catch(() => null);
      const snapshot = f?.snapshot ?? m.snapshot;
      return { prediction: { forecast: forecastDays(v), replenishment: replenishment(v, f?.stock.get(e.variantId) ?? null, snapshot) }, snapshot };
    }
    throw new Fault('model_error', `model ${m.model} does not answer ${e.kind} requests`);
  }

  /** One model layer: load (or reuse) the version and predict, within the budget. */
  async function modelLayer(req: PredictRequest, version: number) {
    const deadline = performance.now() + budgetMs;
    const work = (async () => {
      let m: LoadedModel;
      try {
        m = await models.get(req.shop, req.model, version);
      } catch (err) {
        throw loadFault(err);
      }
      try {
        return await online(req, m);
      } catch (err) {
        if (err instanceof Fault) throw err;
        throw new Fault('model_error', `${req.model} v${version}: ${(err as Error).message}`);
      }
    })();
    const out = await within(work, deadline - performance.now());
    // A synchronous prediction cannot be interrupted: an answer that came after the deadline still missed it.
    if (performance.now() > deadline) throw new Fault('timeout', `${req.model} v${version} answered after the ${budgetMs} ms budget`);
    return out;
  }

  async function batchLayer(req: PredictRequest): Promise<{ prediction: unknown; snapshot: string; version: number } | null> {
    const e = req.entity;
    const read = deps.predictions.read.bind(deps.predictions);
    if (e.kind === 'products') {
      const r = await read({ table: 'product_recommendations', shop: req.shop, column: 'product_id', values: e.productIds });
      return r && { prediction: mergeBatchRecommendations(r.rows, e.productIds, e.k), snapshot: r.snapshotDate, version: r.version };
    }
    if (e.kind === 'customer') {
      const r = await read({ table: req.model === 'clv' ? 'customer_clv' : 'customer_propensity', shop: req.shop, column: 'customer_id', values: [e.customerId] });
      return r && { prediction: withoutKey(r.rows[0]!), snapshot: r.snapshotDate, version: r.version };
    }
    const rep = await read({ table: 'variant_replenishment', shop: req.shop, column: 'variant_id', values: [e.variantId] });
    if (!rep) return null;
    const days = await read({ table: 'variant_forecast', shop: req.shop, column: 'variant_id', values: [e.variantId], batch: { snapshotDate: rep.snapshotDate, version: rep.version } });
    return { prediction: { forecast: (days?.rows ?? []).map(withoutKey), replenishment: withoutKey(rep.rows[0]!) }, snapshot: rep.snapshotDate, version: rep.version };
  }

  /** The no-model experience: the shop's most bought products for recommendations, nothing personalised otherwise. */
  async function noModel(req: PredictRequest): Promise<{ prediction: unknown; servedBy: ServedBy; snapshot: string | null }> {
    const e = req.entity;
    if (e.kind !== 'products') return { prediction: null, servedBy: 'none', snapshot: null };
    try {
      const f = await within(features.get(req.shop), budgetMs);
      const shown = new Set(e.productIds);
      const key = e.productIds.join(',');
      const list: ProductRecommendation[] = f.popular
        .filter((p) => !shown.has(p.product_id))
        .slice(0, e.k)
        .map((p, i) => ({ product_id: key, rank: i + 1, recommended_product_id: p.product_id, score: p.score, source: 'popular' }));
      return { prediction: list, servedBy: 'popularity', snapshot: f.snapshot };
    } catch (err) {
      warnings.warn(`popularity|${req.shop}`, 'popularity unavailable; answering with nothing', { shop: req.shop, error: (err as Error).message });
      return { prediction: [], servedBy: 'none', snapshot: null };
    }
  }

  async function predict(req: PredictRequest): Promise<ServedPrediction> {
    const t0 = performance.now();
    const out: Omit<ServedPrediction, 'latency_ms'> = { model: req.model, arm: 'champion', bucket: null, assigned_version: null, version: null, served_by: 'none', fallback: false, fallback_reason: null, snapshot_date: null, prediction: null };
    let reason: FallbackReason | null = null;
    const fail = (err: unknown, what: string) => {
      const f = err instanceof Fault ? err : loadFault(err);
      reason ??= f.reason;
      warnings.warn(`fell-back|${req.shop}|${req.model}|${what}|${f.reason}`, 'serving fell back', { shop: req.shop, model: req.model, step: what, reason: f.reason, error: f.message });
    };
    let answered = false;
    const take = (r: { prediction: unknown; snapshot: string | null }, servedBy: ServedBy, version: number | null) => {
      Object.assign(out, { prediction: r.prediction, snapshot_date: r.snapshot, served_by: servedBy, version });
      answered = true;
    };

    // 1. The endpoint's split and the unit's arm.
    let state: EndpointState | null = null;
    try {
      state = await within(deps.endpoints.getState({ shop: req.shop, model: req.model }), budgetMs);
      preload(state);
    } catch (err) {
      fail(err instanceof Fault ? err : new Fault('unavailable', `endpoint state: ${(err as Error).message}`), 'endpoint');
    }
    const split = state?.split ?? null;
    if (split) {
      if (req.unit) {
        const a = assignArm(split, req.shop, req.model, req.unit);
        Object.assign(out, { arm: a.arm, bucket: a.bucket, assigned_version: a.version });
      } else out.assigned_version = split.champion.version;
    }

    if (out.arm === 'holdout') {
      // No model by design: the experience lift is measured against.
      const r = await noModel(req);
      take(r, r.servedBy, null);
    } else {
      const tried = new Set<number>();
      // 2. The arm's version (with no endpoint deployed yet, the registry's champion is the arm's version).
      if (state && !split) {
        try {
          const v = await within(models.aliasVersion(req.shop, req.model, 'champion'), budgetMs);
          if (v === null) throw new Fault('no_version', `${req.model} has no endpoint and no champion`);
          out.assigned_version = v;
        } catch (err) {
          fail(err, 'champion alias');
        }
      }
      if (out.assigned_version !== null) {
        tried.add(out.assigned_version);
        try {
          take(await modelLayer(req, out.assigned_version), 'model', out.assigned_version);
        } catch (err) {
          fail(err, `${out.arm} v${out.assigned_version}`);
        }
      }
      // 3. The champion, when the arm was the challenger (or the endpoint state could not be read).
      if (!answered && (out.arm === 'challenger' || !state)) {
        try {
          const v = split ? split.champion.version : await within(models.aliasVersion(req.shop, req.model, 'champion'), budgetMs);
          if (v !== null && !tried.has(v)) take(await modelLayer(req, v), 'champion', v);
        } catch (err) {
          fail(err, 'champion');
        }
      }
      // 4. The last batch score.
      if (!answered) {
        try {
          const r = await within(batchLayer(req), budgetMs);
          if (r) take(r, 'batch', r.version);
        } catch (err) {
          warnings.warn(`batch|${req.shop}|${req.model}`, 'batch scores unavailable', { shop: req.shop, model: req.model, error: (err as Error).message });
        }
      }
      // 5. Popularity, or nothing.
      if (!answered) {
        const r = await noModel(req);
        take(r, r.servedBy, null);
      }
      if (out.served_by !== 'model') Object.assign(out, { fallback: true, fallback_reason: reason ?? 'no_data' });
    }

    const served: ServedPrediction = { ...out, latency_ms: performance.now() - t0 };
    deps.metrics?.predictions.inc({ model: req.model, arm: served.arm, served_by: served.served_by });
    deps.metrics?.predictionSeconds.observe({ model: req.model, version: versionLabel(served.version) }, served.latency_ms / 1000);
    if (served.fallback) deps.metrics?.fallbacks.inc({ model: req.model, reason: served.fallback_reason!, served_by: served.served_by });
    logServed(req, served);
    return served;
  }

  function logServed(req: PredictRequest, s: ServedPrediction): void {
    const e = req.entity;
    deps.log.record({
      prediction_id: randomUUID(),
      shop: req.shop,
      served_at: now().toISOString(),
      route: req.route,
      model: req.model,
      arm: s.arm,
      bucket: s.bucket,
      assigned_version: s.assigned_version,
      version: s.version,
      served_by: s.served_by,
      fallback: s.fallback,
      fallback_reason: s.fallback_reason,
      // The customer the row is about: the one predicted for, else the caller (redaction deletes by it).
      customer_id: e.kind === 'customer' ? e.customerId : req.caller.customerId,
      visitor_id: req.caller.visitorId,
      entity_id: e.kind === 'products' ? e.productIds.join(',') : e.kind === 'customer' ? e.customerId : e.variantId,
      inputs_hash: inputsHash(req),
      output: s.prediction === null ? null : JSON.stringify(s.prediction),
      latency_ms: s.latency_ms,
    });
  }

  async function warm(key: EndpointKey): Promise<void> {
    const state = await deps.endpoints.getState(key).catch(() => null);
    if (!state) return;
    const f = await features.get(key.shop).catch(() => null);
    for (const d of state.deployed) {
      const m = await models.get(key.shop, key.model, d.version).catch(() => null);
      if (m?.model === 'clv' && f?.snapshot) await seedClv(key.shop, m, f.snapshot, [...f.customers.keys()]);
    }
  }

  return { predict, warm };
}
