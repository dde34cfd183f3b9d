// Monitoring benchmark: one monitoring pass (outcome join, live precision, drift on 20 features) over 10M logged predictions and 1M orders, against one DuckDB scan of the prediction log.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openDuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileModelRegistries } from '../../functions/src/adapters/embedded/file-model-registry';
import { runFeatures } from '../../functions/src/features/runner';
import { DEFAULT_MONITORING_POLICY } from '../../functions/src/monitoring/config';
import { runDriftJob, type DriftSpec } from '../../functions/src/monitoring/drift-job';
import { runOutcomeJoin } from '../../functions/src/monitoring/outcomes-job';
import { wilsonInterval } from '../../functions/src/monitoring/stats';
import type { MetricPoint } from '../../functions/src/ports/metrics-sink';
import { QUALIFIED_PREDICTION_LOG, duckdbCreatePredictionLog } from '../../functions/src/serving/prediction-log-table';
import { writeStore } from './features';
import type { BenchResult, BenchRow } from './run';

const PREDICTIONS = Number(process.env['BENCH_PREDICTIONS'] ?? 10_000_000);
const SHOP = 'bench-store.myshopify.com';
const DAYS = 730;
const START = Date.parse('2024-01-01T00:00:00Z');
const CUSTOMERS = Number(process.env['BENCH_CUSTOMERS'] ?? 100_000);
const dayOf = (d: number) => new Date(START + d * 86_400_000).toISOString().slice(0, 10);

function peakRss(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return { stop: () => (clearInterval(t), Math.max(peak, process.memoryUsage().rss)) };
}

/**
 * 10M served predictions over the store's last 120 days, in the shapes serve.ts logs: recommend 40 % (10 products),
 * propensity 30 %, clv 20 %, forecast 10 %; champion v1 at 95 %, challenger v2 at 5 %; customers and products from the
 * features bench's store (ids 6e18 + i, 7e18 + p).
 */
function predictionsSql(n: number): string {
  const served = `TIMESTAMPTZ '${dayOf(DAYS - 120)} 00:00:00+00' + to_seconds(CAST(hash(i * 7 + 1) % ${120 * 86_400} AS BIGINT))`;
  const cust = `CAST(6000000000000000000 + CAST(power((hash(i * 7 + 2) % 1000000) / 1000000.0, 1.6) * ${CUSTOMERS} AS BIGINT) AS VARCHAR)`;
  const prod = (k: string) => `CAST(7000000000000000000 + (hash(i * 7 + ${k}) % 1000) AS VARCHAR)`;
  const recs = Array.from({ length: 10 }, (_, k) => `'{"recommended_product_id":"' || ${prod(String(10 + k))} || '","score":0.${k + 1}}'`).join(` || ',' || `);
  return `
    INSERT INTO ${QUALIFIED_PREDICTION_LOG}
    SELECT
      'bench-' || i AS prediction_id, '${SHOP}' AS shop, served AS served_at,
      CASE model WHEN 'recommend' THEN 'recommendations_product' WHEN 'forecast' THEN 'variant_forecast' ELSE 'customer_predictions' END AS route,
      model, arm, bucket, version AS assigned_version, version, 'model' AS served_by, FALSE AS fallback, NULL AS fallback_reason,
      customer_id, NULL AS visitor_id,
      CASE model WHEN 'recommend' THEN ${prod('3')} WHEN 'forecast' THEN CAST(8000000000000000000 + (hash(i * 7 + 4) % 5000) AS VARCHAR) ELSE customer_id END AS entity_id,
      md5(CAST(i AS VARCHAR)) AS inputs_hash,
      CASE model
        WHEN 'propensity' THEN '{"customer_id":"' || customer_id || '","rfm_segment":"Loyal","p_repeat_30d":' || CAST(p AS VARCHAR) || ',"threshold":0.5,"will_repeat":' || CASE WHEN p >= 0.5 THEN 'true' ELSE 'false' END || '}'
        WHEN 'clv' THEN '{"customer_id":"' || customer_id || '","expected_purchases_90d":' || CAST(round(p * 3, 4) AS VARCHAR) || ',"p_alive":0.8,"clv":' || CAST(round(p * 300, 2) AS VARCHAR) || '}'
        WHEN 'recommend' THEN '[' || ${recs} || ']'
        ELSE '{"forecast":[{"date":"' || strftime(served + INTERVAL 1 DAY, '%Y-%m-%d') || '","mean":1.5}],"replenishment":{"forecast_total":' || CAST(round(p * 40, 2) AS VARCHAR) || ',"horizon_days":28}}'
      END AS output,
      1.5 AS latency_ms
    FROM (
      SELECT i, ${served} AS served, ${cust} AS customer_id,
        CASE WHEN hash(i * 7 + 5) % 10 < 4 THEN 'recommend' WHEN hash(i * 7 + 5) % 10 < 7 THEN 'propensity' WHEN hash(i * 7 + 5) % 10 < 9 THEN 'clv' ELSE 'forecast' END AS model,
        CAST(hash(i * 7 + 6) % 10000 AS BIGINT) AS bucket,
        CASE WHEN hash(i * 7 + 6) % 10000 < 500 THEN 'challenger' ELSE 'champion' END AS arm,
        CASE WHEN hash(i * 7 + 6) % 10000 < 500 THEN 2 ELSE 1 END AS version,
        (hash(i * 7 + 8) % 1000) / 1000.0 AS p
      FROM range(${n}) AS t(i)
    )`;
}

/** A 20-feature customer table (15 continuous, 5 categorical) at the reference snapshot and the latest one. */
function wideFeaturesSql(reference: string, latest: string): string {
  const cont = (s: string) => [
    `CAST(frequency AS DOUBLE) * ${s}`, `CAST(recency_days AS DOUBLE)`, `CAST(age_days AS DOUBLE)`, `CAST(days_since_last AS DOUBLE) * ${s}`, `monetary`,
    `ln(1 + monetary)`, `ln(1 + frequency)`, `CAST(recency_days AS DOUBLE) / (1 + age_days)`, `monetary * frequency`, `sqrt(age_days)`,
    `CAST(r_score AS DOUBLE) + (hash(customer_id) % 100) / 100.0`, `CAST(f_score AS DOUBLE) * ${s}`, `CAST(m_score AS DOUBLE)`, `(hash(customer_id || 'a') % 1000) / 10.0`, `(hash(customer_id || 'b') % 1000) * ${s}`,
  ];
  const cat = [`segment`, `CAST(r_score AS VARCHAR)`, `CAST(f_score AS VARCHAR)`, `CAST(m_score AS VARCHAR)`, `CAST(hash(customer_id) % 7 AS VARCHAR)`];
  const select = (day: string, s: string) =>
    `SELECT shop, DATE '${day}' AS snapshot_date, customer_id, ${cont(s).map((e, i) => `${e} AS c${i + 1}`).join(', ')}, ${cat.map((e, i) => `${e} AS k${i + 1}`).join(', ')}
     FROM shop_features.customer_rfm WHERE snapshot_date = (SELECT max(snapshot_date) FROM shop_features.customer_rfm)`;
  return `CREATE SCHEMA IF NOT EXISTS bench_features;
    CREATE OR REPLACE TABLE bench_features.customer_wide AS ${select(reference, '1.0')} UNION ALL ${select(latest, '1.3')}`;
}

const WIDE_SPEC: DriftSpec = {
  table: 'bench_features.customer_wide',
  models: ['propensity'],
  select: { by: 'snapshot' },
  key: 'customer_id',
  features: [
    ...Array.from({ length: 15 }, (_, i) => ({ column: `c${i + 1}`, kind: 'continuous' as const })),
    ...Array.from({ length: 5 }, (_, i) => ({ column: `k${i + 1}`, kind: 'categorical' as const })),
  ],
};

export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-mlops-bench-monitor-'));
  const dbPath = path.join(dir, 'warehouse.duckdb');
  const t0 = performance.now();
  const store = await writeStore(dbPath);
  let w = await openDuckDbWarehouse({ path: dbPath });
  const features = await runFeatures({ warehouse: w, snapshotDate: dayOf(DAYS - 1), fullRefresh: true });
  if (!features.ok) throw new Error(`feature build failed: ${features.actions.filter((a) => a.status !== 'ok').map((a) => `${a.name}: ${a.error}`).join('; ')}`);
  await w.execute(`CREATE SCHEMA IF NOT EXISTS shop_predictions`);
  await w.execute(duckdbCreatePredictionLog());
  const tp = performance.now();
  await w.execute(predictionsSql(PREDICTIONS));
  const predictionSeconds = (performance.now() - tp) / 1000;
  const reference = dayOf(DAYS - 91);
  const latest = dayOf(DAYS - 1);
  for (const stmt of wideFeaturesSql(reference, latest).split(';')) if (stmt.trim()) await w.execute(stmt);
  await w.execute('CHECKPOINT');
  // The propensity champion trained on the reference snapshot (the drift job's reference).
  const artifacts = createFileArtifactStore(path.join(dir, 'artifacts'));
  await artifacts.put('models/propensity/bench-run/model.json', Buffer.from('{}'));
  const registries = createFileModelRegistries({ dir: path.join(dir, 'registry'), artifacts });
  const registry = registries.forShop(SHOP);
  await registry.registerVersion({ model: 'propensity', runId: 'bench-run', artifactKey: 'models/propensity/bench-run', params: { snapshot_date: reference }, aliases: ['champion'] });
  const setupSeconds = (performance.now() - t0) / 1000;
  const logged = Number((await w.execute(`SELECT count(*) AS n FROM ${QUALIFIED_PREDICTION_LOG}`))[0]!['n']);
  const orders = Number((await w.execute(`SELECT count(*) AS n FROM shop_staging.orders`))[0]!['n']);

  // DuckDB takes up to 80 % of RAM by default; BENCH_DUCKDB_MEMORY (e.g. 4GB) bounds the pass's warehouse as a merchant's
  // machine would (the runtime's SHOP_MLOPS_WAREHOUSE_MEMORY_LIMIT).
  const memoryLimit = process.env['BENCH_DUCKDB_MEMORY'];
  if (memoryLimit) {
    // reopened with the limit (its buffer pool starts cold); without one the runtime's long-lived warehouse is warm
    await w.close();
    w = await openDuckDbWarehouse({ path: dbPath, memoryLimit });
  }
  const rows: BenchRow[] = [];
  // Baseline: one scan of the prediction log (every row, the output text included).
  let mem = peakRss();
  let t = performance.now();
  await w.execute(`SELECT model, arm, count(*) AS n, sum(length(output)) AS bytes, avg(latency_ms) AS ms FROM ${QUALIFIED_PREDICTION_LOG} GROUP BY ALL`);
  const baseline = (performance.now() - t) / 1000;
  rows.push({ name: 'baseline: one scan of the prediction log', seconds: baseline, 'peak RSS MiB': Math.round(mem.stop() / 2 ** 20), ratio: 1 });

  // One monitoring pass.
  mem = peakRss();
  const pass = performance.now();
  t = performance.now();
  const join = await runOutcomeJoin(w, { timezone: 'UTC' });
  if (!join.ok) throw new Error(`outcome join failed: ${join.actions.filter((a) => a.status !== 'ok').map((a) => `${a.name}: ${a.error}`).join('; ')}`);
  for (const a of join.actions) rows.push({ name: `outcome join: ${a.name}`, seconds: a.seconds, 'peak RSS MiB': '', ratio: a.seconds / baseline });
  t = performance.now();
  const live = await w.execute(`SELECT model, version, arm, metric, sum(trials) AS trials, sum(successes) AS successes FROM shop_monitoring.outcome_daily WHERE metric IN ('precision', 'precision_at_k') GROUP BY ALL ORDER BY ALL`);
  const precision = live.map((r) => ({ model: String(r['model']), version: String(r['version']), arm: String(r['arm']), metric: String(r['metric']), trials: Number(r['trials']), ...wilsonInterval(Number(r['successes']), Number(r['trials'])) }));
  rows.push({ name: 'live precision per model, version, arm (Wilson)', seconds: (performance.now() - t) / 1000, 'peak RSS MiB': '', ratio: (performance.now() - t) / 1000 / baseline });
  t = performance.now();
  const points: MetricPoint[] = [];
  const monitoringStore = createDuckDbMonitoringStore(w);
  const night = new Date(`${dayOf(DAYS)}T03:00:00Z`);
  const drift = await runDriftJob(
    {
      warehouse: w,
      store: monitoringStore,
      sink: { write: (p) => (points.push(...p), Promise.resolve()) },
      registries,
      policy: DEFAULT_MONITORING_POLICY,
      timezone: 'UTC',
      // A drifted night records its retraining request (the retrainer's claim) like the runtime's; no run is started here.
      requestRetrain: (r) => monitoringStore.claimRetrain({ request_id: randomUUID(), shop: r.shop, models: r.models, trigger: r.trigger, reason: r.reason, requested_at: night.toISOString() }, night.toISOString()),
      specs: [WIDE_SPEC],
      predictionSpecs: [{ model: 'propensity', scores: [{ feature: 'p_repeat_30d', path: '$.p_repeat_30d' }] }],
    },
    night,
  );
  const featureRuns = drift.runs.filter((r) => r.subject === 'features');
  const tested = drift.runs.reduce((s, r) => s + r.featuresTested, 0);
  rows.push({ name: `drift: ${tested} tests (${featureRuns.reduce((s, r) => s + r.featuresTested, 0)} features + served scores)`, seconds: (performance.now() - t) / 1000, 'peak RSS MiB': '', ratio: (performance.now() - t) / 1000 / baseline });
  const total = (performance.now() - pass) / 1000;
  const peak = mem.stop();
  rows.push({ name: 'monitoring pass: total', seconds: total, 'peak RSS MiB': Math.round(peak / 2 ** 20), ratio: total / baseline });
  const outcomes = Number((await w.execute('SELECT count(*) AS n FROM shop_monitoring.prediction_outcomes'))[0]!['n']);
  await w.close();
  writeFileSync(path.join(dir, 'live-precision.json'), JSON.stringify(precision, null, 2));

  return {
    name: 'monitor',
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    rows,
    targets: [
      { metric: 'monitoring pass seconds', target: '<= 60 (goal <= 30)', value: Number(total.toFixed(1)), pass: total <= 60 },
      { metric: 'drift errors', target: '0', value: drift.errors.length, pass: drift.errors.length === 0 && featureRuns.length === 1 && featureRuns[0]!.featuresTested === 20 },
    ],
    notes: [
      `${logged} logged predictions (${PREDICTIONS} generated in ${predictionSeconds.toFixed(0)} s), ${orders} orders in shop_staging.orders (${store.written} raw events), ${outcomes} labelled unit-days in prediction_outcomes`,
      `setup (store, feature build, predictions, 20-feature table) ${setupSeconds.toFixed(0)} s, not timed; DuckDB memory_limit ${memoryLimit ?? 'default (80 % of RAM)'}`,
      `drift: ${drift.runs.map((r) => `${r.subject}/${r.model} ${r.featuresDrifted}/${r.featuresTested} drifted`).join('; ')}${drift.errors.length ? `; errors: ${drift.errors.map((e) => e.error).join('; ')}` : ''}`,
      `live precision rows: ${precision.length}; e.g. ${precision.slice(0, 2).map((r) => `${r.model} v${r.version} ${r.arm} ${r.metric} ${r.value.toFixed(3)} [${r.low.toFixed(3)}, ${r.high.toFixed(3)}] n=${r.trials}`).join('; ')}`,
    ],
  };
}
