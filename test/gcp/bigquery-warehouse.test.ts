// BigQuery Warehouse against an in-process BigQuery REST API: the SQL, its named parameters, DML counts and INT64-as-string results.
import { readFileSync } from 'node:fs';
import './support/cjs-http-transport';
import { BigQuery } from '@google-cloud/bigquery';
import { createBigQueryWarehouse } from '../../functions/src/adapters/gcp/bigquery-warehouse';
import { landEventsSql, scrubExpression, tableNames } from '../../functions/src/adapters/gcp/bigquery-sql';
import type { LandedEvent } from '../../functions/src/core/classify';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { silentLogger } from '../../functions/src/core/log';
import { CUSTOMER_DATA_TABLES, PERSONAL_ORDER_FIELDS } from '../../functions/src/core/privacy';
import type { Warehouse } from '../../functions/src/ports/warehouse';
import { paramTypesOf, paramsOf, startFakeBigQuery, type FakeBigQuery, type RecordedJob } from './support/fake-bigquery';
import * as path from 'node:path';
import { FIXTURES } from '../helpers/shared';


const ORDER = readFileSync(path.join(FIXTURES, 'orders_create.json'), 'utf8');
const SHOP = 'demo-store.myshopify.com';
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

function event(over: Partial<LandedEvent> = {}): LandedEvent {
  return { shop: SHOP, topic: 'orders/create', webhook_id: 'wh-1', event_id: 'ev-1', api_version: '2026-10', triggered_at: '2026-01-02T03:04:05.000Z', received_at: '2026-01-02T03:04:06.123Z', payload: ORDER, ...over };
}

/** Every value the caller supplied reaches BigQuery as a parameter, never inside the SQL text. */
function expectNoSplicedValues(jobs: RecordedJob[], values: string[]): void {
  for (const j of jobs) for (const v of values) expect(j.query).not.toContain(v);
}

describe('BigQuery warehouse', () => {
  let fake: FakeBigQuery;
  let wh: Warehouse;

  beforeAll(async () => {
    fake = await startFakeBigQuery();
    const bigquery = new BigQuery({ projectId: 'demo-shop-mlops', apiEndpoint: fake.endpoint, autoRetry: false });
    wh = createBigQueryWarehouse({ bigquery, projectId: 'demo-shop-mlops', rawDataset: 'shop_raw', log: silentLogger });
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.jobs.length = 0;
    fake.requests.length = 0;
    fake.respond = () => ({ numDmlAffectedRows: 0 });
  });

  test('landEvents runs one idempotent INSERT … SELECT over an ARRAY<STRUCT> parameter and counts duplicates from the DML stats', async () => {
    fake.respond = () => ({ numDmlAffectedRows: 1 });
    const res = await wh.landEvents([event(), event({ webhook_id: 'wh-2', event_id: null, triggered_at: null })]);
    expect(res).toEqual({ inserted: 1, duplicates: 1 });
    expect(fake.jobs).toHaveLength(1);
    const job = fake.jobs[0]!;
    expect(job.useLegacySql).toBe(false);
    expect(job.parameterMode?.toUpperCase()).toBe('NAMED');
    expect(norm(job.query)).toBe(
      norm(`INSERT INTO \`demo-shop-mlops.shop_raw.events\` (shop, topic, webhook_id, event_id, api_version, triggered_at, received_at, payload)
SELECT e.shop, e.topic, e.webhook_id, e.event_id, e.api_version, TIMESTAMP(e.triggered_at), TIMESTAMP(e.received_at), PARSE_JSON(e.payload)
FROM UNNEST(@events) AS e
WHERE NOT EXISTS (SELECT 1 FROM \`demo-shop-mlops.shop_raw.events\` AS x WHERE x.webhook_id = e.webhook_id)
  AND (e.event_id IS NULL OR NOT EXISTS (SELECT 1 FROM \`demo-shop-mlops.shop_raw.events\` AS x WHERE x.shop = e.shop AND x.topic = e.topic AND x.event_id = e.event_id))
QUALIFY ROW_NUMBER() OVER (PARTITION BY e.webhook_id ORDER BY e.received_at) = 1
  AND (e.event_id IS NULL OR ROW_NUMBER() OVER (PARTITION BY e.shop, e.topic, e.event_id ORDER BY e.received_at, e.webhook_id) = 1)`),
    );
    expect(paramTypesOf(job)).toEqual({
      events: 'ARRAY<STRUCT<shop STRING, topic STRING, webhook_id STRING, event_id STRING, api_version STRING, triggered_at STRING, received_at STRING, payload STRING>>',
    });
    const rows = paramsOf(job)['events'] as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({ shop: SHOP, topic: 'orders/create', webhook_id: 'wh-1', event_id: 'ev-1', api_version: '2026-10', triggered_at: '2026-01-02T03:04:05.000Z', received_at: '2026-01-02T03:04:06.123Z', payload: ORDER });
    expect(rows[0]!['payload']).toContain('820982911946154508');
    expect(rows[1]).toMatchObject({ webhook_id: 'wh-2', event_id: null, triggered_at: null });
    expectNoSplicedValues(fake.jobs, [SHOP, 'wh-1', '820982911946154508']);
  });

  test('landEvents of nothing runs no job', async () => {
    expect(await wh.landEvents([])).toEqual({ inserted: 0, duplicates: 0 });
    expect(fake.jobs).toHaveLength(0);
  });

  test('query() returns INT64 as exact strings and timestamps as ISO text', async () => {
    fake.respond = () => ({
      schema: { fields: [{ name: 'order_id', type: 'INTEGER' }, { name: 'n', type: 'INTEGER' }, { name: 'at', type: 'TIMESTAMP' }, { name: 'topic', type: 'STRING' }, { name: 'amount', type: 'FLOAT' }] },
      rows: [{ f: [{ v: '820982911946154508' }, { v: '3' }, { v: '1767323046123000' }, { v: 'orders/create' }, { v: '1.5' }] }],
    });
    const rows = await wh.query('SELECT 1');
    expect(rows).toEqual([{ order_id: '820982911946154508', n: '3', at: '2026-01-02T03:04:06.123Z', topic: 'orders/create', amount: 1.5 }]);
    expect(fake.jobs[0]!.query).toBe('SELECT 1');
    expect(fake.requests.map((r) => `${r.method} ${r.path.replace(/\/queries\/[^/]+$/, '/queries/:id')}`)).toEqual(['POST /bigquery/v2/projects/demo-shop-mlops/jobs', 'GET /bigquery/v2/projects/demo-shop-mlops/queries/:id']);
  });

  test('a 5xx from BigQuery is a retryable UNAVAILABLE error, an invalid query is not retryable', async () => {
    fake.respond = () => ({ error: { status: 503, reason: 'backendError', message: 'try later' } });
    const e1 = await wh.query('SELECT 1').then(() => null, (e: unknown) => e);
    expect(e1).toBeInstanceOf(ShopMlopsError);
    expect((e1 as ShopMlopsError).retryable).toBe(true);
    expect((e1 as ShopMlopsError).code).toBe('UNAVAILABLE');
    fake.respond = () => ({ error: { status: 400, reason: 'invalidQuery', message: 'Unrecognized name: bogus' } });
    const e2 = await wh.query('SELECT bogus').then(() => null, (e: unknown) => e);
    expect((e2 as ShopMlopsError).retryable).toBe(false);
    expect((e2 as ShopMlopsError).message).toContain('Unrecognized name: bogus');
    fake.respond = () => ({ error: { status: 400, reason: 'invalidQuery', message: 'UPDATE or DELETE statement over table p.shop_raw.events would affect rows in the streaming buffer, which is not supported' } });
    const e3 = await wh.redactShop(SHOP).then(() => null, (e: unknown) => e);
    expect((e3 as ShopMlopsError).retryable).toBe(true);
  });

  test('quarantine inserts rows with a uuid and a timestamp; listQuarantine and markReplayed pass ids as STRING arrays', async () => {
    await wh.quarantine([{ shop: SHOP, topic: 'orders/create', webhook_id: 'wh-q', event_id: null, api_version: '2026-10', triggered_at: null, received_at: '2026-01-02T03:04:06.123Z', reason: 'schema: id: Required', body: '{"x":1}', body_encoding: 'utf8' }]);
    const ins = fake.jobs[0]!;
    expect(norm(ins.query)).toMatch(/^INSERT INTO `demo-shop-mlops\.shop_raw\.quarantine` \(quarantine_id, quarantined_at, replayed_at, shop, topic, webhook_id, event_id, api_version, triggered_at, received_at, reason, body, body_encoding\) SELECT .* FROM UNNEST\(@records\) AS r$/);
    const rec = (paramsOf(ins)['records'] as Array<Record<string, unknown>>)[0]!;
    expect(rec['quarantine_id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Date.parse(rec['quarantined_at'] as string)).not.toBeNaN();
    expect(rec).toMatchObject({ reason: 'schema: id: Required', body: '{"x":1}', body_encoding: 'utf8', event_id: null });

    fake.respond = () => ({
      schema: { fields: ['quarantine_id', 'quarantined_at', 'replayed_at', 'shop', 'topic', 'webhook_id', 'event_id', 'api_version', 'triggered_at', 'received_at', 'reason', 'body', 'body_encoding'].map((name) => ({ name, type: 'STRING' })) },
      rows: [{ f: ['q1', '2026-01-02T03:04:07.000Z', null, SHOP, 'orders/create', 'wh-q', null, '2026-10', null, '2026-01-02T03:04:06.123Z', 'schema', '{"x":1}', 'utf8'].map((v) => ({ v })) }],
    });
    const listed = await wh.listQuarantine({ ids: ['q1'] });
    expect(listed).toEqual([{ quarantine_id: 'q1', quarantined_at: '2026-01-02T03:04:07.000Z', replayed_at: null, shop: SHOP, topic: 'orders/create', webhook_id: 'wh-q', event_id: null, api_version: '2026-10', triggered_at: null, received_at: '2026-01-02T03:04:06.123Z', reason: 'schema', body: '{"x":1}', body_encoding: 'utf8' }]);
    const list = fake.jobs[1]!;
    expect(list.query).toContain('(ARRAY_LENGTH(@ids) = 0 OR q.quarantine_id IN UNNEST(@ids))');
    expect(paramTypesOf(list)).toEqual({ include_replayed: 'BOOL', ids: 'ARRAY<STRING>' });
    expect(paramsOf(list)).toEqual({ include_replayed: false, ids: ['q1'] });

    fake.respond = () => ({ numDmlAffectedRows: 1 });
    await wh.markReplayed(['q1', 'q2'], '2026-01-03T00:00:00.000Z');
    const upd = fake.jobs[2]!;
    expect(norm(upd.query)).toBe('UPDATE `demo-shop-mlops.shop_raw.quarantine` SET replayed_at = TIMESTAMP(@at) WHERE quarantine_id IN UNNEST(@ids)');
    expect(paramsOf(upd)).toEqual({ ids: ['q1', 'q2'], at: '2026-01-03T00:00:00.000Z' });

    await wh.listQuarantine();
    expect(paramsOf(fake.jobs[3]!)).toEqual({ include_replayed: false, ids: [] });

    fake.respond = () => ({ schema: { fields: [{ name: 'n', type: 'INTEGER' }] }, rows: [{ f: [{ v: '2' }] }] });
    expect(await wh.countQuarantine()).toBe(2);
    expect(norm(fake.jobs[4]!.query)).toBe('SELECT COUNT(*) AS n FROM `demo-shop-mlops.shop_raw.quarantine` WHERE replayed_at IS NULL');
  });

  test('redactCustomer deletes customer records, scrubs personal order fields (and refunds of those orders), deletes quarantine mentions', async () => {
    fake.respond = (job) => {
      if (job.query.startsWith('SELECT DISTINCT')) return { schema: { fields: [{ name: 'order_id', type: 'STRING' }] }, rows: [{ f: [{ v: '820982911946154508' }] }] };
      if (job.query.startsWith('DELETE FROM `demo-shop-mlops.shop_raw.events`')) return { numDmlAffectedRows: 2 };
      if (job.query.startsWith('UPDATE') && job.query.includes('@privacy_topics')) return { numDmlAffectedRows: 2 };
      if (job.query.startsWith('UPDATE')) return { numDmlAffectedRows: 5 };
      return { numDmlAffectedRows: 1 };
    };
    const res = await wh.redactCustomer({ shop: SHOP, customerId: '207119551', orderIds: ['299938', '280263'] });
    expect(res.tables).toMatchObject({ 'shop_raw.events': { deleted: 2, scrubbed: 7 }, 'shop_raw.quarantine': { deleted: 1, scrubbed: 0 } });
    // The tables the Dataform pipeline derives, as core/privacy.ts says: the parsed event index unlinked,
    // feature and customer rows deleted, orders and lines kept without the customer id.
    expect(Object.keys(res.tables).sort()).toEqual(Object.keys(CUSTOMER_DATA_TABLES).filter((x) => x !== 'shop_raw.privacy_audit').sort());
    const derived = fake.jobs.slice(5).map((j) => norm(j.query));
    expect(derived).toEqual(expect.arrayContaining([
      'DELETE FROM `demo-shop-mlops.shop_features.customer_rfm` WHERE shop = @shop AND customer_id = @customer_id',
      'DELETE FROM `demo-shop-mlops.shop_predictions.customer_clv` WHERE shop = @shop AND customer_id = @customer_id',
      'DELETE FROM `demo-shop-mlops.shop_predictions.customer_propensity` WHERE shop = @shop AND customer_id = @customer_id',
      'DELETE FROM `demo-shop-mlops.shop_predictions.prediction_log` WHERE shop = @shop AND customer_id = @customer_id',
      'DELETE FROM `demo-shop-mlops.shop_monitoring.prediction_outcomes` WHERE shop = @shop AND customer_id = @customer_id',
      'UPDATE `demo-shop-mlops.shop_staging.orders` SET customer_id = NULL WHERE shop = @shop AND customer_id = @customer_id',
    ]));
    // The order ledger loses the customer before the purchase days it feeds are deleted (a feature run in between
    // re-derives nothing).
    const at = (q: string) => derived.findIndex((d) => d.startsWith(q));
    expect(at('UPDATE `demo-shop-mlops.shop_staging.order_versions` SET customer_id = NULL')).toBeGreaterThanOrEqual(0);
    expect(at('UPDATE `demo-shop-mlops.shop_staging.order_versions` SET customer_id = NULL')).toBeLessThan(at('DELETE FROM `demo-shop-mlops.shop_staging.customer_days`'));
    // The parsed event index holds no personal fields: the customer's record events deleted, the rest unlinked.
    expect(derived).toEqual(expect.arrayContaining([
      'DELETE FROM `demo-shop-mlops.shop_staging.events_dedup` WHERE shop = @shop AND topic IN UNNEST(@customer_topics) AND customer_id = @customer_id',
      'UPDATE `demo-shop-mlops.shop_staging.events_dedup` SET customer_id = NULL WHERE shop = @shop AND customer_id = @customer_id',
    ]));
    const unlinkDelete = fake.jobs.find((j) => j.query.startsWith('DELETE FROM `demo-shop-mlops.shop_staging.events_dedup`'))!;
    expect(paramsOf(unlinkDelete)).toEqual({ shop: SHOP, customer_topics: ['customers/create', 'customers/update'], customer_id: '207119551' });
    const [find, del, scrub, requests, quar] = fake.jobs;
    // The customer's privacy requests keep only the customer id.
    expect(requests!.query).toContain("JSON_SET(JSON_SET(payload, '$.customer', JSON_OBJECT('id', JSON_QUERY(payload, '$.customer.id'))), '$.redacted', TRUE)");
    expect(paramsOf(requests!)).toEqual({ shop: SHOP, privacy_topics: ['customers/redact', 'customers/data_request'], customer_id: '207119551' });
    expect(paramsOf(find!)).toEqual({ shop: SHOP, order_topics: ['orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled'], customer_id: '207119551' });
    expect(norm(del!.query)).toBe("DELETE FROM `demo-shop-mlops.shop_raw.events` WHERE shop = @shop AND topic IN UNNEST(@customer_topics) AND JSON_VALUE(payload, '$.id') = @customer_id");
    expect(paramsOf(del!)).toEqual({ shop: SHOP, customer_topics: ['customers/create', 'customers/update'], customer_id: '207119551' });
    expect(scrub!.query.startsWith('UPDATE `demo-shop-mlops.shop_raw.events` SET payload = ')).toBe(true);
    for (const f of PERSONAL_ORDER_FIELDS) expect(scrub!.query).toContain(`'$.${f}'`);
    expect(scrub!.query).toContain("'$.redacted', TRUE");
    expect(scrub!.query).toContain("JSON_VALUE(payload, '$.order_id') IN UNNEST(@order_ids)");
    expect(paramTypesOf(scrub!)).toEqual({ shop: 'STRING', order_topics: 'ARRAY<STRING>', customer_id: 'STRING', order_ids: 'ARRAY<STRING>', refund_topic: 'STRING' });
    expect(paramsOf(scrub!)['order_ids']).toEqual(['280263', '299938', '820982911946154508']);
    expect(paramsOf(scrub!)['refund_topic']).toBe('refunds/create');
    expect(quar!.query).toContain('DELETE FROM `demo-shop-mlops.shop_raw.quarantine` WHERE shop = @shop');
    expect(paramsOf(quar!)['needles']).toEqual(['207119551', '280263', '299938', '820982911946154508']);
    expectNoSplicedValues(fake.jobs, [SHOP, '207119551', '299938']);
  });

  test('redactCustomer skips derived tables not created yet (Dataform, batch scores: 404 Not found: Table)', async () => {
    fake.respond = (job) => {
      if (job.query.startsWith('SELECT DISTINCT')) return { schema: { fields: [{ name: 'order_id', type: 'STRING' }] }, rows: [] };
      if (/shop_staging|shop_features|shop_predictions|shop_monitoring/.test(job.query)) return { error: { status: 404, reason: 'notFound', message: 'Not found: Table demo-shop-mlops:shop_staging.x was not found in location US' } };
      return { numDmlAffectedRows: 1 };
    };
    const res = await wh.redactCustomer({ shop: SHOP, customerId: '207119551', orderIds: [] });
    expect(Object.keys(res.tables).sort()).toEqual(['shop_raw.events', 'shop_raw.quarantine']);
  });

  test('redactCustomer refuses ids that are not decimal (they reach regular expressions)', async () => {
    await expect(wh.redactCustomer({ shop: SHOP, customerId: '1|.*', orderIds: [] })).rejects.toThrow('not a decimal Shopify id');
  });

  test('redactShop deletes every row of the shop in events and quarantine, and in the derived datasets (features, batch scores, monitoring records)', async () => {
    fake.respond = (job) => {
      if (job.query.includes('shop_staging.INFORMATION_SCHEMA')) return { schema: { fields: [{ name: 'table_name', type: 'STRING' }] }, rows: [{ f: [{ v: 'orders' }] }] };
      if (job.query.includes('shop_predictions.INFORMATION_SCHEMA')) return { schema: { fields: [{ name: 'table_name', type: 'STRING' }] }, rows: [{ f: [{ v: 'customer_clv' }] }] };
      if (job.query.includes('shop_monitoring.INFORMATION_SCHEMA')) return { schema: { fields: [{ name: 'table_name', type: 'STRING' }] }, rows: [{ f: [{ v: 'decisions' }] }] };
      if (job.query.includes('INFORMATION_SCHEMA')) return { schema: { fields: [{ name: 'table_name', type: 'STRING' }] }, rows: [] };
      return { numDmlAffectedRows: job.query.includes('events') ? 7 : 2 };
    };
    expect(await wh.redactShop(SHOP)).toEqual({ tables: { 'shop_raw.events': { deleted: 7, scrubbed: 0 }, 'shop_raw.quarantine': { deleted: 2, scrubbed: 0 }, 'shop_staging.orders': { deleted: 2, scrubbed: 0 }, 'shop_predictions.customer_clv': { deleted: 2, scrubbed: 0 }, 'shop_monitoring.decisions': { deleted: 2, scrubbed: 0 } } });
    // views (an analyst's, over the derived tables) are not asked to delete
    expect(fake.jobs.find((j) => j.query.includes('shop_staging.INFORMATION_SCHEMA'))!.query).toMatch(/JOIN `demo-shop-mlops\.shop_staging\.INFORMATION_SCHEMA\.TABLES` AS t USING \(table_name\) WHERE c\.column_name = 'shop' AND t\.table_type = 'BASE TABLE'/);
    const deletes = fake.jobs.filter((j) => j.query.startsWith('DELETE'));
    expect(deletes.map((j) => norm(j.query))).toEqual([
      "DELETE FROM `demo-shop-mlops.shop_raw.events` WHERE shop = @shop AND topic <> 'shop/redact'", // the request stays until audited
      'DELETE FROM `demo-shop-mlops.shop_raw.quarantine` WHERE shop = @shop',
      'DELETE FROM `demo-shop-mlops.shop_staging.orders` WHERE shop = @shop',
      'DELETE FROM `demo-shop-mlops.shop_predictions.customer_clv` WHERE shop = @shop',
      'DELETE FROM `demo-shop-mlops.shop_monitoring.decisions` WHERE shop = @shop',
    ]);
    for (const j of deletes) expect(paramsOf(j)).toEqual({ shop: SHOP });
  });

  test('exportCustomer returns the rows of each table; recordPrivacyAction inserts one audit row', async () => {
    fake.respond = (job) => {
      if (job.query.startsWith('SELECT DISTINCT')) return { schema: { fields: [{ name: 'order_id', type: 'STRING' }] }, rows: [] };
      if (job.query.includes('privacy_audit')) return { schema: { fields: [{ name: 'audit_id', type: 'STRING' }] }, rows: [{ f: [{ v: 'a1' }] }] };
      if (job.query.includes('FROM `demo-shop-mlops.shop_raw.events`')) return { schema: { fields: [{ name: 'webhook_id', type: 'STRING' }, { name: 'payload', type: 'STRING' }] }, rows: [{ f: [{ v: 'wh-1' }, { v: '{"id":207119551}' }] }] };
      return { schema: { fields: [{ name: 'quarantine_id', type: 'STRING' }] }, rows: [] };
    };
    const out = await wh.exportCustomer({ shop: SHOP, customerId: '207119551', orderIds: [] });
    expect(out).toEqual({ 'shop_raw.events': [{ webhook_id: 'wh-1', payload: '{"id":207119551}' }], 'shop_raw.quarantine': [], 'shop_raw.privacy_audit': [{ audit_id: 'a1' }] });

    fake.jobs.length = 0;
    fake.respond = () => ({ numDmlAffectedRows: 1 });
    const row = { audit_id: 'a2', shop: SHOP, action: 'customers/redact' as const, customer_id: null, webhook_id: 'wh-9', requested_at: '2026-01-01T00:00:00.000Z', completed_at: '2026-01-01T00:00:01.000Z', details: '{"ok":true}' };
    await wh.recordPrivacyAction(row);
    expect(fake.jobs[0]!.query).toContain('INSERT INTO `demo-shop-mlops.shop_raw.privacy_audit` (audit_id, shop, action, customer_id, webhook_id, requested_at, completed_at, details)');
    expect(paramsOf(fake.jobs[0]!)).toEqual(row);
  });

  test('the scrub expression removes every personal path and rebuilds nested arrays in order', () => {
    const expr = scrubExpression('payload');
    expect(expr).toContain("JSON_QUERY_ARRAY(payload, '$.fulfillments')");
    expect(expr).toContain("JSON_REMOVE(item, '$.destination', '$.tracking_urls', '$.tracking_numbers')");
    expect(expr).toContain('ORDER BY pos');
    expect(() => tableNames('demo; DROP', 'shop_raw')).toThrow('invalid BigQuery project');
    expect(landEventsSql(tableNames('p', 'd'), []).sql).toContain('`p.d.events`');
  });
});
