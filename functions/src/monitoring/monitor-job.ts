// The monitor pass: for each endpoint with a challenger, live precision (Wilson interval) and A/B guardrails since it started, a decision (roll back, promote one ramp step, hold) acted on through serving/rollout.ts, recorded once in the audit table and as metrics.
import { createHash } from 'node:crypto';
import type { Logger } from '../core/log';
import { silentLogger } from '../core/log';
import type { EndpointKey, Endpoints, RolloutRecord, Split } from '../ports/endpoints';
import type { MetricPoint, MetricsSink } from '../ports/metrics-sink';
import type { ModelRegistries } from '../ports/model-registry';
import type { DecisionAction, GuardrailEvidence, MonitorDecision, MonitoringStore, ProportionEvidence } from '../ports/monitoring-store';
import { promote, rollback } from '../serving/rollout';
import { nextRampPercent } from '../serving/rollout-plan';
import { SCORED_MODELS } from '../training/score';
import { analyseAb, type AbAnalysis } from './ab';
import type { MonitoringPolicy } from './config';
import { decide, type Decision } from './decide';
import type { MonitorQueries, OutcomeTotals } from './monitor-queries';
import { wilsonInterval } from './stats';

export const MONITOR_ACTOR = 'monitor';

export interface MonitorDeps {
  endpoints: Endpoints;
  /** Every shop's registry (a rollout moves the champion alias of its own shop). */
  registries: ModelRegistries;
  store: MonitoringStore;
  sink: MetricsSink;
  policy: MonitoringPolicy;
  queries: MonitorQueries;
  /** Shops to watch (default: every shop with served predictions). */
  shops?: readonly string[];
  /** Shops to leave alone (the app was uninstalled there). */
  skipShop?: (shop: string) => Promise<boolean>;
  /** Models to watch (default: the served models). */
  models?: readonly string[];
  logger?: Logger;
}

export interface EndpointReport {
  shop: string;
  model: string;
  revision: number;
  split: Split;
  challenger: number;
  /** When the challenger's current stretch of traffic began (its evidence starts here). */
  since: string;
  /** When the split last changed (the hold window runs from here). */
  lastChange: string;
  precision: ProportionEvidence | null;
  championPrecision: ProportionEvidence | null;
  ab: AbAnalysis;
  decision: Decision;
  /** The action was applied now (false for a hold, or for evidence already acted on). */
  acted: boolean;
  decisionId: string | null;
  /** The rollout operation's account of what changed. */
  did: string | null;
  after: Split | null;
}

export interface MonitorReport {
  at: string;
  endpoints: EndpointReport[];
}

/** sha256 over (shop, model, endpoint revision before, action): a decision on the same evidence has the same id. */
export function decisionId(shop: string, model: string, revisionBefore: number, action: DecisionAction): string {
  return createHash('sha256').update(JSON.stringify([shop, model, revisionBefore, action])).digest('hex');
}

/**
 * Where the challenger's current stretch of traffic began: the oldest change of the unbroken run of changes after which
 * it had traffic as the challenger. A challenger rolled back to 0 % keeps the stretch that ended with the rollback
 * (so `rollouts` still shows the evidence it was rolled back on).
 */
export function challengerStart(history: readonly RolloutRecord[], version: number): RolloutRecord | null {
  let i = history.length - 1;
  while (i >= 0 && history[i]!.after?.challenger?.version === version && history[i]!.after!.challenger!.percent === 0) i--;
  let start: RolloutRecord | null = null;
  for (; i >= 0; i--) {
    const c = history[i]!.after?.challenger;
    if (!c || c.version !== version || c.percent <= 0) break;
    start = history[i]!;
  }
  return start;
}

function proportion(t: OutcomeTotals | undefined, metric: string, threshold: number, confidence: number): ProportionEvidence | null {
  if (!t || t.trials <= 0) return null;
  const w = wilsonInterval(t.successes, t.trials, confidence);
  return { metric, trials: t.trials, successes: t.successes, value: w.value, low: w.low, high: w.high, confidence, threshold, from: t.from, to: t.to };
}

/** The split a rollback or a promotion leads to (serving/rollout.ts does the same change): the audit row is written before the change. */
export function plannedSplit(split: Split, action: DecisionAction, ramp: readonly number[]): Split {
  const c = split.challenger!;
  if (action === 'rollback') return { champion: { version: split.champion.version, percent: split.champion.percent + c.percent }, challenger: { version: c.version, percent: 0 }, holdout: split.holdout };
  const next = nextRampPercent(split, ramp);
  if (next === null || next >= 100 - split.holdout) return { champion: { version: c.version, percent: split.champion.percent + c.percent }, challenger: null, holdout: split.holdout };
  return { champion: { version: split.champion.version, percent: 100 - split.holdout - next }, challenger: { version: c.version, percent: next }, holdout: split.holdout };
}

const hours = (from: string, to: Date) => (to.getTime() - Date.parse(from)) / 3_600_000;

/** One monitor pass over every endpoint with a challenger, as of `now`: decides, acts, records, writes the series. */
export function runMonitorPass(deps: MonitorDeps, now: Date): Promise<MonitorReport> {
  return pass(deps, now, true);
}

/** What a pass would see and decide, changing nothing (no action, no record, no series): `shop-mlops rollouts`. */
export function assessRollouts(deps: Omit<MonitorDeps, 'store' | 'sink'>, now: Date): Promise<MonitorReport> {
  const inert = { store: null as unknown as MonitoringStore, sink: { write: () => Promise.resolve() } };
  return pass({ ...deps, ...inert }, now, false);
}

async function pass(deps: MonitorDeps, now: Date, act: boolean): Promise<MonitorReport> {
  const log = deps.logger ?? silentLogger;
  const all = deps.shops ?? (await deps.queries.shops());
  // A shop the app was uninstalled from is not watched (its endpoints are left as they are).
  const shops = [];
  for (const shop of all) if (!(await deps.skipShop?.(shop))) shops.push(shop);
  const models = deps.models ?? SCORED_MODELS;
  const reports: EndpointReport[] = [];
  const points: MetricPoint[] = [];
  for (const [model, p] of Object.entries(deps.policy.models)) points.push({ name: 'shop_mlops_precision_threshold', labels: { model }, value: p.threshold });
  for (const shop of shops) {
    for (const model of models) {
      const r = await monitorEndpoint(deps, { shop, model }, now, points, act);
      if (r) {
        reports.push(r);
        if (r.decision.action !== 'hold') log.notice('monitor decision', { shop, model, action: r.decision.action, reason: r.decision.reason, acted: r.acted, why: r.decision.why });
      }
    }
  }
  points.push({ name: 'shop_mlops_monitor_last_run_timestamp_seconds', labels: { job: 'monitor' }, value: Math.floor(now.getTime() / 1000) });
  if (act) await deps.sink.write(points, now);
  return { at: now.toISOString(), endpoints: reports };
}

async function monitorEndpoint(deps: MonitorDeps, key: EndpointKey, now: Date, points: MetricPoint[], act: boolean): Promise<EndpointReport | null> {
  const state = await deps.endpoints.getState(key);
  const split = state.split;
  if (!split?.challenger) return null;
  const history = await deps.endpoints.history(key);
  const v = split.challenger.version;
  const start = challengerStart(history, v);
  const lastChange = history.at(-1)?.at ?? now.toISOString();
  const since = start?.at ?? lastChange;
  const policy = deps.policy.models[key.model] ?? null;
  const confidence = deps.policy.confidence;

  let precision: ProportionEvidence | null = null;
  let championPrecision: ProportionEvidence | null = null;
  if (policy) {
    const totals = await deps.queries.outcomes({ ...key, metric: policy.metric, sinceDate: since.slice(0, 10), versions: [split.champion.version, v] });
    precision = proportion(
      totals.find((t) => t.version === v && t.arm === 'challenger'),
      policy.metric,
      policy.threshold,
      confidence,
    );
    championPrecision = proportion(
      totals.find((t) => t.version === split.champion.version && t.arm === 'champion'),
      policy.metric,
      policy.threshold,
      confidence,
    );
    for (const [arm, ev, version] of [['challenger', precision, v], ['champion', championPrecision, split.champion.version]] as const) {
      if (!ev) continue;
      const labels = { shop: key.shop, model: key.model, version: String(version), arm, metric: ev.metric };
      points.push({ name: 'shop_mlops_live_precision', labels, value: ev.value }, { name: 'shop_mlops_live_precision_low', labels, value: ev.low }, { name: 'shop_mlops_live_precision_high', labels, value: ev.high }, { name: 'shop_mlops_live_outcomes', labels, value: ev.trials });
    }
  }

  const g = deps.policy.guardrail;
  const [arms, current] = await Promise.all([deps.queries.exposures({ ...key, since, windowDays: g.windowDays }), since === lastChange ? null : deps.queries.exposures({ ...key, since: lastChange, windowDays: g.windowDays })]);
  const ab = analyseAb({ split, arms, ...(current ? { current } : {}), guardrail: g, since });
  if (ab.srm) points.push({ name: 'shop_mlops_ab_srm_p_value', labels: { shop: key.shop, model: key.model }, value: ab.srm.pValue });

  const decision = decide({
    policy,
    precision,
    guardrails: ab.guardrails,
    minExposures: g.minExposures,
    holdHours: deps.policy.promotion.holdHours,
    hoursSinceChange: hours(lastChange, now),
    challengerPercent: split.challenger.percent,
    sampleRatioMismatch: ab.verdict === 'sample_ratio_mismatch' ? ab.why : null,
  });
  const report: EndpointReport = { ...key, revision: state.revision, split, challenger: v, since, lastChange, precision, championPrecision, ab, decision, acted: false, decisionId: null, did: null, after: null };
  if (decision.action === 'hold' || !act) return report;

  const id = decisionId(key.shop, key.model, state.revision, decision.action);
  report.decisionId = id;
  const planned = plannedSplit(split, decision.action, deps.policy.promotion.ramp);
  const row: MonitorDecision = {
    decision_id: id,
    shop: key.shop,
    model: key.model,
    decided_at: now.toISOString(),
    action: decision.action,
    reason: decision.reason,
    version: v,
    precision,
    guardrails: ab.guardrails.filter((x: GuardrailEvidence) => Number.isFinite(x.low) && Number.isFinite(x.high)),
    before: split,
    after: planned,
    revision_before: state.revision,
    revision_after: state.revision + 1,
    flow_event: { trigger: decision.action === 'rollback' ? 'model_rolled_back' : 'model_promoted', shop: key.shop, model: key.model, version: v, precision: precision?.value ?? null, reason: decision.reason },
  };
  // The decision row is the claim: the same evidence (endpoint revision + action) is decided once, whoever races.
  // A claim whose change never landed (the endpoint still at its revision a full pass interval later) is retried.
  if (!(await deps.store.recordDecision(row))) {
    const prior = (await deps.store.decisions({ shop: key.shop, model: key.model })).find((d) => d.decision_id === id);
    const stale = prior && now.getTime() - Date.parse(prior.decided_at) >= deps.policy.everyMinutes * 60_000;
    if (!stale) return report;
    deps.logger?.warn('retrying a decision whose change did not land', { shop: key.shop, model: key.model, decisionId: id, decidedAt: prior.decided_at });
  }
  const who = { actor: MONITOR_ACTOR, reason: `${decision.reason}: ${decision.why}`.slice(0, 1000) };
  const services = { endpoints: deps.endpoints, registries: deps.registries };
  const result = decision.action === 'rollback' ? await rollback(services, key, who) : await promote(services, key, who, deps.policy.promotion.ramp);
  points.push({ name: 'shop_mlops_monitor_decisions_total', labels: { shop: key.shop, model: key.model, action: decision.action, reason: decision.reason }, value: 1, op: 'add' });
  return { ...report, acted: true, did: result.did, after: result.state.split };
}
