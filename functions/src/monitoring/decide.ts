// The monitor's decision rules (pure): a challenger's live precision and guardrail evidence in → roll back, promote one ramp step, or hold, with the numbers that decided it.
import type { ModelPolicy } from './config';
import type { DecisionReason, GuardrailEvidence, ProportionEvidence } from '../ports/monitoring-store';

/** Why the monitor did nothing. */
export type HoldReason = 'no_challenger_traffic' | 'too_little_data' | 'within_hold' | 'inconclusive' | 'sample_ratio_mismatch';

export type Decision =
  | { action: 'rollback'; reason: Exclude<DecisionReason, 'guardrails_held'>; why: string }
  | { action: 'promote'; reason: 'guardrails_held'; why: string }
  | { action: 'hold'; reason: HoldReason; why: string };

export interface DecisionInput {
  /** The model's precision rule; null when the model is not watched on precision (its guardrails still apply). */
  policy: ModelPolicy | null;
  /** The challenger's live precision since it started serving (null: no labelled outcome yet). */
  precision: ProportionEvidence | null;
  /** Challenger − champion per exposed unit (conversion, revenue per exposure), always-valid intervals. */
  guardrails: readonly GuardrailEvidence[];
  /** Units exposed per arm before a guardrail counts. */
  minExposures: number;
  /** A canary stays at a ramp step at least this long before the next. */
  holdHours: number;
  /** Hours since the endpoint's last rollout change (the start of the current ramp step). */
  hoursSinceChange: number;
  /** The challenger's share now. */
  challengerPercent: number;
  /** Units per arm do not match the split (chi-square p < 0.001): the assignment is broken, so nothing is promoted (a rollback still stands). */
  sampleRatioMismatch?: string | null;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));
const pct = (c: number) => `${Math.round(c * 1000) / 10} %`;

/** `precision 0.612 (95 % interval 0.551–0.670, n = 412) ...`: the numbers a reader needs to check the decision. */
export function describePrecision(p: ProportionEvidence): string {
  return `${p.metric} ${f3(p.value)} (${pct(p.confidence)} interval ${f3(p.low)}–${f3(p.high)}, n = ${p.trials})`;
}

export function describeGuardrail(g: GuardrailEvidence): string {
  const name = g.metric === 'conversion' ? 'conversion' : 'revenue per exposure';
  return `${name} challenger ${f3(g.challenger.mean)} vs champion ${f3(g.champion.mean)} (difference ${f3(g.difference)}, always-valid ${pct(1 - g.alpha)} interval ${f3(g.low)} to ${f3(g.high)}, units ${g.challenger.units} / ${g.champion.units})`;
}

/** A guardrail with enough units per arm to be read at all. */
export const guardrailHasData = (g: GuardrailEvidence, minExposures: number): boolean => g.champion.units >= minExposures && g.challenger.units >= minExposures && Number.isFinite(g.low) && Number.isFinite(g.high);

/** The challenger is worse than the champion: the whole always-valid interval of the difference lies below 0. */
export const guardrailFails = (g: GuardrailEvidence, minExposures: number): boolean => guardrailHasData(g, minExposures) && g.high < 0;

const precisionHasData = (p: ProportionEvidence | null, policy: ModelPolicy): p is ProportionEvidence => !!p && p.trials >= policy.minOutcomes && Number.isFinite(p.value);

/**
 * Rollback: enough labelled outcomes (≥ minOutcomes) with the precision AND the upper bound of its interval below the
 * threshold (noise does not roll back a good model), or a guardrail whose always-valid interval lies wholly below 0
 * with ≥ minExposures units per arm. Promotion (one ramp step): the hold window since the last change has passed, the
 * lower bound of the precision interval is at or above the threshold with enough outcomes (for a model not watched on
 * precision: every guardrail has enough units), no guardrail is below, and the units per arm match the split (no
 * sample-ratio mismatch). Otherwise hold, saying why.
 */
export function decide(i: DecisionInput): Decision {
  if (i.challengerPercent <= 0) return { action: 'hold', reason: 'no_challenger_traffic', why: 'the challenger serves no traffic' };
  const p = i.policy;
  if (p && precisionHasData(i.precision, p) && i.precision.value < p.threshold && i.precision.high < p.threshold) {
    return { action: 'rollback', reason: 'precision_below_threshold', why: `${describePrecision(i.precision)} is below the threshold ${p.threshold}, upper bound included` };
  }
  for (const metric of ['conversion', 'revenue_per_exposure'] as const) {
    const g = i.guardrails.find((x) => x.metric === metric && guardrailFails(x, i.minExposures));
    if (g) return { action: 'rollback', reason: metric === 'conversion' ? 'guardrail_conversion' : 'guardrail_revenue', why: `the challenger is worse than the champion: ${describeGuardrail(g)}` };
  }

  // Enough evidence to promote on?
  const withData = i.guardrails.filter((g) => guardrailHasData(g, i.minExposures));
  let evidence: string;
  if (p) {
    const n = i.precision?.trials ?? 0;
    if (!precisionHasData(i.precision, p)) {
      return { action: 'hold', reason: 'too_little_data', why: `${n} labelled ${p.metric} outcomes of the ${p.minOutcomes} needed` };
    }
    if (i.precision.low < p.threshold) return { action: 'hold', reason: 'inconclusive', why: `${describePrecision(i.precision)}: the lower bound is below the threshold ${p.threshold}` };
    evidence = `${describePrecision(i.precision)} at or above the threshold ${p.threshold}, lower bound included`;
  } else {
    if (!i.guardrails.length || withData.length < i.guardrails.length) {
      return { action: 'hold', reason: 'too_little_data', why: `the guardrails need ${i.minExposures} units exposed per arm (${i.guardrails.map((g) => `${g.metric}: ${g.challenger.units} / ${g.champion.units}`).join(', ') || 'no exposures yet'})` };
    }
    evidence = 'no precision rule for this model';
  }
  if (i.sampleRatioMismatch) return { action: 'hold', reason: 'sample_ratio_mismatch', why: `${evidence}; but ${i.sampleRatioMismatch}` };
  if (i.hoursSinceChange < i.holdHours) {
    return { action: 'hold', reason: 'within_hold', why: `${evidence}; ${f1(i.hoursSinceChange)} h at this step of the ${i.holdHours} h hold` };
  }
  const held = withData.length ? `; guardrails hold: ${withData.map(describeGuardrail).join('; ')}` : '';
  return { action: 'promote', reason: 'guardrails_held', why: `${evidence}${held}; ${f1(i.hoursSinceChange)} h at ${i.challengerPercent} % (hold ${i.holdHours} h)` };
}

const f1 = (x: number) => (Math.round(x * 10) / 10).toString();
