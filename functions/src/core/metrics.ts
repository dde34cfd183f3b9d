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
  /** Time to answer one prediction, by model and the version that answered (`none` when no version did). */
  predictionSeconds: Histogram<'model' | 'version'>;
  /** Prediction log entries lost (buffer full, publish failed). */
  logDropped: Gauge;
}

/** Serving metrics in an instance's registry (the runtime's, next to the ingest metrics). */
export function createServingMetrics(registry: Registry, opts: { logDropped?: () => number } = {}): ServingMetrics {
  const dropped = opts.logDropped;
  return {
    predictions: new Counter({ name: 'shop_mlops_predictions_total', help: 'Served predictions by model, arm (champion, challenger, holdout) and served_by (model, champion, batch, popularity, none).', labelNames: ['model', 'arm', 'served_by'], registers: [registry] }),
    fallbacks: new Counter({ name: 'shop_mlops_serving_fallbacks_total', help: 'Predictions that fell back from the arm\'s model, by model, reason (model_error, timeout, unavailable, no_version, no_data) and served_by.', labelNames: ['model', 'reason', 'served_by'], registers: [registry] }),
    predictionSeconds: new Histogram({ name: 'shop_mlops_prediction_seconds', help: 'Time to answer one prediction, by model and the version that answered (none: no model version answered).', labelNames: ['model', 'version'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [registry] }),
    seconds: new Histogram({ name: 'shop_mlops_prediction_route_seconds', help: 'Time to answer a prediction route, by route.', labelNames: ['route'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [registry] }),
    logDropped: new Gauge({
      name: 'shop_mlops_prediction_log_dropped',
      help: 'Prediction log entries lost since start (buffer full or publish failed).',
      registers: [registry],
      ...(dropped ? { collect(this: Gauge) { this.set(dropped()); } } : {}),
    }),
  };
}

/** The served version as a label value. */
export const versionLabel = (version: number | null): string => (version === null ? 'none' : String(version));

/** Ingest queue health, read when scraped (embedded) or exported (the cloud monitor). */
export interface QueueSources {
  /** Age in seconds of the oldest acknowledged delivery not yet landed (0 when caught up); the cloud has none: Pub/Sub measures its own. */
  queueLagSeconds?(): Promise<number> | number;
  /** Deliveries waiting in quarantine (not replayed). */
  quarantineRecords(): Promise<number> | number;
}

/** Queue lag and quarantine size in the runtime's registry; a source that fails keeps the last value. */
export function createQueueMetrics(registry: Registry, sources: QueueSources): { queueLag: Gauge | null; quarantine: Gauge } {
  const lag = sources.queueLagSeconds?.bind(sources);
  return {
    queueLag: lag ? new Gauge({
      name: 'shop_mlops_queue_lag_seconds',
      help: 'Age in seconds of the oldest acknowledged webhook delivery not yet landed in the warehouse (0 when caught up).',
      registers: [registry],
      async collect(this: Gauge) {
        this.set(await Promise.resolve(lag()).catch(() => NaN));
      },
    }) : null,
    quarantine: new Gauge({
      name: 'shop_mlops_quarantine_records',
      help: 'Deliveries waiting in quarantine (shop_raw.quarantine rows not replayed).',
      registers: [registry],
      async collect(this: Gauge) {
        const n = await Promise.resolve(sources.quarantineRecords()).catch(() => null);
        if (n !== null) this.set(n);
      },
    }),
  };
}

/** One series the monitoring jobs write through a MetricsSink (ports/metrics-sink.ts): the contract of /metrics, Cloud Monitoring and infra/alerts/rules.yml. */
export interface MonitoringSeries {
  help: string;
  labels: readonly string[];
  /** gauge: written with op set; counter: written with op add. */
  kind: 'gauge' | 'counter';
}

const LIVE_LABELS = ['shop', 'model', 'version', 'arm', 'metric'] as const;

export const MONITORING_SERIES = {
  shop_mlops_live_precision: { help: 'Live precision (metric precision or precision_at_k) of a model version and arm over its closed outcome windows.', labels: LIVE_LABELS, kind: 'gauge' },
  shop_mlops_live_precision_low: { help: 'Lower bound of the live precision\'s Wilson interval.', labels: LIVE_LABELS, kind: 'gauge' },
  shop_mlops_live_precision_high: { help: 'Upper bound of the live precision\'s Wilson interval.', labels: LIVE_LABELS, kind: 'gauge' },
  shop_mlops_live_outcomes: { help: 'Labelled outcomes (trials) behind the live precision.', labels: LIVE_LABELS, kind: 'gauge' },
  shop_mlops_precision_threshold: { help: 'The live precision a model must hold (monitoring policy).', labels: ['model'], kind: 'gauge' },
  shop_mlops_drift_psi: { help: 'Population stability index of a feature (or of the predictions) against its reference, last nightly run.', labels: ['shop', 'subject', 'model', 'feature'], kind: 'gauge' },
  shop_mlops_drift_features_drifted: { help: 'Features found drifted by the last nightly run.', labels: ['shop', 'subject', 'model'], kind: 'gauge' },
  shop_mlops_monitor_decisions_total: { help: 'Monitor decisions that moved traffic, by action (rollback, promote) and reason.', labels: ['shop', 'model', 'action', 'reason'], kind: 'counter' },
  shop_mlops_retrain_runs_total: { help: 'Retraining runs by trigger (velocity, drift, schedule, external) and status.', labels: ['shop', 'trigger', 'status'], kind: 'counter' },
  shop_mlops_monitor_last_run_timestamp_seconds: { help: 'Unix time a monitoring job (monitor, drift, outcomes, velocity, retrain) last completed.', labels: ['job'], kind: 'gauge' },
  shop_mlops_ab_srm_p_value: { help: 'Sample-ratio mismatch p-value (chi-square) of the running rollout.', labels: ['shop', 'model'], kind: 'gauge' },
} as const satisfies Record<string, MonitoringSeries>;

export type MonitoringSeriesName = keyof typeof MONITORING_SERIES;

export const isMonitoringSeries = (name: string): name is MonitoringSeriesName => Object.hasOwn(MONITORING_SERIES, name);

export type MonitoringMetrics = { [K in MonitoringSeriesName]: (typeof MONITORING_SERIES)[K]['kind'] extends 'counter' ? Counter<string> : Gauge<string> };

/** The monitoring series as prom-client gauges and counters in `registry` (the runtime's, served on /metrics). */
export function createMonitoringMetrics(registry: Registry): MonitoringMetrics {
  const out: Record<string, Gauge<string> | Counter<string>> = {};
  for (const [name, s] of Object.entries(MONITORING_SERIES) as Array<[string, MonitoringSeries]>) {
    const opts = { name, help: s.help, labelNames: [...s.labels], registers: [registry] };
    out[name] = s.kind === 'counter' ? new Counter(opts) : new Gauge(opts);
  }
  return out as MonitoringMetrics;
}
