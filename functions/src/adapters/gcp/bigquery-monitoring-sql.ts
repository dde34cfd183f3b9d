// Pure builders of the parameterised BigQuery SQL of the MonitoringStore (shop_monitoring): inserts from one ARRAY<STRUCT> parameter, the atomic retrain claim, reads in the store's wire form.
import type { RetrainRequest } from '../../ports/monitoring-store';
import { sinceDate, sinceTimestamp, type RetrainPatch, type StoreQuery, type WireRow } from '../../monitoring/monitoring-rows';
import { MONITORING_TABLES, qualifiedMonitoringTable, type MonitoringColumnType, type MonitoringTableName } from '../../monitoring/monitoring-tables';
import { qualified, type ParamType, type Statement } from './bigquery-sql';

/** Every column name is quoted: `current` is a reserved word in BigQuery. */
const c = (name: string) => `\`${name}\``;
export const monitoringTable = (projectId: string, t: MonitoringTableName): string => qualified(projectId, qualifiedMonitoringTable(t));

/** How a column travels inside the rows parameter (dates, timestamps and JSON as text, cast in SQL). */
const WIRE: Record<MonitoringColumnType, ParamType> = { STRING: 'STRING', STRING_LIST: ['STRING'], DATE: 'STRING', TIMESTAMP: 'STRING', JSON: 'STRING', INT64: 'INT64', FLOAT64: 'FLOAT64', BOOL: 'BOOL' };
const CAST: Record<MonitoringColumnType, (x: string) => string> = {
  STRING: (x) => x,
  STRING_LIST: (x) => x,
  DATE: (x) => `CAST(${x} AS DATE)`,
  TIMESTAMP: (x) => `CAST(${x} AS TIMESTAMP)`,
  JSON: (x) => `PARSE_JSON(${x})`,
  INT64: (x) => x,
  FLOAT64: (x) => x,
  BOOL: (x) => x,
};

/** The columns in the wire form: timestamps ISO UTC with milliseconds, dates as text, JSON and lists as JSON text. */
export function selectList(t: MonitoringTableName, alias = ''): string {
  const p = alias ? `${alias}.` : '';
  return MONITORING_TABLES[t].columns
    .map(({ name, type }) => {
      const x = `${p}${c(name)}`;
      if (type === 'TIMESTAMP') return `FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', ${x}) AS ${c(name)}`;
      if (type === 'DATE') return `CAST(${x} AS STRING) AS ${c(name)}`;
      if (type === 'JSON' || type === 'STRING_LIST') return `TO_JSON_STRING(${x}) AS ${c(name)}`;
      return `${x} AS ${c(name)}`;
    })
    .join(', ');
}

function rowsParam(t: MonitoringTableName, rows: readonly WireRow[]) {
  const cols = MONITORING_TABLES[t].columns;
  return { params: { rows: rows.map((r) => Object.fromEntries(cols.map((x) => [x.name, r[x.name] ?? null]))) }, types: { rows: [Object.fromEntries(cols.map((x) => [x.name, WIRE[x.type]]))] } as Record<string, ParamType> };
}

/** Inserts rows from one ARRAY<STRUCT> parameter; with `unlessKey`, a row whose key is already stored is skipped (numDmlAffectedRows tells). */
export function insertRowsSql(projectId: string, t: MonitoringTableName, rows: readonly WireRow[], unlessKey?: string): Statement {
  const cols = MONITORING_TABLES[t].columns;
  const table = monitoringTable(projectId, t);
  const guard = unlessKey ? `\nWHERE NOT EXISTS (SELECT 1 FROM ${table} AS x WHERE x.${c(unlessKey)} = r.${c(unlessKey)})` : '';
  return {
    sql: `INSERT INTO ${table} (${cols.map((x) => c(x.name)).join(', ')})
SELECT ${cols.map((x) => CAST[x.type](`r.${c(x.name)}`)).join(', ')}
FROM UNNEST(@rows) AS r${guard}`,
    ...rowsParam(t, rows),
  };
}

/**
 * A night of drift as one script in one transaction: the (shop, run_date, subject, model) key's run and results are
 * deleted, then the new ones inserted, so readers see the old night or the new one, never a mix.
 */
export function replaceDriftSql(projectId: string, run: WireRow, results: readonly WireRow[]): Statement {
  const key = `shop = @shop AND run_date = CAST(@run_date AS DATE) AND subject = @subject AND model IS NOT DISTINCT FROM @model`;
  const runs = insertRowsSql(projectId, 'drift_runs', [run]);
  const res = insertRowsSql(projectId, 'drift_results', results);
  const parts = [
    'BEGIN TRANSACTION;',
    `DELETE FROM ${monitoringTable(projectId, 'drift_runs')} WHERE ${key};`,
    `DELETE FROM ${monitoringTable(projectId, 'drift_results')} WHERE ${key};`,
    `${runs.sql.replace('@rows', '@runs')};`,
    ...(results.length ? [`${res.sql.replace('@rows', '@results')};`] : []),
    'COMMIT TRANSACTION;',
  ];
  return {
    sql: parts.join('\n'),
    params: { shop: run['shop'], run_date: run['run_date'], subject: run['subject'], model: run['model'] ?? null, runs: runs.params['rows'], ...(results.length ? { results: res.params['rows'] } : {}) },
    types: { shop: 'STRING', run_date: 'STRING', subject: 'STRING', model: 'STRING', runs: runs.types['rows']!, ...(results.length ? { results: res.types['rows']! } : {}) },
  };
}

/** Requests that own a run in the window: started a run (not coalesced), not failed, same shop, a model in common; the earliest first. */
const ownersSql = (table: string) => `SELECT o.request_id FROM ${table} AS o
  WHERE o.shop = @shop AND o.requested_at >= CAST(@since AS TIMESTAMP) AND o.run_request_id = o.request_id AND o.status != 'failed'
    AND EXISTS (SELECT 1 FROM UNNEST(o.models) AS m WHERE m IN UNNEST(@models))
  ORDER BY o.requested_at, o.request_id LIMIT 1`;

type Claim = Pick<RetrainRequest, 'request_id' | 'shop' | 'models' | 'trigger' | 'reason' | 'requested_at'>;
const claimParams = (r: Claim, since: string) => ({
  params: { request_id: r.request_id, shop: r.shop, models: r.models, trigger: r.trigger, reason: r.reason, requested_at: r.requested_at, since },
  types: { request_id: 'STRING', shop: 'STRING', models: ['STRING'], trigger: 'STRING', reason: 'STRING', requested_at: 'STRING', since: 'STRING' } as Record<string, ParamType>,
});

/**
 * One DML statement: the request is recorded as coalesced into the window's owner when there is one, else as started;
 * nothing when its request_id is already recorded (a retried delivery).
 */
export function claimRetrainSql(projectId: string, r: Claim, since: string): Statement {
  const table = monitoringTable(projectId, 'retrain_requests');
  const cols = MONITORING_TABLES.retrain_requests.columns.map((x) => c(x.name));
  return {
    sql: `INSERT INTO ${table} (${cols.join(', ')})
WITH owner AS (${ownersSql(table)})
SELECT @request_id, @shop, @models, @trigger, @reason, CAST(@requested_at AS TIMESTAMP),
  CASE WHEN owner.request_id IS NULL THEN 'started' ELSE 'coalesced' END, COALESCE(owner.request_id, @request_id),
  CAST(NULL AS STRING), CAST(NULL AS TIMESTAMP), CAST(NULL AS STRING)
FROM (SELECT 1 AS one) AS one LEFT JOIN owner ON TRUE
WHERE NOT EXISTS (SELECT 1 FROM ${table} AS x WHERE x.request_id = @request_id)`,
    ...claimParams(r, sinceTimestamp(since)),
  };
}

/** The request as stored, and which request owns its window now (read after the claim: concurrent INSERTs do not see each other). */
export function claimReadBackSql(projectId: string, r: Claim, since: string): Statement {
  const table = monitoringTable(projectId, 'retrain_requests');
  return {
    sql: `SELECT ${selectList('retrain_requests', 'r')}, (${ownersSql(table)}) AS window_owner
FROM ${table} AS r WHERE r.request_id = @request_id`,
    ...claimParams(r, sinceTimestamp(since)),
  };
}

/** A request that lost a race (another started its window's run first) joins that run, unless its own run has begun. */
export function joinOwnerSql(projectId: string, requestId: string, owner: string): Statement {
  return {
    sql: `UPDATE ${monitoringTable(projectId, 'retrain_requests')} SET status = 'coalesced', run_request_id = @owner WHERE request_id = @request_id AND status = 'started' AND run_id IS NULL`,
    params: { request_id: requestId, owner },
    types: { request_id: 'STRING', owner: 'STRING' },
  };
}

export function updateRetrainSql(projectId: string, requestId: string, patch: RetrainPatch): Statement {
  const sets = Object.entries(patch).filter(([, v]) => v !== undefined) as Array<[keyof RetrainPatch, string | null]>;
  const assign = sets.map(([k]) => `${c(k)} = ${k === 'finished_at' ? `CAST(@${k} AS TIMESTAMP)` : `@${k}`}`);
  return {
    // SET with nothing to set still tells whether the request exists (affected rows).
    sql: `UPDATE ${monitoringTable(projectId, 'retrain_requests')} SET ${assign.length ? assign.join(', ') : 'request_id = request_id'} WHERE request_id = @request_id`,
    params: { request_id: requestId, ...Object.fromEntries(sets) },
    types: { request_id: 'STRING', ...Object.fromEntries(sets.map(([k]) => [k, 'STRING'])) },
  };
}

const TIME: Record<MonitoringTableName, { column: string; kind: 'timestamp' | 'date'; order: string; model: boolean }> = {
  decisions: { column: 'decided_at', kind: 'timestamp', order: 'decided_at, decision_id', model: true },
  drift_runs: { column: 'run_date', kind: 'date', order: 'run_date, shop, subject, model NULLS FIRST', model: false },
  drift_results: { column: 'run_date', kind: 'date', order: 'run_date, shop, subject, model NULLS FIRST, feature', model: false },
  retrain_requests: { column: 'requested_at', kind: 'timestamp', order: 'requested_at, request_id', model: false },
};

/** A table's rows matching the query, in the port's order. */
export function readSql(projectId: string, t: MonitoringTableName, f: StoreQuery): Statement {
  const time = TIME[t];
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const types: Record<string, ParamType> = {};
  if (f.shop !== undefined) [where[where.length], params['shop'], types['shop']] = ['shop = @shop', f.shop, 'STRING'];
  if (time.model && f.model !== undefined) [where[where.length], params['model'], types['model']] = ['model = @model', f.model, 'STRING'];
  if (f.since !== undefined) {
    const [cast, value] = time.kind === 'date' ? ['DATE', sinceDate(f.since)] : ['TIMESTAMP', sinceTimestamp(f.since)];
    [where[where.length], params['since'], types['since']] = [`${c(time.column)} >= CAST(@since AS ${cast})`, value, 'STRING'];
  }
  return { sql: `SELECT ${selectList(t)} FROM ${monitoringTable(projectId, t)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${time.order}`, params, types };
}

export function deleteShopRowsSql(projectId: string, t: MonitoringTableName, shop: string): Statement {
  return { sql: `DELETE FROM ${monitoringTable(projectId, t)} WHERE shop = @shop`, params: { shop }, types: { shop: 'STRING' } };
}
