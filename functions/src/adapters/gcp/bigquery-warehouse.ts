// Warehouse on BigQuery: parameterised query jobs over shop_raw (idempotent landing, quarantine, privacy actions, ad-hoc queries).
import { randomUUID } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import type { LandedEvent, QuarantineRecord } from '../../core/classify';
import { ShopMlopsError } from '../../core/errors';
import type { Logger } from '../../core/log';
import type { CustomerRedaction, LandResult, PrivacyAuditRow, RedactionResult, Row, StoredQuarantine, Warehouse } from '../../ports/warehouse';
import * as q from './bigquery-sql';
import { derivedTables } from '../../core/privacy';
import { PREDICTIONS_DATASET } from '../../serving/prediction-tables';
import { MONITORING_DATASET } from '../../monitoring/monitoring-tables';

/** Datasets derived from the raw tables: what the Dataform pipeline writes (dataform/workflow_settings.yaml), the batch scores and the monitoring records. */
export const DERIVED_DATASETS = ['shop_staging', 'shop_features', PREDICTIONS_DATASET, MONITORING_DATASET];

export interface BigQueryWarehouseOptions {
  bigquery?: BigQuery;
  projectId: string;
  rawDataset: string;
  log: Logger;
  /** BigQuery location of the dataset (jobs run there). */
  location?: string;
}

export interface Ran {
  rows: Row[];
  affected: number;
}

/** Turns the client's wrapper objects (timestamps, dates, NUMERIC) into plain JSON values. */
export function plainValue(v: unknown): unknown {
  if (v === null || v === undefined) return v ?? null;
  if (Array.isArray(v)) return v.map(plainValue);
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'object') {
    const ctor = (v as object).constructor?.name;
    if (ctor && ctor.startsWith('BigQuery') && 'value' in (v as object)) return String((v as { value: unknown }).value);
    if (ctor === 'Big') return String(v);
    const out: Row = {};
    for (const [k, x] of Object.entries(v as Row)) out[k] = plainValue(x);
    return out;
  }
  return v;
}

const int64AsString = { integerTypeCastFunction: (s: string) => s };

/** Runs one parameterised query job and reads every page; BigQuery errors become ShopMlopsError (UNAVAILABLE when worth retrying). */
export function bigQueryJobRunner(bq: BigQuery, opts: { log: Logger; location?: string }): (stmt: { sql: string; params?: Record<string, unknown>; types?: Record<string, q.ParamType> }, label: string) => Promise<Ran> {
  return async (stmt, label) => {
    try {
      const [job] = await bq.createQueryJob({
        query: stmt.sql,
        ...(stmt.params && Object.keys(stmt.params).length ? { params: stmt.params, types: stmt.types as Record<string, string> } : {}),
        useLegacySql: false,
        ...(opts.location ? { location: opts.location } : {}),
      });
      const rows: Row[] = [];
      let affected = 0;
      let pageOpts: Record<string, unknown> | null = { autoPaginate: false, wrapIntegers: int64AsString };
      while (pageOpts) {
        const [page, next, resp] = (await job.getQueryResults(pageOpts)) as unknown as [Row[], Record<string, unknown> | null, { numDmlAffectedRows?: string; jobComplete?: boolean }];
        for (const r of page) rows.push(plainValue(r) as Row);
        if (resp?.numDmlAffectedRows !== undefined) affected = Number(resp.numDmlAffectedRows);
        pageOpts = next ? { ...next, autoPaginate: false, wrapIntegers: int64AsString } : null;
      }
      return { rows, affected };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // 4xx other than rate limits are our bug or bad input; everything else is an outage worth retrying.
      // DML over rows still in the streaming buffer is refused with a 400 that succeeds later.
      const streamingBuffer = /streaming buffer/i.test((err as Error).message);
      const retryable = !(typeof code === 'number' && code >= 400 && code < 500 && code !== 408 && code !== 429) || streamingBuffer;
      opts.log.error('bigquery job failed', { label, error: (err as Error).message, code });
      // details.streamingBuffer: succeeds only once the rows leave the buffer (about 30 minutes), so a consumer retries on a schedule, not at once.
      throw new ShopMlopsError(retryable ? 'UNAVAILABLE' : 'INTERNAL', `BigQuery ${label} failed: ${(err as Error).message}`, { cause: err, retryable, ...(streamingBuffer ? { details: { streamingBuffer: true } } : {}) });
    }
  };
}

export function createBigQueryWarehouse(opts: BigQueryWarehouseOptions): Warehouse {
  const bq = opts.bigquery ?? new BigQuery({ projectId: opts.projectId });
  const t = q.tableNames(opts.projectId, opts.rawDataset);

  const run = bigQueryJobRunner(bq, opts);

  /** Runs fn; null when BigQuery says the table (or dataset) does not exist yet. */
  const ifExists = async <T>(fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (err) {
      if (/not found: (table|dataset)/i.test((err as Error).message)) return null;
      throw err;
    }
  };

  const customerOrderIds = async (req: CustomerRedaction): Promise<string[]> => {
    const found = await run(q.customerOrderIdsSql(t, req), 'customer order ids');
    const ids = new Set(req.orderIds);
    for (const r of found.rows) if (typeof r['order_id'] === 'string') ids.add(r['order_id']);
    return [...ids].sort();
  };

  return {
    dialect: 'bigquery',
    async landEvents(events: LandedEvent[]): Promise<LandResult> {
      if (events.length === 0) return { inserted: 0, duplicates: 0 };
      const { affected } = await run(q.landEventsSql(t, events), 'land events');
      return { inserted: affected, duplicates: events.length - affected };
    },
    async quarantine(records: QuarantineRecord[]): Promise<void> {
      if (records.length === 0) return;
      const at = new Date().toISOString();
      await run(q.insertQuarantineSql(t, records.map((r) => ({ ...r, quarantine_id: randomUUID(), quarantined_at: at }))), 'quarantine');
    },
    async listQuarantine(o = {}): Promise<StoredQuarantine[]> {
      const { rows } = await run(q.listQuarantineSql(t, o), 'list quarantine');
      return rows as unknown as StoredQuarantine[];
    },
    async countQuarantine(): Promise<number> {
      const { rows } = await run(q.countQuarantineSql(t), 'count quarantine');
      return Number(rows[0]?.['n'] ?? 0);
    },
    async markReplayed(ids: string[], at: string): Promise<void> {
      if (ids.length === 0) return;
      await run(q.markReplayedSql(t, ids, at), 'mark replayed');
    },
    async redactCustomer(req: CustomerRedaction): Promise<RedactionResult> {
      const orderIds = await customerOrderIds(req);
      const deleted = await run(q.deleteCustomerEventsSql(t, req), 'delete customer events');
      const scrubbed = await run(q.scrubOrderEventsSql(t, req, orderIds), 'scrub order events');
      const requests = await run(q.scrubPrivacyRequestsSql(t, req), 'scrub privacy requests');
      const quarantined = await run(q.deleteCustomerQuarantineSql(t, req, orderIds), 'delete customer quarantine');
      const derived: RedactionResult['tables'] = {};
      // Tables the Dataform pipeline derives (core/privacy.ts says how); one that does not exist yet is skipped.
      for (const table of derivedTables('scrub')) {
        const names = { ...t, events: q.qualified(opts.projectId, table) };
        const r = await ifExists(async () => {
          const del = await run(q.deleteCustomerEventsSql(names, req), `delete customer events in ${table}`);
          const scrub = await run(q.scrubOrderEventsSql(names, req, orderIds), `scrub order events in ${table}`);
          const requests = await run(q.scrubPrivacyRequestsSql(names, req), `scrub privacy requests in ${table}`);
          return { deleted: del.affected, scrubbed: scrub.affected + requests.affected };
        });
        if (r) derived[table] = r;
      }
      for (const table of derivedTables('unlink')) {
        const [del, clear] = q.unlinkCustomerEventsSql(q.qualified(opts.projectId, table), req);
        const r = await ifExists(async () => ({
          deleted: (await run(del, `delete customer record events in ${table}`)).affected,
          scrubbed: (await run(clear, `unlink customer events in ${table}`)).affected,
        }));
        if (r) derived[table] = r;
      }
      // Anonymise first: the statements are separate jobs, and a feature run between them must not re-derive the
      // customer's rows (customer_days adds up shop_staging.order_versions) after they were deleted.
      for (const treatment of ['anonymize', 'delete'] as const) {
        for (const table of derivedTables(treatment)) {
          const r = await ifExists(async () => (await run(q.customerRowsSql(q.qualified(opts.projectId, table), req, treatment), `${treatment} customer rows in ${table}`)).affected);
          if (r !== null) derived[table] = treatment === 'delete' ? { deleted: r, scrubbed: 0 } : { deleted: 0, scrubbed: r };
        }
      }
      return {
        tables: {
          [`${opts.rawDataset}.events`]: { deleted: deleted.affected, scrubbed: scrubbed.affected + requests.affected },
          [`${opts.rawDataset}.quarantine`]: { deleted: quarantined.affected, scrubbed: 0 },
          ...derived,
        },
        orderIds,
      };
    },
    async redactShop(shop: string): Promise<RedactionResult> {
      const events = await run(q.deleteShopEventsSql(t, shop), 'delete shop events');
      const quarantined = await run(q.deleteShopSql(t.quarantine, shop), 'delete shop quarantine');
      const tables: RedactionResult['tables'] = {
        [`${opts.rawDataset}.events`]: { deleted: events.affected, scrubbed: 0 },
        [`${opts.rawDataset}.quarantine`]: { deleted: quarantined.affected, scrubbed: 0 },
      };
      // Every derived table with a shop column, in the datasets the feature pipeline writes.
      for (const dataset of DERIVED_DATASETS) {
        const found = await ifExists(async () => (await run(q.tablesWithShopSql(opts.projectId, dataset), `tables of ${dataset}`)).rows);
        for (const r of found ?? []) {
          const table = `${dataset}.${String(r['table_name'])}`;
          const n = await ifExists(async () => (await run(q.deleteShopSql(q.qualified(opts.projectId, table), shop), `delete shop rows in ${table}`)).affected);
          if (n !== null) tables[table] = { deleted: n, scrubbed: 0 };
        }
      }
      return { tables };
    },
    async exportCustomer(req: CustomerRedaction): Promise<Record<string, Row[]>> {
      const orderIds = await customerOrderIds(req);
      const [events, quarantine, audit] = await Promise.all([
        run(q.exportCustomerEventsSql(t, req, orderIds), 'export events'),
        run(q.exportCustomerQuarantineSql(t, req, orderIds), 'export quarantine'),
        run(q.exportCustomerAuditSql(t, req), 'export audit'),
      ]);
      return {
        [`${opts.rawDataset}.events`]: events.rows,
        [`${opts.rawDataset}.quarantine`]: quarantine.rows,
        [`${opts.rawDataset}.privacy_audit`]: audit.rows,
      };
    },
    async recordPrivacyAction(row: PrivacyAuditRow): Promise<void> {
      await run(q.insertPrivacyAuditSql(t, row), 'record privacy action');
    },
    async scrubLateDeliveries(since: string, until: string): Promise<RedactionResult> {
      const [records, orders, quarantined] = q.scrubLateDeliveriesSql(t, since, until);
      const d = await run(records!, 'delete late customer records');
      const o = await run(orders!, 'scrub late order events');
      const qu = await run(quarantined!, 'scrub late quarantine');
      const log = `${PREDICTIONS_DATASET}.prediction_log`;
      const pl = await ifExists(async () => (await run(q.scrubLatePredictionLogSql(t, q.qualified(opts.projectId, log), since, until), 'delete late served predictions')).affected);
      return { tables: { [`${opts.rawDataset}.events`]: { deleted: d.affected, scrubbed: o.affected }, [`${opts.rawDataset}.quarantine`]: { deleted: 0, scrubbed: qu.affected }, [log]: { deleted: pl ?? 0, scrubbed: 0 } } };
    },
    async pendingPrivacyRequests(receivedBefore: string): Promise<LandedEvent[]> {
      return (await run(q.pendingPrivacyRequestsSql(t, receivedBefore), 'pending privacy requests')).rows as unknown as LandedEvent[];
    },
    async query(sql: string): Promise<Row[]> {
      return (await run({ sql }, 'query')).rows;
    },
    async close(): Promise<void> {
      /* the client holds no pooled resources that need closing */
    },
  };
}
