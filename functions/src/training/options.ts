// The training pipeline's tunable parameters: one zod schema (ranges named per parameter), shared by the steps and the `train` verb.
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import type { PropensityPlan, TrainingOptions } from './models/types';

const planSchema = z.object({ validation: z.string().nullable(), train: z.array(z.string()), reason: z.string().optional() });

export const optionSchemas = {
  holdout_days: z.number().int().min(7, 'must be ≥ 7').max(365, 'must be ≤ 365'),
  horizon: z.number().int().min(1, 'must be ≥ 1').max(366, 'must be ≤ 366'),
  lead_time: z.number().int().min(1, 'must be ≥ 1').max(365, 'must be ≤ 365'),
  service_level: z.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)'),
  clv_horizon_days: z.number().int().min(1, 'must be ≥ 1').max(3650, 'must be ≤ 3650'),
  rec_k: z.number().int().min(1, 'must be ≥ 1').max(100, 'must be ≤ 100'),
  rec_source: z.enum(['order_lines', 'co_purchase'], { error: "must be 'order_lines' or 'co_purchase'" }),
  history_days: z.number().int().min(0, 'must be ≥ 0 (0 = all history)'),
  propensity_train_snapshots: z.number().int().min(1, 'must be ≥ 1').max(24, 'must be ≤ 24'),
  propensity_plan: planSchema,
} as const;

export type OptionName = keyof typeof optionSchemas;

export const DEFAULTS = {
  holdout_days: 28,
  horizon: 28,
  lead_time: 7,
  service_level: 0.95,
  clv_horizon_days: 365,
  rec_k: 10,
  rec_source: 'order_lines',
  history_days: 0,
  propensity_train_snapshots: 3,
} as const;

/** Checks the given parameters (any subset); BAD_REQUEST naming every bad one. */
export function checkOptions(values: Record<string, unknown>): void {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    const schema = optionSchemas[k as OptionName];
    if (!schema) continue;
    const r = schema.safeParse(v);
    if (!r.success) problems.push(`parameter ${k} ${r.error.issues[0]!.message} (got ${JSON.stringify(v)})`);
  }
  if (problems.length) throw new ShopMlopsError('BAD_REQUEST', problems.join('; '));
}

/** TrainingOptions from a step's inputs (those it declares; the rest take their defaults). */
export function trainingOptions(snapshot: string, inputs: Record<string, unknown>): TrainingOptions {
  checkOptions(inputs);
  const get = <K extends keyof typeof DEFAULTS>(k: K) => (inputs[k] ?? DEFAULTS[k]) as (typeof DEFAULTS)[K] extends number ? number : string;
  return {
    snapshot,
    holdoutDays: get('holdout_days') as number,
    horizon: get('horizon') as number,
    leadTime: get('lead_time') as number,
    serviceLevel: get('service_level') as number,
    clvHorizonDays: get('clv_horizon_days') as number,
    recK: get('rec_k') as number,
    recSource: get('rec_source') as 'order_lines' | 'co_purchase',
    propensity: (inputs['propensity_plan'] as PropensityPlan | undefined) ?? { validation: null, train: [], reason: 'no propensity plan' },
  };
}
