// Customer predictions from production models, pure: CLV (expected purchases, P(alive), next order, value) and repeat propensity with its decision; per customer and in batch.
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import { DEFAULT_DRAWS, clvFitFromJson, customersFromRfm, predictClv, type ClvFit } from '../models/clv';
import { decidePropensity, rfmRowSchema, scorePropensity, type PropensityModel, type RfmRow } from '../models/propensity';

/** Expected purchases are reported over this many days after the snapshot. */
export const EXPECTED_PURCHASE_DAYS = 90;
/** Default CLV horizon (days). */
export const DEFAULT_CLV_HORIZON_DAYS = 365;
/** Interval draws (the CLV model's default) and their seed: the same customer gets the same interval alone or in a batch. */
const DRAWS = DEFAULT_DRAWS;
const SEED = 'shop-predictions';

/** A shop_features.customer_rfm row as a warehouse returns it (zod: INT64 as strings, dates as text or Date). */
export const customerRowSchema = rfmRowSchema;
export type CustomerRow = RfmRow;

export function parseCustomerRows(raw: readonly unknown[], where: string): CustomerRow[] {
  const parsed = z.array(customerRowSchema).safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ShopMlopsError('UNPROCESSABLE', `${where}: row ${String(i.path[0])}, column ${i.path.slice(1).join('.')}: ${i.message}`);
  }
  return parsed.data as CustomerRow[];
}

export interface CustomerClvScore {
  customer_id: string;
  rfm_segment: string;
  expected_purchases_90d: number;
  expected_purchases_90d_low: number | null;
  expected_purchases_90d_high: number | null;
  p_alive: number;
  expected_next_order_date: string | null;
  expected_order_value: number | null;
  clv: number | null;
  clv_low: number | null;
  clv_high: number | null;
  clv_horizon_days: number;
}

/** The fields of a CustomerClvScore, in its order: a customer_clv batch row carries exactly these after the batch key. */
const CLV_SCORE_FIELDS = ['customer_id', 'rfm_segment', 'expected_purchases_90d', 'expected_purchases_90d_low', 'expected_purchases_90d_high', 'p_alive', 'expected_next_order_date', 'expected_order_value', 'clv', 'clv_low', 'clv_high', 'clv_horizon_days'] as const satisfies readonly (keyof CustomerClvScore)[];

/** A customer_clv batch row (normalised by the prediction store) as the score the version computes online for that customer and snapshot. */
export function clvFromBatch(row: Readonly<Record<string, unknown>>): CustomerClvScore {
  return Object.fromEntries(CLV_SCORE_FIELDS.map((k) => [k, row[k] ?? null])) as unknown as CustomerClvScore;
}

export interface ClvScoreOptions {
  /** The day the customers' summaries end (their customer_rfm snapshot). */
  snapshot: string;
  clvHorizonDays?: number;
}

/** A registered clv version's production fit (plain JSON, validated). */
export function clvProduction(production: unknown): ClvFit {
  return clvFitFromJson(JSON.stringify(production));
}

const finiteOrNull = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);

/** CLV scores of many customers (in row order). */
export function clvScores(fit: ClvFit, rows: readonly CustomerRow[], o: ClvScoreOptions): CustomerClvScore[] {
  if (rows.length === 0) return [];
  const horizon = o.clvHorizonDays ?? DEFAULT_CLV_HORIZON_DAYS;
  const customers = customersFromRfm(rows);
  const common = { draws: DRAWS, seed: SEED, asOf: o.snapshot };
  const near = predictClv(fit, customers, { ...common, horizon: EXPECTED_PURCHASE_DAYS });
  const value = predictClv(fit, customers, { ...common, horizon });
  return rows.map((r, i) => {
    const p = near.customers[i]!;
    const v = value.customers[i]!;
    return {
      customer_id: r.customer_id,
      rfm_segment: r.segment,
      expected_purchases_90d: p.expectedPurchases,
      expected_purchases_90d_low: finiteOrNull(p.expectedPurchasesLow),
      expected_purchases_90d_high: finiteOrNull(p.expectedPurchasesHigh),
      p_alive: p.pAlive,
      expected_next_order_date: p.nextOrderDate,
      expected_order_value: finiteOrNull(v.expectedOrderValue),
      clv: finiteOrNull(v.clv),
      clv_low: finiteOrNull(v.clvLow),
      clv_high: finiteOrNull(v.clvHigh),
      clv_horizon_days: horizon,
    };
  });
}

/** One customer's CLV scores (the same numbers as in a batch). */
export const clvScore = (fit: ClvFit, row: CustomerRow, o: ClvScoreOptions): CustomerClvScore => clvScores(fit, [row], o)[0]!;

export interface CustomerPropensityScore {
  customer_id: string;
  rfm_segment: string;
  p_repeat_30d: number;
  threshold: number | null;
  will_repeat: boolean;
}

/** A registered propensity version's production model. */
export function propensityProduction(production: unknown): PropensityModel {
  const m = production as PropensityModel | null;
  if (!m || m.kind !== 'shop-mlops/propensity') throw new ShopMlopsError('UNPROCESSABLE', 'not a propensity model (kind shop-mlops/propensity)');
  return m;
}

/** Repeat propensity of many customers (in row order) and the decision at the model's threshold. */
export function propensityScores(model: PropensityModel, rows: readonly CustomerRow[]): CustomerPropensityScore[] {
  if (rows.length === 0) return [];
  const probs = scorePropensity(model, rows);
  const decisions = decidePropensity(model, probs);
  return rows.map((r, i) => ({ customer_id: r.customer_id, rfm_segment: r.segment, p_repeat_30d: probs[i]!, threshold: model.threshold.threshold, will_repeat: decisions[i]! }));
}

export const propensityScore = (model: PropensityModel, row: CustomerRow): CustomerPropensityScore => propensityScores(model, [row])[0]!;
