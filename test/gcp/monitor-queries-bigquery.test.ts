// The monitor's reads through the BigQuery client against the in-process REST API: plain SQL for the outcome totals, named typed parameters for the A/B exposures, wire values (INT64 as strings, DATE) parsed back.
import './support/cjs-http-transport';
import { BigQuery } from '@google-cloud/bigquery';
import { bigQueryMonitorQueries } from '../../functions/src/adapters/gcp/cloud-runtime';
import { silentLogger } from '../../functions/src/core/log';
import { paramTypesOf, paramsOf, startFakeBigQuery, type FakeBigQuery } from './support/fake-bigquery';

let fake: FakeBigQuery;
let bigquery: BigQuery;
beforeAll(async () => {
  fake = await startFakeBigQuery();
  bigquery = new BigQuery({ projectId: 'demo-shop-mlops', apiEndpoint: fake.endpoint, autoRetry: false });
});
afterAll(() => fake.stop());

const field = (name: string, type: string) => ({ name, type, mode: 'NULLABLE' });

test('outcome totals: one plain query on shop_monitoring.outcome_daily; counts and dates come back typed', async () => {
  fake.jobs.length = 0;
  fake.respond = () => ({
    schema: { fields: [field('version', 'INTEGER'), field('arm', 'STRING'), field('trials', 'INTEGER'), field('successes', 'INTEGER'), field('first_date', 'DATE'), field('last_date', 'DATE')] },
    rows: [{ f: [{ v: '2' }, { v: 'challenger' }, { v: '250' }, { v: '120' }, { v: '2026-11-01' }, { v: '2026-11-03' }] }],
  });
  const q = bigQueryMonitorQueries(bigquery, silentLogger);
  const rows = await q.outcomes({ shop: 'demo-store.myshopify.com', model: 'propensity', metric: 'precision', sinceDate: '2026-11-01', versions: [1, 2] });
  expect(rows).toEqual([{ version: 2, arm: 'challenger', trials: 250, successes: 120, from: '2026-11-01', to: '2026-11-03' }]);
  expect(fake.jobs).toHaveLength(1);
  expect(fake.jobs[0]!.query).toMatch(/FROM shop_monitoring\.outcome_daily\s+WHERE shop = 'demo-store\.myshopify\.com' AND model = 'propensity' AND metric = 'precision'\s+AND served_date >= DATE '2026-11-01' AND version IN \(1, 2\)/);
  expect(fake.jobs[0]!.queryParameters).toEqual([]);
  // a value that is not what it claims never reaches the SQL
  await expect(q.outcomes({ shop: "x'; DROP TABLE t; --", model: 'propensity', metric: 'precision', sinceDate: '2026-11-01', versions: [2] })).rejects.toThrow(/shop .* is not valid/);
  expect(fake.jobs).toHaveLength(1);
});

test('exposures: abExposureSql with named parameters and their types; rows per arm', async () => {
  fake.jobs.length = 0;
  fake.respond = () => ({
    schema: { fields: [field('arm', 'STRING'), field('assigned_version', 'INTEGER'), field('units', 'INTEGER'), field('closed_units', 'INTEGER'), field('conversions', 'INTEGER'), field('revenue', 'FLOAT'), field('revenue_squares', 'FLOAT')] },
    rows: [
      { f: [{ v: 'champion' }, { v: '1' }, { v: '600' }, { v: '590' }, { v: '300' }, { v: '12000' }, { v: '480000' }] },
      { f: [{ v: 'challenger' }, { v: '2' }, { v: '30' }, { v: '29' }, { v: '7' }, { v: '280.5' }, { v: '11220' }] },
    ],
  });
  const rows = await bigQueryMonitorQueries(bigquery, silentLogger).exposures({ shop: 'demo-store.myshopify.com', model: 'propensity', since: '2026-11-01T01:00:00.000Z', windowDays: 7 });
  expect(rows).toEqual([
    { arm: 'champion', units: 600, closedUnits: 590, conversions: 300, revenue: 12000, revenueSquares: 480000 },
    { arm: 'challenger', units: 30, closedUnits: 29, conversions: 7, revenue: 280.5, revenueSquares: 11220 },
  ]);
  const job = fake.jobs[0]!;
  expect(job.parameterMode).toBe('named');
  expect(paramsOf(job)).toEqual({ shop: 'demo-store.myshopify.com', model: 'propensity', since: '2026-11-01T01:00:00.000Z', window_hours: 168 });
  expect(paramTypesOf(job)).toEqual({ shop: 'STRING', model: 'STRING', since: 'STRING', window_hours: 'INT64' });
  expect(job.query).toMatch(/FROM shop_predictions\.prediction_log\s+WHERE shop = @shop AND model = @model AND served_at >= TIMESTAMP\(@since\)/);
});
