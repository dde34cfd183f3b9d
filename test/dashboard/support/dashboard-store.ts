// A runtime on a manual clock filled by the simulator for the dashboard's browser test: trained champions behind every endpoint, a bad propensity canary served for a few days, a month of orders, features and drift nights, then the monitor pass that rolls the canary back.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../../functions/src/core/config';
import { manualClock } from '../../../functions/src/core/clock';
import { silentLogger } from '../../../functions/src/core/log';
import { startRuntime, type Runtime } from '../../../functions/src/runtime/local-runtime';
import { runFeaturesJob } from '../../../functions/src/runtime/features-job';
import { runTraining } from '../../../functions/src/training/run';
import { deployVersion } from '../../../functions/src/serving/rollout';
import { SCORED_MODELS } from '../../../functions/src/training/score';
import { planStore } from '../../../functions/src/simulator/plan-store';
import { sendDeliveries } from '../../../functions/src/simulator/send';
import type { PlannedDelivery } from '../../../functions/src/simulator/delivery';
import type { MonitorPassResult } from '../../../functions/src/runtime/monitor-runtime';
import { runDriftJob } from '../../../functions/src/monitoring/drift-job';
import { SECRET, tempDir } from '../../helpers/runtime';
import { withThreshold } from '../../monitoring/support/propensity-threshold';

export const SHOP = 'dash-store.myshopify.com';
const TZ = 'UTC';
const DAY = 86_400_000;
/** Install day: 100 days of history before it. */
const T0 = Date.parse('2026-04-15T00:00:00Z');
export const at = (days: number, hours = 0): Date => new Date(T0 + days * DAY + hours * 3_600_000);
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const WHO = { actor: 'dashboard-test', reason: 'dashboard browser test' };

export interface DashboardStore {
  rt: Runtime;
  clock: ReturnType<typeof manualClock>;
  dataDir: string;
  /** The bad propensity canary the monitor rolled back. */
  badVersion: number;
  timings: Record<string, number>;
  admin<T>(method: string, route: string, body?: unknown): Promise<T>;
}

export async function buildDashboardStore(): Promise<DashboardStore> {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - t) / 1000;
    t = now;
  };
  const dataDir = tempDir('shop-mlops-dash-');
  const policyFile = path.join(dataDir, '..', `${path.basename(dataDir)}-policy.json`);
  // As in the loop test: the store's repeat rate makes 0.25 the merchant's precision target; fewer outcomes suffice here.
  writeFileSync(policyFile, JSON.stringify({ models: { propensity: { metric: 'precision', threshold: 0.25, minOutcomes: 100 } }, retrain: { everyHours: 0, coalesceMinutes: 60 } }));
  const config = loadConfig({}, { shopifyApiSecret: SECRET, port: 0, dataDir, logLevel: 'ERROR', featuresEveryMinutes: 0, shopTimezone: TZ, monitoringPolicyFile: policyFile, rateLimitPerSecond: 1_000_000, rateLimitBurst: 1_000_000 });
  const clock = manualClock(at(0));
  const rt = await startRuntime({ config, logger: silentLogger, clock });
  await rt.scheduler.stop(); // the test moves the clock itself
  const admin = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${rt.url}${route}`, { method, headers: { authorization: `Bearer ${rt.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const json = (await res.json()) as T;
    if (res.status !== 200) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    // 100 days of history and the 33 days after install, sent at once (serving reads the features built at install).
    const plan = planStore({ days: 133, seed: 'dashboard', timezone: TZ, shop: SHOP, startDate: dayOf(at(-100)), scale: 1 });
    const sent = await sendDeliveries(`${rt.url}/webhooks`, plan.deliveries.filter((d: PlannedDelivery) => d.triggeredAt.getTime() < at(33).getTime()), { secret: SECRET, concurrency: 32 });
    if (sent.failed) throw new Error(`${sent.failed} webhooks failed`);
    if (!(await rt.loader.drain(300_000))) throw new Error('not landed');
    lap('send');
    const features = async (d: Date) => {
      const r = await runFeaturesJob(rt.warehouse, { timezone: TZ, snapshotDate: dayOf(d) });
      if (!r.ok) throw new Error(`features ${dayOf(d)}: ${r.actions.filter((a) => a.status !== 'ok').map((a) => `${a.name}: ${a.error}`).join('; ')}`);
    };
    for (const back of [31, 1]) await features(at(-back));
    lap('features');
    const trained = await runTraining({ world: { mode: 'embedded', dataDir, warehouse: rt.warehouse }, params: { snapshot_date: dayOf(at(-1)), holdout_days: 21 }, progress: 'silent' });
    if (!trained.summary.ok) throw new Error(`training: ${JSON.stringify(trained.summary)}`);
    lap('train');
    const s = { endpoints: rt.serving.endpoints, registries: rt.serving.registries };
    for (const model of SCORED_MODELS) {
      const v = await rt.serving.registries.forShop(SHOP).getVersion(model, 'champion');
      if (v) await deployVersion(s, { shop: SHOP, model }, v.version, WHO);
    }
    const v1 = (await rt.serving.registries.forShop(SHOP).getVersion('propensity', 'champion'))!.version;
    const badVersion = await withThreshold(rt, SHOP, v1, 0, 'everyone');
    await deployVersion(s, { shop: SHOP, model: 'propensity' }, badVersion, { ...WHO, reason: 'canary: everyone will repeat' }, 25);
    lap('deploy');
    // Customers' predictions on three days (batches of 20 through the route).
    const customers = (await rt.warehouse.query(`SELECT customer_id FROM shop_features.customer_rfm WHERE shop = '${SHOP}' AND snapshot_date = DATE '${dayOf(at(-1))}' ORDER BY customer_id`)).map((r) => String(r['customer_id']));
    // Every other customer: a few hundred labelled outcomes of the canary are plenty for the rollback's evidence.
    const requests = customers.filter((_, i) => i % 2 === 0).map((id) => ({ route: 'customers/predictions', query: { customer_id: id } }));
    for (const d of [0, 1, 2]) {
      clock.set(at(d, 9));
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = next; i < requests.length; i = next) {
            next += 20;
            await admin('POST', `/api/batch?shop=${SHOP}`, { requests: requests.slice(i, i + 20) });
          }
        }),
      );
    }
    await rt.serving.predictionLog.drain();
    lap('serve');
    // Two drift nights on the features a month later.
    await features(at(31));
    for (const d of [31, 32]) {
      await runDriftJob({ warehouse: rt.warehouse, store: rt.monitor.store, sink: rt.monitoringSink, registries: rt.serving.registries, policy: config.monitoringPolicy, timezone: TZ, requestRetrain: rt.retrainer.request, logger: silentLogger }, at(d, 3));
    }
    await rt.retrainer.idle();
    lap('drift');
    return { rt, clock, dataDir, badVersion, timings, admin };
  } catch (err) {
    await rt.close();
    throw err;
  }
}

/** The monitor pass at `now` through the admin route, as `shop-mlops monitor` runs it. */
export async function monitorPass(store: DashboardStore, now: Date): Promise<MonitorPassResult> {
  store.clock.set(now);
  return (await store.admin<{ report: MonitorPassResult }>('POST', '/admin/monitor')).report;
}
