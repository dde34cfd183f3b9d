// The monitoring policy: rollback thresholds per model, evidence minimums, promotion hold, drift and velocity thresholds, schedules; one zod schema with defaults, every problem listed at once.
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import { DEFAULT_RAMP } from '../ports/endpoints';

const prob = z.number().min(0).max(1);
const positiveInt = (def: number, max = 1_000_000_000) => z.number().int().min(1).max(max).default(def);

/** What a model's live quality is measured by (shop_monitoring.outcome_daily's `metric`). */
export const PRECISION_METRICS = ['precision', 'precision_at_k'] as const;
export type PrecisionMetric = (typeof PRECISION_METRICS)[number];

const modelPolicy = z.strictObject({
  /** The proportion the rollback watches: propensity's precision at its threshold, recommendations' precision@k. */
  metric: z.enum(PRECISION_METRICS),
  /** Roll back when the live value and the upper bound of its interval are both below this; promote only when the lower bound is at or above it. */
  threshold: prob,
  /** No decision on fewer labelled outcomes (trials) than this. */
  minOutcomes: positiveInt(200),
});
export type ModelPolicy = z.output<typeof modelPolicy>;

/**
 * Defaults. Propensity: the article's 0.78. Recommendations: precision@10 of a good recommender is ~0.1 (the UCI
 * evaluation measures 0.0999), so 0.78 would roll back every challenger; 0.05 is half that level.
 */
export const DEFAULT_MODEL_POLICIES: Record<string, ModelPolicy> = {
  propensity: { metric: 'precision', threshold: 0.78, minOutcomes: 200 },
  recommend: { metric: 'precision_at_k', threshold: 0.05, minOutcomes: 1000 },
};

export const monitoringPolicySchema = z.strictObject({
  /** Per model; a model not listed is not rolled back on precision (its guardrails still apply). */
  models: z.record(z.string().regex(/^[a-z_][a-z0-9_-]{0,62}$/), modelPolicy).default(DEFAULT_MODEL_POLICIES),
  /** Two-sided level of the Wilson intervals (0.95 → z = 1.96). */
  confidence: z.number().gt(0.5).lt(1).default(0.95),
  guardrail: z
    .strictObject({
      /** Error rate of the always-valid sequential intervals on challenger − champion (conversion, revenue per exposure). */
      alpha: z.number().gt(0).lt(0.5).default(0.05),
      /** Mixing scale of the normal-mixture sequential test, as a fraction of the champion's mean (the effect size it is tuned to find). */
      tau: z.number().gt(0).max(10).default(0.1),
      /** Units exposed per arm before the guardrail may act. */
      minExposures: positiveInt(500),
      /** Days after a unit's first exposure in which its orders count (conversion, revenue). */
      windowDays: positiveInt(7, 90),
    })
    .default({ alpha: 0.05, tau: 0.1, minExposures: 500, windowDays: 7 }),
  promotion: z
    .strictObject({
      /** A canary stays at each ramp step at least this long, its guardrails holding, before the next step. */
      holdHours: z.number().min(0).max(24 * 90).default(24),
      /** The challenger's share after each promotion (the last step is a blue-green swap). */
      ramp: z.array(z.number().int().min(1).max(100)).min(1).default([...DEFAULT_RAMP]),
    })
    .default({ holdHours: 24, ramp: [...DEFAULT_RAMP] }),
  drift: z
    .strictObject({
      psiWarn: z.number().positive().default(0.1),
      psiAlert: z.number().positive().default(0.25),
      /** Jensen-Shannon divergence (base 2) that alerts on a categorical feature. */
      jsAlert: prob.default(0.1),
      /** KS counts only with a statistic at least this large (KS over-fires on large samples). */
      ksMinEffect: prob.default(0.1),
      /** Family-wise (Bonferroni) or false-discovery (Benjamini-Hochberg) level over a night's tests. */
      alpha: z.number().gt(0).lt(0.5).default(0.01),
      correction: z.enum(['benjamini-hochberg', 'bonferroni']).default('benjamini-hochberg'),
      /** Shop-local hour of the nightly run. */
      hour: z.number().int().min(0).max(23).default(2),
    })
    .default({ psiWarn: 0.1, psiAlert: 0.25, jsAlert: 0.1, ksMinEffect: 0.1, alpha: 0.01, correction: 'benjamini-hochberg', hour: 2 }),
  velocity: z
    .strictObject({
      /** Orders in the last hour against the trailing baseline's hourly mean: at or above `up` × or at or below `down` × it triggers. */
      up: z.number().gt(1).default(2),
      down: z.number().min(0).lt(1).default(0.5),
      baselineHours: positiveInt(168, 24 * 90),
      /** Fewer orders than this in the baseline hour's expectation: no verdict (a quiet shop is not a shift). */
      minOrders: positiveInt(20),
      /** After a velocity trigger, none again for this long. */
      debounceHours: z.number().min(0).max(24 * 30).default(24),
    })
    .default({ up: 2, down: 0.5, baselineHours: 168, minOrders: 20, debounceHours: 24 }),
  retrain: z
    .strictObject({
      /** Scheduled retraining every N hours (0 = never). */
      everyHours: z.number().int().min(0).max(24 * 365).default(168),
      /** Requests for the same shop and models within this window join the run already started. */
      coalesceMinutes: z.number().min(0).max(24 * 60).default(60),
    })
    .default({ everyHours: 168, coalesceMinutes: 60 }),
  /** The monitor pass (outcome join, decisions) every N minutes. */
  everyMinutes: positiveInt(60, 24 * 60),
});

export type MonitoringPolicy = z.output<typeof monitoringPolicySchema>;
export type MonitoringPolicyInput = z.input<typeof monitoringPolicySchema>;

/** Validates a policy (a parsed JSON file, or {} for the defaults); CONFIG_INVALID listing every problem at once. */
export function parseMonitoringPolicy(raw: unknown, where = 'monitoring policy'): MonitoringPolicy {
  const r = monitoringPolicySchema.safeParse(raw ?? {});
  if (r.success) {
    const p = r.data;
    const problems: string[] = [];
    if (p.drift.psiAlert <= p.drift.psiWarn) problems.push(`drift.psiAlert (${p.drift.psiAlert}) must exceed drift.psiWarn (${p.drift.psiWarn})`);
    if (!p.promotion.ramp.every((v, i) => i === 0 || v > p.promotion.ramp[i - 1]!)) problems.push('promotion.ramp: steps must increase');
    if (!problems.length) return p;
    throw new ShopMlopsError('CONFIG_INVALID', `invalid ${where}:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
  }
  const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ShopMlopsError('CONFIG_INVALID', `invalid ${where}:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
}

export const DEFAULT_MONITORING_POLICY: MonitoringPolicy = parseMonitoringPolicy({});
