// The DashboardReads port over SQL in either warehouse dialect (DuckDB embedded, BigQuery in the cloud): outcome_daily per day with Wilson intervals, the newest forecast and clv batches, landed events per minute.
import { addDays } from '../core/shop-days';
import { ShopMlopsError } from '../core/errors';
import type { ArmName } from '../ports/endpoints';
import { SHOP_DOMAIN } from '../ports/endpoints';
import { MODEL_NAME } from '../ports/model-registry';
import type { CustomerValue, DashboardReads, IngestHealth, LiveMetricDay, VariantForecast, VariantSummary } from '../ports/dashboard-reads';
import type { Row } from '../ports/warehouse';
import { dateText } from '../monitoring/monitor-queries';
import { wilsonInterval } from '../monitoring/stats';

export type Dialect = 'duckdb' | 'bigquery';
/** A read-only statement (values are checked literals: no parameters needed). */
export type QuerySql = (sql: string) => Promise<Row[]>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[0-9A-Za-z_:.-]{1,64}$/;
const ARMS = new Set<string>(['champion', 'challenger', 'holdout']);
const COUNTING = new Set(['precision', 'recall', 'precision_at_k']);

/** A literal for a value checked against a strict pattern first (no quote can reach the SQL). */
function lit(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new ShopMlopsError('BAD_REQUEST', `dashboard query: ${what} ${JSON.stringify(value)} is not valid`);
  return `'${value}'`;
}
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const boolOrNull = (v: unknown): boolean | null => (v === null || v === undefined ? null : Boolean(v));
/** A timestamp as both dialects read it: `TIMESTAMP 'YYYY-MM-DD HH:MM:SS+00'`. */
const tsLit = (d: Date): string => `TIMESTAMP '${d.toISOString().slice(0, 19).replace('T', ' ')}+00'`;
/** TIMESTAMP values: DuckDB gives Dates or strings, BigQuery {value}. */
const isoText = (v: unknown): string => {
  if (v instanceof Date) return v.toISOString();
  const s = v && typeof v === 'object' && 'value' in v ? String((v as { value: unknown }).value) : String(v);
  // DuckDB writes '2026-12-06 23:10:00+00': ISO wants 'T' and '+00:00'.
  const iso = s.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
};

export function createDashboardReads(query: QuerySql, dialect: Dialect, opts: { rawDataset?: string } = {}): DashboardReads {
  const raw = opts.rawDataset ?? 'shop_raw';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,1023}$/.test(raw)) throw new ShopMlopsError('CONFIG_INVALID', `raw dataset ${JSON.stringify(raw)} is not a dataset name`);
  const minuteOf = (col: string) => (dialect === 'duckdb' ? `date_trunc('minute', ${col})` : `TIMESTAMP_TRUNC(${col}, MINUTE)`);
  const p99 = (col: string) => (dialect === 'duckdb' ? `quantile_cont(${col}, 0.99)` : `APPROX_QUANTILES(${col}, 100)[OFFSET(99)]`);
  /** Reads tolerate a table that does not exist yet (a new store): an empty answer, not an error. */
  const rows = async (sql: string): Promise<Row[]> => {
    try {
      return await query(sql);
    } catch (err) {
      if (/does not exist|not found: table|Not found: Table|Catalog Error/i.test((err as Error).message)) return [];
      throw err;
    }
  };
  /** The newest batch of a table (latest snapshot, then latest scored_at, then highest version). */
  const newestBatch = async (table: string, shop: string, extra = ''): Promise<{ version: number; snapshot_date: string } | null> => {
    const r = await rows(`SELECT version, snapshot_date FROM shop_predictions.${table} WHERE shop = ${lit(shop, SHOP_DOMAIN, 'shop')}${extra} ORDER BY snapshot_date DESC, scored_at DESC, version DESC LIMIT 1`);
    return r[0] ? { version: num(r[0]['version']), snapshot_date: dateText(r[0]['snapshot_date']) } : null;
  };
  const batchWhere = (b: { version: number; snapshot_date: string }) => ` AND version = ${Math.trunc(b.version)} AND snapshot_date = DATE ${lit(b.snapshot_date, DATE, 'date')}`;

  return {
    async shops() {
      // Each table on its own: a store that has served nothing has no prediction log yet.
      const r = (await Promise.all([rows(`SELECT DISTINCT shop FROM ${raw}.events`), rows('SELECT DISTINCT shop FROM shop_predictions.prediction_log')])).flat();
      return [...new Set(r.map((x) => String(x['shop'])).filter((s) => SHOP_DOMAIN.test(s)))].sort();
    },

    async liveMetrics(q): Promise<LiveMetricDay[]> {
      const model = q.model === undefined ? '' : ` AND model = ${lit(q.model, MODEL_NAME, 'model')}`;
      const r = await rows(`SELECT model, version, arm, metric, served_date, SUM(trials) AS n, SUM(successes) AS successes, SUM(sum_abs_error) AS sum_abs_error
FROM shop_monitoring.outcome_daily
WHERE shop = ${lit(q.shop, SHOP_DOMAIN, 'shop')}${model} AND served_date >= DATE ${lit(q.sinceDate, DATE, 'date')} AND version IS NOT NULL
GROUP BY model, version, arm, metric, served_date
ORDER BY model, metric, version, arm, served_date`);
      return r
        .filter((x) => ARMS.has(String(x['arm'])))
        .map((x) => {
          const n = num(x['n']);
          const metric = String(x['metric']);
          const counting = COUNTING.has(metric);
          const successes = counting ? num(x['successes']) : null;
          const w = counting && n > 0 ? wilsonInterval(successes!, n) : null;
          return {
            model: String(x['model']),
            version: num(x['version']),
            arm: String(x['arm']) as ArmName,
            metric,
            date: dateText(x['served_date']),
            n,
            successes,
            value: n === 0 ? null : counting ? w!.value : num(x['sum_abs_error']) / n,
            low: counting ? (w?.low ?? 0) : null,
            high: counting ? (w?.high ?? 1) : null,
          };
        });
    },

    async variants(q): Promise<VariantSummary[]> {
      const b = await newestBatch('variant_replenishment', q.shop);
      if (!b) return [];
      const r = await rows(`SELECT variant_id, product_id, forecast_total, stock, reorder_point, days_of_cover, below_reorder_point
FROM shop_predictions.variant_replenishment WHERE shop = ${lit(q.shop, SHOP_DOMAIN, 'shop')}${batchWhere(b)}
ORDER BY CASE WHEN below_reorder_point THEN 0 ELSE 1 END, forecast_total DESC, variant_id LIMIT ${Math.trunc(q.limit)}`);
      return r.map((x) => ({
        variant_id: String(x['variant_id']),
        product_id: strOrNull(x['product_id']),
        forecast_total: num(x['forecast_total']),
        stock: numOrNull(x['stock']),
        reorder_point: numOrNull(x['reorder_point']),
        days_of_cover: numOrNull(x['days_of_cover']),
        below_reorder_point: boolOrNull(x['below_reorder_point']),
      }));
    },

    async forecast(q): Promise<VariantForecast> {
      const shop = lit(q.shop, SHOP_DOMAIN, 'shop');
      const variant = lit(q.variantId, ID, 'variant_id');
      const b = await newestBatch('variant_forecast', q.shop, ` AND variant_id = ${variant}`);
      const empty: VariantForecast = { variant_id: q.variantId, product_id: null, batch: null, history: [], forecast: [], replenishment: null };
      if (!b) return empty;
      const [f, rep] = await Promise.all([
        rows(`SELECT date, product_id, forecast, lo80, hi80, lo95, hi95 FROM shop_predictions.variant_forecast WHERE shop = ${shop} AND variant_id = ${variant}${batchWhere(b)} ORDER BY date`),
        rows(`SELECT stock, reorder_point, safety_stock, lead_time_days, service_level, days_of_cover, forecast_model, demand_class FROM shop_predictions.variant_replenishment WHERE shop = ${shop} AND variant_id = ${variant}${batchWhere(b)} LIMIT 1`),
      ]);
      // History: the latest build of each day up to the batch's snapshot (days are rebuilt in place, one row per day).
      const days = Math.trunc(q.historyDays);
      const from = addDays(b.snapshot_date, -(days - 1));
      const h = await rows(`SELECT date, SUM(units) AS units FROM shop_features.variant_daily_demand
WHERE shop = ${shop} AND variant_id = ${variant} AND date >= DATE ${lit(from, DATE, 'date')} AND date <= DATE ${lit(b.snapshot_date, DATE, 'date')}
GROUP BY date ORDER BY date`);
      const r0 = rep[0];
      return {
        variant_id: q.variantId,
        product_id: strOrNull(f[0]?.['product_id']),
        batch: b,
        history: h.map((x) => ({ date: dateText(x['date']), units: num(x['units']) })),
        forecast: f.map((x) => ({ date: dateText(x['date']), forecast: num(x['forecast']), lo80: num(x['lo80']), hi80: num(x['hi80']), lo95: num(x['lo95']), hi95: num(x['hi95']) })),
        replenishment: r0
          ? {
              stock: numOrNull(r0['stock']),
              reorder_point: num(r0['reorder_point']),
              safety_stock: num(r0['safety_stock']),
              lead_time_days: num(r0['lead_time_days']),
              service_level: num(r0['service_level']),
              days_of_cover: numOrNull(r0['days_of_cover']),
              forecast_model: String(r0['forecast_model']),
              demand_class: String(r0['demand_class']),
            }
          : null,
      };
    },

    async customerValue(q): Promise<CustomerValue> {
      const shop = lit(q.shop, SHOP_DOMAIN, 'shop');
      const b = await newestBatch('customer_clv', q.shop);
      if (!b) return { batch: null, clv: [], segments: [] };
      const where = `shop = ${shop}${batchWhere(b)}`;
      const [range] = await rows(`SELECT ${p99('clv')} AS top, MIN(clv) AS bottom FROM shop_predictions.customer_clv WHERE ${where} AND clv IS NOT NULL`);
      const bins = Math.trunc(q.bins);
      const top = Math.max(numOrNull(range?.['top']) ?? 0, 1e-9);
      const bottom = Math.min(0, numOrNull(range?.['bottom']) ?? 0);
      const width = (top - bottom) / bins;
      const [hist, seg] = await Promise.all([
        rows(`SELECT LEAST(${bins - 1}, GREATEST(0, CAST(FLOOR((clv - (${bottom})) / ${width}) AS ${dialect === 'duckdb' ? 'BIGINT' : 'INT64'}))) AS bin, COUNT(*) AS customers
FROM shop_predictions.customer_clv WHERE ${where} AND clv IS NOT NULL GROUP BY 1 ORDER BY 1`),
        rows(`SELECT rfm_segment, COUNT(*) AS customers, AVG(clv) AS clv_mean, AVG(p_alive) AS p_alive_mean FROM shop_predictions.customer_clv WHERE ${where} GROUP BY rfm_segment ORDER BY customers DESC, rfm_segment`),
      ]);
      const counts = new Map(hist.map((x) => [num(x['bin']), num(x['customers'])]));
      return {
        batch: b,
        clv: range && range['top'] !== null && range['top'] !== undefined ? Array.from({ length: bins }, (_, i) => ({ low: bottom + i * width, high: bottom + (i + 1) * width, customers: counts.get(i) ?? 0 })) : [],
        segments: seg.map((x) => ({ segment: String(x['rfm_segment']), customers: num(x['customers']), clv_mean: numOrNull(x['clv_mean']), p_alive_mean: numOrNull(x['p_alive_mean']) })),
      };
    },

    async ingest(q): Promise<IngestHealth> {
      const end = new Date(Math.floor(q.now.getTime() / 60_000) * 60_000 + 60_000);
      const start = new Date(end.getTime() - Math.trunc(q.minutes) * 60_000);
      const shop = lit(q.shop, SHOP_DOMAIN, 'shop');
      const [perMinute, quarantine] = await Promise.all([
        rows(`SELECT ${minuteOf('received_at')} AS minute, COUNT(*) AS events FROM ${raw}.events WHERE shop = ${shop} AND received_at >= ${tsLit(start)} AND received_at < ${tsLit(end)} GROUP BY 1`),
        rows(`SELECT COUNT(*) AS n FROM ${raw}.quarantine WHERE replayed_at IS NULL AND (shop = ${shop} OR shop IS NULL)`),
      ]);
      const counts = new Map(perMinute.map((x) => [isoText(x['minute']), num(x['events'])]));
      return {
        perMinute: Array.from({ length: Math.trunc(q.minutes) }, (_, i) => {
          const minute = new Date(start.getTime() + i * 60_000).toISOString();
          return { minute, events: counts.get(minute) ?? 0 };
        }),
        quarantine: num(quarantine[0]?.['n']),
      };
    },
  };
}
