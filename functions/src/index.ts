// Firebase Functions (v2) entry points: `webhooks` (HTTPS, Shopify → Pub/Sub), `privacyWorker` (Pub/Sub shopify-privacy → warehouse) and the scheduled `privacyRetry`, `api` (prediction routes behind the hosting rewrite /api/**), and the scheduled `monitor` (hourly rollbacks and promotions), `driftNightly` and `metafieldsNightly` (predictions written back to Shopify).
// Each function loads its own wiring on first use (require inside the lazy builder): an instance of `webhooks` never
// loads the BigQuery, Storage or Vertex AI clients the other functions use (test/gcp/cold-start.test.ts).
import { defineInt, defineSecret } from 'firebase-functions/params';
import { onRequest } from 'firebase-functions/https';
import { onMessagePublished } from 'firebase-functions/pubsub';
import { onSchedule } from 'firebase-functions/scheduler';
import { lazy, loadCloudConfig } from './adapters/gcp/cloud-config';
import { sendWebResponse, toWebRequest } from './adapters/gcp/http-bridge';
import { decodePrivacyMessage, isRetryable, privacyFailureAction } from './adapters/gcp/privacy-message';
import { PRIVACY_PENDING_ALARM, retryPendingPrivacy } from './core/privacy-retry';
import { ShopMlopsError } from './core/errors';

export const SHOPIFY_API_SECRET = defineSecret('SHOPIFY_API_SECRET');
const REGION = 'us-central1';
/** The account infra/iam.tf creates and grants (`name@` expands to name@<project>.iam.gserviceaccount.com). */
export const SERVICE_ACCOUNT = 'shop-mlops-functions@';
/** Must equal the privacyTopic config default and infra/pubsub.tf (checked by test/gcp/infra.test.ts). */
export const PRIVACY_TOPIC = 'shopify-privacy';
/** The privacy retry's schedule (minutes): the config default (SHOP_MLOPS_PRIVACY_RETRY_MINUTES), fixed at deploy. */
const PRIVACY_RETRY_MINUTES = Number(process.env['SHOP_MLOPS_PRIVACY_RETRY_MINUTES'] ?? 30);

/**
 * Warm instances kept by the webhook and prediction functions (deploy-time parameters: `functions/.env.<project>` or
 * the prompt of `firebase deploy`; 0 = scale to zero, each idle instance is billed).
 */
export const WEBHOOKS_MIN_INSTANCES = defineInt('WEBHOOKS_MIN_INSTANCES', { default: 0, description: 'Warm instances of the webhooks function (0 = scale to zero).' });
export const API_MIN_INSTANCES = defineInt('API_MIN_INSTANCES', { default: 0, description: 'Warm instances of the api (prediction routes) function (0 = scale to zero).' });

const webhookWiring = () => require('./adapters/gcp/webhook-runtime') as typeof import('./adapters/gcp/webhook-runtime');
const cloudWiring = () => require('./adapters/gcp/cloud-runtime') as typeof import('./adapters/gcp/cloud-runtime');
const webhookRuntime = lazy(() => webhookWiring().buildWebhookRuntime(loadCloudConfig(process.env, SHOPIFY_API_SECRET.value())));
const apiRuntime = lazy(() => cloudWiring().buildApiRuntime(loadCloudConfig(process.env, SHOPIFY_API_SECRET.value()), { location: REGION }));
const privacyRuntime = lazy(() => cloudWiring().buildPrivacyRuntime(loadCloudConfig(process.env, SHOPIFY_API_SECRET.value())));
const monitorRuntime = lazy(() => cloudWiring().buildMonitorRuntime(loadCloudConfig(process.env, SHOPIFY_API_SECRET.value()), { location: REGION }));
/** Cloud Scheduler's time zone for the schedules below (the drift hour is UTC in the cloud; set the policy's drift.hour accordingly). */
export const SCHEDULE_TIME_ZONE = 'Etc/UTC';

export const webhooks = onRequest(
  { region: REGION, secrets: [SHOPIFY_API_SECRET], concurrency: 80, memory: '512MiB', timeoutSeconds: 30, minInstances: WEBHOOKS_MIN_INSTANCES, serviceAccount: SERVICE_ACCOUNT },
  async (req, res) => {
    const { app, metrics } = webhookRuntime();
    const response = await app.fetch(toWebRequest(req));
    await sendWebResponse(res, response);
    // The CPU is throttled once the invocation ends: the instance's series go to Cloud Monitoring (at most once a
    // minute, bounded in time, never throwing) before it does.
    await metrics.flushIfDue();
  },
);

export const privacyWorker = onMessagePublished(
  { topic: PRIVACY_TOPIC, region: REGION, secrets: [SHOPIFY_API_SECRET], retry: true, timeoutSeconds: 300, serviceAccount: SERVICE_ACCOUNT },
  async (event) => {
    const { service, log } = privacyRuntime();
    const messageId = event.data.message.messageId;
    let landed: ReturnType<typeof decodePrivacyMessage> | null = null;
    try {
      landed = decodePrivacyMessage(event.data.message.data);
      const outcome = await service.handle(landed);
      log.notice('privacy request handled', { messageId, webhookId: landed.webhook_id, shop: landed.shop, action: outcome.action });
    } catch (err) {
      const action = privacyFailureAction(err, landed !== null);
      const e = ShopMlopsError.fromUnknown(err, isRetryable(err) ? 'UNAVAILABLE' : 'BAD_REQUEST');
      if (action === 'redeliver') {
        log.warn('privacy request failed; Pub/Sub will redeliver', { messageId, error: e.message, code: e.code });
        throw e;
      }
      // Kept: the request is in shop_raw.events without an audit row; privacyRetry acts on it on schedule (no hot loop).
      if (action === 'schedule') log.error(PRIVACY_PENDING_ALARM, { messageId, webhookId: landed?.webhook_id, topic: landed?.topic, shop: landed?.shop, error: e.message, code: e.code });
      else log.error('privacy message dropped: not a privacy request we may act on', { messageId, error: e.message, code: e.code });
    }
  },
);

/**
 * The scheduled privacy retry: every privacy request in shop_raw.events without an audit row for its webhook id
 * (received more than 10 minutes ago: the worker's head start) is acted on again, each failure an alarm; expired
 * data-request exports are deleted. Every SHOP_MLOPS_PRIVACY_RETRY_MINUTES (default 30: BigQuery's streaming buffer).
 */
export const privacyRetry = onSchedule(
  { schedule: `every ${PRIVACY_RETRY_MINUTES} minutes`, timeZone: SCHEDULE_TIME_ZONE, region: REGION, secrets: [SHOPIFY_API_SECRET], retryCount: 0, maxInstances: 1, timeoutSeconds: 540, serviceAccount: SERVICE_ACCOUNT },
  async (event) => {
    const { service, log, warehouse, artifacts, config } = privacyRuntime();
    const now = event.scheduleTime ? new Date(event.scheduleTime) : new Date();
    const report = await retryPendingPrivacy({ warehouse, privacy: service, artifacts, exportTtlDays: config.privacyExportTtlDays, log }, new Date(now.getTime() - 10 * 60_000), now);
    log.info('privacy retry pass', { pending: report.pending, honoured: report.honoured.length, failed: report.failed.length, expiredExports: report.expiredExports.length });
  },
);

/** Prediction routes (firebase.json rewrites /api/** here, same region) and the Flow action (/flow/**). */
export const api = onRequest(
  { region: REGION, secrets: [SHOPIFY_API_SECRET], concurrency: 80, memory: '1GiB', timeoutSeconds: 30, minInstances: API_MIN_INSTANCES, serviceAccount: SERVICE_ACCOUNT },
  async (req, res) => {
    const { app, predictionLog, log, metrics, flowActions } = apiRuntime();
    const response = await app.fetch(toWebRequest(req));
    await sendWebResponse(res, response);
    await Promise.race([flowActions.idle(), new Promise((r) => setTimeout(r, 20_000).unref())]); // a Flow action's retraining request (Vertex submit)
    // Off the response path: the answer is out; the log's publishes (started when each prediction was served) are
    // awaited before the invocation ends, bounded so a Pub/Sub stall never holds the instance.
    const flushed = await Promise.race([predictionLog.flush().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5_000).unref())]);
    if (!flushed) log.warn('prediction log publish still pending after 5 s', { ...predictionLog.stats() });
    await metrics.flushIfDue();
  },
);

/**
 * The monitor: hourly, after the Dataform workflow (infra/dataform.tf, tag monitoring) has rebuilt the outcome tables.
 * One instance at a time and no retry: a pass that fails is simply the next hour's (decisions are claimed once per
 * endpoint revision, so an overlapping pass cannot act twice on the same evidence).
 */
export const monitor = onSchedule(
  { schedule: 'every 60 minutes', timeZone: SCHEDULE_TIME_ZONE, region: REGION, secrets: [SHOPIFY_API_SECRET], retryCount: 0, maxInstances: 1, timeoutSeconds: 540, memory: '512MiB', serviceAccount: SERVICE_ACCOUNT },
  async (event) => {
    const { pass, queueHealth, log } = monitorRuntime();
    try {
      const report = await pass(event.scheduleTime ? new Date(event.scheduleTime) : new Date());
      for (const e of report.endpoints) if (e.acted) log.notice('monitor acted', { shop: e.shop, model: e.model, action: e.decision.action, reason: e.decision.reason, why: e.decision.why, after: e.after });
      log.info('monitor pass', { at: report.at, endpoints: report.endpoints.length, acted: report.endpoints.filter((e) => e.acted).length });
    } finally {
      // The quarantine size in Cloud Monitoring, whatever the pass did (never throws).
      await queueHealth();
    }
  },
);

/** Drift, nightly at 02:00 UTC: per feature and per model's predictions, training reference against the latest window; a drifted verdict asks to retrain. */
export const driftNightly = onSchedule(
  { schedule: '0 2 * * *', timeZone: SCHEDULE_TIME_ZONE, region: REGION, secrets: [SHOPIFY_API_SECRET], retryCount: 1, maxInstances: 1, timeoutSeconds: 1800, memory: '1GiB', serviceAccount: SERVICE_ACCOUNT },
  async (event) => {
    const { drift, log } = monitorRuntime();
    const report = await drift(event.scheduleTime ? new Date(event.scheduleTime) : new Date());
    log.info('drift run', { runDate: report.runDate, runs: report.runs.length, drifted: report.runs.filter((r) => r.drifted).length, errors: report.errors.length, retrains: report.retrains.length });
    if (report.errors.length) throw new Error(`drift: ${report.errors.length} subject(s) failed: ${report.errors.map((e) => `${e.shop} ${e.subject} ${e.model}: ${e.error}`).join('; ').slice(0, 500)}`);
  },
);

const metafieldsRuntime = lazy(() => (require('./adapters/gcp/cloud-metafields') as typeof import('./adapters/gcp/cloud-metafields')).buildMetafieldsRuntime(loadCloudConfig(process.env, SHOPIFY_API_SECRET.value())));

/**
 * The metafields write-back, nightly at 04:00 UTC (after the 02:00 drift run and the retraining it asks for): every
 * installed shop's newest batch scores (BigQuery) to its app-owned metafields, only what changed (a large change as a
 * bulk operation). Journals in the artifact bucket (metafields/<shop>/): a run cut short (crash, timeout) is resumed by
 * the retry or the next night without writing anything twice.
 */
export const metafieldsNightly = onSchedule(
  { schedule: '0 4 * * *', timeZone: SCHEDULE_TIME_ZONE, region: REGION, secrets: [SHOPIFY_API_SECRET], retryCount: 1, maxInstances: 1, timeoutSeconds: 1800, memory: '1GiB', serviceAccount: SERVICE_ACCOUNT },
  async () => {
    const { pass, log } = metafieldsRuntime();
    const report = await pass('auto');
    log.info('metafields write-back pass', { shops: report.shops.length, written: report.reports.filter((r) => !r.skipped).length, failed: report.failed.length });
    if (report.failed.length) throw new Error(`metafields write-back: ${report.failed.length} shop(s) failed: ${report.failed.map((f) => `${f.shop} ${f.code}`).join('; ').slice(0, 500)}`);
  },
);
