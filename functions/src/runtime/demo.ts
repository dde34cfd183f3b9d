// The demo: on an empty store, send a simulated store's webhooks (signed) to the runtime and summarise what landed.
import * as path from 'node:path';
import type { Runtime } from './local-runtime';
import { runtimeFile } from './runtime-file';
import { planStore } from '../simulator/plan-store';
import { addDays, localDate } from '../core/shop-days';
import { sendDeliveries } from '../simulator/send';
import type { Row } from '../ports/warehouse';
import { runFeaturesJob } from './features-job';
import type { RunReport } from '../features/runner';
import { runTraining, trainingResultOf, type TrainingSummary } from '../training/run';
import { runDemoRollout, type DemoRollout } from './demo-rollout';

export interface DemoOptions {
  /** Data directory of the runtime (the training pipeline's registry and runs live there). */
  dataDir: string;
  days: number;
  seed: number;
  /** Train on a store the demo did not seed (a restart on a non-empty store trains nothing unless asked). */
  retrain?: boolean;
  /** How long the demo waits for every acknowledged delivery to land (default 120 s). */
  drainTimeoutMs?: number;
  /** The last simulated day (the shop's calendar); default yesterday in the shop's zone, like a store installing the app today. */
  endDate?: string;
  secret: string;
  progress?: (line: string) => void;
}

export interface DemoSummary {
  seeded: boolean;
  sent: number;
  seconds: number;
  tables: Row[];
  /** Loader counters: rows landed, duplicate deliveries collapsed, quarantined. */
  loader: { landed: number; duplicates: number; quarantined: number };
  /** The shop's time zone: the runtime's (SHOP_MLOPS_SHOP_TIMEZONE), the one its scheduled feature builds use too. */
  timezone: string;
  /** The feature build that followed (every stage built so far runs in the demo); ok only when every build of the demo succeeded. */
  features: { snapshotDate: string; ok: boolean; seconds: number; actions: number; failed: string[] };
  /** The training pipeline on those features: models trained, evaluated, compared and registered; null when it did not run (a restart). */
  training: TrainingSummary | { ok: false; error: string } | null;
  /** What went wrong, one line each (loading that did not drain, a failed build, run or pass); empty when all went well. */
  problems: string[];
  /** Serving: every champion deployed, a second run's challengers at a 5 % canary, the traffic per model (null when training did not run). */
  rollout: DemoRollout | null;
  /** A prediction route call to try (while the runtime runs) and the answer the demo got to it (null without a deployed recommend model). */
  route: RouteExample | null;
  /** The first monitor pass (outcome join, then each canary's evidence and the decision on it); null when it could not run. */
  monitor: DemoMonitor | null;
}

export interface DemoMonitor {
  outcomeJoinFailures: string[];
  endpoints: { model: string; challenger: number; percent: number; action: string; why: string }[];
  error?: string;
}

/** One monitor pass on the demo store, as the runtime's scheduler would run it (nothing is labelled yet: canaries hold). */
async function demoMonitor(rt: Runtime): Promise<DemoMonitor> {
  try {
    const r = await rt.monitor.pass(new Date());
    return {
      outcomeJoinFailures: r.outcomeJoinFailures,
      endpoints: r.endpoints.map((e) => ({ model: e.model, challenger: e.challenger, percent: e.split.challenger?.percent ?? 0, action: e.decision.action, why: e.decision.why })),
    };
  } catch (err) {
    return { outcomeJoinFailures: [], endpoints: [], error: (err as Error).message };
  }
}

export interface RouteExample {
  call: string;
  answer: unknown;
}

/** The demo's shop (the simulator's store). */
export const DEMO_SHOP = 'demo-store.myshopify.com';

/** The anonymous visitor the demo's example call is bucketed as (sticky: the same arm every time). */
const DEMO_VISITOR = 'demo-visitor';

/**
 * One real prediction route call on the demo store, made through the running runtime as its operator would (loopback
 * + the admin token of runtime.json): the recommendations for the product with the most of them in the batch scores.
 * Returns the curl command to try (reading the token from runtime.json, never printing it) and the answer it got;
 * null when the recommend model is not deployed.
 */
export async function routeExample(rt: Runtime, rollout: DemoRollout | null, dataDir: string): Promise<RouteExample | null> {
  const recommend = rollout?.models.find((m) => m.model === 'recommend');
  const shop = rollout?.traffic.find((t) => t.state.model === 'recommend')?.state.shop;
  if (!recommend?.champion || !shop) return null;
  const top = await rt.warehouse.query(`
    SELECT product_id FROM shop_predictions.product_recommendations
    WHERE shop = '${shop.replace(/'/g, "''")}' AND model = 'recommend' AND version = ${recommend.champion}
    GROUP BY product_id ORDER BY count(*) DESC, product_id LIMIT 1`);
  const productId = top[0]?.['product_id'];
  if (productId === undefined) return null;
  const url = `${rt.url}/api/recommendations/product?${new URLSearchParams({ shop, product_id: String(productId), k: '3', visitor_id: DEMO_VISITOR })}`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${rt.adminToken}` } });
  const answer: unknown = await res.json();
  const tokenFile = path.resolve(runtimeFile(dataDir));
  return { call: `curl -s -H "authorization: Bearer $(node -p "require('${tokenFile}').adminToken")" '${url}'`, answer };
}

/** Earlier snapshots the propensity model needs (its labels look 30 days past a snapshot). */
const LABEL_SNAPSHOT_OFFSETS = [61, 31];

/**
 * The holdout the demo trains with: the training default (28 days) on a long history, a quarter of a short one
 * (at least 7 days), so every model has history before the cut whatever the demo's length.
 */
export function demoHoldoutDays(days: number): number {
  return Math.min(28, Math.max(7, Math.floor(days / 4)));
}

export async function runDemo(rt: Runtime, o: DemoOptions): Promise<DemoSummary> {
  // One shop time zone: the runtime's, which its scheduled feature builds and the monitor use as well.
  const timezone = rt.shopTimezone;
  const existing = await rt.warehouse.query('SELECT count(*) AS n FROM shop_raw.events');
  const started = Date.now();
  const problems: string[] = [];
  let sent = 0;
  const seeded = Number(existing[0]?.['n'] ?? 0) === 0;
  if (seeded) {
    // The demo store's history ends yesterday in the shop's zone (or on the pinned end day).
    const startDate = addDays(o.endDate ?? addDays(localDate(new Date(), timezone), -1), 1 - o.days);
    const plan = planStore({ days: o.days, seed: o.seed, timezone, shop: DEMO_SHOP, startDate, duplicates: true });
    o.progress?.(`demo: ${plan.deliveries.length} webhooks for ${o.days} days of a simulated store (${timezone})`);
    const res = await sendDeliveries(`${rt.url}/webhooks`, plan.deliveries, {
      secret: o.secret,
      concurrency: 32,
      onProgress: o.progress
        ? (p) => {
            if (p.done % 1000 === 0 || p.done === p.total) o.progress!(`demo: ${p.done}/${p.total} sent`);
          }
        : undefined,
    });
    sent = plan.deliveries.length;
    if (res.failed > 0) throw new Error(`demo: ${res.failed} webhooks were not accepted`);
  }
  const drainMs = o.drainTimeoutMs ?? 120_000;
  if (!(await rt.loader.drain(drainMs))) {
    const { backlogBytes } = rt.loader.stats();
    problems.push(`loading did not drain within ${drainMs / 1000} s: ${backlogBytes} bytes of acknowledged deliveries have not landed (see /healthz; nothing was built or trained)`);
  }
  const tables = await rt.warehouse.query(`
    SELECT 'shop_raw.events' AS "table", topic, count(*) AS "rows" FROM shop_raw.events GROUP BY topic
    UNION ALL SELECT 'shop_raw.quarantine', reason, count(*) FROM shop_raw.quarantine GROUP BY reason
    UNION ALL SELECT 'shop_raw.privacy_audit', action, count(*) FROM shop_raw.privacy_audit GROUP BY action
    ORDER BY 1, 3 DESC, 2`);
  const { landed, duplicates, quarantined } = rt.loader.stats();
  const features: DemoSummary['features'] = { snapshotDate: '', ok: false, seconds: 0, actions: 0, failed: [] };
  /** One feature build; a failed one is named (with its snapshot) in the problems. */
  const build = async (snapshotDate?: string): Promise<RunReport | null> => {
    let r: RunReport;
    try {
      r = await runFeaturesJob(rt.warehouse, { timezone, ...(snapshotDate ? { snapshotDate } : {}) });
    } catch (err) {
      features.failed.push((err as Error).message);
      problems.push(`features${snapshotDate ? ` for ${snapshotDate}` : ''}: ${(err as Error).message}`);
      return null;
    }
    features.seconds += r.seconds;
    features.actions += r.actions.length;
    const failed = r.actions.filter((a) => a.status !== 'ok').map((a) => a.name);
    if (failed.length || !r.ok) {
      features.failed.push(...failed.map((f) => `${f} (${r.snapshotDate})`));
      problems.push(`features for ${r.snapshotDate}: ${failed.join(', ') || 'failed'} (run \`npx shop-mlops features --snapshot ${r.snapshotDate}\` for details)`);
    }
    return r;
  };
  let report: RunReport | null = null;
  if (!problems.length) {
    o.progress?.('demo: building the feature tables (Dataform SQLX on DuckDB)');
    report = await build();
    if (report?.ok && o.days > 90) {
      // Build two earlier snapshots too, so the propensity model has complete 30-day labels to learn from.
      for (const back of LABEL_SNAPSHOT_OFFSETS) {
        const snapshotDate = addDays(report.snapshotDate, -back);
        o.progress?.(`demo: features for the earlier snapshot ${snapshotDate} (labels for the propensity model)`);
        await build(snapshotDate);
      }
      // The latest snapshot last, so incremental state and "latest" agree with a scheduled build.
      await build(report.snapshotDate);
    }
    features.snapshotDate = report?.snapshotDate ?? '';
    features.ok = report !== null && problems.length === 0;
  }
  let training: DemoSummary['training'] = null;
  let rollout: DemoRollout | null = null;
  if (features.ok && report && (seeded || o.retrain)) {
    o.progress?.('demo: training pipeline (extract → validate → train → evaluate → compare with champion → register)');
    const params = { snapshot_date: report.snapshotDate, ...(seeded ? { holdout_days: demoHoldoutDays(o.days) } : {}) };
    try {
      training = (await runTraining({ world: { mode: 'embedded', dataDir: o.dataDir, warehouse: rt.warehouse }, params, progress: o.progress ? 'lines' : 'silent' })).summary;
    } catch (err) {
      training = trainingResultOf(err)?.summary ?? { ok: false, error: (err as Error).message };
    }
    if (!training.ok) problems.push(`training: ${'failedStep' in training && training.failedStep ? `step ${training.failedStep}: ` : ''}${training.error ?? 'failed'}`);
    o.progress?.('demo: deploying every champion behind its endpoint');
    // A store the demo just seeded also gets a second run, whose registered challengers go out as canaries.
    rollout = await runDemoRollout({ dataDir: o.dataDir, shop: ('shop' in training && training.shop) || DEMO_SHOP, warehouse: rt.warehouse, retrainFrom: seeded && training.ok ? params : null, ...(o.progress ? { progress: o.progress } : {}) });
  } else if (features.ok) {
    // A restart on a store that already has models: nothing is retrained (`up --retrain` asks); what is deployed keeps serving.
    o.progress?.('demo: the store already has events: no training (`up --retrain` trains on it)');
    rollout = await runDemoRollout({ dataDir: o.dataDir, shop: DEMO_SHOP, warehouse: rt.warehouse, retrainFrom: null, ...(o.progress ? { progress: o.progress } : {}) });
  }
  if (rollout?.retraining && !rollout.retraining.ok) problems.push(`second training run: ${rollout.retraining.error ?? 'failed'}`);
  const route = await routeExample(rt, rollout, o.dataDir);
  let monitor: DemoMonitor | null = null;
  if (rollout) {
    o.progress?.('demo: first monitor pass (outcome join, live precision, rollback / promotion rules)');
    monitor = await demoMonitor(rt);
    if (monitor.error) problems.push(`monitor pass: ${monitor.error}`);
  }
  const featureTables = await rt.warehouse.query(`
    SELECT schema_name || '.' || table_name AS "table", estimated_size AS "rows" FROM duckdb_tables()
    WHERE schema_name IN ('shop_staging', 'shop_features') ORDER BY 1`);
  return {
    seeded,
    sent,
    seconds: (Date.now() - started) / 1000,
    tables: [...tables, ...featureTables.map((r) => ({ table: r['table'], topic: '', rows: r['rows'] }))],
    loader: { landed, duplicates, quarantined },
    timezone,
    features,
    training,
    rollout,
    route,
    monitor,
    problems,
  };
}
