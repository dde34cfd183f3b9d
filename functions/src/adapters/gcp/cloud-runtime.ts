// Builds the cloud wiring (config, Pub/Sub bus, verifier, Hono app; BigQuery warehouse and GCS store for the privacy worker) on first use.
import type { Hono } from 'hono';
import { loadConfig, type AppConfig } from '../../core/config';
import { createAcceptor } from '../../core/ingest';
import { createLogger, type Logger } from '../../core/log';
import { createIngestMetrics } from '../../core/metrics';
import { createPrivacyService } from '../../core/privacy-service';
import { createWebhookVerifier } from '../../core/verify';
import { createWebhookApp } from '../../http/webhook-app';
import { createBigQueryWarehouse } from './bigquery-warehouse';
import { createGcsArtifactStore } from './gcs-artifact-store';
import { createPubSubEventBus } from './pubsub-event-bus';

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

export interface WebhookRuntime {
  app: Hono;
  log: Logger;
  config: AppConfig;
}

export function buildWebhookRuntime(config: AppConfig): WebhookRuntime {
  const log = createLogger({ level: config.logLevel, component: 'webhooks' });
  const bus = createPubSubEventBus({ projectId: config.gcpProject!, topic: config.pubsubTopic, privacyTopic: config.privacyTopic, log });
  const app = createWebhookApp({
    // loadConfig requires the secret in gcp mode; SHOPIFY_API_SECRET_PREVIOUS (optional) carries the ones still accepted while rotating.
    verifier: createWebhookVerifier({ apiSecret: config.shopifyApiSecret!, previousSecrets: config.shopifyApiSecretPrevious, log }),
    accept: createAcceptor({ bus, classifyOnAck: true }),
    metrics: createIngestMetrics(),
    log,
    maxBodyBytes: config.maxBodyBytes,
    bodyTimeoutMs: config.bodyTimeoutMs,
    maxInFlight: config.maxInFlight,
    retryAfterSeconds: config.retryAfterSeconds,
    health: () => ({ mode: 'gcp', topic: config.pubsubTopic }),
  });
  return { app, log, config };
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

/** Caches one instance per function instance; a failed build is not cached, so the next invocation retries it. */
export function lazy<T>(build: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => {
    if (!cached) cached = { value: build() };
    return cached.value;
  };
}
