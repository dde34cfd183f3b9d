// The A/B exposure query (monitoring/ab-sql.ts): golden SQL of both dialects, parameters never spliced, and exact
// units / conversions / revenue per arm on DuckDB from a hand-built prediction log and orders.
// Regenerate the golden files after an intended change with: UPDATE_GOLDEN=1 npx jest test/monitoring/ab-sql
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { insertLogEntries } from '../../functions/src/adapters/embedded/journal-prediction-log';
import { abExposureRow, abExposureSql, type AbDialect } from '../../functions/src/monitoring/ab-sql';
import { createPredictionLogIfAbsent } from '../../functions/src/monitoring/outcomes-job';
import type { PredictionLogEntry } from '../../functions/src/ports/prediction-log';

const GOLDEN = path.join(__dirname, 'golden-sql');
const SHOP = 'ab.myshopify.com';
const QUERY = { shop: SHOP, model: 'propensity', since: '2026-03-01T00:00:00Z', windowDays: 7 };

test.each<AbDialect>(['duckdb', 'bigquery'])('%s SQL matches its golden file and carries every value as a parameter', (dialect) => {
  const st = abExposureSql(dialect, QUERY);
  const file = path.join(GOLDEN, `ab-exposure.${dialect}.sql`);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, `${st.sql}\n`);
  }
  expect(existsSync(file)).toBe(true);
  expect(`${st.sql}\n`).toBe(readFileSync(file, 'utf8'));
  for (const v of [SHOP, 'propensity', '2026-03-01', '168']) expect(st.sql).not.toContain(v);
  if (st.dialect === 'duckdb') expect(st.params).toEqual([SHOP, 'propensity', '2026-03-01T00:00:00.000Z', 168]);
  else {
    expect(st.params).toEqual({ shop: SHOP, model: 'propensity', since: '2026-03-01T00:00:00.000Z', window_hours: 168 });
    expect(st.types).toEqual({ shop: 'STRING', model: 'STRING', since: 'STRING', window_hours: 'INT64' });
  }
});

test('bad inputs are refused before any SQL is built', () => {
  expect(() => abExposureSql('duckdb', { ...QUERY, shop: "x' OR 1=1 --" })).toThrow(/shop/);
  expect(() => abExposureSql('bigquery', { ...QUERY, since: 'yesterday' })).toThrow(/since/);
  expect(() => abExposureSql('duckdb', { ...QUERY, windowDays: 0 })).toThrow(/windowDays/);
});

describe('on DuckDB', () => {
  let w: DuckDbWarehouse;
  beforeAll(async () => {
    w = await openDuckDbWarehouse({ path: ':memory:' });
    await w.execute('CREATE SCHEMA shop_staging');
    await w.execute('CREATE TABLE shop_staging.orders (shop VARCHAR, order_id VARCHAR, customer_id VARCHAR, created_at TIMESTAMPTZ, is_included BOOLEAN, total_price DECIMAL(38,9))');
    const orders: Array<[string, string, string | null, string, boolean, string]> = [
      [SHOP, 'o1', 'c1', '2026-03-05T00:00:00Z', true, '10.00'],
      [SHOP, 'o2', 'c1', '2026-03-09T00:00:00Z', true, '5.00'], // the window's last instant (first exposure 03-02 + 7 days)
      [SHOP, 'o3', 'c2', '2026-03-09T00:00:01Z', true, '99.00'], // a second after c2's window
      [SHOP, 'o4', 'c3', '2026-03-06T00:00:00Z', true, '20.00'],
      [SHOP, 'o5', 'c4', '2026-03-01T12:00:00Z', true, '30.00'], // before c4's first exposure since the start
      [SHOP, 'o6', 'c4', '2026-03-06T00:00:00Z', false, '40.00'], // cancelled
      [SHOP, 'o7', 'c5', '2026-03-16T00:00:00Z', true, '50.00'], // c5's window is still open
      [SHOP, 'o8', 'c8', '2026-03-20T00:00:00Z', true, '1.00'], // the shop's latest order: the watermark
      ['other.myshopify.com', 'x1', 'c3', '2026-03-06T00:00:00Z', true, '70.00'],
    ];
    for (const o of orders) await w.execute('INSERT INTO shop_staging.orders VALUES ($1, $2, $3, $4::TIMESTAMPTZ, $5, $6::DECIMAL(38,9))', o);
    let n = 0;
    const exposure = (customer: string | null, at: string, arm: 'champion' | 'challenger' | 'holdout', over: Partial<PredictionLogEntry> = {}): PredictionLogEntry => ({
      prediction_id: `e${++n}`, shop: SHOP, served_at: at, route: 'customer_predictions', model: 'propensity', arm, bucket: 1, assigned_version: arm === 'holdout' ? null : arm === 'champion' ? 1 : 2,
      version: arm === 'holdout' ? null : arm === 'champion' ? 1 : 2, served_by: arm === 'holdout' ? 'none' : 'model', fallback: false, fallback_reason: null, customer_id: customer, visitor_id: null,
      entity_id: customer, inputs_hash: 'h', output: null, latency_ms: 1, ...over,
    });
    await createPredictionLogIfAbsent(w);
    const log = [
      exposure('c1', '2026-03-02T00:00:00.000Z', 'champion'),
      exposure('c1', '2026-03-03T00:00:00.000Z', 'challenger'), // the first exposure decides the arm
      exposure(null, '2026-03-02T00:00:00.000Z', 'champion', { visitor_id: 'v1' }),
      exposure('c2', '2026-03-02T00:00:00.000Z', 'challenger'),
      exposure('c3', '2026-03-04T00:00:00.000Z', 'challenger'),
      exposure('c4', '2026-02-27T00:00:00.000Z', 'challenger'), // before the start: not counted
      exposure('c4', '2026-03-05T00:00:00.000Z', 'challenger'),
      exposure('c5', '2026-03-15T00:00:00.000Z', 'challenger'),
      exposure('c7', '2026-03-02T00:00:00.000Z', 'holdout'),
      exposure('c6', '2026-03-02T00:00:00.000Z', 'challenger', { model: 'clv' }), // another model
      exposure('c6', '2026-03-02T00:00:00.000Z', 'challenger', { shop: 'other.myshopify.com' }), // another shop
      exposure(null, '2026-03-02T00:00:00.000Z', 'challenger'), // no unit at all
    ];
    await w.transaction((exec) => insertLogEntries(exec, log));
  });
  afterAll(async () => w.close());

  test('units per arm, closed windows, conversions and revenue (sum and sum of squares per unit)', async () => {
    const st = abExposureSql('duckdb', QUERY);
    const rows = (await w.execute(st.sql, st.params as unknown[])).map((r) => abExposureRow.parse(r));
    expect(rows).toEqual([
      // c2 (late order), c3 (20), c4 (cancelled / earlier order), c5 (open window)
      { arm: 'challenger', assigned_version: 2, units: 4, closed_units: 3, conversions: 1, revenue: 20, revenue_squares: 400 },
      // c1 (10 + 5 at the window's last instant) and visitor v1
      { arm: 'champion', assigned_version: 1, units: 2, closed_units: 2, conversions: 1, revenue: 15, revenue_squares: 225 },
      { arm: 'holdout', assigned_version: null, units: 1, closed_units: 1, conversions: 0, revenue: 0, revenue_squares: 0 },
    ]);
  });
});
