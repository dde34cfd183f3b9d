// Parameterised SQL (DuckDB and BigQuery) of a rollout's A/B exposures: units per arm since a start, their conversions and revenue in a window after first exposure.
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';

export type AbDialect = 'duckdb' | 'bigquery';

export const abExposureQuery = z.object({
  shop: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/, 'a shop domain'),
  model: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a model name'),
  /** ISO-8601 instant: exposures from here on (the rollout's start). */
  since: z.iso.datetime({ offset: true }),
  /** Days after a unit's first exposure in which its orders count (whole 24-hour days). */
  windowDays: z.number().int().min(1).max(365),
});
export type AbExposureQuery = z.infer<typeof abExposureQuery>;

/** BigQuery query parameter types (the shape @google-cloud/bigquery's `types` option takes). */
export type AbParamType = 'STRING' | 'INT64';

export type AbExposureStatement =
  | { dialect: 'duckdb'; sql: string; params: unknown[] }
  | { dialect: 'bigquery'; sql: string; params: Record<string, string | number>; types: Record<string, AbParamType> };

/** One result row per (arm, assigned_version); counts come back as strings from both warehouses (64-bit integers). */
export const abExposureRow = z.object({
  arm: z.enum(['champion', 'challenger', 'holdout']),
  assigned_version: z.union([z.string(), z.number(), z.null()]).transform((v) => (v === null ? null : Number(v))),
  /** Units first exposed since `since` (a customer, else a visitor). */
  units: z.coerce.number(),
  /** Of them, units whose window is over in the data (first exposure + windowDays ≤ the shop's latest order). */
  closed_units: z.coerce.number(),
  /** Closed units whose customer placed an included order within the window. */
  conversions: z.coerce.number(),
  /** Σ per closed unit of its included orders' total_price in the window, and Σ of its square (per-unit revenue). */
  revenue: z.coerce.number(),
  revenue_squares: z.coerce.number(),
});
export type AbExposureRow = z.infer<typeof abExposureRow>;

const NAMES = ['shop', 'model', 'since', 'window_hours'] as const;

/**
 * Units exposed per (arm, assigned_version) of one endpoint since `since`: each unit (customer_id, else visitor_id) counts
 * once, in the arm of its first exposure after `since`; its conversion and revenue are its customer's included orders
 * (shop_staging.orders) placed after that first exposure and within windowDays of it. Visitors never convert (no
 * customer to match orders to), in every arm alike. Only closed windows count towards conversions and revenue.
 */
export function abExposureSql(dialect: AbDialect, q: AbExposureQuery): AbExposureStatement {
  const parsed = abExposureQuery.safeParse(q);
  if (!parsed.success) throw new ShopMlopsError('BAD_REQUEST', `A/B exposure query: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const o = parsed.data;
  const duck = dialect === 'duckdb';
  const p = (name: (typeof NAMES)[number]) => (duck ? `$${NAMES.indexOf(name) + 1}` : `@${name}`);
  const float = (e: string) => (duck ? `CAST(${e} AS DOUBLE)` : `CAST(${e} AS FLOAT64)`);
  const since = duck ? `CAST(${p('since')} AS TIMESTAMPTZ)` : `TIMESTAMP(${p('since')})`;
  const windowEnd = (ts: string) => (duck ? `${ts} + to_hours(CAST(${p('window_hours')} AS BIGINT))` : `TIMESTAMP_ADD(${ts}, INTERVAL ${p('window_hours')} HOUR)`);
  const unit = `CASE WHEN customer_id IS NOT NULL THEN CONCAT('c:', customer_id) ELSE CONCAT('v:', visitor_id) END`;
  const sql = `WITH exposed AS (
  SELECT ${unit} AS unit, customer_id, arm, assigned_version, served_at,
    ROW_NUMBER() OVER (PARTITION BY ${unit} ORDER BY served_at, prediction_id) AS exposure
  FROM shop_predictions.prediction_log
  WHERE shop = ${p('shop')} AND model = ${p('model')} AND served_at >= ${since} AND (customer_id IS NOT NULL OR visitor_id IS NOT NULL)
),
watermark AS (
  SELECT MAX(created_at) AS as_of FROM shop_staging.orders WHERE shop = ${p('shop')}
),
units AS (
  SELECT e.unit, e.customer_id, e.arm, e.assigned_version, e.first_at, e.window_end, COALESCE(e.window_end <= w.as_of, FALSE) AS closed
  FROM (SELECT unit, customer_id, arm, assigned_version, served_at AS first_at, ${windowEnd('served_at')} AS window_end FROM exposed WHERE exposure = 1) AS e
  CROSS JOIN watermark AS w
),
outcomes AS (
  SELECT u.unit, u.arm, u.assigned_version, u.closed, COUNT(o.order_id) AS orders, COALESCE(SUM(${float('o.total_price')}), 0) AS revenue
  FROM units AS u
  LEFT JOIN shop_staging.orders AS o
    ON o.shop = ${p('shop')} AND o.customer_id = u.customer_id AND o.is_included AND o.created_at > u.first_at AND o.created_at <= u.window_end
  GROUP BY u.unit, u.arm, u.assigned_version, u.closed
)
SELECT arm, assigned_version,
  COUNT(*) AS units,
  COUNT(CASE WHEN closed THEN 1 END) AS closed_units,
  COUNT(CASE WHEN closed AND orders > 0 THEN 1 END) AS conversions,
  ${float('COALESCE(SUM(CASE WHEN closed THEN revenue END), 0)')} AS revenue,
  ${float('COALESCE(SUM(CASE WHEN closed THEN revenue * revenue END), 0)')} AS revenue_squares
FROM outcomes
GROUP BY arm, assigned_version
ORDER BY arm, assigned_version`;
  const values = { shop: o.shop, model: o.model, since: new Date(o.since).toISOString(), window_hours: o.windowDays * 24 };
  if (duck) return { dialect, sql, params: NAMES.map((n) => values[n]) };
  return { dialect, sql, params: values, types: { shop: 'STRING', model: 'STRING', since: 'STRING', window_hours: 'INT64' } };
}
