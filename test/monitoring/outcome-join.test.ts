// The outcome join (dataform/definitions/monitoring, tag monitoring) on DuckDB: hand-built prediction log and orders,
// exact outcomes per prediction, additive daily counts over closed windows only, and live metrics with Wilson bounds.
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { insertLogEntries } from '../../functions/src/adapters/embedded/journal-prediction-log';
import { createPredictionLogIfAbsent, runOutcomeJoin } from '../../functions/src/monitoring/outcomes-job';
import type { PredictionLogEntry } from '../../functions/src/ports/prediction-log';

const SHOP = 'outcomes.myshopify.com';
const OTHER = 'other.myshopify.com';
const TZ = 'America/New_York';

let w: DuckDbWarehouse;

/** The staging tables as the features run leaves them (only the columns the outcome join reads). */
async function stage(orders: Array<[shop: string, order: string, customer: string | null, createdAt: string, included: boolean]>, lines: Array<[order: string, product: string, variant: string, qty: number, nonProduct?: boolean]>) {
  await w.execute('CREATE SCHEMA IF NOT EXISTS shop_staging');
  await w.execute('CREATE TABLE shop_staging.orders (shop VARCHAR, order_id VARCHAR, customer_id VARCHAR, created_at TIMESTAMPTZ, order_date DATE, is_included BOOLEAN, checkout_arm VARCHAR)');
  await w.execute(
    'CREATE TABLE shop_staging.order_lines (shop VARCHAR, line_item_id VARCHAR, order_id VARCHAR, customer_id VARCHAR, order_date DATE, product_id VARCHAR, variant_id VARCHAR, net_quantity BIGINT, is_included BOOLEAN, is_non_product BOOLEAN)',
  );
  for (const [shop, id, customer, at, included] of orders) {
    await w.execute(`INSERT INTO shop_staging.orders VALUES ($1, $2, $3, $4::TIMESTAMPTZ, CAST(timezone('${TZ}', $4::TIMESTAMPTZ) AS DATE), $5, NULL)`, [shop, id, customer, at, included]);
  }
  for (const [i, [order, product, variant, qty, nonProduct]] of lines.entries()) {
    await w.execute(
      `INSERT INTO shop_staging.order_lines SELECT shop, $1, order_id, customer_id, order_date, $2, $3, $4, is_included, $5 FROM shop_staging.orders WHERE order_id = $6`,
      [`li-${i}`, product, variant, qty, nonProduct ?? false, order],
    );
  }
}

let n = 0;
function served(model: string, at: string, over: Omit<Partial<PredictionLogEntry>, 'output'> & { output: unknown }): PredictionLogEntry {
  n += 1;
  return {
    prediction_id: `p${String(n).padStart(3, '0')}`, shop: SHOP, served_at: at, route: 'customer_predictions', model, arm: 'champion', bucket: 1, assigned_version: 1, version: 1, served_by: 'model',
    fallback: false, fallback_reason: null, customer_id: null, visitor_id: null, entity_id: null, inputs_hash: 'h', latency_ms: 1, ...over, output: JSON.stringify(over.output),
  };
}
const challenger = { arm: 'challenger' as const, assigned_version: 2, version: 2 };
const propensity = (customer: string, at: string, willRepeat: boolean, over: Partial<PredictionLogEntry> = {}) =>
  served('propensity', at, { customer_id: customer, entity_id: customer, output: { customer_id: customer, rfm_segment: 'x', p_repeat_30d: willRepeat ? 0.9 : 0.1, threshold: 0.5, will_repeat: willRepeat }, ...over });
const recs = (ids: string[]) => ids.map((id, i) => ({ product_id: 'P0', rank: i + 1, recommended_product_id: id, score: 1 - i / 10, source: 'similar' }));

beforeAll(async () => {
  w = await openDuckDbWarehouse({ path: ':memory:' });
  await stage(
    [
      [SHOP, 'o1', 'c1', '2026-03-10T15:00:00Z', true], // 11:00 EDT 03-10
      [SHOP, 'o5', 'c1', '2026-03-10T20:00:00Z', true], // same shop-local day as o1
      [SHOP, 'o6', 'c1', '2026-03-25T12:00:00Z', true],
      [SHOP, 'o2', 'c2', '2026-03-20T12:00:00Z', true],
      [SHOP, 'o3', 'c3', '2026-03-05T12:00:00Z', true],
      [SHOP, 'o4', 'c4', '2026-03-08T12:00:00Z', false], // cancelled: not an outcome
      [SHOP, 'o7', null, '2026-03-12T12:00:00Z', true], // a guest: demand only
      [SHOP, 'o8', 'c7', '2026-04-01T10:00:00Z', true], // exactly 30 days after served_at: inside the window
      [SHOP, 'o9', 'c8', '2026-04-01T10:00:01Z', true], // one second later: outside
      [SHOP, 'o10', 'c5', '2026-06-15T00:00:00Z', true], // the shop's data watermark
      [OTHER, 'x1', 'c1', '2026-03-03T00:00:00Z', true], // another shop's customer with the same id
    ],
    [
      ['o1', 'P1', 'V1', 2], ['o1', 'P9', 'V9', 1, true], ['o5', 'P3', 'V3', 1], ['o6', 'P2', 'V2', 1], ['o2', 'P2', 'V2', 1], ['o3', 'P1', 'V1', 1],
      ['o4', 'P1', 'V1', 4], ['o7', 'P1', 'V1', 3], ['o8', 'P5', 'V5', 1], ['o9', 'P5', 'V5', 1], ['o10', 'P5', 'V5', 1], ['x1', 'P1', 'V1', 9],
    ],
  );
  const at = '2026-03-02T10:00:00.000Z';
  const log: PredictionLogEntry[] = [
    // propensity, challenger v2 on 03-02
    propensity('c1', at, true, challenger), // ordered 03-10: true positive
    propensity('c1', '2026-03-02T18:00:00.000Z', false, challenger), // same unit, same day: the first prediction counts
    propensity('c2', at, true, challenger), // ordered 03-20
    propensity('c4', at, true, challenger), // only a cancelled order: false positive
    propensity('c3', at, false, challenger), // ordered 03-05: false negative
    propensity('c7', at, true, challenger), // ordered at the window's last instant
    propensity('c8', at, true, challenger), // ordered a second too late
    // propensity, champion v1
    propensity('c6', at, true), // never ordered
    propensity('c1', '2026-05-20T00:00:00.000Z', true), // window ends 06-19, after the watermark: open
    propensity('c9', at, true, { customer_id: null, visitor_id: 'v1', entity_id: null }), // no customer: cannot be labelled
    // recommend on 03-09
    served('recommend', '2026-03-09T12:00:00.000Z', { route: 'recommendations_product', ...challenger, assigned_version: 3, version: 3, customer_id: 'c1', entity_id: 'P0', output: recs(['P1', 'P2', 'P3']) }),
    served('recommend', '2026-03-09T12:00:00.000Z', { route: 'recommendations_product', customer_id: 'c2', entity_id: 'P0', output: recs(['P1', 'P4']) }),
    served('recommend', '2026-03-09T12:00:00.000Z', { route: 'recommendations_product', visitor_id: 'v2', entity_id: 'P0', output: recs(['P1']) }),
    // clv on 03-01: 90-day windows end 05-30
    served('clv', '2026-03-01T00:00:00.000Z', { customer_id: 'c1', entity_id: 'c1', output: { customer_id: 'c1', expected_purchases_90d: 1.5 } }),
    served('clv', '2026-03-01T00:00:00.000Z', { customer_id: 'c2', entity_id: 'c2', output: { customer_id: 'c2', expected_purchases_90d: 0.25 } }),
    // forecast of V1 for 03-10..03-12 (shop-local), asked without a customer
    served('forecast', '2026-03-09T12:00:00.000Z', {
      route: 'variant_forecast', entity_id: 'V1',
      output: { forecast: ['2026-03-10', '2026-03-11', '2026-03-12'].map((date, i) => ({ variant_id: 'V1', date, horizon_day: i + 1, forecast: 1.5 })), replenishment: { variant_id: 'V1', horizon_days: 3, forecast_total: 4.5 } },
    }),
  ];
  await createPredictionLogIfAbsent(w);
  await w.transaction((exec) => insertLogEntries(exec, log));
  const report = await runOutcomeJoin(w, { timezone: TZ, now: new Date('2026-06-16T00:00:00Z') });
  expect(report.actions.filter((a) => a.status !== 'ok').map((a) => `${a.name}: ${a.error}`)).toEqual([]);
  expect(report.actions.map((a) => a.name).sort()).toEqual([
    'shop_assertions.shop_monitoring_outcome_daily_assertions_rowConditions',
    'shop_assertions.shop_monitoring_outcome_daily_assertions_uniqueKey_0',
    'shop_assertions.shop_monitoring_prediction_outcomes_assertions_rowConditions',
    'shop_assertions.shop_monitoring_prediction_outcomes_assertions_uniqueKey_0',
    'shop_monitoring.live_metrics',
    'shop_monitoring.outcome_daily',
    'shop_monitoring.prediction_outcomes',
  ]);
}, 120_000);
afterAll(async () => w.close());

test('each labelled prediction: its window, whether it closed, and its outcome', async () => {
  const rows = await w.query(`
    SELECT model, arm, version::INTEGER AS version, customer_id, entity_id, strftime(served_date, '%Y-%m-%d') AS served_date,
      strftime(timezone('UTC', window_end), '%Y-%m-%dT%H:%M:%S') AS window_end, closed, predicted_positive, outcome_positive,
      k::INTEGER AS k, hits::INTEGER AS hits, predicted_value, actual_value
    FROM shop_monitoring.prediction_outcomes ORDER BY model, arm, customer_id, served_date`);
  const base = { k: null, hits: null, predicted_value: null, actual_value: null };
  const prop = (arm: string, version: number, c: string, predicted: boolean, outcome: boolean, over: object = {}) => ({
    ...base, model: 'propensity', arm, version, customer_id: c, entity_id: c, served_date: '2026-03-02', window_end: '2026-04-01T10:00:00', closed: true, predicted_positive: predicted, outcome_positive: outcome, ...over,
  });
  expect(rows).toEqual([
    { ...base, model: 'clv', arm: 'champion', version: 1, customer_id: 'c1', entity_id: 'c1', served_date: '2026-03-01', window_end: '2026-05-30T00:00:00', closed: true, predicted_positive: null, outcome_positive: true, predicted_value: 1.5, actual_value: 2 },
    { ...base, model: 'clv', arm: 'champion', version: 1, customer_id: 'c2', entity_id: 'c2', served_date: '2026-03-01', window_end: '2026-05-30T00:00:00', closed: true, predicted_positive: null, outcome_positive: true, predicted_value: 0.25, actual_value: 1 },
    // 03-13 00:00 EDT: the end of the last forecast day in the shop's zone
    { ...base, model: 'forecast', arm: 'champion', version: 1, customer_id: null, entity_id: 'V1', served_date: '2026-03-09', window_end: '2026-03-13T04:00:00', closed: true, predicted_positive: null, outcome_positive: null, predicted_value: 4.5, actual_value: 5 },
    prop('challenger', 2, 'c1', true, true),
    prop('challenger', 2, 'c2', true, true),
    prop('challenger', 2, 'c3', false, true),
    prop('challenger', 2, 'c4', true, false),
    prop('challenger', 2, 'c7', true, true),
    prop('challenger', 2, 'c8', true, false),
    prop('champion', 1, 'c1', true, false, { served_date: '2026-05-20', window_end: '2026-06-19T00:00:00', closed: false }),
    prop('champion', 1, 'c6', true, false),
    { ...base, model: 'recommend', arm: 'challenger', version: 3, customer_id: 'c1', entity_id: 'P0', served_date: '2026-03-09', window_end: '2026-03-16T12:00:00', closed: true, predicted_positive: null, outcome_positive: true, k: 3, hits: 2 },
    { ...base, model: 'recommend', arm: 'champion', version: 1, customer_id: 'c2', entity_id: 'P0', served_date: '2026-03-09', window_end: '2026-03-16T12:00:00', closed: true, predicted_positive: null, outcome_positive: false, k: 2, hits: 0 },
  ]);
  // the open window's outcome is provisional (no order yet); the watermark is the shop's latest order
  expect(await w.query(`SELECT DISTINCT strftime(timezone('UTC', as_of), '%Y-%m-%dT%H:%M:%S') AS as_of FROM shop_monitoring.prediction_outcomes`)).toEqual([{ as_of: '2026-06-15T00:00:00' }]);
});

test('outcome_daily: additive counts per version, arm and day over closed windows only', async () => {
  const rows = await w.query(`
    SELECT model, arm, version::INTEGER AS version, served_by, strftime(served_date, '%Y-%m-%d') AS day, metric, trials::INTEGER AS trials, successes::INTEGER AS successes,
      sum_abs_error, sum_error, sum_actual, strftime(timezone('UTC', as_of), '%Y-%m-%d') AS as_of
    FROM shop_monitoring.outcome_daily ORDER BY model, metric, arm, day`);
  const row = (model: string, arm: string, version: number, day: string, metric: string, trials: number, successes: number | null, sums: [number, number, number] | null = null) => ({
    model, arm, version, served_by: 'model', day, metric, trials, successes, sum_abs_error: sums?.[0] ?? null, sum_error: sums?.[1] ?? null, sum_actual: sums?.[2] ?? null, as_of: '2026-06-15',
  });
  expect(rows).toEqual([
    row('clv', 'champion', 1, '2026-03-01', 'clv_purchases', 2, null, [1.25, -1.25, 3]),
    row('forecast', 'champion', 1, '2026-03-09', 'forecast_units', 1, null, [0.5, -0.5, 5]),
    // precision: the open 05-20 window is not counted
    row('propensity', 'challenger', 2, '2026-03-02', 'precision', 5, 3),
    row('propensity', 'champion', 1, '2026-03-02', 'precision', 1, 0),
    row('propensity', 'challenger', 2, '2026-03-02', 'recall', 4, 3),
    row('propensity', 'champion', 1, '2026-03-02', 'recall', 0, 0),
    row('recommend', 'challenger', 3, '2026-03-09', 'precision_at_k', 3, 2),
    row('recommend', 'champion', 1, '2026-03-09', 'precision_at_k', 2, 0),
  ]);
});

test('live_metrics: value with its Wilson 95 % interval (values from the closed form, checked with scipy)', async () => {
  const rows = await w.query(`SELECT model, arm, metric, n::INTEGER AS n, successes::INTEGER AS successes, value, low, high, mean_error, mean_actual FROM shop_monitoring.live_metrics ORDER BY model, metric, arm`);
  const byKey = new Map(rows.map((r) => [`${String(r['model'])} ${String(r['metric'])} ${String(r['arm'])}`, r]));
  const close = (key: string, want: Record<string, number | null>) => {
    const r = byKey.get(key)!;
    for (const [k, v] of Object.entries(want)) {
      if (v === null) expect([key, k, r[k]]).toEqual([key, k, null]);
      else expect(r[k] as number).toBeCloseTo(v, 12);
    }
  };
  // scipy: z = norm.ppf(0.975); Wilson (3, 5) = (0.2307242812760128, 0.882379225767352); (0, 1) = (0, 0.7934506856227626);
  // (2, 3) = (0.2076596008020477, 0.9385080552796037); (0, 2) = (0, 0.6576197724933469)
  close('propensity precision challenger', { n: 5, successes: 3, value: 0.6, low: 0.2307242812760128, high: 0.882379225767352 });
  close('propensity precision champion', { n: 1, successes: 0, value: 0, low: 0, high: 0.7934506856227626 });
  close('propensity recall challenger', { n: 4, successes: 3, value: 0.75 });
  close('propensity recall champion', { n: 0, successes: 0, value: null, low: 0, high: 1 });
  close('recommend precision_at_k challenger', { n: 3, successes: 2, low: 0.2076596008020477, high: 0.9385080552796037 });
  expect(byKey.get('recommend precision_at_k challenger')!['value'] as number).toBeCloseTo(2 / 3, 12);
  close('recommend precision_at_k champion', { n: 2, value: 0, low: 0, high: 0.6576197724933469 });
  close('clv clv_purchases champion', { n: 2, value: 0.625, low: null, high: null, mean_error: -0.625, mean_actual: 1.5 });
  close('forecast forecast_units champion', { n: 1, value: 0.5, mean_error: -0.5, mean_actual: 5 });
  expect(rows).toHaveLength(8);
});

test('DuckDB builds the contract\'s columns with the types BigQuery gets (INT64 → BIGINT, FLOAT64 → DOUBLE)', async () => {
  const types = async (table: string) =>
    Object.fromEntries((await w.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'shop_monitoring' AND table_name = '${table}' ORDER BY ordinal_position`)).map((r) => [r['column_name'], r['data_type']]));
  expect(await types('outcome_daily')).toEqual({
    shop: 'VARCHAR', model: 'VARCHAR', version: 'BIGINT', arm: 'VARCHAR', served_by: 'VARCHAR', served_date: 'DATE', metric: 'VARCHAR', trials: 'BIGINT', successes: 'BIGINT',
    sum_abs_error: 'DOUBLE', sum_error: 'DOUBLE', sum_actual: 'DOUBLE', as_of: 'TIMESTAMP WITH TIME ZONE',
  });
  expect(await types('live_metrics')).toMatchObject({ version: 'BIGINT', n: 'BIGINT', successes: 'BIGINT', value: 'DOUBLE', low: 'DOUBLE', high: 'DOUBLE', first_served_date: 'DATE' });
  expect(await types('prediction_outcomes')).toMatchObject({ version: 'BIGINT', served_at: 'TIMESTAMP WITH TIME ZONE', served_date: 'DATE', window_end: 'TIMESTAMP WITH TIME ZONE', closed: 'BOOLEAN', k: 'BIGINT', hits: 'BIGINT', predicted_value: 'DOUBLE' });
});
