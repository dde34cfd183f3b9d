// The nightly drift job: per shop, each model's feature tables at its champion's training snapshot against the latest snapshot, and its served scores (last day against the 7 days before); stores results, writes metrics, requests retraining on drift.
import { ShopMlopsError } from '../core/errors';
import { silentLogger, type Logger } from '../core/log';
import type { MetricPoint, MetricsSink } from '../ports/metrics-sink';
import type { ModelRegistries } from '../ports/model-registry';
import type { DriftResult, DriftRun, DriftSubject, MonitoringStore, RequestRetrain, RetrainRequest } from '../ports/monitoring-store';
import type { Row, Warehouse } from '../ports/warehouse';
import { QUALIFIED_PREDICTION_LOG } from '../serving/prediction-log-table';
import { addDays, localDate } from '../core/shop-days';
import { assertDay, assertShop } from '../training/extract-sql';
import type { MonitoringPolicy } from './config';
import { analyseDrift, type DriftAnalysis, type FeatureSample } from './drift';

export interface DriftFeatureSpec {
  column: string;
  kind: 'continuous' | 'categorical';
}

/** A feature table and the models trained on it. */
export interface DriftSpec {
  /** `dataset.table`, e.g. shop_features.customer_rfm. */
  table: string;
  /** Models whose champion's training snapshot (registry param snapshot_date) is the reference. */
  models: string[];
  /** `snapshot`: the rows with snapshot_date = the day; `window`: the rows with `date` in (day − days, day]. */
  select: { by: 'snapshot' } | { by: 'window'; days: number };
  /** Deterministic sampling key (a column or CONCAT of columns) when a side has more than maxSample rows. */
  key: string;
  features: DriftFeatureSpec[];
}

/** A model's served scores: JSON paths into the prediction log's `output`. */
export interface PredictionDriftSpec {
  model: string;
  scores: { feature: string; path: string }[];
}

/** The feature tables the models train on (features/*.sqlx; training/extract-sql.ts reads the same columns). */
export const DEFAULT_DRIFT_SPECS: readonly DriftSpec[] = [
  {
    table: 'shop_features.customer_rfm',
    models: ['clv', 'propensity'],
    select: { by: 'snapshot' },
    key: 'customer_id',
    features: [
      { column: 'frequency', kind: 'continuous' },
      { column: 'recency_days', kind: 'continuous' },
      { column: 'age_days', kind: 'continuous' },
      { column: 'days_since_last', kind: 'continuous' },
      { column: 'monetary', kind: 'continuous' },
      { column: 'segment', kind: 'categorical' },
    ],
  },
  {
    table: 'shop_features.variant_daily_demand',
    models: ['forecast'],
    select: { by: 'window', days: 28 },
    key: "CONCAT(variant_id, '|', CAST(date AS STRING))",
    features: [
      { column: 'units', kind: 'continuous' },
      { column: 'revenue', kind: 'continuous' },
      { column: 'avg_price', kind: 'continuous' },
      { column: 'in_stock', kind: 'categorical' },
    ],
  },
  {
    table: 'shop_features.co_purchase',
    models: ['recommend'],
    select: { by: 'snapshot' },
    key: "CONCAT(product_a, '|', product_b)",
    features: [
      { column: 'support', kind: 'continuous' },
      { column: 'confidence', kind: 'continuous' },
      { column: 'lift', kind: 'continuous' },
    ],
  },
];

/** The scores serve.ts logs per model (serving/predict-customer.ts, the forecast route's replenishment). */
export const DEFAULT_PREDICTION_SPECS: readonly PredictionDriftSpec[] = [
  { model: 'propensity', scores: [{ feature: 'p_repeat_30d', path: '$.p_repeat_30d' }] },
  {
    model: 'clv',
    scores: [
      { feature: 'expected_purchases_90d', path: '$.expected_purchases_90d' },
      { feature: 'clv', path: '$.clv' },
    ],
  },
  { model: 'forecast', scores: [{ feature: 'forecast_total', path: '$.replenishment.forecast_total' }] },
];

export interface DriftJobDeps {
  warehouse: Pick<Warehouse, 'dialect' | 'query'>;
  store: Pick<MonitoringStore, 'recordDrift'>;
  sink: MetricsSink;
  /** Every shop's registry: a shop's drift is measured against its own champion's training snapshot. */
  registries: ModelRegistries;
  policy: MonitoringPolicy;
  /** Shop-local days: the run date and the `snapshot` of the feature tables. */
  timezone: string;
  requestRetrain: RequestRetrain;
  specs?: readonly DriftSpec[];
  predictionSpecs?: readonly PredictionDriftSpec[];
  /** Rows read per side at most (a deterministic hash sample beyond); default 100,000. */
  maxSample?: number;
  /** Fewer values on a side: the feature is skipped (see analyseDrift); default 100. */
  minSamples?: number;
  logger?: Logger;
}

export interface DriftJobRun {
  shop: string;
  subject: DriftSubject;
  model: string;
  reference: string;
  current: string;
  featuresTested: number;
  featuresDrifted: number;
  drifted: boolean;
  /** Features not tested (too few values). */
  skippedFeatures: { feature: string; reason: string }[];
}

export interface DriftJobReport {
  runDate: string;
  computedAt: string;
  runs: DriftJobRun[];
  /** Subjects not analysed: no champion, no training snapshot, nothing newer than it, no predictions. */
  skipped: { shop: string | null; subject: DriftSubject; model: string; reason: string }[];
  /** A subject whose reading or recording failed (the others still ran). */
  errors: { shop: string; subject: DriftSubject; model: string; error: string }[];
  retrains: RetrainRequest[];
}

const IDENT = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;
const COLUMN = /^[a-z_][a-z0-9_]*$/;
const JSON_PATH = /^\$(\.[a-z_][a-z0-9_]*)+$/;
const KEY = /^[A-Za-z0-9_(),.' |]+$/;

function validateSpecs(specs: readonly DriftSpec[], predictions: readonly PredictionDriftSpec[]): void {
  const problems: string[] = [];
  const featuresOf = new Map<string, string[]>();
  for (const s of specs) {
    if (!IDENT.test(s.table)) problems.push(`table ${JSON.stringify(s.table)} is not dataset.table`);
    if (!KEY.test(s.key)) problems.push(`${s.table}: sampling key ${JSON.stringify(s.key)} has characters outside [A-Za-z0-9_(),.' |]`);
    if (s.select.by === 'window' && !(Number.isInteger(s.select.days) && s.select.days >= 1)) problems.push(`${s.table}: window days must be a positive integer`);
    for (const f of s.features) if (!COLUMN.test(f.column)) problems.push(`${s.table}: column ${JSON.stringify(f.column)} is not an identifier`);
    for (const m of s.models) featuresOf.set(m, [...(featuresOf.get(m) ?? []), ...s.features.map((f) => f.column)]);
  }
  for (const [m, fs] of featuresOf) {
    const dup = fs.filter((f, i) => fs.indexOf(f) !== i);
    if (dup.length) problems.push(`model ${m}: feature ${dup[0]} appears in two of its tables`);
  }
  for (const p of predictions) for (const s of p.scores) if (!JSON_PATH.test(s.path)) problems.push(`${p.model}.${s.feature}: ${JSON.stringify(s.path)} is not a $.a.b JSON path`);
  if (problems.length) throw new ShopMlopsError('CONFIG_INVALID', `invalid drift specs:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
}

/** Dialect spellings of the few things the job's plain SELECTs need. */
function sqlFor(dialect: Warehouse['dialect']) {
  const duck = dialect === 'duckdb';
  return {
    double: (e: string) => (duck ? `CAST(${e} AS DOUBLE)` : `CAST(${e} AS FLOAT64)`),
    text: (e: string) => `COALESCE(CAST(${e} AS STRING), '(null)')`,
    jsonNumber: (col: string, path: string) => (duck ? `TRY_CAST(json_extract_string(${col}, '${path}') AS DOUBLE)` : `SAFE_CAST(JSON_VALUE(${col}, '${path}') AS FLOAT64)`),
    timestamp: (iso: string) => (duck ? `CAST('${iso}' AS TIMESTAMPTZ)` : `TIMESTAMP('${iso}')`),
    sample: (key: string, every: number) => (every <= 1 ? 'TRUE' : duck ? `hash(${key}) % ${every} = 0` : `MOD(ABS(FARM_FINGERPRINT(${key})), ${every}) = 0`),
  };
}

const quote = (shop: string): string => {
  assertShop(shop);
  return `'${shop}'`;
};
const dateLit = (d: string): string => {
  assertDay(d, 'date');
  return `DATE '${d}'`;
};
const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));
const day = (v: unknown): string | null => (v === null || v === undefined ? null : String(v).slice(0, 10));

/** Runs the night's drift tests for every shop; `now` decides the run date (shop-local) and the prediction windows. */
export async function runDriftJob(deps: DriftJobDeps, now: Date): Promise<DriftJobReport> {
  const specs = deps.specs ?? DEFAULT_DRIFT_SPECS;
  const predictionSpecs = deps.predictionSpecs ?? DEFAULT_PREDICTION_SPECS;
  validateSpecs(specs, predictionSpecs);
  const log = deps.logger ?? silentLogger;
  const sql = sqlFor(deps.warehouse.dialect);
  const maxSample = deps.maxSample ?? 100_000;
  const minSamples = deps.minSamples ?? 100;
  const runDate = localDate(now, deps.timezone);
  const computedAt = now.toISOString();
  const report: DriftJobReport = { runDate, computedAt, runs: [], skipped: [], errors: [], retrains: [] };
  const points: MetricPoint[] = [];
  const driftedModels = new Map<string, Map<string, string[]>>(); // shop → model → why

  // Champions per shop and model: the version and the snapshot it trained on (read once each).
  const models = [...new Set([...specs.flatMap((s) => s.models), ...predictionSpecs.map((p) => p.model)])].sort();
  const champions = new Map<string, Promise<{ version: number; snapshot: string | null } | null>>();
  const championOf = (shop: string, m: string) => {
    const k = `${shop} ${m}`;
    let hit = champions.get(k);
    if (!hit) {
      hit = deps.registries
        .forShop(shop)
        .getVersion(m, 'champion')
        .then((v) => (v ? { version: v.version, snapshot: typeof v.params['snapshot_date'] === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v.params['snapshot_date']) ? v.params['snapshot_date'] : null } : null));
      champions.set(k, hit);
    }
    return hit;
  };

  const query = (text: string): Promise<Row[]> => deps.warehouse.query(text);

  // Reads a table's rows on one day (sampled), cached across the models that share it.
  const cache = new Map<string, Promise<Map<string, number[] | Record<string, number>>>>();
  const readDay = (spec: DriftSpec, shop: string, d: string) => {
    const k = `${spec.table}|${shop}|${d}`;
    let hit = cache.get(k);
    if (!hit) {
      hit = (async () => {
        const where =
          spec.select.by === 'snapshot'
            ? `shop = ${quote(shop)} AND snapshot_date = ${dateLit(d)}`
            : `shop = ${quote(shop)} AND date > ${dateLit(addDays(d, -spec.select.days))} AND date <= ${dateLit(d)}`;
        return readSample(spec.table, where, spec.key, spec.features.map((f) => ({ name: f.column, kind: f.kind, expr: f.kind === 'continuous' ? sql.double(f.column) : sql.text(f.column) })));
      })();
      cache.set(k, hit);
    }
    return hit;
  };

  async function readSample(table: string, where: string, key: string, cols: { name: string; kind: 'continuous' | 'categorical'; expr: string }[]) {
    const n = num((await query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`))[0]?.['n']);
    const every = Math.max(1, Math.ceil(n / maxSample));
    const rows = await query(`SELECT ${cols.map((c, i) => `${c.expr} AS c${i}`).join(', ')} FROM ${table} WHERE ${where} AND ${sql.sample(key, every)}`);
    const out = new Map<string, number[] | Record<string, number>>();
    cols.forEach((c, i) => {
      if (c.kind === 'continuous') {
        const values: number[] = [];
        for (const r of rows) {
          const v = num(r[`c${i}`]);
          if (Number.isFinite(v)) values.push(v);
        }
        out.set(c.name, values);
      } else {
        const counts: Record<string, number> = {};
        for (const r of rows) {
          const v = String(r[`c${i}`]);
          counts[v] = (counts[v] ?? 0) + 1;
        }
        out.set(c.name, counts);
      }
    });
    return out;
  }

  async function record(shop: string, subject: DriftSubject, model: string, reference: string, current: string, analysis: DriftAnalysis): Promise<void> {
    const results: DriftResult[] = analysis.results.map((r) => ({
      shop,
      run_date: runDate,
      subject,
      model,
      feature: r.feature,
      kind: r.kind,
      reference,
      current,
      n_reference: r.nReference,
      n_current: r.nCurrent,
      psi: r.psi,
      ks_statistic: r.ks?.statistic ?? null,
      ks_p_value: r.ks?.pValue ?? null,
      js_divergence: r.js,
      p_adjusted: Number.isFinite(r.pAdjusted) ? r.pAdjusted : null,
      material: r.material,
      drifted: r.drifted,
      level: r.level,
    }));
    const drifted = analysis.results.filter((r) => r.drifted);
    const run: DriftRun = {
      shop,
      run_date: runDate,
      subject,
      model,
      computed_at: computedAt,
      features_tested: results.length,
      features_drifted: drifted.length,
      correction: deps.policy.drift.correction,
      alpha: deps.policy.drift.alpha,
      drifted: analysis.drifted,
    };
    await deps.store.recordDrift(run, results);
    for (const r of results) points.push({ name: 'shop_mlops_drift_psi', labels: { shop, subject, model, feature: r.feature }, value: r.psi });
    points.push({ name: 'shop_mlops_drift_features_drifted', labels: { shop, subject, model }, value: drifted.length });
    report.runs.push({ shop, subject, model, reference, current, featuresTested: results.length, featuresDrifted: drifted.length, drifted: analysis.drifted, skippedFeatures: analysis.skipped });
    if (analysis.drifted) {
      const why = drifted.map((r) => `${r.feature} PSI ${r.psi.toFixed(3)}${r.ks ? ` KS ${r.ks.statistic.toFixed(3)}` : ''}${r.js !== null ? ` JS ${r.js.toFixed(3)}` : ''}`);
      const perShop = driftedModels.get(shop) ?? new Map<string, string[]>();
      perShop.set(model, [...(perShop.get(model) ?? []), `${subject}: ${why.join(', ')}`]);
      driftedModels.set(shop, perShop);
    }
    log.info('drift analysed', { shop, subject, model, reference, current, tested: results.length, drifted: drifted.length });
  }

  const guard = async (shop: string, subject: DriftSubject, model: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err);
      report.errors.push({ shop, subject, model, error: e.message });
      log.error('drift subject failed', { shop, subject, model, code: e.code, error: e.message });
    }
  };

  // Features: per model, its tables at the champion's training snapshot against their latest snapshot.
  const latestByTable = new Map<string, Map<string, string>>(); // table → shop → latest day
  for (const spec of specs) {
    const col = spec.select.by === 'snapshot' ? 'snapshot_date' : 'date';
    try {
      const rows = await query(`SELECT shop, CAST(MAX(${col}) AS STRING) AS latest FROM ${spec.table} WHERE ${col} <= ${dateLit(runDate)} GROUP BY shop ORDER BY shop`);
      latestByTable.set(spec.table, new Map(rows.flatMap((r) => (day(r['latest']) ? [[String(r['shop']), day(r['latest'])!] as const] : []))));
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err);
      for (const m of spec.models) report.errors.push({ shop: '*', subject: 'features', model: m, error: `${spec.table}: ${e.message}` });
      log.error('drift table unreadable', { table: spec.table, error: e.message });
    }
  }
  const featureShops = [...new Set([...latestByTable.values()].flatMap((m) => [...m.keys()]))].sort();
  for (const model of models) {
    const mine = specs.filter((s) => s.models.includes(model) && latestByTable.has(s.table));
    if (!mine.length) continue;
    for (const shop of featureShops) {
      await guard(shop, 'features', model, async () => {
        const champion = await championOf(shop, model);
        if (!champion?.snapshot) {
          report.skipped.push({ shop, subject: 'features', model, reason: champion ? `champion v${champion.version} has no snapshot_date param` : 'no champion' });
          return;
        }
        const refDay = champion.snapshot;
        const samples: FeatureSample[] = [];
        const refs: string[] = [];
        const curs: string[] = [];
        for (const spec of mine) {
          const latest = latestByTable.get(spec.table)!.get(shop);
          if (!latest || latest <= refDay) continue;
          const [ref, cur] = await Promise.all([readDay(spec, shop, refDay), readDay(spec, shop, latest)]);
          const what = spec.select.by === 'window' ? ` (${spec.select.days} days)` : '';
          refs.push(`${spec.table}@${refDay}${what}`);
          curs.push(`${spec.table}@${latest}${what}`);
          for (const f of spec.features) {
            samples.push(
              f.kind === 'continuous'
                ? { feature: f.column, kind: 'continuous', reference: ref.get(f.column) as number[], current: cur.get(f.column) as number[] }
                : { feature: f.column, kind: 'categorical', reference: ref.get(f.column) as Record<string, number>, current: cur.get(f.column) as Record<string, number> },
            );
          }
        }
        if (!samples.length) {
          report.skipped.push({ shop, subject: 'features', model, reason: `no snapshot newer than the champion's (${refDay})` });
          return;
        }
        await record(shop, 'features', model, refs.join(', '), curs.join(', '), analyseDrift(samples, deps.policy.drift, { minSamples }));
      });
    }
  }

  // Predictions: the champion's served scores, the last 24 hours against the 7 days before.
  const curFrom = new Date(now.getTime() - 86_400_000).toISOString();
  const refFrom = new Date(now.getTime() - 8 * 86_400_000).toISOString();
  const nowIso = now.toISOString();
  for (const p of predictionSpecs) {
    let shops: string[];
    try {
      shops = (await query(`SELECT DISTINCT shop FROM ${QUALIFIED_PREDICTION_LOG} WHERE model = '${p.model}' AND output IS NOT NULL AND served_at >= ${sql.timestamp(refFrom)} AND served_at < ${sql.timestamp(nowIso)} ORDER BY shop`)).map((r) => String(r['shop']));
    } catch (err) {
      report.errors.push({ shop: '*', subject: 'predictions', model: p.model, error: ShopMlopsError.fromUnknown(err).message });
      continue;
    }
    for (const shop of shops) {
      await guard(shop, 'predictions', p.model, async () => {
        const champion = await championOf(shop, p.model);
        if (!champion) {
          report.skipped.push({ shop, subject: 'predictions', model: p.model, reason: 'no champion' });
          return;
        }
        const base = `model = '${p.model}' AND version = ${champion.version} AND output IS NOT NULL`;
        const cols = p.scores.map((s) => ({ name: s.feature, kind: 'continuous' as const, expr: sql.jsonNumber('output', s.path) }));
        const window = (from: string, to: string) => `shop = ${quote(shop)} AND ${base} AND served_at >= ${sql.timestamp(from)} AND served_at < ${sql.timestamp(to)}`;
        const [ref, cur] = await Promise.all([readSample(QUALIFIED_PREDICTION_LOG, window(refFrom, curFrom), 'prediction_id', cols), readSample(QUALIFIED_PREDICTION_LOG, window(curFrom, nowIso), 'prediction_id', cols)]);
        const samples: FeatureSample[] = p.scores.map((s) => ({ feature: s.feature, kind: 'continuous', reference: ref.get(s.feature) as number[], current: cur.get(s.feature) as number[] }));
        const label = (from: string, to: string) => `${QUALIFIED_PREDICTION_LOG} v${champion.version} [${from}, ${to})`;
        await record(shop, 'predictions', p.model, label(refFrom, curFrom), label(curFrom, nowIso), analyseDrift(samples, deps.policy.drift, { minSamples }));
      });
    }
  }

  // One retraining request per shop for the models whose features or predictions drifted.
  for (const [shop, byModel] of [...driftedModels].sort(([a], [b]) => a.localeCompare(b))) {
    const drifted = [...byModel.keys()].sort();
    const reason = `drift on ${runDate}: ${drifted.map((m) => `${m} (${byModel.get(m)!.join('; ')})`).join('; ')}`.slice(0, 1000);
    try {
      report.retrains.push(await deps.requestRetrain({ shop, models: drifted, trigger: 'drift', reason }));
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err);
      report.errors.push({ shop, subject: 'features', model: drifted.join(','), error: `retrain request: ${e.message}` });
      log.error('drift retrain request failed', { shop, models: drifted, error: e.message });
    }
  }

  points.push({ name: 'shop_mlops_monitor_last_run_timestamp_seconds', labels: { job: 'drift' }, value: now.getTime() / 1000 });
  await deps.sink.write(points, now);
  return report;
}
