// BigQuery PredictionStore against an in-process BigQuery REST API: a batch is a DELETE of its key and chunked INSERTs from one ARRAY<STRUCT> parameter, values never spliced.
import './support/cjs-http-transport';
import { BigQuery } from '@google-cloud/bigquery';
import { createBigQueryPredictionStore } from '../../functions/src/adapters/gcp/bigquery-prediction-store';
import { silentLogger } from '../../functions/src/core/log';
import { PREDICTION_TABLES, bigQuerySchema, type PredictionBatch } from '../../functions/src/serving/prediction-tables';
import { paramTypesOf, paramsOf, startFakeBigQuery, type FakeBigQuery } from './support/fake-bigquery';

const SHOP = 'demo-store.myshopify.com';
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
let fake: FakeBigQuery;
let bigquery: BigQuery;

beforeAll(async () => {
  fake = await startFakeBigQuery();
  bigquery = new BigQuery({ projectId: 'demo-shop-mlops', apiEndpoint: fake.endpoint, autoRetry: false });
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.jobs.length = 0;
});

const batch = (n: number): PredictionBatch => ({
  table: 'customer_propensity',
  key: { shop: SHOP, snapshotDate: '2026-04-05', model: 'propensity', version: 3 },
  rows: Array.from({ length: n }, (_, i) => ({
    // a row claiming another key is written under the batch's key
    shop: 'other.myshopify.com', snapshot_date: '1999-01-01', model: 'clv', version: 9,
    customer_id: `10${i}`, rfm_segment: 'Loyal', p_repeat_30d: 0.25 + i / 100, threshold: null, will_repeat: false, scored_at: '2026-04-06T03:00:00.000Z',
  })),
});

test('replace deletes the batch key, then inserts the rows in chunks through a typed ARRAY<STRUCT> parameter', async () => {
  fake.respond = (job) => ({ numDmlAffectedRows: job.query.startsWith('DELETE') ? 4 : 2 });
  const store = createBigQueryPredictionStore({ bigquery, projectId: 'demo-shop-mlops', log: silentLogger, chunkRows: 2 });
  expect(await store.replace([batch(5)])).toEqual([{ table: 'shop_predictions.customer_propensity', replaced: 4, inserted: 5 }]);
  expect(fake.jobs.map((j) => norm(j.query).split(" ").slice(0, 4).join(" "))).toEqual([
    'DELETE FROM `demo-shop-mlops.shop_predictions.customer_propensity` WHERE',
    'INSERT INTO `demo-shop-mlops.shop_predictions.customer_propensity` (shop,',
    'INSERT INTO `demo-shop-mlops.shop_predictions.customer_propensity` (shop,',
    'INSERT INTO `demo-shop-mlops.shop_predictions.customer_propensity` (shop,',
  ]);
  const [del, ins] = fake.jobs;
  expect(norm(del!.query)).toBe('DELETE FROM `demo-shop-mlops.shop_predictions.customer_propensity` WHERE shop = @shop AND snapshot_date = DATE(@snapshot_date) AND model = @model AND version = @version');
  expect(paramsOf(del!)).toEqual({ shop: SHOP, snapshot_date: '2026-04-05', model: 'propensity', version: 3 });
  expect(paramTypesOf(del!)).toEqual({ shop: 'STRING', snapshot_date: 'STRING', model: 'STRING', version: 'INT64' });
  expect(norm(ins!.query)).toBe(
    'INSERT INTO `demo-shop-mlops.shop_predictions.customer_propensity` (shop, snapshot_date, model, version, customer_id, rfm_segment, p_repeat_30d, threshold, will_repeat, scored_at) ' +
      'SELECT r.shop, DATE(r.snapshot_date), r.model, r.version, r.customer_id, r.rfm_segment, r.p_repeat_30d, r.threshold, r.will_repeat, TIMESTAMP(r.scored_at) FROM UNNEST(@rows) AS r',
  );
  expect(paramTypesOf(ins!)).toEqual({ rows: 'ARRAY<STRUCT<shop STRING, snapshot_date STRING, model STRING, version INT64, customer_id STRING, rfm_segment STRING, p_repeat_30d FLOAT64, threshold FLOAT64, will_repeat BOOL, scored_at STRING>>' });
  const rows = fake.jobs.slice(1).flatMap((j) => paramsOf(j)['rows'] as Array<Record<string, unknown>>);
  expect(rows.map((r) => r['customer_id'])).toEqual(['100', '101', '102', '103', '104']);
  expect(rows[0]).toEqual({ shop: SHOP, snapshot_date: '2026-04-05', model: 'propensity', version: 3, customer_id: '100', rfm_segment: 'Loyal', p_repeat_30d: 0.25, threshold: null, will_repeat: false, scored_at: '2026-04-06T03:00:00.000Z' });
  for (const j of fake.jobs) expect(j.query).not.toContain(SHOP);
});

test('a batch for a table its model does not write, or with a bad version, runs no job', async () => {
  const store = createBigQueryPredictionStore({ bigquery, projectId: 'demo-shop-mlops', log: silentLogger });
  await expect(store.replace([{ ...batch(1), table: 'product_recommendations' }])).rejects.toThrow('shop_predictions.product_recommendations is not written by model propensity');
  await expect(store.replace([{ ...batch(1), key: { ...batch(1).key, version: 0 } }])).rejects.toThrow('version must be a positive integer');
  expect(fake.jobs).toEqual([]);
});

test('a missing dataset is an error worth reporting, not retried as an outage', async () => {
  fake.respond = () => ({ error: { status: 404, reason: 'notFound', message: 'Not found: Dataset demo-shop-mlops:shop_predictions' } });
  const store = createBigQueryPredictionStore({ bigquery, projectId: 'demo-shop-mlops', log: silentLogger });
  await expect(store.replace([batch(1)])).rejects.toMatchObject({ code: 'INTERNAL', retryable: false });
});

test('the BigQuery schema of every table is its column list, key first, types in BigQuery spelling', () => {
  for (const [name, t] of Object.entries(PREDICTION_TABLES)) {
    const s = bigQuerySchema(name as keyof typeof PREDICTION_TABLES);
    expect([name, s.slice(0, 4).map((c) => `${c.name}:${c.type}:${c.mode}`)]).toEqual([name, ['shop:STRING:REQUIRED', 'snapshot_date:DATE:REQUIRED', 'model:STRING:REQUIRED', 'version:INTEGER:REQUIRED']]);
    expect(s.map((c) => c.name)).toEqual(t.columns.map((c) => c.name));
  }
});

describe('read (the serving fallback: the last batch score)', () => {
  const store = () => createBigQueryPredictionStore({ bigquery, projectId: 'demo-shop-mlops', log: silentLogger });
  const fields = bigQuerySchema('customer_clv').map((c) => ({ name: c.name, type: c.type === 'DATE' || c.type === 'TIMESTAMP' ? 'STRING' : c.type, mode: c.mode }));
  const cell = (v: unknown) => ({ v: v === null ? null : String(v) });

  test('the newest batch holding the values, values as parameters, rows as column types', async () => {
    const row: Record<string, unknown> = { shop: SHOP, snapshot_date: '2026-04-05', model: 'clv', version: 7, customer_id: '820982911946154508', rfm_segment: 'Loyal', expected_purchases_90d: 1.5, expected_purchases_90d_low: 1, expected_purchases_90d_high: 2, p_alive: 0.9, expected_next_order_date: '2026-05-01', expected_order_value: null, clv: null, clv_low: null, clv_high: null, clv_horizon_days: 365, scored_at: '2026-04-06T03:00:00.000Z' };
    fake.respond = () => ({ schema: { fields }, rows: [{ f: fields.map((f) => cell(row[f.name])) }] });
    const r = await store().read({ table: 'customer_clv', shop: SHOP, column: 'customer_id', values: ['820982911946154508'] });
    expect(r).toEqual({ snapshotDate: '2026-04-05', version: 7, rows: [{ ...row, version: 7 }] });
    const [job] = fake.jobs;
    expect(norm(job!.query)).toMatch(/^WITH m AS \(SELECT \* FROM `demo-shop-mlops\.shop_predictions\.customer_clv` WHERE shop = @shop AND customer_id IN UNNEST\(@values\)\), b AS \(SELECT snapshot_date, version FROM m ORDER BY snapshot_date DESC, scored_at DESC, version DESC LIMIT 1\) SELECT .* FROM m JOIN b ON m\.snapshot_date = b\.snapshot_date AND m\.version = b\.version ORDER BY m\.customer_id$/);
    expect(paramsOf(job!)).toEqual({ shop: SHOP, values: ['820982911946154508'] });
  });

  test('a pinned batch adds its key; no rows → null; a missing table → null; a column that is not a grain column is refused', async () => {
    fake.respond = () => ({ schema: { fields }, rows: [] });
    expect(await store().read({ table: 'variant_forecast', shop: SHOP, column: 'variant_id', values: ['1'], batch: { snapshotDate: '2026-04-05', version: 2 } })).toBeNull();
    expect(norm(fake.jobs[0]!.query)).toContain('AND snapshot_date = DATE(@snapshot_date) AND version = @version');
    expect(paramsOf(fake.jobs[0]!)).toEqual({ shop: SHOP, values: ['1'], snapshot_date: '2026-04-05', version: 2 });
    fake.respond = () => ({ error: { status: 404, reason: 'notFound', message: 'Not found: Table demo-shop-mlops:shop_predictions.customer_clv' } });
    expect(await store().read({ table: 'customer_clv', shop: SHOP, column: 'customer_id', values: ['1'] })).toBeNull();
    await expect(store().read({ table: 'customer_clv', shop: SHOP, column: 'p_alive; DROP TABLE x', values: ['1'] })).rejects.toThrow(/not keyed by/);
  });
});
