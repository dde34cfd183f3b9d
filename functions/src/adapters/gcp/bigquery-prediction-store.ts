// PredictionStore on BigQuery (dataset shop_predictions, declared in infra/): per batch a DELETE of its key, then INSERT jobs of at most CHUNK rows.
import { BigQuery } from '@google-cloud/bigquery';
import type { Logger } from '../../core/log';
import type { PredictionStore, PredictionWrite } from '../../ports/prediction-store';
import { PREDICTIONS_DATASET, assertBatch } from '../../serving/prediction-tables';
import { readResult } from '../../serving/prediction-read';
import { deleteBatchSql, insertRowsSql, readLatestSql } from './bigquery-predictions-sql';
import { bigQueryJobRunner } from './bigquery-warehouse';

export interface BigQueryPredictionStoreOptions {
  bigquery?: BigQuery;
  projectId: string;
  log: Logger;
  location?: string;
  /** Rows per INSERT job (the rows travel as one query parameter; BigQuery caps a request at 10 MB). */
  chunkRows?: number;
}

/**
 * Not one transaction: a failure between the DELETE and the last INSERT leaves the key partly written until the batch is
 * written again (which replaces it). Readers pick the newest complete (snapshot, version) they know of.
 */
export function createBigQueryPredictionStore(opts: BigQueryPredictionStoreOptions): PredictionStore {
  const bq = opts.bigquery ?? new BigQuery({ projectId: opts.projectId });
  const run = bigQueryJobRunner(bq, opts);
  const chunk = opts.chunkRows ?? 2_000;
  return {
    async replace(batches) {
      const out: PredictionWrite[] = [];
      for (const b of batches) {
        assertBatch(b);
        const table = `${PREDICTIONS_DATASET}.${b.table}`;
        const del = await run(deleteBatchSql(opts.projectId, b), `replace ${table}`);
        for (let i = 0; i < b.rows.length; i += chunk) await run(insertRowsSql(opts.projectId, b, b.rows.slice(i, i + chunk)), `insert ${table}`);
        out.push({ table, replaced: del.affected, inserted: b.rows.length });
      }
      return out;
    },
    async read(r) {
      try {
        return readResult(r.table, (await run(readLatestSql(opts.projectId, r), `read ${PREDICTIONS_DATASET}.${r.table}`)).rows);
      } catch (err) {
        // No scores yet: the table (or dataset) does not exist.
        if (/not found: (table|dataset)/i.test((err as Error).message)) return null;
        throw err;
      }
    },
  };
}
