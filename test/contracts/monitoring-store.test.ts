// The MonitoringStore contract against both adapters: DuckDB (the embedded warehouse on a real file) and BigQuery (through an in-process REST API that runs the statements).
import '../gcp/support/cjs-http-transport';
import { BigQuery } from '@google-cloud/bigquery';
import { mkdtempSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { createBigQueryMonitoringStore } from '../../functions/src/adapters/gcp/bigquery-monitoring-store';
import { silentLogger } from '../../functions/src/core/log';
import { MONITORING_TABLE_NAMES, qualifiedMonitoringTable } from '../../functions/src/monitoring/monitoring-tables';
import { startBigQueryOnDuckDb, type BigQueryOnDuckDb } from '../gcp/support/bigquery-on-duckdb';
import { startFakeBigQuery, type FakeBigQuery } from '../gcp/support/fake-bigquery';
import { decision, monitoringStoreContract } from './monitoring-store.contract';

monitoringStoreContract('embedded DuckDB', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-monitoring-'));
  const warehouse: DuckDbWarehouse = await openDuckDbWarehouse({ path: path.join(dir, 'warehouse.duckdb') });
  return {
    store: createDuckDbMonitoringStore(warehouse),
    another: () => createDuckDbMonitoringStore(warehouse),
    cleanup: async () => {
      await warehouse.close();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
});

test('DuckDB: the warehouse\'s shop/redact deletes the shop\'s monitoring rows too (one path for every table with a shop column)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-monitoring-'));
  const warehouse = await openDuckDbWarehouse({ path: path.join(dir, 'warehouse.duckdb') });
  try {
    const store = createDuckDbMonitoringStore(warehouse);
    await store.recordDecision(decision());
    await store.recordDecision(decision({ shop: 'other-store.myshopify.com' }));
    const r = await warehouse.redactShop('contract-store.myshopify.com');
    expect(r.tables['shop_monitoring.decisions']).toEqual({ deleted: 1, scrubbed: 0 });
    expect((await store.decisions()).map((d) => d.shop)).toEqual(['other-store.myshopify.com']);
  } finally {
    await warehouse.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

describe('BigQuery', () => {
  let fake: FakeBigQuery;
  let engine: BigQueryOnDuckDb | null = null;
  const INFRA = path.join(__dirname, '..', '..', 'infra', 'schemas');
  beforeAll(async () => {
    fake = await startFakeBigQuery();
  });
  afterAll(() => fake.stop());
  const store = () => createBigQueryMonitoringStore({ bigquery: new BigQuery({ projectId: 'demo-shop-mlops', apiEndpoint: fake.endpoint, autoRetry: false }), projectId: 'demo-shop-mlops', log: silentLogger });
  const fresh = async () => {
    // The dataset as infra/monitoring-tables.tf declares it: the tables from their schema files.
    engine = await startBigQueryOnDuckDb(Object.fromEntries(MONITORING_TABLE_NAMES.map((t) => [qualifiedMonitoringTable(t), path.join(INFRA, `monitoring_${t}.json`)])));
    const e = engine;
    fake.respond = (job) => e.respond(job);
    fake.jobs.length = 0;
    return e;
  };

  monitoringStoreContract('BigQuery (REST fake running the jobs on DuckDB)', async () => {
    const e = await fresh();
    return { store: store(), another: store, cleanup: async () => e.close() };
  });

  test('every job is parameterised: no shop, id or evidence value is spliced into the SQL', async () => {
    const e = await fresh();
    try {
      const s = store();
      await s.recordDecision(decision());
      await s.claimRetrain({ request_id: 'req-1', shop: 'contract-store.myshopify.com', models: ['clv'], trigger: 'external', reason: "it's time", requested_at: '2026-05-01T10:00:00Z' }, '2026-05-01T09:00:00Z');
      await s.redactShop('contract-store.myshopify.com');
      expect(fake.jobs.length).toBeGreaterThan(4);
      for (const j of fake.jobs) expect([j.query.includes('contract-store'), j.query.includes('req-1'), j.query.includes("it's time"), j.useLegacySql]).toEqual([false, false, false, false]);
    } finally {
      e.close();
    }
  });

  test('a claim that raced another request of the same window (its INSERT did not see it) joins the earlier run on read-back', async () => {
    const e = await fresh();
    try {
      const s = store();
      const base = fake.respond;
      fake.respond = async (job) => {
        const r = await base(job);
        // A concurrent claim committed just after this INSERT's snapshot: an earlier request started the window's run.
        if (job.query.startsWith('INSERT INTO `demo-shop-mlops.shop_monitoring.retrain_requests`')) {
          await e.exec(`INSERT INTO shop_monitoring.retrain_requests VALUES ('early', 'contract-store.myshopify.com', ['clv', 'propensity'], 'drift', 'x', '2026-05-01T10:00:00Z', 'started', 'early', NULL, NULL, NULL)`);
        }
        return r;
      };
      const late = await s.claimRetrain({ request_id: 'late', shop: 'contract-store.myshopify.com', models: ['propensity'], trigger: 'velocity', reason: 'y', requested_at: '2026-05-01T10:00:01Z' }, '2026-05-01T09:00:00Z');
      expect([late.status, late.run_request_id]).toEqual(['coalesced', 'early']);
      expect((await s.retrainRequests()).map((r) => [r.request_id, r.status, r.run_request_id])).toEqual([['early', 'started', 'early'], ['late', 'coalesced', 'early']]);
    } finally {
      e.close();
    }
  });

  test('without the dataset (infra not applied yet) reads are empty and shop/redact has nothing to delete; writes fail loudly', async () => {
    fake.respond = () => ({ error: { status: 404, reason: 'notFound', message: 'Not found: Dataset demo-shop-mlops:shop_monitoring' } });
    const s = store();
    expect(await s.decisions({ shop: 'contract-store.myshopify.com' })).toEqual([]);
    await s.redactShop('contract-store.myshopify.com');
    await expect(s.recordDecision(decision())).rejects.toMatchObject({ code: 'INTERNAL', retryable: false });
  });
});
