// Prometheus metrics of one app instance (a registry per instance, no global singletons).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isTopic } from './topics';

/** The `topic` label of a delivery: a known topic of a verified delivery, else `other` (unsigned headers cannot add series). */
export const OTHER_TOPIC = 'other';
export function topicLabel(verifiedTopic: string | undefined): string {
  return verifiedTopic !== undefined && isTopic(verifiedTopic) ? verifiedTopic : OTHER_TOPIC;
}

export interface IngestMetrics {
  registry: Registry;
  received: Counter<'topic' | 'outcome'>;
  ackSeconds: Histogram<'outcome'>;
  inFlight: Gauge;
  landed: Counter<'table'>;
  duplicates: Counter;
  loadFailures: Counter<'retryable'>;
  backlog: Gauge;
  commitRecords: Histogram;
  commitSeconds: Histogram;
}

export function createIngestMetrics(opts: { defaultMetrics?: boolean } = {}): IngestMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'shop_mlops_' });
  return {
    registry,
    received: new Counter({ name: 'shop_mlops_webhooks_received_total', help: 'Webhook deliveries by topic (a known topic of a verified delivery, else other) and outcome (accepted, unauthorized, too_large, body_timeout, overloaded, unavailable, bad_request).', labelNames: ['topic', 'outcome'], registers: [registry] }),
    ackSeconds: new Histogram({ name: 'shop_mlops_webhook_ack_seconds', help: 'Time from request start to the response, by outcome.', labelNames: ['outcome'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] }),
    inFlight: new Gauge({ name: 'shop_mlops_webhooks_in_flight', help: 'Deliveries being accepted right now.', registers: [registry] }),
    landed: new Counter({ name: 'shop_mlops_rows_landed_total', help: 'Rows written to the warehouse by table.', labelNames: ['table'], registers: [registry] }),
    duplicates: new Counter({ name: 'shop_mlops_duplicate_deliveries_total', help: 'Deliveries skipped at landing as already present (webhook id or event id).', registers: [registry] }),
    loadFailures: new Counter({ name: 'shop_mlops_load_failures_total', help: 'Failed warehouse load attempts.', labelNames: ['retryable'], registers: [registry] }),
    commitRecords: new Histogram({ name: 'shop_mlops_log_commit_records', help: 'Deliveries made durable by one group commit (write + fdatasync).', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers: [registry] }),
    commitSeconds: new Histogram({ name: 'shop_mlops_log_commit_seconds', help: 'Duration of one group commit (write + fdatasync).', buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1], registers: [registry] }),
    backlog: new Gauge({ name: 'shop_mlops_load_backlog', help: 'Acknowledged deliveries not yet landed in the warehouse.', registers: [registry] }),
  };
}

export interface ServingMetrics {
  /** Served predictions by model, arm and what served them. */
  predictions: Counter<'model' | 'arm' | 'served_by'>;
  /** Answers that left the arm's model, by model, the first fault and what served them instead. */
  fallbacks: Counter<'model' | 'reason' | 'served_by'>;
  seconds: Histogram<'route'>;
  /** Prediction log entries lost (buffer full, publish failed). */
  logDropped: Gauge;
}

/** Serving metrics in an instance's registry (the runtime's, next to the ingest metrics). */
export function createServingMetrics(registry: Registry, opts: { logDropped?: () => number } = {}): ServingMetrics {
  const dropped = opts.logDropped;
  return {
    predictions: new Counter({ name: 'shop_mlops_predictions_total', help: 'Served predictions by model, arm (champion, challenger, holdout) and served_by (model, champion, batch, popularity, none).', labelNames: ['model', 'arm', 'served_by'], registers: [registry] }),
    fallbacks: new Counter({ name: 'shop_mlops_serving_fallbacks_total', help: 'Predictions that fell back from the arm\'s model, by model, reason (model_error, timeout, unavailable, no_version, no_data) and served_by.', labelNames: ['model', 'reason', 'served_by'], registers: [registry] }),
    seconds: new Histogram({ name: 'shop_mlops_prediction_route_seconds', help: 'Time to answer a prediction route, by route.', labelNames: ['route'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [registry] }),
    logDropped: new Gauge({
      name: 'shop_mlops_prediction_log_dropped',
      help: 'Prediction log entries lost since start (buffer full or publish failed).',
      registers: [registry],
      ...(dropped ? { collect(this: Gauge) { this.set(dropped()); } } : {}),
    }),
  };
}
