// The `webhooks` function's wiring: verifier, Pub/Sub bus and Hono app, with its ingest series exported to Cloud Monitoring. Nothing else (no BigQuery, Storage or Vertex client) is loaded on this path.
import type { Hono } from 'hono';
import type { AppConfig } from '../../core/config';
import { createAcceptor } from '../../core/ingest';
import { createLogger, type Logger } from '../../core/log';
import { createIngestMetrics } from '../../core/metrics';
import { createWebhookVerifier } from '../../core/verify';
import { createWebhookApp } from '../../http/webhook-app';
import type { MetricsExportOptions } from './cloud-config';
import { createCloudMonitoringExporter, type CloudMonitoringExporter } from './cloud-monitoring-exporter';
import { createPubSubEventBus } from './pubsub-event-bus';

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

