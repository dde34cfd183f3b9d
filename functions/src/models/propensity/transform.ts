// Feature transform of the propensity model: customer_rfm row → sparse design row (standardised continuous terms + one-hots).
import { ShopMlopsError } from '../../core/errors';
import type { RfmRow } from './rows';
import { SEGMENTS } from './rows';

/** Math functions as module constants: global lookups are slow inside VM contexts (jest), which hot loops feel. */
const { log1p, max, sqrt } = Math;

/** Continuous terms (computed together by continuousTerms, in this order); standardised with the training rows' mean and sd. */
const CONTINUOUS_NAMES = [
  'log1p_frequency',
  'log1p_recency_days',
  'log1p_age_days',
  'log1p_days_since_last',
  'log1p_monetary',
  // share of the customer's life until the last purchase (1 when the first purchase is on the snapshot day)
  'recency_ratio',
  // repeat purchase days per 30 days of customer age
  'log1p_rate_30d',
  // days since the last purchase in units of the customer's mean gap between purchase days (0 for one-time buyers)
  'log1p_overdue',
  'one_time_buyer',
] as const;
const NC = CONTINUOUS_NAMES.length;

/** Catalog terms (catalog-mix.ts), after the RFM ones when the model was trained with them. */
const CATALOG_NAMES = ['log1p_distinct_products', 'mean_price_band', 'rebuy_affinity'] as const;
const NK = CATALOG_NAMES.length;

/** Writes the row's catalog terms to out[at … at + NK); a row without them cannot be scored by a catalog model. */
function catalogTerms(r: RfmRow, out: Float64Array, at: number): void {
  if (r.distinct_products === undefined || r.mean_price_band === undefined || r.rebuy_affinity === undefined) {
    throw new ShopMlopsError('UNPROCESSABLE', `propensity: customer ${r.customer_id} (snapshot ${r.snapshot_date}) has no catalog terms (distinct_products, mean_price_band, rebuy_affinity) but the model uses them`);
  }
  out[at] = log1p(r.distinct_products);
  out[at + 1] = r.mean_price_band;
  out[at + 2] = r.rebuy_affinity;
}

/** Every row carries the three catalog terms. */
export const hasCatalogTerms = (rows: readonly RfmRow[]): boolean =>
  rows.length > 0 && rows.every((r) => r.distinct_products !== undefined && r.mean_price_band !== undefined && r.rebuy_affinity !== undefined);

/** Writes the row's continuous terms (raw, before standardisation) to out[at … at + NC). Straight-line code: the hot path. */
function continuousTerms(r: RfmRow, out: Float64Array, at: number): void {
  const f = r.frequency;
  const rec = r.recency_days;
  const age = r.age_days;
  const dsl = r.days_since_last;
  out[at] = log1p(f);
  out[at + 1] = log1p(rec);
  out[at + 2] = log1p(age);
  out[at + 3] = log1p(dsl);
  out[at + 4] = log1p(max(0, r.monetary));
  out[at + 5] = age > 0 ? rec / age : 1;
  out[at + 6] = log1p((30 * f) / max(1, age));
  out[at + 7] = f > 0 ? log1p(dsl / (rec / f)) : 0;
  out[at + 8] = f === 0 ? 1 : 0;
}

const SCORE_LEVELS = ['1', '2', '3', '4', '5'] as const;
const SEGMENT_INDEX = new Map<string, number>(SEGMENTS.map((s, i) => [s, i]));
/** The level's position in a score's levels (scores are validated integers 1–5), −1 otherwise. */
const scoreLevel = (v: number) => (v >= 1 && v <= 5 && Number.isInteger(v) ? v - 1 : -1);

/** Categorical terms: one indicator per level (all levels; the L2 penalty makes the design identifiable). */
const CATEGORICAL: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['r_score', SCORE_LEVELS],
  ['f_score', SCORE_LEVELS],
  ['m_score', SCORE_LEVELS],
  ['segment', SEGMENTS],
];

/** Writes the row's level index in each categorical group (CATEGORICAL order; −1 = unknown) to out[at …]. */
function categoricalLevels(r: RfmRow, out: Int32Array, at: number): void {
  out[at] = scoreLevel(r.r_score);
  out[at + 1] = scoreLevel(r.f_score);
  out[at + 2] = scoreLevel(r.m_score);
  out[at + 3] = SEGMENT_INDEX.get(r.segment) ?? -1;
}

/** JSON form of the transform: names, centres and scales are what scoring needs; the formulas are versioned code. */
export interface FeatureTransform {
  version: 1;
  /** The catalog terms follow the RFM ones (absent in models trained before them: false). */
  catalog?: boolean;
  continuous: { name: string; center: number; scale: number }[];
  categorical: { name: string; levels: string[] }[];
}

/**
 * Design rows: a dense block (intercept, then the standardised continuous terms; columns 0 … nd − 1) and one column
 * index per categorical group (the level's indicator; −1 for an unknown level). Categorical columns follow the dense ones
 * and ascend group by group.
 */
export interface Design {
  n: number;
  /** Columns, intercept first. */
  p: number;
  names: string[];
  /** Dense columns per row (intercept included). */
  nd: number;
  dense: Float64Array;
  /** Categorical groups per row. */
  ng: number;
  cat: Int32Array;
}

/** Fits centres and scales on `rows` (sd 0 → scale 1); `catalog` (default: when every row has them) adds the catalog terms. */
export function fitTransform(rows: readonly RfmRow[], catalog = hasCatalogTerms(rows)): FeatureTransform {
  const nc = NC + (catalog ? NK : 0);
  const sum = new Float64Array(nc);
  const sum2 = new Float64Array(nc);
  const x = new Float64Array(nc);
  for (const r of rows) {
    continuousTerms(r, x, 0);
    if (catalog) catalogTerms(r, x, NC);
    for (let j = 0; j < nc; j++) {
      sum[j]! += x[j]!;
      sum2[j]! += x[j]! * x[j]!;
    }
  }
  const n = max(1, rows.length);
  const continuous = [...CONTINUOUS_NAMES, ...(catalog ? CATALOG_NAMES : [])].map((name, j) => {
    const center = sum[j]! / n;
    const sd = sqrt(max(0, sum2[j]! / n - center * center));
    return { name, center, scale: sd > 1e-12 ? sd : 1 };
  });
  return { version: 1, ...(catalog ? { catalog: true } : {}), continuous, categorical: CATEGORICAL.map(([name, levels]) => ({ name, levels: [...levels] })) };
}

export function columnNames(t: FeatureTransform): string[] {
  return ['intercept', ...t.continuous.map((c) => c.name), ...t.categorical.flatMap((c) => c.levels.map((l) => `${c.name}=${l}`))];
}

/** The design rows of `rows` under a fitted transform. */
export function design(t: FeatureTransform, rows: readonly RfmRow[]): Design {
  const catalog = t.catalog === true;
  const expected: readonly string[] = catalog ? [...CONTINUOUS_NAMES, ...CATALOG_NAMES] : CONTINUOUS_NAMES;
  const nc = expected.length;
  if (t.version !== 1 || t.continuous.length !== nc || t.continuous.some((c, i) => c.name !== expected[i])) {
    throw new ShopMlopsError('BAD_REQUEST', `propensity model: its feature transform (version ${String(t.version)}) does not match this code; retrain the model`);
  }
  if (t.categorical.length !== CATEGORICAL.length || t.categorical.some((c, i) => c.name !== CATEGORICAL[i]![0] || c.levels.join('\u0000') !== CATEGORICAL[i]![1].join('\u0000'))) {
    throw new ShopMlopsError('BAD_REQUEST', 'propensity model: its categorical groups do not match this code; retrain the model');
  }
  const names = columnNames(t);
  const nd = 1 + nc;
  const ng = CATEGORICAL.length;
  const n = rows.length;
  const dense = new Float64Array(n * nd);
  const cat = new Int32Array(n * ng);
  const offsets: number[] = [];
  let off = nd;
  for (const c of t.categorical) {
    offsets.push(off);
    off += c.levels.length;
  }
  const centers = t.continuous.map((c) => c.center);
  const scales = t.continuous.map((c) => c.scale);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    const base = i * nd;
    dense[base] = 1;
    continuousTerms(r, dense, base + 1);
    if (catalog) catalogTerms(r, dense, base + 1 + NC);
    for (let j = 0; j < nc; j++) dense[base + 1 + j] = (dense[base + 1 + j]! - centers[j]!) / scales[j]!;
    const cb = i * ng;
    categoricalLevels(r, cat, cb);
    for (let g = 0; g < ng; g++) cat[cb + g] = cat[cb + g]! < 0 ? -1 : offsets[g]! + cat[cb + g]!;
  }
  return { n, p: names.length, names, nd, dense, ng, cat };
}
