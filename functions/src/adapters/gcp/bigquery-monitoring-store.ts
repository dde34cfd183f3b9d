// MonitoringStore on BigQuery (dataset shop_monitoring, declared in infra/monitoring-tables.tf): parameterised query jobs; a night of drift in one transaction, the retrain claim as one INSERT … SELECT then a read-back.
import { BigQuery } from '@google-cloud/bigquery';
import { ShopMlopsError } from '../../core/errors';
import type { Logger } from '../../core/log';
import type { MonitoringStore } from '../../ports/monitoring-store';
import {
  checked, decisionSchema, driftResultSchema, driftRunSchema, fromWire, retrainClaimSchema, retrainPatchSchema, sinceTimestamp, storeQuerySchema, toWire,
} from '../../monitoring/monitoring-rows';
import { MONITORING_TABLE_NAMES, type MonitoringTableName } from '../../monitoring/monitoring-tables';
import * as sql from './bigquery-monitoring-sql';
import { bigQueryJobRunner } from './bigquery-warehouse';

export interface BigQueryMonitoringStoreOptions {
  bigquery?: BigQuery;
  projectId: string;
  log: Logger;
  location?: string;
}

/**
 * BigQuery INSERTs do not conflict with each other, so two claims racing in the same instant may both insert as
 * started; each then reads back which request owns the window (the earliest started one) and a loser joins it. A
 * loser whose read-back ran before the winner's INSERT committed can still start its own run: the window for that
 * is the duration of one job.
 */
export function createBigQueryMonitoringStore(opts: BigQueryMonitoringStoreOptions): MonitoringStore {
  const bq = opts.bigquery ?? new BigQuery({ projectId: opts.projectId });
  const run = bigQueryJobRunner(bq, opts);
  const p = opts.projectId;
  const read = async <T extends MonitoringTableName>(t: T, query: unknown) => {
    try {
      return (await run(sql.readSql(p, t, checked(storeQuerySchema, query, 'query')), `read shop_monitoring.${t}`)).rows.map((r) => fromWire(t, r));
    } catch (err) {
      if (err instanceof ShopMlopsError && err.code === 'BAD_REQUEST') throw err;
      // Nothing recorded yet where infra has not created the tables: an empty history, like the embedded store's.
      if (/not found: (table|dataset)/i.test((err as Error).message)) return [];
      throw err;
    }
  };

  return {
    async recordDecision(d) {
      const row = checked(decisionSchema, d, 'decision');
      return (await run(sql.insertRowsSql(p, 'decisions', [toWire('decisions', row)], 'decision_id'), 'record decision')).affected === 1;
    },
    decisions: (q = {}) => read('decisions', q),
    async recordDrift(r, results) {
      const dr = checked(driftRunSchema, r, 'drift run');
      const rs = results.map((x, i) => checked(driftResultSchema, x, `drift result ${i}`));
      for (const x of rs) {
        if (x.shop !== dr.shop || x.run_date !== dr.run_date || x.subject !== dr.subject || x.model !== dr.model) {
          throw new ShopMlopsError('BAD_REQUEST', `drift result ${x.feature} belongs to (${x.shop}, ${x.run_date}, ${x.subject}, ${x.model}), not to the run (${dr.shop}, ${dr.run_date}, ${dr.subject}, ${dr.model})`);
        }
      }
      await run(sql.replaceDriftSql(p, toWire('drift_runs', dr), rs.map((x) => toWire('drift_results', x))), 'record drift');
    },
    driftRuns: (q = {}) => read('drift_runs', q),
    driftResults: (q = {}) => read('drift_results', q),
    async claimRetrain(req, coalesceSince) {
      const r = checked(retrainClaimSchema, req, 'retrain request');
      const since = sinceTimestamp(checked(storeQuerySchema, { since: coalesceSince }, 'coalesceSince').since!);
      await run(sql.claimRetrainSql(p, r, since), 'claim retrain');
      const back = async () => {
        const [row] = (await run(sql.claimReadBackSql(p, r, since), 'read retrain claim')).rows;
        if (!row) throw new ShopMlopsError('INTERNAL', `retrain request ${r.request_id} was not recorded`);
        return { request: fromWire('retrain_requests', row), owner: row['window_owner'] === null || row['window_owner'] === undefined ? null : String(row['window_owner']) };
      };
      const { request, owner } = await back();
      if (request.status !== 'started' || owner === null || owner === request.request_id) return request;
      // Lost a race: another request started the window's run first.
      await run(sql.joinOwnerSql(p, request.request_id, owner), 'join retrain run');
      return (await back()).request;
    },
    async updateRetrain(requestId, patch) {
      const pt = checked(retrainPatchSchema, patch, 'retrain update');
      const done = await run(sql.updateRetrainSql(p, requestId, pt), 'update retrain');
      if (done.affected === 0) throw new ShopMlopsError('NOT_FOUND', `no retrain request ${requestId}`);
    },
    retrainRequests: (q = {}) => read('retrain_requests', q),
    async redactShop(shop) {
      for (const t of MONITORING_TABLE_NAMES) {
        try {
          await run(sql.deleteShopRowsSql(p, t, shop), `redact shop in shop_monitoring.${t}`);
        } catch (err) {
          if (!/not found: (table|dataset)/i.test((err as Error).message)) throw err;
        }
      }
    },
    async close() {
      /* the client holds no pooled resources that need closing */
    },
  };
}
