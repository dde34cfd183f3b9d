// What the monitor pass reads from the warehouse (both dialects): live precision per (version, arm) from shop_monitoring.outcome_daily, exposures per arm for the A/B guardrails, and the shops with served predictions.
import { ShopMlopsError } from '../core/errors';
import { SHOP_DOMAIN, type ArmName } from '../ports/endpoints';
import { MODEL_NAME } from '../ports/model-registry';
import type { Row } from '../ports/warehouse';
import type { ArmExposure } from './ab';
import { abExposureRow, abExposureSql } from './ab-sql';

/** A read-only statement in the warehouse's dialect with its parameters (DuckDB: positional $n; BigQuery: named @name with types). */
export type RunSql = (stmt: { sql: string; params?: unknown[] | Record<string, string | number>; types?: Record<string, string> }) => Promise<Row[]>;

export interface OutcomeTotals {
  version: number;
  arm: ArmName;
  trials: number;
  successes: number;
  /** Served dates (UTC) of the first and last labelled outcome. */
  from: string;
  to: string;
}

export interface MonitorQueries {
  /** Totals of a metric per (version, arm) for served dates on or after `sinceDate` (closed outcome windows only). */
  outcomes(q: { shop: string; model: string; metric: string; sinceDate: string; versions: number[] }): Promise<OutcomeTotals[]>;
  /** Units exposed per arm since `since` with their conversions and revenue in `windowDays`. */
  exposures(q: { shop: string; model: string; since: string; windowDays: number }): Promise<ArmExposure[]>;
  /** Shops that have served predictions. */
  shops(): Promise<string[]>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const METRIC = /^[a-z_]{1,40}$/;
const ARMS = new Set<string>(['champion', 'challenger', 'holdout']);

/** A literal for values that are checked against a strict pattern first (no quote can reach the SQL). */
function lit(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new ShopMlopsError('BAD_REQUEST', `monitor query: ${what} ${JSON.stringify(value)} is not valid`);
  return `'${value}'`;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
/** DATE values: DuckDB gives strings or Dates, BigQuery {value}. */
export const dateText = (v: unknown): string => {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (v && typeof v === 'object' && 'value' in v) return String((v as { value: unknown }).value).slice(0, 10);
  return String(v).slice(0, 10);
};

export function createMonitorQueries(run: RunSql, dialect: 'duckdb' | 'bigquery'): MonitorQueries {
  return {
    async outcomes(q) {
      const versions = q.versions.filter((v) => Number.isInteger(v) && v > 0);
      if (!versions.length) return [];
      const sql = `SELECT version, arm, SUM(trials) AS trials, SUM(successes) AS successes, MIN(served_date) AS first_date, MAX(served_date) AS last_date
FROM shop_monitoring.outcome_daily
WHERE shop = ${lit(q.shop, SHOP_DOMAIN, 'shop')} AND model = ${lit(q.model, MODEL_NAME, 'model')} AND metric = ${lit(q.metric, METRIC, 'metric')}
  AND served_date >= DATE ${lit(q.sinceDate, DATE, 'date')} AND version IN (${versions.join(', ')})
GROUP BY version, arm`;
      const rows = await run({ sql });
      return rows
        .filter((r) => ARMS.has(String(r['arm'])))
        .map((r) => ({ version: num(r['version']), arm: String(r['arm']) as ArmName, trials: num(r['trials']), successes: num(r['successes']), from: dateText(r['first_date']), to: dateText(r['last_date']) }));
    },
    async exposures(q) {
      const rows = await run(abExposureSql(dialect, { shop: q.shop, model: q.model, since: q.since, windowDays: q.windowDays }));
      return rows.map((raw) => {
        const r = abExposureRow.parse(raw);
        return { arm: r.arm, units: r.units, closedUnits: r.closed_units, conversions: r.conversions, revenue: r.revenue, revenueSquares: r.revenue_squares };
      });
    },
    async shops() {
      const rows = await run({ sql: 'SELECT DISTINCT shop FROM shop_predictions.prediction_log ORDER BY shop' });
      return rows.map((r) => String(r['shop'])).filter((s) => SHOP_DOMAIN.test(s));
    },
  };
}
