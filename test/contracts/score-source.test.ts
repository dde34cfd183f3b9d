// The write-back's ScoreSource contract against both readers: DuckDB (embedded) and BigQuery (cloud, through the in-process BigQuery REST API running the jobs on DuckDB), each fed by its world's PredictionStore; then the same scores into both give the same batches and the same metafields.
import '../gcp/support/cjs-http-transport';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { createDuckDbPredictionStore } from '../../functions/src/adapters/embedded/duckdb-prediction-store';
import { openDuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createBigQueryPredictionStore } from '../../functions/src/adapters/gcp/bigquery-prediction-store';
import { bigQueryScoreSource } from '../../functions/src/adapters/gcp/bigquery-score-source';
import { silentLogger } from '../../functions/src/core/log';
import { PREDICTIONS_DATASET, type PredictionTableName } from '../../functions/src/serving/prediction-tables';
import { desiredMetafields } from '../../functions/src/shopify/metafield-values';
import { WRITE_BACK_TABLES, duckDbScoreSource } from '../../functions/src/shopify/score-source';
import { startBigQueryOnDuckDb } from '../gcp/support/bigquery-on-duckdb';
import { paramsOf, startFakeBigQuery, type RecordedJob } from '../gcp/support/fake-bigquery';
import { syntheticBatches } from '../shopify/support';
import { scoreSourceContract, type ScoreSourceHarness } from './score-source.contract';

const PROJECT = 'demo-shop-mlops';
process.env['METADATA_SERVER_DETECTION'] = 'none';
const SCHEMAS = path.join(__dirname, '../../infra/schemas');

async function duckDbWorld(): Promise<ScoreSourceHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-scores-'));
  const warehouse = await openDuckDbWarehouse({ path: path.join(dir, 'warehouse.duckdb') });
  return {
    store: createDuckDbPredictionStore(warehouse),
    scores: duckDbScoreSource(warehouse.execute),
    cleanup: async () => {
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** shop_predictions as infra/ declares it (`tables`: which exist), behind the BigQuery REST API. */
async function bigQueryWorld(tables: readonly PredictionTableName[] = WRITE_BACK_TABLES): Promise<ScoreSourceHarness & { jobs: RecordedJob[] }> {
  const engine = await startBigQueryOnDuckDb(Object.fromEntries(tables.map((t) => [`${PREDICTIONS_DATASET}.${t}`, path.join(SCHEMAS, `predictions_${t}.json`)])));
  const fake = await startFakeBigQuery();
  fake.respond = (job) => engine.respond(job);
  const bigquery = new BigQuery({ projectId: PROJECT, apiEndpoint: fake.endpoint, autoRetry: false });
  return {
    jobs: fake.jobs,
    store: createBigQueryPredictionStore({ bigquery, projectId: PROJECT, log: silentLogger }),
    scores: bigQueryScoreSource({ bigquery, projectId: PROJECT, log: silentLogger }),
    cleanup: async () => {
      await fake.stop();
      engine.close();
    },
  };
}

scoreSourceContract('DuckDB (embedded)', duckDbWorld);
scoreSourceContract('BigQuery (cloud)', () => bigQueryWorld());

test('the same scores into both worlds: the same newest batches out, so the same metafields', async () => {
  const [duck, bq] = await Promise.all([duckDbWorld(), bigQueryWorld()]);
  try {
    const shops = ['same-a.myshopify.com', 'same-b.myshopify.com'];
    for (const shop of shops) {
      for (const version of [1, 2]) {
        const batches = syntheticBatches({ customers: 25, variants: 6, products: 5, version, shop });
        await duck.store.replace(batches);
        await bq.store.replace(batches);
      }
    }
    expect(await bq.scores.shops()).toEqual(await duck.scores.shops());
    for (const shop of shops) {
      bq.jobs.length = 0;
      const [d, b] = [await duck.scores.newest(shop), await bq.scores.newest(shop)];
      // One job per write-back table, the shop a parameter, never spliced into the SQL.
      expect(bq.jobs.map((j) => paramsOf(j))).toEqual(WRITE_BACK_TABLES.map(() => ({ shop })));
      expect(bq.jobs.filter((j) => j.query.includes(shop))).toEqual([]);
      expect(Object.keys(d).sort()).toEqual([...WRITE_BACK_TABLES].sort());
      expect(b).toEqual(d);
      expect(desiredMetafields(b)).toEqual(desiredMetafields(d));
      expect(d.customer_clv!.version).toBe(2);
    }
  } finally {
    await Promise.all([duck.cleanup(), bq.cleanup()]);
  }
}, 60_000);

test('BigQuery: a write-back table not created yet holds no scores (the others still read)', async () => {
  const bq = await bigQueryWorld(['customer_clv']);
  try {
    await bq.store.replace(syntheticBatches({ customers: 3, variants: 0, products: 0, version: 1 }).filter((b) => b.table === 'customer_clv'));
    expect(await bq.scores.shops()).toEqual(['meta-store.myshopify.com']);
    expect(Object.keys(await bq.scores.newest('meta-store.myshopify.com'))).toEqual(['customer_clv']);
  } finally {
    await bq.cleanup();
  }
});
