// The MonitoringStore's rows at its boundary: zod schemas that check what is written and parse what is read back, and the wire form (JSON text, ISO timestamps) both adapters store.
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import { SHOP_DOMAIN, splitSchema } from '../ports/endpoints';
import type { DriftResult, DriftRun, MonitorDecision, RetrainRequest } from '../ports/monitoring-store';
import { MONITORING_TABLES, type MonitoringTableName } from './monitoring-tables';

const finite = z.number().finite();
const count = z.number().int().min(0);
const shop = z.string().regex(SHOP_DOMAIN, 'must be a shop domain like example.myshopify.com');
const name = z.string().min(1).max(200);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
/** Any ISO timestamp with a zone in; stored and read back as UTC with milliseconds. */
const timestamp = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

const proportionEvidence = z.strictObject({
  metric: name,
  trials: count,
  successes: count,
  value: finite,
  low: finite,
  high: finite,
  confidence: z.number().gt(0).lt(1),
  threshold: finite,
  from: date,
  to: date,
});
const guardrailEvidence = z.strictObject({
  metric: z.enum(['conversion', 'revenue_per_exposure']),
  champion: z.strictObject({ units: count, mean: finite }),
  challenger: z.strictObject({ units: count, mean: finite }),
  difference: finite,
  low: finite,
  high: finite,
  alpha: z.number().gt(0).lt(1),
  since: z.string().min(1),
});
const reason = z.enum(['precision_below_threshold', 'guardrail_conversion', 'guardrail_revenue', 'guardrails_held']);
const flowEvent = z.strictObject({
  trigger: z.enum(['model_rolled_back', 'model_promoted']),
  shop,
  model: name,
  version: z.number().int().positive(),
  precision: finite.nullable(),
  reason,
});

export const decisionSchema = z.strictObject({
  decision_id: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest'),
  shop,
  model: name,
  decided_at: timestamp,
  action: z.enum(['rollback', 'promote']),
  reason,
  version: z.number().int().positive(),
  precision: proportionEvidence.nullable(),
  guardrails: z.array(guardrailEvidence),
  before: splitSchema.nullable(),
  after: splitSchema.nullable(),
  revision_before: count,
  revision_after: count,
  flow_event: flowEvent,
}) satisfies z.ZodType<MonitorDecision, unknown>;

const subject = z.enum(['features', 'predictions']);
export const driftResultSchema = z.strictObject({
  shop,
  run_date: date,
  subject,
  model: name.nullable(),
  feature: name,
  kind: z.enum(['continuous', 'categorical']),
  reference: z.string().max(1000),
  current: z.string().max(1000),
  n_reference: count,
  n_current: count,
  psi: finite,
  ks_statistic: finite.nullable(),
  ks_p_value: finite.nullable(),
  js_divergence: finite.nullable(),
  p_adjusted: finite.nullable(),
  material: z.boolean(),
  drifted: z.boolean(),
  level: z.enum(['ok', 'warn', 'alert']),
}) satisfies z.ZodType<DriftResult, unknown>;

export const driftRunSchema = z.strictObject({
  shop,
  run_date: date,
  subject,
  model: name.nullable(),
  computed_at: timestamp,
  features_tested: count,
  features_drifted: count,
  correction: z.enum(['benjamini-hochberg', 'bonferroni']),
  alpha: z.number().gt(0).lt(1),
  drifted: z.boolean(),
}) satisfies z.ZodType<DriftRun, unknown>;

const status = z.enum(['started', 'coalesced', 'succeeded', 'failed']);
export const retrainRequestSchema = z.strictObject({
  request_id: z.string().min(1).max(200),
  shop,
  models: z.array(name).min(1).transform((m) => [...new Set(m)].sort()),
  trigger: z.enum(['velocity', 'drift', 'schedule', 'external']),
  reason: z.string().max(2000),
  requested_at: timestamp,
  status,
  run_request_id: z.string().min(1).max(200),
  run_id: z.string().min(1).max(500).nullable(),
  finished_at: timestamp.nullable(),
  error: z.string().max(2000).nullable(),
}) satisfies z.ZodType<RetrainRequest, unknown>;

/** What claimRetrain takes. */
export const retrainClaimSchema = retrainRequestSchema.pick({ request_id: true, shop: true, models: true, trigger: true, reason: true, requested_at: true });
export const retrainPatchSchema = z.strictObject({ status: status.optional(), run_id: z.string().min(1).max(500).nullable().optional(), finished_at: timestamp.nullable().optional(), error: z.string().max(2000).nullable().optional() });
export type RetrainPatch = z.output<typeof retrainPatchSchema>;

/** A query's filter: `since` is an ISO date or timestamp (drift tables compare its date). */
export const storeQuerySchema = z.strictObject({ shop: shop.optional(), model: name.optional(), since: z.union([date, z.iso.datetime({ offset: true })]).optional() });
export type StoreQuery = z.output<typeof storeQuerySchema>;
export const sinceTimestamp = (since: string): string => new Date(since.length === 10 ? `${since}T00:00:00Z` : since).toISOString();
export const sinceDate = (since: string): string => (since.length === 10 ? since : new Date(since).toISOString().slice(0, 10));

/** Validates a write at the boundary: BAD_REQUEST listing every problem. */
export function checked<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ShopMlopsError('BAD_REQUEST', `invalid ${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** A value as the tables store it: JSON columns as JSON text, lists as string arrays, the rest as is. */
export type WireValue = string | number | boolean | null | string[];
export type WireRow = Record<string, WireValue>;

export function toWire(t: MonitoringTableName, row: Record<string, unknown>): WireRow {
  return Object.fromEntries(
    MONITORING_TABLES[t].columns.map((c) => {
      const v = row[c.name] ?? null;
      return [c.name, c.type === 'JSON' ? (v === null ? null : JSON.stringify(v)) : (v as WireValue)];
    }),
  );
}

const SCHEMAS = { decisions: decisionSchema, drift_results: driftResultSchema, drift_runs: driftRunSchema, retrain_requests: retrainRequestSchema } as const;
type Parsed = { decisions: MonitorDecision; drift_results: DriftResult; drift_runs: DriftRun; retrain_requests: RetrainRequest };

/**
 * A row read back: JSON and list columns arrive as JSON text, integers maybe as decimal text (DuckDB's BIGINT),
 * timestamps as ISO text. A row the schema refuses is a corrupt store, an INTERNAL error.
 */
export function fromWire<T extends MonitoringTableName>(t: T, row: Record<string, unknown>): Parsed[T] {
  const out: Record<string, unknown> = {};
  for (const c of MONITORING_TABLES[t].columns) {
    const v = row[c.name] ?? null;
    out[c.name] = v === null ? null : c.type === 'JSON' || c.type === 'STRING_LIST' ? (typeof v === 'string' ? JSON.parse(v) : v) : c.type === 'INT64' || c.type === 'FLOAT64' ? Number(v) : v;
  }
  const r = SCHEMAS[t].safeParse(out);
  if (!r.success) throw new ShopMlopsError('INTERNAL', `shop_monitoring.${t} holds a row that is not valid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data as Parsed[T];
}
