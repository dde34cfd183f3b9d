// A/B analysis of a rollout (pure): sample-ratio mismatch (chi-square), the two-proportion z-test on conversion, always-valid intervals on conversion and revenue per exposure (challenger − champion), and a verdict.
import type { ArmName, Split } from '../ports/endpoints';
import type { GuardrailEvidence } from '../ports/monitoring-store';
import type { MonitoringPolicy } from './config';
import { guardrailFails, guardrailHasData } from './decide';
import { alwaysValidDifference, chiSquareGoodnessOfFit, meanSummaryFromSums, twoProportionZTest } from './stats';

/** One arm's exposed units since a point in time (abExposureSql's rows, summed per arm). */
export interface ArmExposure {
  arm: ArmName;
  /** Units first exposed in the window. */
  units: number;
  /** Units whose conversion window has closed: the denominators of conversion and revenue. */
  closedUnits: number;
  /** Closed units that ordered within the window. */
  conversions: number;
  /** Revenue in the window over the closed units: sum and sum of squares. */
  revenue: number;
  revenueSquares: number;
}

export type AbVerdict = 'sample_ratio_mismatch' | 'challenger_worse' | 'challenger_better' | 'no_difference_yet' | 'too_little_data';

export interface AbAnalysis {
  /** Units per arm against the split's shares (null with fewer than two arms with a share). */
  srm: { observed: Record<ArmName, number>; expectedShares: Record<ArmName, number>; statistic: number; pValue: number; mismatch: boolean } | null;
  /** The classic fixed-horizon test on conversion, for reference (not valid under repeated looks). */
  zTest: { difference: number; z: number; pValue: number } | null;
  guardrails: GuardrailEvidence[];
  verdict: AbVerdict;
  why: string;
}

export const SRM_P_VALUE = 0.001;
const ARMS: ArmName[] = ['champion', 'challenger', 'holdout'];
const zero = (arm: ArmName): ArmExposure => ({ arm, units: 0, closedUnits: 0, conversions: 0, revenue: 0, revenueSquares: 0 });
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

/** Sums rows per arm (several assigned versions or days may give one arm several rows). */
export function byArm(rows: readonly ArmExposure[]): Record<ArmName, ArmExposure> {
  const out = Object.fromEntries(ARMS.map((a) => [a, zero(a)])) as Record<ArmName, ArmExposure>;
  for (const r of rows) {
    const t = out[r.arm];
    t.units += r.units;
    t.closedUnits += r.closedUnits;
    t.conversions += r.conversions;
    t.revenue += r.revenue;
    t.revenueSquares += r.revenueSquares;
  }
  return out;
}

/** Sample-ratio mismatch: units per arm against the split's percents; p < 0.001 means the assignment is broken and the comparison cannot be trusted. */
export function sampleRatioMismatch(split: Split, arms: Record<ArmName, ArmExposure>): AbAnalysis['srm'] {
  const shares: Record<ArmName, number> = { champion: split.champion.percent / 100, challenger: (split.challenger?.percent ?? 0) / 100, holdout: split.holdout / 100 };
  const cells = ARMS.filter((a) => shares[a] > 0 || arms[a].units > 0);
  if (cells.filter((a) => shares[a] > 0).length < 2) return null;
  const observed = Object.fromEntries(ARMS.map((a) => [a, arms[a].units])) as Record<ArmName, number>;
  if (cells.some((a) => shares[a] === 0)) {
    // Units in an arm that has no share: a mismatch whatever the counts.
    return { observed, expectedShares: shares, statistic: Infinity, pValue: 0, mismatch: true };
  }
  if (cells.reduce((s, a) => s + observed[a], 0) === 0) return null;
  const r = chiSquareGoodnessOfFit(cells.map((a) => observed[a]), cells.map((a) => shares[a]));
  return { observed, expectedShares: shares, statistic: r.statistic, pValue: r.pValue, mismatch: r.pValue < SRM_P_VALUE };
}

/** Challenger − champion on one per-unit metric: an always-valid interval at 1 − alpha, tau scaled by the champion's mean (or its spread when the mean is 0). */
function guardrail(metric: GuardrailEvidence['metric'], a: ArmExposure, b: ArmExposure, g: MonitoringPolicy['guardrail'], since: string): GuardrailEvidence {
  const conv = metric === 'conversion';
  const summary = (x: ArmExposure) => {
    const sum = conv ? x.conversions : x.revenue;
    return x.closedUnits >= 2 ? meanSummaryFromSums(x.closedUnits, sum, conv ? x.conversions : x.revenueSquares) : { n: x.closedUnits, mean: x.closedUnits ? sum / x.closedUnits : NaN, variance: NaN };
  };
  const sa = summary(a);
  const sb = summary(b);
  const scale = Math.abs(sa.mean) > 0 ? Math.abs(sa.mean) : Math.sqrt(Math.max(sa.variance, sb.variance)) || 1;
  const enough = sa.n >= 2 && sb.n >= 2 && sa.variance + sb.variance > 0;
  const r = enough ? alwaysValidDifference(sa, sb, { alpha: g.alpha, tau: g.tau * scale }) : { difference: sb.mean - sa.mean, low: NaN, high: NaN };
  return { metric, champion: { units: sa.n, mean: sa.mean }, challenger: { units: sb.n, mean: sb.mean }, difference: r.difference, low: r.low, high: r.high, alpha: g.alpha, since };
}

/**
 * The rollout's A/B analysis. `arms` are exposures since the challenger started (the guardrails); `current` those since
 * the split last changed (the sample-ratio check needs one split), defaulting to `arms`.
 */
export function analyseAb(o: { split: Split; arms: readonly ArmExposure[]; current?: readonly ArmExposure[]; guardrail: MonitoringPolicy['guardrail']; since: string }): AbAnalysis {
  const arms = byArm(o.arms);
  const srm = sampleRatioMismatch(o.split, o.current ? byArm(o.current) : arms);
  const a = arms.champion;
  const b = arms.challenger;
  const guardrails = [guardrail('conversion', a, b, o.guardrail, o.since), guardrail('revenue_per_exposure', a, b, o.guardrail, o.since)];
  const zTest = a.closedUnits > 0 && b.closedUnits > 0 && a.conversions + b.conversions > 0 ? twoProportionZTest(a.conversions, a.closedUnits, b.conversions, b.closedUnits) : null;
  const min = o.guardrail.minExposures;
  const read = guardrails.filter((g) => guardrailHasData(g, min));
  const describe = (g: GuardrailEvidence) => `${g.metric} ${f3(g.challenger.mean)} vs ${f3(g.champion.mean)} (always-valid interval ${f3(g.low)} to ${f3(g.high)})`;
  let verdict: AbVerdict;
  let why: string;
  if (srm?.mismatch) {
    verdict = 'sample_ratio_mismatch';
    why = `units per arm ${ARMS.map((x) => `${x} ${srm.observed[x]}`).join(', ')} do not match the split (chi-square p = ${srm.pValue.toExponential(2)} < ${SRM_P_VALUE})`;
  } else if (!read.length) {
    verdict = 'too_little_data';
    why = `${b.closedUnits} challenger and ${a.closedUnits} champion units with closed windows; ${min} per arm needed`;
  } else if (read.some((g) => guardrailFails(g, min))) {
    verdict = 'challenger_worse';
    why = read.filter((g) => g.high < 0).map(describe).join('; ');
  } else if (read.some((g) => g.low > 0)) {
    verdict = 'challenger_better';
    why = read.filter((g) => g.low > 0).map(describe).join('; ');
  } else {
    verdict = 'no_difference_yet';
    why = read.map(describe).join('; ');
  }
  return { srm, zTest, guardrails, verdict, why };
}
