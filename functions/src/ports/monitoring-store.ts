// Port: what the monitoring loop records (DuckDB embedded, BigQuery in the cloud): rollout decisions with their evidence, nightly drift per feature, retraining requests.
import type { Split } from './endpoints';

export type DecisionAction = 'rollback' | 'promote';
/** Why: the challenger's precision is below its threshold; it is worse on conversion / revenue per exposure (sequential evidence); its guardrails held for the hold window. */
export type DecisionReason = 'precision_below_threshold' | 'guardrail_conversion' | 'guardrail_revenue' | 'guardrails_held';

/** A proportion measured live: successes of trials, its point value and interval. */
export interface ProportionEvidence {
  metric: string;
  trials: number;
  successes: number;
  value: number;
  low: number;
  high: number;
  confidence: number;
  threshold: number;
  /** Served dates (UTC, inclusive) the outcomes come from. */
  from: string;
  to: string;
}

/** A sequential comparison of challenger − champion per exposed unit. */
export interface GuardrailEvidence {
  metric: 'conversion' | 'revenue_per_exposure';
  champion: { units: number; mean: number };
  challenger: { units: number; mean: number };
  difference: number;
  /** Always-valid interval of the difference at level 1 − alpha. */
  low: number;
  high: number;
  alpha: number;
  since: string;
}

/** The Shopify Flow trigger a decision fires (the Shopify-actions issue delivers it). */
export interface FlowEvent {
  trigger: 'model_rolled_back' | 'model_promoted';
  shop: string;
  model: string;
  version: number;
  precision: number | null;
  reason: DecisionReason;
}

/** One row of shop_monitoring.decisions: an act of the monitor, with everything it acted on. */
export interface MonitorDecision {
  /** sha256 over (shop, model, endpoint revision before, action): the same evidence never acts twice. */
  decision_id: string;
  shop: string;
  model: string;
  decided_at: string;
  action: DecisionAction;
  reason: DecisionReason;
  /** The challenger acted on. */
  version: number;
  precision: ProportionEvidence | null;
  guardrails: GuardrailEvidence[];
  before: Split | null;
  after: Split | null;
  revision_before: number;
  revision_after: number;
  flow_event: FlowEvent;
}

export type DriftSubject = 'features' | 'predictions';
export type DriftLevel = 'ok' | 'warn' | 'alert';

/** One feature's tests on one night: training reference against the latest window. */
export interface DriftResult {
  shop: string;
  /** The night (shop-local date) the tests ran for. */
  run_date: string;
  subject: DriftSubject;
  /** The model whose training reference (or served predictions) is compared; null for a shop-wide feature set. */
  model: string | null;
  feature: string;
  kind: 'continuous' | 'categorical';
  reference: string;
  current: string;
  n_reference: number;
  n_current: number;
  psi: number;
  ks_statistic: number | null;
  ks_p_value: number | null;
  js_divergence: number | null;
  /** The test's p-value after the night's multiple-test correction (null when the feature has no test with a p-value). */
  p_adjusted: number | null;
  /** The effect is large enough to matter (PSI ≥ warn, KS ≥ its minimum effect, JS ≥ its alert level). */
  material: boolean;
  drifted: boolean;
  level: DriftLevel;
}

/** A night's verdict over one subject's features. */
export interface DriftRun {
  shop: string;
  run_date: string;
  subject: DriftSubject;
  model: string | null;
  computed_at: string;
  features_tested: number;
  features_drifted: number;
  correction: 'benjamini-hochberg' | 'bonferroni';
  alpha: number;
  drifted: boolean;
}

export type RetrainTrigger = 'velocity' | 'drift' | 'schedule' | 'external';

/** One row of shop_monitoring.retrain_requests. */
export interface RetrainRequest {
  request_id: string;
  shop: string;
  /** Sorted, distinct. */
  models: string[];
  trigger: RetrainTrigger;
  reason: string;
  requested_at: string;
  /** started: this request started a run; coalesced: it joined `run_request_id`'s run. */
  status: 'started' | 'coalesced' | 'succeeded' | 'failed';
  /** The request whose run this one joined (itself when it started the run). */
  run_request_id: string;
  run_id: string | null;
  finished_at: string | null;
  error: string | null;
}

/** What asks for retraining (drift job, velocity check, schedule, the Flow action): the retrainer's entry point. */
export type RequestRetrain = (r: { shop: string; models: string[]; trigger: RetrainTrigger; reason: string }) => Promise<RetrainRequest>;

export interface MonitoringStore {
  /** Appends a decision; false (nothing written) when its decision_id is already recorded. */
  recordDecision(d: MonitorDecision): Promise<boolean>;
  /** Decisions, oldest first. */
  decisions(q?: { shop?: string; model?: string; since?: string }): Promise<MonitorDecision[]>;
  /** Replaces the night's (shop, run_date, subject, model) results and verdict. */
  recordDrift(run: DriftRun, results: readonly DriftResult[]): Promise<void>;
  driftRuns(q?: { shop?: string; since?: string }): Promise<DriftRun[]>;
  driftResults(q?: { shop?: string; since?: string }): Promise<DriftResult[]>;
  /**
   * Records a retraining request. When a request for the same shop sharing a model started a run at or after
   * `coalesceSince` (and the run has not failed), this one is recorded as coalesced into the earliest such request;
   * otherwise this one is recorded as started (exactly one of several racing requests starts). Returns this request
   * as recorded; the same request_id again returns what it already is.
   */
  claimRetrain(req: Omit<RetrainRequest, 'status' | 'run_request_id' | 'run_id' | 'finished_at' | 'error'>, coalesceSince: string): Promise<RetrainRequest>;
  /** Sets a started request's run id, then its outcome. */
  updateRetrain(requestId: string, patch: Partial<Pick<RetrainRequest, 'status' | 'run_id' | 'finished_at' | 'error'>>): Promise<void>;
  retrainRequests(q?: { shop?: string; since?: string }): Promise<RetrainRequest[]>;
  /** customers/redact and shop/redact: the store holds no customer ids; shop/redact deletes the shop's rows. */
  redactShop(shop: string): Promise<void>;
  close(): Promise<void>;
}
