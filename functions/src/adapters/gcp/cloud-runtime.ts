// Builds the cloud wiring (config, Pub/Sub bus, verifier, Hono app; BigQuery warehouse and GCS store for the privacy worker) on first use.
import { Hono } from 'hono';
import { Registry } from 'prom-client';
import { BigQuery } from '@google-cloud/bigquery';
import { ENV_NAMES, loadConfig, type AppConfig } from '../../core/config';
import { systemClock } from '../../core/clock';
import { ShopMlopsError } from '../../core/errors';
import { runDriftJob, type DriftJobReport } from '../../monitoring/drift-job';
import { runMonitorPass, type MonitorReport } from '../../monitoring/monitor-job';
import { createMonitorQueries, type MonitorQueries } from '../../monitoring/monitor-queries';
import { createRetrainer, type StartTraining } from '../../monitoring/retrain';
import { createVertexStarter } from '../../monitoring/retrain-start-vertex';
import { createBigQueryMonitoringStore } from './bigquery-monitoring-store';
import { createCloudMonitoringSink, type MetricServiceClient } from './cloud-monitoring-sink';
import { createCloudMonitoringExporter, type CloudMonitoringExporter } from './cloud-monitoring-exporter';
import { createAcceptor } from '../../core/ingest';
import { createLogger, type Logger } from '../../core/log';
import { createIngestMetrics } from '../../core/metrics';
import { createPrivacyService } from '../../core/privacy-service';
import { createWebhookVerifier } from '../../core/verify';
import { createWebhookApp } from '../../http/webhook-app';
import { bigQueryJobRunner, createBigQueryWarehouse } from './bigquery-warehouse';
import { createGcsArtifactStore } from './gcs-artifact-store';
import { createPubSubEventBus } from './pubsub-event-bus';
import { createServingMetrics } from '../../core/metrics';
import { callerFromMiddleware, type ResolveCaller } from '../../http/caller';
import { storefrontAuthFromConfig } from '../../http/storefront-auth';
import { createPredictionRoutes } from '../../http/prediction-routes';
import { errorResponse } from '../../http/webhook-app';
import type { PredictionLog } from '../../ports/prediction-log';
import { cachedEndpointState } from '../../serving/endpoint-state-cache';
import { createModelCache } from '../../serving/model-cache';
import { createServingCore } from '../../serving/serve';
import { createServingFeatures } from '../../serving/serving-features';
import { DEFAULT_SERVING_IMAGE } from '../../training/services';
import { createBigQueryPredictionStore } from './bigquery-prediction-store';
import { createPubSubPredictionLog } from './pubsub-prediction-log';
import { createVertexEndpoints } from './vertex-endpoints';
import { createVertexModelRegistry } from './vertex-model-registry';
import { cloudDashboardRoutes } from './cloud-dashboard';

type Env = Record<string, string | undefined>;

/** The project the function runs in: set by the runtime (GOOGLE_CLOUD_PROJECT / GCLOUD_PROJECT) or in FIREBASE_CONFIG. */
export function projectIdFrom(env: Env): string | undefined {
  if (env['GOOGLE_CLOUD_PROJECT']) return env['GOOGLE_CLOUD_PROJECT'];
  if (env['GCLOUD_PROJECT']) return env['GCLOUD_PROJECT'];
  try {
    const fc = JSON.parse(env['FIREBASE_CONFIG'] ?? '{}') as { projectId?: unknown };
    return typeof fc.projectId === 'string' ? fc.projectId : undefined;
  } catch {
    return undefined;
  }
}

/** Default artifact bucket name; infra/storage.tf names the bucket the same way. */
export const defaultArtifactBucket = (projectId: string) => `${projectId}-shop-mlops-artifacts`;

/** gcp-mode configuration from the function's environment and the secret's value. */
export function loadCloudConfig(env: Env, apiSecret: string | undefined): AppConfig {
  const project = projectIdFrom(env);
  // PORT belongs to the Functions runtime (the emulator sets it to a socket path), not to our listener.
  const { PORT: _port, ...rest } = env;
  return loadConfig({
    ...rest,
    SHOP_MLOPS_MODE: 'gcp',
    SHOPIFY_API_SECRET: apiSecret,
    GOOGLE_CLOUD_PROJECT: project,
    SHOP_MLOPS_ARTIFACT_BUCKET: env['SHOP_MLOPS_ARTIFACT_BUCKET'] ?? (project ? defaultArtifactBucket(project) : undefined),
  });
}

/** Options shared by the HTTPS functions' runtimes: the Cloud Monitoring client (tests point it at a fake). */
export interface MetricsExportOptions {
  metricClient?: MetricServiceClient;
}

export interface WebhookRuntime {
  app: Hono;
  log: Logger;
  config: AppConfig;
  /** The instance's ingest series (the registry /metrics would serve locally), written to Cloud Monitoring: await metrics.flushIfDue() at the end of each invocation. */
  metrics: CloudMonitoringExporter;
}

export function buildWebhookRuntime(config: AppConfig, opts: MetricsExportOptions = {}): WebhookRuntime {
  const log = createLogger({ level: config.logLevel, component: 'webhooks' });
  const ingestMetrics = createIngestMetrics();
  const bus = createPubSubEventBus({ projectId: config.gcpProject!, topic: config.pubsubTopic, privacyTopic: config.privacyTopic, log });
  const app = createWebhookApp({
    // loadConfig requires the secret in gcp mode; SHOPIFY_API_SECRET_PREVIOUS (optional) carries the ones still accepted while rotating.
    verifier: createWebhookVerifier({ apiSecret: config.shopifyApiSecret!, previousSecrets: config.shopifyApiSecretPrevious, log }),
    accept: createAcceptor({ bus, classifyOnAck: true }),
    metrics: ingestMetrics,
    log,
    maxBodyBytes: config.maxBodyBytes,
    bodyTimeoutMs: config.bodyTimeoutMs,
    maxInFlight: config.maxInFlight,
    retryAfterSeconds: config.retryAfterSeconds,
    // The function is public (Shopify posts to it): no /healthz or /metrics there (404 like any unknown path).
    opsRoutes: false,
  });
  const metrics = createCloudMonitoringExporter({ projectId: config.gcpProject!, registry: ingestMetrics.registry, functionName: 'webhooks', log, ...(opts.metricClient ? { client: opts.metricClient } : {}) });
  return { app, log, config, metrics };
}

export interface PrivacyRuntime {
  service: ReturnType<typeof createPrivacyService>;
  log: Logger;
}

export function buildPrivacyRuntime(config: AppConfig): PrivacyRuntime {
  const log = createLogger({ level: config.logLevel, component: 'privacy-worker' });
  const warehouse = createBigQueryWarehouse({ projectId: config.gcpProject!, rawDataset: config.rawDataset, log });
  const artifacts = createGcsArtifactStore({ bucket: config.artifactBucket!, log });
  return { service: createPrivacyService({ warehouse, artifacts, log }), log };
}

export interface ApiRuntime {
  app: Hono;
  predictionLog: PredictionLog;
  log: Logger;
  /** The instance's serving series (predictions, fallbacks, per-version latency), written to Cloud Monitoring: await metrics.flushIfDue() at the end of each invocation. */
  metrics: CloudMonitoringExporter;
}

/** Endpoint states are re-read from Vertex AI after this long (a split change or a switch back reaches every instance within it). */
export const ENDPOINT_STATE_TTL_MS = 5_000;

/**
 * The `api` function: prediction routes at /api (callers checked by storefrontAuth unless `resolveCaller` is given) over BigQuery (features, batch scores), Cloud Storage (artifacts), the
 * Vertex AI registry and endpoints, and the Pub/Sub prediction log. `location` is the Vertex AI region.
 */
export function buildApiRuntime(config: AppConfig, opts: { location: string; resolveCaller?: ResolveCaller } & MetricsExportOptions): ApiRuntime {
  const log = createLogger({ level: config.logLevel, component: 'api' });
  const project = config.gcpProject!;
  const warehouse = createBigQueryWarehouse({ projectId: project, rawDataset: config.rawDataset, log });
  const artifacts = createGcsArtifactStore({ bucket: config.artifactBucket!, log });
  const registry = createVertexModelRegistry({ project, location: opts.location, artifacts, containerImageUri: DEFAULT_SERVING_IMAGE });
  const endpoints = cachedEndpointState(createVertexEndpoints({ project, location: opts.location, artifacts }), { ttlMs: ENDPOINT_STATE_TTL_MS });
  const predictionLog = createPubSubPredictionLog({ projectId: project, topic: config.predictionTopic, log });
  const promRegistry = new Registry();
  const metrics = createServingMetrics(promRegistry, { logDropped: () => predictionLog.stats().dropped });
  const serving = createServingCore({
    endpoints,
    models: createModelCache({ registry, artifacts }),
    predictions: createBigQueryPredictionStore({ projectId: project, log }),
    features: createServingFeatures({ query: (sql) => warehouse.query(sql) }),
    log: predictionLog,
    metrics,
    budgetMs: config.servingBudgetMs,
    logger: log,
  });
  const app = new Hono();
  // The storefront's App Proxy signature or the admin's session token, the shop's rate limit and CORS, before any route.
  if (!opts.resolveCaller) app.use('/api/*', storefrontAuthFromConfig(config, config.shopifyApiSecret!, { log }).middleware);
  app.route('/api/dashboard', cloudDashboardRoutes(config, { location: opts.location, resolveCaller: opts.resolveCaller ?? callerFromMiddleware, warehouse, artifacts, registry, log }));
  app.route('/api', createPredictionRoutes({ resolveCaller: opts.resolveCaller ?? callerFromMiddleware, serving, logger: log, metrics }));
  app.notFound(() => errorResponse('NOT_FOUND', 'no such prediction route'));
  const exporter = createCloudMonitoringExporter({ projectId: project, registry: promRegistry, functionName: 'api', log, ...(opts.metricClient ? { client: opts.metricClient } : {}) });
  return { app, predictionLog, log, metrics: exporter };
}

export interface MonitorRuntime {
  /** One monitor pass (outcome tables built by the hourly Dataform workflow config, infra/dataform.tf). */
  pass(now: Date): Promise<MonitorReport>;
  /** The nightly drift tests; a drifted verdict asks to retrain (a Vertex pipeline run). */
  drift(now: Date): Promise<DriftJobReport>;
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
export function buildMonitorRuntime(config: AppConfig, opts: { location: string; bigquery?: BigQuery; metricClient?: MetricServiceClient }): MonitorRuntime {
  const log = createLogger({ level: config.logLevel, component: 'monitor' });
  const project = config.gcpProject!;
  const bigquery = opts.bigquery ?? new BigQuery({ projectId: project });
  const warehouse = createBigQueryWarehouse({ projectId: project, rawDataset: config.rawDataset, log, bigquery });
  const queries = bigQueryMonitorQueries(bigquery, log);
  const artifacts = createGcsArtifactStore({ bucket: config.artifactBucket!, log });
  const registry = createVertexModelRegistry({ project, location: opts.location, artifacts, containerImageUri: DEFAULT_SERVING_IMAGE });
  const endpoints = createVertexEndpoints({ project, location: opts.location, artifacts });
  const store = createBigQueryMonitoringStore({ projectId: project, log, bigquery });
  const sink = createCloudMonitoringSink({ projectId: project, ...(opts.metricClient ? { client: opts.metricClient } : {}) });
  const policy = config.monitoringPolicy;
  const image = config.pipelineImage;
  const start: StartTraining = image
    ? createVertexStarter({ project, location: opts.location, image, gcsOutputDirectory: `gs://${config.artifactBucket!}/pipeline-root`, clock: systemClock, env: { SHOP_MLOPS_MODE: 'gcp', GOOGLE_CLOUD_PROJECT: project, SHOP_MLOPS_ARTIFACT_BUCKET: config.artifactBucket! } })
    : () => Promise.reject(new ShopMlopsError('CONFIG_INVALID', `retraining needs the pipeline image (${ENV_NAMES.pipelineImage})`));
  const retrainer = createRetrainer({ store, start, policy, clock: systemClock, sink, logger: log.child({ component: 'retrain' }) });
  return {
    pass: (now) => runMonitorPass({ endpoints, registry, store, sink, policy, queries, logger: log }, now),
    drift: (now) => runDriftJob({ warehouse, store, sink, registry, policy, timezone: config.shopTimezone, requestRetrain: retrainer.request, logger: log }, now),
    log,
  };
}

/** Caches one instance per function instance; a failed build is not cached, so the next invocation retries it. */
export function lazy<T>(build: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => {
    if (!cached) cached = { value: build() };
    return cached.value;
  };
}
