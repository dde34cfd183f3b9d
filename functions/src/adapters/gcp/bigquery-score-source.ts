// The metafields write-back's ScoreSource on BigQuery (cloud): each write-back table's newest batch per shop from shop_predictions, as the DuckDB reader gives it (same batch choice, rows normalised the same way); a table not created yet holds no scores.
import { BigQuery } from '@google-cloud/bigquery';
import type { Logger } from '../../core/log';
import type { PredictionTableName } from '../../serving/prediction-tables';
import type { ScoreBatches } from '../../shopify/metafield-values';
import { WRITE_BACK_TABLES, batchOf, type ScoreSource } from '../../shopify/score-source';
import type { Row } from '../../ports/warehouse';
import { newestBatchSql, scoredShopsSql } from './bigquery-predictions-sql';
import { bigQueryJobRunner } from './bigquery-warehouse';

export interface BigQueryScoreSourceOptions {
  bigquery?: BigQuery;
  projectId: string;
  log: Logger;
  location?: string;
}

export function bigQueryScoreSource(opts: BigQueryScoreSourceOptions): ScoreSource {
  const bq = opts.bigquery ?? new BigQuery({ projectId: opts.projectId });
  const run = bigQueryJobRunner(bq, opts);
  /** The rows, or null when BigQuery says the table (or dataset) does not exist. */
  const rowsOf = async (stmt: Parameters<typeof run>[0], table: PredictionTableName, what: string): Promise<Row[] | null> => {
    try {
      return (await run(stmt, `${what} shop_predictions.${table}`)).rows;
    } catch (err) {
      if (/not found: (table|dataset)/i.test((err as Error).message)) return null;
      throw err;
    }
  };
  return {
    async shops() {
      const shops = new Set<string>();
      for (const t of WRITE_BACK_TABLES) for (const r of (await rowsOf(scoredShopsSql(opts.projectId, t), t, 'shops in')) ?? []) shops.add(String(r['shop']));
      return [...shops].sort();
    },
    async newest(shop) {
      const out: ScoreBatches = {};
      for (const t of WRITE_BACK_TABLES) {
        const batch = batchOf(t, (await rowsOf(newestBatchSql(opts.projectId, t, shop), t, 'newest batch of')) ?? []);
        if (batch) out[t] = batch;
      }
      return out;
    },
  };
}
