// The privacy worker's, the api function's and the scheduled monitoring functions' wiring (BigQuery warehouse, GCS store, Vertex AI, Cloud Monitoring), built on first use. The webhook function's is webhook-runtime.ts, the shared config cloud-config.ts.
import { tuneHeapGrowth } from '../../serving/heap-tuning';
import { Hono } from 'hono';
import { Registry } from 'prom-client';
import { BigQuery } from '@google-cloud/bigquery';
import type { AppConfig } from '../../core/config';
import { runDriftJob, type DriftJobReport } from '../../monitoring/drift-job';
import { runMonitorPass, type MonitorReport } from '../../monitoring/monitor-job';
import { createMonitorQueries, type MonitorQueries } from '../../monitoring/monitor-queries';
import { buildCloudRetrainer } from './cloud-retrainer';
import { mountCloudFlowAction, type CloudFlowActionOptions } from './cloud-flow-action';
import type { FlowRetrainWorker } from '../../monitoring/flow-retrain-worker';
import type { MetricServiceClient } from './cloud-monitoring-sink';
import { createCloudMonitoringExporter, type CloudMonitoringExporter } from './cloud-monitoring-exporter';
import { createLogger, type Logger } from '../../core/log';
import { createQueueMetrics } from '../../core/metrics';
import { createPrivacyService } from '../../core/privacy-service';
import { bigQueryJobRunner, createBigQueryWarehouse } from './bigquery-warehouse';
import { createGcsArtifactStore } from './gcs-artifact-store';
import { createGcsJournalStorage } from './gcs-journal-storage';
import { createServingMetrics } from '../../core/metrics';
import { callerFromMiddleware, type ResolveCaller } from '../../http/caller';
import { storefrontAuthFromConfig } from '../../http/storefront-auth';
import { createPredictionRoutes } from '../../http/prediction-routes';
import { errorResponse } from '../../http/webhook-app';
import type { PredictionLog } from '../../ports/prediction-log';
import type { Warehouse } from '../../ports/warehouse';
import type { ArtifactStore } from '../../ports/artifact-store';
import { cachedEndpointState } from '../../serving/endpoint-state-cache';
import { createModelCache } from '../../serving/model-cache';
import { createServingCore } from '../../serving/serve';
import { createServingFeatures } from '../../serving/serving-features';
import { DEFAULT_SERVING_IMAGE } from '../../serving/serving-image';
import type { MetricsExportOptions } from './cloud-config';
import { createBigQueryPredictionStore } from './bigquery-prediction-store';
import { createPubSubPredictionLog } from './pubsub-prediction-log';
import { createVertexEndpoints } from './vertex-endpoints';
import { createVertexModelRegistries } from './vertex-model-registry';
import { cloudDashboardRoutes } from './cloud-dashboard';
import { createCloudShopify, type CloudShopifyOptions } from './cloud-shopify';

// Kept importable from here (tests and tools): the shared config and the webhook function's wiring.
export { defaultArtifactBucket, lazy, loadCloudConfig, projectIdFrom, type MetricsExportOptions } from './cloud-config';
export { buildWebhookRuntime, type WebhookRuntime } from './webhook-runtime';

export interface PrivacyRuntime {
  service: ReturnType<typeof createPrivacyService>;
  log: Logger;
  /** For the scheduled privacy retry (pending requests, expired exports). */
  warehouse: Warehouse;
  artifacts: ArtifactStore;
  config: AppConfig;
}

export function buildPrivacyRuntime(config: AppConfig, opts: Pick<CloudShopifyOptions, 'firestore'> = {}): PrivacyRuntime {
  const log = createLogger({ level: config.logLevel, component: 'privacy-worker' });
  const warehouse = createBigQueryWarehouse({ projectId: config.gcpProject!, rawDataset: config.rawDataset, log });
  const artifacts = createGcsArtifactStore({ bucket: config.artifactBucket!, log });
  // The metafields write-back's journals share the artifact bucket (metafields/<shop>/): redaction reaches them there.
  const privacy = createPrivacyService({ warehouse, artifacts, journals: createGcsJournalStorage({ bucket: config.artifactBucket! }), log });
  // app/uninstalled rides the privacy topic too (pubsub-event-bus.ts): its shop's offline token is deleted in Firestore.
  const shopify = createCloudShopify(config, { log, ...opts });
  const service = { handle: (ev: Parameters<typeof privacy.handle>[0]) => (ev.topic === 'app/uninstalled' ? shopify.onUninstalled(ev) : privacy.handle(ev)) };
  return { service, log, warehouse, artifacts, config };
}

export interface ApiRuntime {
  app: Hono;
  predictionLog: PredictionLog;
  log: Logger;
  /** The instance's serving series (predictions, fallbacks, per-version latency), written to Cloud Monitoring: await metrics.flushIfDue() at the end of each invocation. */
  metrics: CloudMonitoringExporter;
  /** The Flow action's queue (POST /flow/actions/retrain): await flowActions.idle() after the response. */
  flowActions: FlowRetrainWorker;
}

/** Endpoint states are re-read from Vertex AI after this long (a split change or a switch back reaches every instance within it). */
export const ENDPOINT_STATE_TTL_MS = 5_000;

/**
 * The `api` function: prediction routes at /api (callers checked by storefrontAuth unless `resolveCaller` is given) over BigQuery (features, batch scores), Cloud Storage (artifacts), the
 * Vertex AI registry and endpoints, and the Pub/Sub prediction log. `location` is the Vertex AI region.
 */
export function buildApiRuntime(config: AppConfig, opts: { location: string; resolveCaller?: ResolveCaller; flowAction?: Omit<CloudFlowActionOptions, 'location' | 'log'> } & MetricsExportOptions & Pick<CloudShopifyOptions, 'firestore'>): ApiRuntime {
  tuneHeapGrowth(config.heapGrowingPercent);
  const log = createLogger({ level: config.logLevel, component: 'api' });
  const project = config.gcpProject!;
  const warehouse = createBigQueryWarehouse({ projectId: project, rawDataset: config.rawDataset, log });
  const artifacts = createGcsArtifactStore({ bucket: config.artifactBucket!, log });
  const registries = createVertexModelRegistries({ project, location: opts.location, artifacts, containerImageUri: DEFAULT_SERVING_IMAGE });
  const endpoints = cachedEndpointState(createVertexEndpoints({ project, location: opts.location, artifacts }), { ttlMs: ENDPOINT_STATE_TTL_MS });
  const predictionLog = createPubSubPredictionLog({ projectId: project, topic: config.predictionTopic, log });
  const promRegistry = new Registry();
  const metrics = createServingMetrics(promRegistry, { logDropped: () => predictionLog.stats().dropped });
  const serving = createServingCore({
    endpoints,
    models: createModelCache({ registries, artifacts }),
    predictions: createBigQueryPredictionStore({ projectId: project, log }),
    features: createServingFeatures({ query: (sql) => warehouse.query(sql) }),
    log: predictionLog,
    metrics,
    budgetMs: config.servingBudgetMs,
    logger: log,
  });
  const app = new Hono();
  // The storefront's App Proxy signature or the admin's session token, the shop's rate limit and CORS, before any route.
  const shopify = createCloudShopify(config, { log, ...(opts.firestore ? { firestore: opts.firestore } : {}) });
  // An uninstalled shop's calls are refused (403), as on the embedded runtime.
  if (!opts.resolveCaller) app.use('/api/*', storefrontAuthFromConfig(config, config.shopifyApiSecret!, { log, isKnownShop: (shop) => shopify.isServedShop(shop) }).middleware);
  app.route('/api/dashboard', cloudDashboardRoutes(config, { location: opts.location, resolveCaller: opts.resolveCaller ?? callerFromMiddleware, warehouse, artifacts, registries, log }));
  app.route('/api', createPredictionRoutes({ resolveCaller: opts.resolveCaller ?? callerFromMiddleware, serving, logger: log, metrics }));
  shopify.mount(app); // POST /shopify/install: the offline token into Firestore
  const flowActions = mountCloudFlowAction(app, config, { location: opts.location, log, sessions: shopify.sessions, ...opts.flowAction });
  app.notFound(() => errorResponse('NOT_FOUND', 'no such prediction route'));
  const exporter = createCloudMonitoringExporter({ projectId: project, registry: promRegistry, functionName: 'api', log, ...(opts.metricClient ? { client: opts.metricClient } : {}) });
  return { app, predictionLog, log, metrics: exporter, flowActions };
}

export interface MonitorRuntime {
  /** One monitor pass (outcome tables built by the hourly Dataform workflow config, infra/dataform.tf). */
  pass(now: Date): Promise<MonitorReport>;
  /** The nightly drift tests; a drifted verdict asks to retrain (a Vertex pipeline run). */
  drift(now: Date): Promise<DriftJobReport>;
  /** Writes `shop_mlops_quarantine_records` (deliveries waiting for a replay) to Cloud Monitoring; true when written. Never throws. */
  queueHealth(): Promise<boolean>;
  log: Logger;
}

/** The monitor's reads on BigQuery: named @parameters with their types (abExposureSql), 64-bit integers as strings. */
export function bigQueryMonitorQueries(bigquery: BigQuery, log: Logger): MonitorQueries {
  const runner = bigQueryJobRunner(bigquery, { log });
  return createMonitorQueries(async (stmt) => (await runner({ sql: stmt.sql, ...(stmt.params && !Array.isArray(stmt.params) ? { params: stmt.params, types: stmt.types ?? {} } : {}) }, 'monitor')).rows, 'bigquery');
}

/**
 * The scheduled `monitor` and `driftNightly` functions: BigQuery (outcome tables, exposures, the monitoring store),
 * Vertex AI endpoints and registry (rollbacks and promotions), Cloud Monitoring (the series), and the retrainer
 * submitting the training pipeline to Vertex AI Pipelines (image: SHOP_MLOPS_PIPELINE_IMAGE).
 */
export function buildMonitorRuntime(config: AppConfig, opts: { location: string; bigquery?: BigQuery; metricClient?: MetricServiceClient } & Pick<CloudShopifyOptions, 'firestore'>): MonitorRuntime {
  const log = createLogger({ level: config.logLevel, component: 'monitor' });
  const project = config.gcpProject!;
  const bigquery = opts.bigquery ?? new BigQuery({ projectId: project });
  const warehouse = createBigQueryWarehouse({ projectId: project, rawDataset: config.rawDataset, log, bigquery });
  const queries = bigQueryMonitorQueries(bigquery, log);
  const artifacts = createGcsArtifactStore({ bucket: config.artifactBucket!, log });
  const registries = createVertexModelRegistries({ project, location: opts.location, artifacts, containerImageUri: DEFAULT_SERVING_IMAGE });
  const endpoints = createVertexEndpoints({ project, location: opts.location, artifacts });
  const shopify = createCloudShopify(config, { log, ...(opts.firestore ? { firestore: opts.firestore } : {}) });
  const { store, sink, policy, retrainer } = buildCloudRetrainer(config, { location: opts.location, bigquery, log, sessions: shopify.sessions, ...(opts.metricClient ? { metricClient: opts.metricClient } : {}) });
  // The quarantine waiting for a replay, exported once per pass (queue lag is Pub/Sub's own metric: infra/alert-rules.tf).
  const queueRegistry = new Registry();
  createQueueMetrics(queueRegistry, { quarantineRecords: () => warehouse.countQuarantine() });
  const queueExporter = createCloudMonitoringExporter({ projectId: project, registry: queueRegistry, functionName: 'monitor', log, ...(opts.metricClient ? { client: opts.metricClient } : {}) });
  return {
    // Shops the app was uninstalled from are left alone; the pass's decisions then go to Shopify Flow (as the embedded afterMonitorPass).
    pass: async (now) => {
      const report = await runMonitorPass({ endpoints, registries, store, sink, policy, queries, logger: log, skipShop: (shop) => shopify.sessions.isUninstalled(shop) }, now);
      await shopify.sendFlowTriggers(store);
      return report;
    },
    queueHealth: () => queueExporter.flush(),
    drift: (now) => runDriftJob({ warehouse, store, sink, registries, policy, timezone: config.shopTimezone, requestRetrain: retrainer.request, logger: log }, now),
    log,
  };
}

