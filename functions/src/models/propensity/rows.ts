// Row shapes of the propensity model (shop_features.customer_rfm + customer_labels) and their validation.
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';

export const SEGMENTS = ['Champions', 'Loyal', 'New', 'Potential loyalists', 'Cannot lose', 'At risk', 'Hibernating', 'Lost'] as const;
export type Segment = (typeof SEGMENTS)[number];

/** One row of shop_features.customer_rfm (docs/data-contracts.md); `shop` is optional (one shop per model). */
export interface RfmRow {
  shop?: string;
  snapshot_date: string;
  customer_id: string;
  frequency: number;
  recency_days: number;
  age_days: number;
  days_since_last: number;
  monetary: number;
  r_score: number;
  f_score: number;
  m_score: number;
  segment: Segment;
  /** Catalog terms (catalog-mix.ts), all three or none: a model trained with them needs them to score. */
  distinct_products?: number;
  mean_price_band?: number;
  rebuy_affinity?: number;
}

/** customer_rfm joined with customer_labels on (shop, snapshot_date, customer_id). */
export interface PropensityRow extends RfmRow {
  bought_within_30d: boolean;
  /** Train on complete labels only; rows that say `false` are refused. */
  label_complete?: boolean;
}

const count = z.coerce.number().int().min(0);
const score = z.coerce.number().int().min(1).max(5);
const day = z.union([z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.date().transform((d) => d.toISOString().slice(0, 10))]);
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);

/**
 * A customer_rfm row as a warehouse client returns it: INT64 columns may arrive as strings (`shop-mlops sql --json`),
 * dates as strings or Date objects. Extra columns are ignored.
 */
export const rfmRowSchema = z.object({
  shop: z.string().optional(),
  snapshot_date: day,
  customer_id: z.union([z.string().min(1), z.number().int().transform(String)]),
  frequency: count,
  recency_days: count,
  age_days: count,
  days_since_last: count,
  monetary: z.coerce.number().finite().min(0),
  r_score: score,
  f_score: score,
  m_score: score,
  segment: z.enum(SEGMENTS),
  distinct_products: z.coerce.number().int().min(0).optional(),
  mean_price_band: z.coerce.number().min(0).max(1).optional(),
  rebuy_affinity: z.coerce.number().min(0).max(1).optional(),
});

export const propensityRowSchema = rfmRowSchema.extend({ bought_within_30d: bool, label_complete: bool.optional() });

function parseAll<T>(schema: z.ZodType<T>, raw: readonly unknown[], what: string): T[] {
  return raw.map((r, i) => {
    const res = schema.safeParse(r);
    if (!res.success) {
      const issue = res.error.issues[0]!;
      throw new ShopMlopsError('BAD_REQUEST', `${what} row ${i + 1}: field ${issue.path.join('.') || '(row)'}: ${issue.message}`);
    }
    return res.data;
  });
}

/** Validates customer_rfm rows from outside (warehouse query results, JSON files). */
export function parseRfmRows(raw: readonly unknown[]): RfmRow[] {
  return parseAll(rfmRowSchema, raw, 'customer_rfm');
}

/** Validates customer_rfm ⋈ customer_labels rows from outside. */
export function parsePropensityRows(raw: readonly unknown[]): PropensityRow[] {
  return parseAll(propensityRowSchema, raw, 'propensity');
}

const SEGMENT_SET: ReadonlySet<string> = new Set(SEGMENTS);

/**
 * Cheap invariant checks on typed rows (the hot path; no zod): finite non-negative counts, scores 1–5, a known segment,
 * a boolean label when `labelled`, complete labels. Throws UNPROCESSABLE naming the row and field.
 */
export function assertRows(rows: readonly RfmRow[] | readonly PropensityRow[], what: string, labelled: boolean): void {
  const bad = (i: number, field: string, v: unknown): never => {
    const r = rows[i]!;
    throw new ShopMlopsError('UNPROCESSABLE', `${what} row ${i + 1} (customer ${String(r.customer_id)}, snapshot ${String(r.snapshot_date)}): ${field} = ${JSON.stringify(v)} is not usable`);
  };
  const count = (v: unknown) => typeof v === 'number' && v >= 0 && v < Infinity;
  const score = (v: unknown) => v === 1 || v === 2 || v === 3 || v === 4 || v === 5;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]! as PropensityRow;
    if (!count(r.frequency)) bad(i, 'frequency', r.frequency);
    if (!count(r.recency_days)) bad(i, 'recency_days', r.recency_days);
    if (!count(r.age_days)) bad(i, 'age_days', r.age_days);
    if (!count(r.days_since_last)) bad(i, 'days_since_last', r.days_since_last);
    if (!count(r.monetary)) bad(i, 'monetary', r.monetary);
    if (!score(r.r_score)) bad(i, 'r_score', r.r_score);
    if (!score(r.f_score)) bad(i, 'f_score', r.f_score);
    if (!score(r.m_score)) bad(i, 'm_score', r.m_score);
    if (!SEGMENT_SET.has(r.segment)) bad(i, 'segment', r.segment);
    if (typeof r.snapshot_date !== 'string') bad(i, 'snapshot_date', r.snapshot_date);
    if (r.distinct_products !== undefined && !count(r.distinct_products)) bad(i, 'distinct_products', r.distinct_products);
    if (r.mean_price_band !== undefined && !(r.mean_price_band >= 0 && r.mean_price_band <= 1)) bad(i, 'mean_price_band', r.mean_price_band);
    if (r.rebuy_affinity !== undefined && !(r.rebuy_affinity >= 0 && r.rebuy_affinity <= 1)) bad(i, 'rebuy_affinity', r.rebuy_affinity);
    if (labelled) {
      if (typeof r.bought_within_30d !== 'boolean') bad(i, 'bought_within_30d', r.bought_within_30d);
      if (r.label_complete === false) bad(i, 'label_complete (train and evaluate on complete labels only)', r.label_complete);
    }
  }
}
