// MonitoringStore on the embedded DuckDB warehouse: schema shop_monitoring, every write (decision, night of drift, retrain claim) in one transaction.
import { ShopMlopsError } from '../../core/errors';
import type { MonitoringStore } from '../../ports/monitoring-store';
import type { Row } from '../../ports/warehouse';
import {
  checked, decisionSchema, driftResultSchema, driftRunSchema, fromWire, retrainClaimSchema, retrainPatchSchema, sinceDate, sinceTimestamp, storeQuerySchema, toWire, type StoreQuery, type WireRow,
} from '../../monitoring/monitoring-rows';
import { MONITORING_DATASET, MONITORING_TABLES, MONITORING_TABLE_NAMES, duckdbCreateMonitoringTable, monitoringDuckdbType, qualifiedMonitoringTable, type MonitoringTableName } from '../../monitoring/monitoring-tables';
import type { DuckDbTransactions } from './duckdb-prediction-store';

type Exec = (sql: string, params?: unknown[]) => Promise<Row[]>;
const q = (c: string) => `"${c}"`;
const T = qualifiedMonitoringTable;

/** Creates shop_monitoring and its tables when absent (idempotent). */
export async function ensureMonitoringTables(exec: Exec): Promise<void> {
  await exec(`CREATE SCHEMA IF NOT EXISTS ${MONITORING_DATASET}`);
  for (const t of MONITORING_TABLE_NAMES) await exec(duckdbCreateMonitoringTable(t));
}

/** Columns as the wire form: timestamps ISO with milliseconds, dates as text, JSON and lists as JSON text. */
function selectList(t: MonitoringTableName): string {
  return MONITORING_TABLES[t].columns
    .map((c) => {
      const x = q(c.name);
      if (c.type === 'TIMESTAMP') return `strftime(${x}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${x}`;
      if (c.type === 'DATE') return `strftime(${x}, '%Y-%m-%d') AS ${x}`;
      if (c.type === 'JSON') return `CAST(${x} AS VARCHAR) AS ${x}`;
      if (c.type === 'STRING_LIST') return `CAST(to_json(${x}) AS VARCHAR) AS ${x}`;
      return x;
    })
    .join(', ');
}

/** Inserts wire rows through one JSON parameter (values never spliced into the SQL). */
async function insertRows(exec: Exec, t: MonitoringTableName, rows: readonly WireRow[]): Promise<void> {
  if (rows.length === 0) return;
  const cols = MONITORING_TABLES[t].columns;
  const wire = (type: string) => (type === 'STRING_LIST' ? 'VARCHAR[]' : type === 'DATE' || type === 'TIMESTAMP' || type === 'JSON' ? 'VARCHAR' : monitoringDuckdbType(type as never));
  const structure = JSON.stringify(Object.fromEntries(cols.map((c) => [c.name, wire(c.type)])));
  const select = cols.map((c) => `CAST(r.${q(c.name)} AS ${monitoringDuckdbType(c.type)})`).join(', ');
  await exec(`INSERT INTO ${T(t)} (${cols.map((c) => q(c.name)).join(', ')}) SELECT ${select} FROM (SELECT unnest(from_json($1, '[${structure}]')) AS r)`, [JSON.stringify(rows)]);
}

/** WHERE clause of a query: shop, model, and `since` against the table's time column. */
function where(f: StoreQuery, time: { column: string; kind: 'timestamp' | 'date' }, model: boolean): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.shop !== undefined) parts.push(`shop = $${params.push(f.shop)}`);
  if (model && f.model !== undefined) parts.push(`model = $${params.push(f.model)}`);
  if (f.since !== undefined) {
    parts.push(time.kind === 'date' ? `${q(time.column)} >= CAST($${params.push(sinceDate(f.since))} AS DATE)` : `${q(time.column)} >= CAST($${params.push(sinceTimestamp(f.since))} AS TIMESTAMPTZ)`);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export function createDuckDbMonitoringStore(warehouse: DuckDbTransactions): MonitoringStore {
  let ready: Promise<void> | null = null;
  const tx = async <R>(fn: (exec: Exec) => Promise<R>): Promise<R> => {
    ready ??= warehouse.transaction(ensureMonitoringTables).catch((err: unknown) => {
      ready = null;
      throw err;
    });
    await ready;
    return warehouse.transaction(fn);
  };
  const read = <K extends MonitoringTableName>(t: K, sql: string, params: unknown[]) => tx(async (exec) => (await exec(sql, params)).map((r) => fromWire(t, r)));
  const retrainRow = async (exec: Exec, id: string) => (await exec(`SELECT ${selectList('retrain_requests')} FROM ${T('retrain_requests')} WHERE request_id = $1`, [id])).map((r) => fromWire('retrain_requests', r))[0];

  return {
    recordDecision: async (d) => {
      const row = checked(decisionSchema, d, 'decision');
      return tx(async (exec) => {
        const seen = await exec(`SELECT 1 FROM ${T('decisions')} WHERE decision_id = $1`, [row.decision_id]);
        if (seen.length > 0) return false;
        await insertRows(exec, 'decisions', [toWire('decisions', row)]);
        return true;
      });
    },
    decisions: (query = {}) => {
      const w = where(checked(storeQuerySchema, query, 'query'), { column: 'decided_at', kind: 'timestamp' }, true);
      return read('decisions', `SELECT ${selectList('decisions')} FROM ${T('decisions')} ${w.sql} ORDER BY decided_at, decision_id`, w.params);
    },
    recordDrift: async (run, results) => {
      const r = checked(driftRunSchema, run, 'drift run');
      const rs = results.map((x, i) => checked(driftResultSchema, x, `drift result ${i}`));
      for (const x of rs) {
        if (x.shop !== r.shop || x.run_date !== r.run_date || x.subject !== r.subject || x.model !== r.model) {
          throw new ShopMlopsError('BAD_REQUEST', `drift result ${x.feature} belongs to (${x.shop}, ${x.run_date}, ${x.subject}, ${x.model}), not to the run (${r.shop}, ${r.run_date}, ${r.subject}, ${r.model})`);
        }
      }
      await tx(async (exec) => {
        const key = 'shop = $1 AND run_date = CAST($2 AS DATE) AND subject = $3 AND model IS NOT DISTINCT FROM $4';
        for (const t of ['drift_runs', 'drift_results'] as const) await exec(`DELETE FROM ${T(t)} WHERE ${key}`, [r.shop, r.run_date, r.subject, r.model]);
        await insertRows(exec, 'drift_runs', [toWire('drift_runs', r)]);
        await insertRows(exec, 'drift_results', rs.map((x) => toWire('drift_results', x)));
      });
    },
    driftRuns: (query = {}) => {
      const w = where(checked(storeQuerySchema, query, 'query'), { column: 'run_date', kind: 'date' }, false);
      return read('drift_runs', `SELECT ${selectList('drift_runs')} FROM ${T('drift_runs')} ${w.sql} ORDER BY run_date, shop, subject, model NULLS FIRST`, w.params);
    },
    driftResults: (query = {}) => {
      const w = where(checked(storeQuerySchema, query, 'query'), { column: 'run_date', kind: 'date' }, false);
      return read('drift_results', `SELECT ${selectList('drift_results')} FROM ${T('drift_results')} ${w.sql} ORDER BY run_date, shop, subject, model NULLS FIRST, feature`, w.params);
    },
    claimRetrain: async (req, coalesceSince) => {
      const r = checked(retrainClaimSchema, req, 'retrain request');
      const since = sinceTimestamp(checked(storeQuerySchema, { since: coalesceSince }, 'coalesceSince').since!);
      return tx(async (exec) => {
        // The same request again (a retried delivery) is answered with what it already is.
        const again = await retrainRow(exec, r.request_id);
        if (again) return again;
        const owner = await exec(
          `SELECT request_id FROM ${T('retrain_requests')}
           WHERE shop = $1 AND requested_at >= CAST($2 AS TIMESTAMPTZ) AND run_request_id = request_id AND status <> 'failed' AND list_has_any(models, from_json($3, '["VARCHAR"]'))
           ORDER BY requested_at, request_id LIMIT 1`,
          [r.shop, since, JSON.stringify(r.models)],
        );
        const into = owner[0] ? String(owner[0]['request_id']) : null;
        await insertRows(exec, 'retrain_requests', [toWire('retrain_requests', { ...r, status: into ? 'coalesced' : 'started', run_request_id: into ?? r.request_id, run_id: null, finished_at: null, error: null })]);
        return (await retrainRow(exec, r.request_id))!;
      });
    },
    updateRetrain: async (requestId, patch) => {
      const p = checked(retrainPatchSchema, patch, 'retrain update');
      const sets = Object.entries(p).filter(([, v]) => v !== undefined);
      await tx(async (exec) => {
        const params: unknown[] = [requestId];
        const set = sets.map(([k, v]) => `${q(k)} = ${k === 'finished_at' ? `CAST($${params.push(v)} AS TIMESTAMPTZ)` : `$${params.push(v)}`}`);
        const found = set.length
          ? await exec(`UPDATE ${T('retrain_requests')} SET ${set.join(', ')} WHERE request_id = $1 RETURNING request_id`, params)
          : await exec(`SELECT request_id FROM ${T('retrain_requests')} WHERE request_id = $1`, params);
        if (found.length === 0) throw new ShopMlopsError('NOT_FOUND', `no retrain request ${requestId}`);
      });
    },
    retrainRequests: (query = {}) => {
      const w = where(checked(storeQuerySchema, query, 'query'), { column: 'requested_at', kind: 'timestamp' }, false);
      return read('retrain_requests', `SELECT ${selectList('retrain_requests')} FROM ${T('retrain_requests')} ${w.sql} ORDER BY requested_at, request_id`, w.params);
    },
    redactShop: async (shop) => {
      await tx(async (exec) => {
        for (const t of MONITORING_TABLE_NAMES) await exec(`DELETE FROM ${T(t)} WHERE shop = $1`, [shop]);
      });
    },
    close: async () => undefined,
  };
}
