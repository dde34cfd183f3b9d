// Every BigQuery job the warehouse and prediction-store adapters send (landing, quarantine and its replay, redaction, shop/redact, data-request export, audit, batch scores, the metafields write-back's reads), as recorded by the in-process BigQuery API, passes the same ZetaSQL analysis as the Dataform SQL, against the tables Dataform builds and the infra/ schemas.
import './support/cjs-http-transport';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { DERIVED_DATASETS, createBigQueryWarehouse } from '../../functions/src/adapters/gcp/bigquery-warehouse';
import { createBigQueryPredictionStore } from '../../functions/src/adapters/gcp/bigquery-prediction-store';
import { bigQueryScoreSource } from '../../functions/src/adapters/gcp/bigquery-score-source';
import { silentLogger } from '../../functions/src/core/log';
import { replayQuarantine } from '../../functions/src/core/quarantine-replay';
import { compileProject } from '../../functions/src/features/compile';
import { analyzeBigQueryGraph, formatAnalysisFailures, stopBigQueryAnalyzer } from '../../functions/src/features/bigquery-check/analyze';
import { Catalog, scalarColumnType, type ZType } from '../../functions/src/features/bigquery-check/catalog';
import { analyzeStatements, paramZType, type StatementParamType, type TypedStatement } from '../../functions/src/features/bigquery-check/statements';
import { MONITORING_DATASET, MONITORING_TABLE_NAMES, monitoringBigQuerySchema } from '../../functions/src/monitoring/monitoring-tables';
import { PREDICTIONS_DATASET, PREDICTION_TABLE_NAMES, bigQuerySchema, type PredictionBatch } from '../../functions/src/serving/prediction-tables';
import type { Warehouse } from '../../functions/src/ports/warehouse';
import type { LandedEvent } from '../../functions/src/core/classify';
import { startFakeBigQuery, type FakeBigQuery, type QueryParameter, type RecordedJob, type ScriptedResult } from './support/fake-bigquery';
import * as extract from '../../functions/src/training/extract-sql';
import { createServingFeatures } from '../../functions/src/serving/serving-features';
import { FIXTURES } from '../helpers/shared';

const P = 'demo-shop-mlops'; // dataform/workflow_settings.yaml defaultProject: the compiled graph's tables live here
const SHOP = 'demo-store.myshopify.com';
const ORDER = readFileSync(path.join(FIXTURES, 'orders_create.json'), 'utf8');

let fake: FakeBigQuery;
let bigquery: BigQuery;
let wh: Warehouse;
const catalog = new Catalog();

const column = (c: { name: string; type: string; mode?: string }): { name: string; type: ZType } => ({ name: c.name, type: paramZType(c.mode === 'REPEATED' ? [c.type] : c.type) });

beforeAll(async () => {
  // The tables Dataform builds (resolved columns), the raw tables and the prediction log: the Dataform check's catalog.
  const graph = await compileProject({ projectDir: path.join(__dirname, '../../dataform'), dialect: 'bigquery' });
  const results = await analyzeBigQueryGraph(graph, { catalog });
  expect(formatAnalysisFailures(results)).toBe('');
  for (const t of PREDICTION_TABLE_NAMES) catalog.set({ project: P, dataset: PREDICTIONS_DATASET, name: t, columns: bigQuerySchema(t).map(column) });
  for (const t of MONITORING_TABLE_NAMES) catalog.set({ project: P, dataset: MONITORING_DATASET, name: t, columns: monitoringBigQuerySchema(t).map(column) });
  for (const d of DERIVED_DATASETS) {
    catalog.set({ project: P, dataset: d, name: 'INFORMATION_SCHEMA.COLUMNS', columns: ['table_name', 'column_name', 'data_type'].map((name) => ({ name, type: scalarColumnType('STRING') })) });
    catalog.set({ project: P, dataset: d, name: 'INFORMATION_SCHEMA.TABLES', columns: ['table_name', 'table_type'].map((name) => ({ name, type: scalarColumnType('STRING') })) });
  }
  fake = await startFakeBigQuery();
  bigquery = new BigQuery({ projectId: P, apiEndpoint: fake.endpoint, autoRetry: false });
  wh = createBigQueryWarehouse({ bigquery, projectId: P, rawDataset: 'shop_raw', log: silentLogger });
}, 180_000);
afterAll(async () => {
  await fake?.stop();
  await stopBigQueryAnalyzer();
});

/** Answers the adapters' reads as BigQuery would: the shop's tables per dataset, the customer's order ids, a quarantined delivery. */
function respond(job: RecordedJob): ScriptedResult {
  const str = (fields: string[], rows: string[][]) => ({ schema: { fields: fields.map((name) => ({ name, type: 'STRING' })) }, rows: rows.map((r) => ({ f: r.map((v) => ({ v })) })) });
  const info = /`[^.`]+\.([a-z_]+)\.INFORMATION_SCHEMA\.COLUMNS`/.exec(job.query);
  if (info) return str(['table_name'], [...new Set(catalogTables(info[1]!))].map((t) => [t]));
  if (/AS order_id/.test(job.query)) return str(['order_id'], [['450789469']]);
  if (/FROM `[^`]+\.quarantine` AS q/.test(job.query) && !/body_encoding = 'utf8'/.test(job.query)) {
    const cols = ['quarantine_id', 'quarantined_at', 'replayed_at', 'shop', 'topic', 'webhook_id', 'event_id', 'api_version', 'triggered_at', 'received_at', 'reason', 'body', 'body_encoding'];
    return str(cols, [['q1', '2026-01-02T03:04:06.123Z', null as unknown as string, SHOP, 'orders/create', 'wh-q', 'ev-q', '2026-10', '2026-01-02T03:04:05.000Z', '2026-01-02T03:04:06.123Z', 'schema: x', ORDER, 'utf8']]);
  }
  return { numDmlAffectedRows: 1 };
}
/** Base tables the catalog holds in a dataset (what INFORMATION_SCHEMA would list). */
function catalogTables(dataset: string): string[] {
  const names: string[] = [];
  for (const t of [...PREDICTION_TABLE_NAMES.map((n) => `${PREDICTIONS_DATASET}.${n}`), ...MONITORING_TABLE_NAMES.map((n) => `${MONITORING_DATASET}.${n}`), 'shop_staging.events_dedup', 'shop_staging.orders', 'shop_features.customer_rfm']) {
    if (t.startsWith(`${dataset}.`) && catalog.get(dataset, t.split('.')[1]!)) names.push(t.split('.')[1]!);
  }
  return names;
}

/** The REST parameter type the client sent, as the `types` spelling. */
function restType(t: QueryParameter['parameterType']): StatementParamType {
  if (t.type === 'ARRAY') return [restType(t.arrayType!)];
  if (t.type === 'STRUCT') return Object.fromEntries((t.structTypes ?? []).map((f) => [f.name, restType(f.type)]));
  return t.type;
}
const typed = (label: string, j: RecordedJob): TypedStatement => ({ label, sql: j.query, types: Object.fromEntries(j.queryParameters.map((q) => [q.name, restType(q.parameterType)])) });

/** Runs an adapter operation and returns the jobs it sent. */
async function jobsOf(label: string, op: () => Promise<unknown>): Promise<TypedStatement[]> {
  fake.jobs.length = 0;
  fake.respond = respond;
  await op();
  expect([label, fake.jobs.length > 0]).toEqual([label, true]);
  return fake.jobs.map((j, i) => typed(`${label} #${i + 1}: ${j.query.replace(/\s+/g, ' ').slice(0, 60)}`, j));
}

const event: LandedEvent = { shop: SHOP, topic: 'orders/create', webhook_id: 'wh-1', event_id: 'ev-1', api_version: '2026-10', triggered_at: '2026-01-02T03:04:05.000Z', received_at: '2026-01-02T03:04:06.123Z', payload: ORDER };
const redaction = { shop: SHOP, customerId: '115310627314723954', orderIds: ['450789469'] };
const batch: PredictionBatch = {
  table: 'customer_propensity',
  key: { shop: SHOP, snapshotDate: '2026-04-05', model: 'propensity', version: 3 },
  rows: [{ customer_id: '101', rfm_segment: 'Loyal', p_repeat_30d: 0.25, threshold: null, will_repeat: false, scored_at: '2026-04-06T03:00:00.000Z' }],
};

async function everyJob(): Promise<TypedStatement[]> {
  const store = createBigQueryPredictionStore({ bigquery, projectId: P, log: silentLogger });
  const scores = bigQueryScoreSource({ bigquery, projectId: P, log: silentLogger });
  return [
    ...(await jobsOf('landing', () => wh.landEvents([event]))),
    ...(await jobsOf('quarantine', () => wh.quarantine([{ shop: SHOP, topic: 'orders/create', webhook_id: 'wh-q', event_id: null, api_version: '2026-10', triggered_at: null, received_at: event.received_at, reason: 'schema: x', body: '{}', body_encoding: 'utf8' }]))),
    ...(await jobsOf('quarantine list', () => wh.listQuarantine({ includeReplayed: true }))),
    ...(await jobsOf('quarantine replay', () => replayQuarantine(wh, { ids: ['q1'] }))),
    ...(await jobsOf('customers/redact', () => wh.redactCustomer(redaction))),
    ...(await jobsOf('shop/redact', () => wh.redactShop(SHOP))),
    ...(await jobsOf('data request export', () => wh.exportCustomer(redaction))),
    ...(await jobsOf('privacy audit', () => wh.recordPrivacyAction({ audit_id: 'a1', shop: SHOP, action: 'customers/redact', customer_id: redaction.customerId, webhook_id: 'wh-r', requested_at: event.received_at, completed_at: event.received_at, details: '{}' }))),
    ...(await jobsOf('batch scores', () => store.replace([batch]))),
    ...(await jobsOf('batch scores read', () => store.read({ table: 'customer_propensity', shop: SHOP, column: 'customer_id', values: ['101'] }))),
    ...(await jobsOf('metafields write-back: scored shops', () => scores.shops())),
    ...(await jobsOf('metafields write-back: newest batches', () => scores.newest(SHOP))),
  ];
}

test('every statement the BigQuery adapters send is valid GoogleSQL against the tables it names, with its parameters\' types', async () => {
  const jobs = await everyJob();
  expect(jobs.length).toBeGreaterThan(25);
  // The redaction reached the derived tables Dataform builds (not only shop_raw), so those statements were analysed too.
  expect(jobs.some((j) => /shop_staging\.events_dedup/.test(j.sql))).toBe(true);
  expect(jobs.some((j) => /shop_features\.customer_rfm/.test(j.sql))).toBe(true);
  const failed = (await analyzeStatements(catalog, jobs)).filter((r) => !r.ok);
  expect(failed.map((r) => `${r.label}\n  ${r.error}`)).toEqual([]);
}, 120_000);

test('the reads written once for both warehouses and run on BigQuery through Warehouse.query (the training extract, the api function\'s serving features) are valid GoogleSQL too', async () => {
  const snapshot = '2026-04-05';
  const reads: TypedStatement[] = [
    ['shops', extract.shopsSql()],
    ['latest snapshot', extract.latestSnapshotSql(SHOP)],
    ['label snapshots', extract.labelSnapshotsSql(SHOP, snapshot)],
    ['customer_rfm', extract.customerRfmSql(SHOP, [snapshot, '2026-03-05'])],
    ['customer_labels', extract.customerLabelsSql(SHOP, [snapshot])],
    ['customer_labels (none)', extract.customerLabelsSql(SHOP, [])],
    ['variant_daily_demand', extract.variantDailyDemandSql(SHOP, snapshot, 365)],
    ['co_purchase', extract.coPurchaseSql(SHOP, snapshot)],
    ['order_lines', extract.orderLinesSql(SHOP, snapshot, 365)],
    ['variant stock', extract.variantStockSql(SHOP, snapshot)],
  ].map(([label, sql]) => ({ label: `extract ${label}`, sql: sql!, types: {} }));
  const served: string[] = [];
  // The serving features' loads, captured as the api function sends them (answers: a snapshot, nothing else).
  await createServingFeatures({ query: async (sql) => (served.push(sql), /MAX\(snapshot_date\)/.test(sql) ? [{ snapshot_date: snapshot }] : []) }).get(SHOP).catch(() => undefined);
  expect(served.length).toBeGreaterThan(1);
  reads.push(...served.map((sql, i) => ({ label: `serving features #${i + 1}`, sql, types: {} })));
  const failed = (await analyzeStatements(catalog, reads)).filter((r) => !r.ok);
  expect(failed.map((r) => `${r.label}\n  ${r.error}`)).toEqual([]);
}, 60_000);

test('the check can fail: a column no table has, a parameter of the wrong type, a reserved word unquoted', async () => {
  const jobs = await jobsOf('landing', () => wh.landEvents([event]));
  const land = jobs[0]!;
  const bad: TypedStatement[] = [
    { ...land, label: 'unknown column', sql: land.sql.replace('x.webhook_id = e.webhook_id', 'x.webhook = e.webhook_id') },
    { ...land, label: 'STRING into TIMESTAMP', sql: land.sql.replace('TIMESTAMP(e.received_at)', 'e.received_at') },
    { label: 'reserved word', sql: 'SELECT current FROM `demo-shop-mlops.shop_raw.events`', types: {} },
  ];
  const results = await analyzeStatements(catalog, bad);
  expect(results.map((r) => [r.label, r.ok])).toEqual(bad.map((b) => [b.label, false]));
  expect(results[0]!.error).toMatch(/webhook/);
}, 60_000);
