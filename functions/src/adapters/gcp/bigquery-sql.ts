// Pure builders of the parameterised BigQuery SQL the warehouse adapter runs (golden-checked by tests, never string-spliced values).
import type { LandedEvent, QuarantineRecord } from '../../core/classify';
import { CUSTOMER_RECORD_TOPICS, NESTED_PERSONAL, PERSONAL_ORDER_FIELDS, PRIVACY_REQUEST_TOPICS } from '../../core/privacy';
import { PRIVACY_TOPICS, TOPICS, isPrivacyTopic, type Topic } from '../../core/topics';
import type { CustomerRedaction, PrivacyAuditRow } from '../../ports/warehouse';

/** Parameter type descriptors in the shape @google-cloud/bigquery's `types` option takes. */
export type ParamType = string | ParamType[] | { [field: string]: ParamType };

export interface Statement {
  sql: string;
  params: Record<string, unknown>;
  types: Record<string, ParamType>;
}

export interface TableNames {
  events: string;
  quarantine: string;
  privacyAudit: string;
}

const IDENT = /^[A-Za-z0-9_-]+$/;

/** Fully qualified, backtick-quoted names; project and dataset are validated since identifiers cannot be parameters. */
export function tableNames(projectId: string, dataset: string): TableNames {
  if (!IDENT.test(projectId) || !/^[A-Za-z0-9_]+$/.test(dataset)) throw new Error(`invalid BigQuery project or dataset: ${projectId}.${dataset}`);
  const q = (t: string) => `\`${projectId}.${dataset}.${t}\``;
  return { events: q('events'), quarantine: q('quarantine'), privacyAudit: q('privacy_audit') };
}

/** A derived table (`dataset.table` from core/privacy.ts) fully qualified in the project. */
export function qualified(projectId: string, datasetTable: string): string {
  const [dataset, table] = datasetTable.split('.');
  if (!IDENT.test(projectId) || !dataset || !table || !/^[A-Za-z0-9_]+$/.test(dataset) || !/^[A-Za-z0-9_]+$/.test(table)) throw new Error(`invalid BigQuery table: ${datasetTable}`);
  return `\`${projectId}.${dataset}.${table}\``;
}

/** Rows about the customer in a derived table keyed by customer_id: deleted, or kept without the customer id. */
export function customerRowsSql(table: string, req: CustomerRedaction, treatment: 'delete' | 'anonymize'): Statement {
  assertIds([req.customerId]);
  return {
    sql: treatment === 'delete' ? `DELETE FROM ${table} WHERE shop = @shop AND customer_id = @customer_id` : `UPDATE ${table} SET customer_id = NULL WHERE shop = @shop AND customer_id = @customer_id`,
    params: { shop: req.shop, customer_id: req.customerId },
    types: { shop: 'STRING', customer_id: 'STRING' },
  };
}

/** An event index (no personal fields): the customer's own record events deleted, customer_id cleared on the rest. */
export function unlinkCustomerEventsSql(table: string, req: CustomerRedaction): [Statement, Statement] {
  assertIds([req.customerId]);
  const params = { shop: req.shop, customer_id: req.customerId };
  const types: Record<string, ParamType> = { shop: 'STRING', customer_id: 'STRING' };
  return [
    { sql: `DELETE FROM ${table} WHERE shop = @shop AND topic IN UNNEST(@customer_topics) AND customer_id = @customer_id`, params: { ...params, customer_topics: [...CUSTOMER_RECORD_TOPICS] }, types: { ...types, customer_topics: ['STRING'] } },
    { sql: `UPDATE ${table} SET customer_id = NULL WHERE shop = @shop AND customer_id = @customer_id`, params, types },
  ];
}

/** Base tables of a dataset that have a shop column (for shop/redact; a view holds no rows of its own and refuses DELETE). */
export function tablesWithShopSql(projectId: string, dataset: string): Statement {
  qualified(projectId, `${dataset}.x`);
  const schema = (view: string) => `\`${projectId}.${dataset}.INFORMATION_SCHEMA.${view}\``;
  return {
    sql: `SELECT DISTINCT c.table_name FROM ${schema('COLUMNS')} AS c JOIN ${schema('TABLES')} AS t USING (table_name) WHERE c.column_name = 'shop' AND t.table_type = 'BASE TABLE' ORDER BY c.table_name`,
    params: {},
    types: {},
  };
}

/** Topics whose payload is an order (its `id` is the order id, `customer.id` its customer). */
export const ORDER_TOPICS: Topic[] = TOPICS.filter((t) => t.startsWith('orders/'));
/** Topics whose payload is the customer record itself (deleted on redaction). */
export const CUSTOMER_TOPICS: Topic[] = TOPICS.filter((t) => t.startsWith('customers/') && !isPrivacyTopic(t));
export const REFUND_TOPIC: Topic = 'refunds/create';

const EVENT_STRUCT = { shop: 'STRING', topic: 'STRING', webhook_id: 'STRING', event_id: 'STRING', api_version: 'STRING', triggered_at: 'STRING', received_at: 'STRING', payload: 'STRING' };
const QUARANTINE_STRUCT = {
  quarantine_id: 'STRING', quarantined_at: 'STRING', shop: 'STRING', topic: 'STRING', webhook_id: 'STRING', event_id: 'STRING', api_version: 'STRING',
  triggered_at: 'STRING', received_at: 'STRING', reason: 'STRING', body: 'STRING', body_encoding: 'STRING',
};

/** ISO-8601 with milliseconds and Z, as JavaScript's toISOString writes it. */
export const ISO = "'%Y-%m-%dT%H:%M:%E3SZ'";
const iso = (col: string) => `FORMAT_TIMESTAMP(${ISO}, ${col}, 'UTC')`;

/**
 * Idempotent landing: rows whose webhook id, or (shop, topic, event id), is already in the table, or
 * repeated earlier in the same batch, are skipped. numDmlAffectedRows is the number inserted.
 */
export function landEventsSql(t: TableNames, events: LandedEvent[]): Statement {
  const sql = `INSERT INTO ${t.events} (shop, topic, webhook_id, event_id, api_version, triggered_at, received_at, payload)
SELECT e.shop, e.topic, e.webhook_id, e.event_id, e.api_version, TIMESTAMP(e.triggered_at), TIMESTAMP(e.received_at), PARSE_JSON(e.payload)
FROM UNNEST(@events) AS e
WHERE NOT EXISTS (SELECT 1 FROM ${t.events} AS x WHERE x.webhook_id = e.webhook_id)
  AND (e.event_id IS NULL OR NOT EXISTS (SELECT 1 FROM ${t.events} AS x WHERE x.shop = e.shop AND x.topic = e.topic AND x.event_id = e.event_id))
QUALIFY ROW_NUMBER() OVER (PARTITION BY e.webhook_id ORDER BY e.received_at) = 1
  AND (e.event_id IS NULL OR ROW_NUMBER() OVER (PARTITION BY e.shop, e.topic, e.event_id ORDER BY e.received_at, e.webhook_id) = 1)`;
  const rows = events.map((e) => ({
    shop: e.shop,
    topic: e.topic,
    webhook_id: e.webhook_id,
    event_id: e.event_id,
    api_version: e.api_version,
    triggered_at: e.triggered_at,
    received_at: e.received_at,
    payload: e.payload,
  }));
  return { sql, params: { events: rows }, types: { events: [EVENT_STRUCT] } };
}

export function insertQuarantineSql(t: TableNames, records: Array<QuarantineRecord & { quarantine_id: string; quarantined_at: string }>): Statement {
  const sql = `INSERT INTO ${t.quarantine} (quarantine_id, quarantined_at, replayed_at, shop, topic, webhook_id, event_id, api_version, triggered_at, received_at, reason, body, body_encoding)
SELECT r.quarantine_id, TIMESTAMP(r.quarantined_at), CAST(NULL AS TIMESTAMP), r.shop, r.topic, r.webhook_id, r.event_id, r.api_version, TIMESTAMP(r.triggered_at), TIMESTAMP(r.received_at), r.reason, r.body, r.body_encoding
FROM UNNEST(@records) AS r`;
  const rows = records.map((r) => ({
    quarantine_id: r.quarantine_id,
    quarantined_at: r.quarantined_at,
    shop: r.shop,
    topic: r.topic,
    webhook_id: r.webhook_id,
    event_id: r.event_id,
    api_version: r.api_version,
    triggered_at: r.triggered_at,
    received_at: r.received_at,
    reason: r.reason,
    body: r.body,
    body_encoding: r.body_encoding,
  }));
  return { sql, params: { records: rows }, types: { records: [QUARANTINE_STRUCT] } };
}

const QUARANTINE_COLUMNS = `q.quarantine_id, ${iso('q.quarantined_at')} AS quarantined_at, ${iso('q.replayed_at')} AS replayed_at, q.shop, q.topic, q.webhook_id, q.event_id, q.api_version,
  ${iso('q.triggered_at')} AS triggered_at, ${iso('q.received_at')} AS received_at, q.reason, q.body, q.body_encoding`;

export function listQuarantineSql(t: TableNames, opts: { includeReplayed?: boolean; ids?: string[] } = {}): Statement {
  const sql = `SELECT ${QUARANTINE_COLUMNS}
FROM ${t.quarantine} AS q
WHERE (@include_replayed OR q.replayed_at IS NULL)
  AND (ARRAY_LENGTH(@ids) = 0 OR q.quarantine_id IN UNNEST(@ids))
ORDER BY q.quarantined_at, q.quarantine_id`;
  return { sql, params: { include_replayed: opts.includeReplayed ?? false, ids: opts.ids ?? [] }, types: { include_replayed: 'BOOL', ids: ['STRING'] } };
}

export function countQuarantineSql(t: TableNames): Statement {
  return { sql: `SELECT COUNT(*) AS n FROM ${t.quarantine} WHERE replayed_at IS NULL`, params: {}, types: {} };
}

export function markReplayedSql(t: TableNames, ids: string[], at: string): Statement {
  return {
    sql: `UPDATE ${t.quarantine} SET replayed_at = TIMESTAMP(@at) WHERE quarantine_id IN UNNEST(@ids)`,
    params: { ids, at },
    types: { ids: ['STRING'], at: 'STRING' },
  };
}

/** Ids go into regular expressions below, so only decimal ids are accepted. */
function assertIds(ids: string[]): void {
  for (const id of ids) if (!/^\d+$/.test(id)) throw new Error(`not a decimal Shopify id: ${JSON.stringify(id)}`);
}

/** Order ids of the request plus those of the shop's order events that belong to the customer. */
export function customerOrderIdsSql(t: TableNames, req: CustomerRedaction): Statement {
  assertIds([req.customerId, ...req.orderIds]);
  return {
    sql: `SELECT DISTINCT JSON_VALUE(x.payload, '$.id') AS order_id
FROM ${t.events} AS x
WHERE x.shop = @shop AND x.topic IN UNNEST(@order_topics) AND JSON_VALUE(x.payload, '$.customer.id') = @customer_id`,
    params: { shop: req.shop, order_topics: ORDER_TOPICS, customer_id: req.customerId },
    types: { shop: 'STRING', order_topics: ['STRING'], customer_id: 'STRING' },
  };
}

export function deleteCustomerEventsSql(t: TableNames, req: CustomerRedaction): Statement {
  assertIds([req.customerId]);
  return {
    sql: `DELETE FROM ${t.events} WHERE shop = @shop AND topic IN UNNEST(@customer_topics) AND JSON_VALUE(payload, '$.id') = @customer_id`,
    params: { shop: req.shop, customer_topics: CUSTOMER_TOPICS, customer_id: req.customerId },
    types: { shop: 'STRING', customer_topics: ['STRING'], customer_id: 'STRING' },
  };
}

/** JSON paths are SQL literals built from the constant field lists (never from input). */
export function scrubExpression(col: string): string {
  const top = PERSONAL_ORDER_FIELDS.map((f) => `'$.${f}'`).join(', ');
  let expr = `JSON_REMOVE(${col}, ${top})`;
  for (const [arr, fields] of Object.entries(NESTED_PERSONAL)) {
    const paths = fields.map((f) => `'$.${f}'`).join(', ');
    const rebuilt = `TO_JSON(ARRAY(SELECT JSON_REMOVE(item, ${paths}) FROM UNNEST(JSON_QUERY_ARRAY(${col}, '$.${arr}')) AS item WITH OFFSET AS pos ORDER BY pos))`;
    expr = `IF(JSON_TYPE(${col}.${arr}) = 'array', JSON_SET(${expr}, '$.${arr}', ${rebuilt}), ${expr})`;
  }
  return `JSON_SET(${expr}, '$.redacted', TRUE)`;
}

/** Scrubs the customer's order events (by customer id or order id) and the refunds of those orders. */
export function scrubOrderEventsSql(t: TableNames, req: CustomerRedaction, orderIds: string[]): Statement {
  assertIds([req.customerId, ...orderIds]);
  return {
    sql: `UPDATE ${t.events} SET payload = ${scrubExpression('payload')}
WHERE shop = @shop
  AND ((topic IN UNNEST(@order_topics) AND (JSON_VALUE(payload, '$.customer.id') = @customer_id OR JSON_VALUE(payload, '$.id') IN UNNEST(@order_ids)))
    OR (topic = @refund_topic AND JSON_VALUE(payload, '$.order_id') IN UNNEST(@order_ids)))`,
    params: { shop: req.shop, order_topics: ORDER_TOPICS, customer_id: req.customerId, order_ids: orderIds, refund_topic: REFUND_TOPIC },
    types: { shop: 'STRING', order_topics: ['STRING'], customer_id: 'STRING', order_ids: ['STRING'], refund_topic: 'STRING' },
  };
}

/** Privacy requests about the customer keep only the customer's id once acted on (as scrubPrivacyPayload does). */
export function scrubPrivacyRequestsSql(t: TableNames, req: CustomerRedaction): Statement {
  assertIds([req.customerId]);
  return {
    sql: `UPDATE ${t.events} SET payload = JSON_SET(JSON_SET(payload, '$.customer', JSON_OBJECT('id', JSON_QUERY(payload, '$.customer.id'))), '$.redacted', TRUE)
WHERE shop = @shop AND topic IN UNNEST(@privacy_topics) AND JSON_VALUE(payload, '$.customer.id') = @customer_id`,
    params: { shop: req.shop, privacy_topics: [...PRIVACY_REQUEST_TOPICS], customer_id: req.customerId },
    types: { shop: 'STRING', privacy_topics: ['STRING'], customer_id: 'STRING' },
  };
}

/** A quarantined body mentions an id when the digits appear not embedded in a longer number. */
const MENTIONS = (col: string) => `EXISTS (SELECT 1 FROM UNNEST(@needles) AS n WHERE REGEXP_CONTAINS(${col}, CONCAT('(^|[^0-9])', n, '([^0-9]|$)')))`;

export function deleteCustomerQuarantineSql(t: TableNames, req: CustomerRedaction, orderIds: string[]): Statement {
  const needles = [req.customerId, ...orderIds];
  assertIds(needles);
  return {
    sql: `DELETE FROM ${t.quarantine} WHERE shop = @shop AND body_encoding = 'utf8' AND ${MENTIONS('body')}`,
    params: { shop: req.shop, needles },
    types: { shop: 'STRING', needles: ['STRING'] },
  };
}

export function deleteShopSql(table: string, shop: string): Statement {
  return { sql: `DELETE FROM ${table} WHERE shop = @shop`, params: { shop }, types: { shop: 'STRING' } };
}

/** The raw events of a shop, but the shop/redact requests (shop id and domain only): they stay as the record of what is pending until audited. */
export function deleteShopEventsSql(t: TableNames, shop: string): Statement {
  return { sql: `DELETE FROM ${t.events} WHERE shop = @shop AND topic <> 'shop/redact'`, params: { shop }, types: { shop: 'STRING' } };
}

export function exportCustomerEventsSql(t: TableNames, req: CustomerRedaction, orderIds: string[]): Statement {
  assertIds([req.customerId, ...orderIds]);
  return {
    sql: `SELECT shop, topic, webhook_id, event_id, api_version, ${iso('triggered_at')} AS triggered_at, ${iso('received_at')} AS received_at, TO_JSON_STRING(payload) AS payload
FROM ${t.events}
WHERE shop = @shop
  AND ((topic IN UNNEST(@customer_topics) AND JSON_VALUE(payload, '$.id') = @customer_id)
    OR (topic IN UNNEST(@order_topics) AND (JSON_VALUE(payload, '$.customer.id') = @customer_id OR JSON_VALUE(payload, '$.id') IN UNNEST(@order_ids)))
    OR (topic = @refund_topic AND JSON_VALUE(payload, '$.order_id') IN UNNEST(@order_ids)))
ORDER BY received_at, webhook_id`,
    params: { shop: req.shop, customer_topics: CUSTOMER_TOPICS, order_topics: ORDER_TOPICS, customer_id: req.customerId, order_ids: orderIds, refund_topic: REFUND_TOPIC },
    types: { shop: 'STRING', customer_topics: ['STRING'], order_topics: ['STRING'], customer_id: 'STRING', order_ids: ['STRING'], refund_topic: 'STRING' },
  };
}

export function exportCustomerQuarantineSql(t: TableNames, req: CustomerRedaction, orderIds: string[]): Statement {
  const needles = [req.customerId, ...orderIds];
  assertIds(needles);
  return {
    sql: `SELECT ${QUARANTINE_COLUMNS}
FROM ${t.quarantine} AS q
WHERE q.shop = @shop AND q.body_encoding = 'utf8' AND ${MENTIONS('q.body')}
ORDER BY q.quarantined_at, q.quarantine_id`,
    params: { shop: req.shop, needles },
    types: { shop: 'STRING', needles: ['STRING'] },
  };
}

export function exportCustomerAuditSql(t: TableNames, req: CustomerRedaction): Statement {
  return {
    sql: `SELECT audit_id, shop, action, customer_id, webhook_id, ${iso('requested_at')} AS requested_at, ${iso('completed_at')} AS completed_at, details
FROM ${t.privacyAudit}
WHERE shop = @shop AND customer_id = @customer_id
ORDER BY completed_at, audit_id`,
    params: { shop: req.shop, customer_id: req.customerId },
    types: { shop: 'STRING', customer_id: 'STRING' },
  };
}

/** Idempotent: Pub/Sub redelivers, and the scheduled retry may act on a request the worker finished meanwhile. */
export function insertPrivacyAuditSql(t: TableNames, row: PrivacyAuditRow): Statement {
  return {
    sql: `INSERT INTO ${t.privacyAudit} (audit_id, shop, action, customer_id, webhook_id, requested_at, completed_at, details)
SELECT @audit_id, @shop, @action, @customer_id, @webhook_id, TIMESTAMP(@requested_at), TIMESTAMP(@completed_at), PARSE_JSON(@details)
FROM (SELECT 1) WHERE NOT EXISTS (SELECT 1 FROM ${t.privacyAudit} AS a WHERE a.webhook_id = @webhook_id)`,
    params: { ...row },
    types: { audit_id: 'STRING', shop: 'STRING', action: 'STRING', customer_id: 'STRING', webhook_id: 'STRING', requested_at: 'STRING', completed_at: 'STRING', details: 'STRING' },
  };
}

/**
 * Privacy requests in the raw table (at least once: one row per webhook id) received before @received_before with no
 * audit row for their webhook id: what the scheduled retry acts on until each is honoured.
 */
export function pendingPrivacyRequestsSql(t: TableNames, receivedBefore: string): Statement {
  return {
    sql: `SELECT e.shop, e.topic, e.webhook_id, e.event_id, e.api_version, ${iso('e.triggered_at')} AS triggered_at, ${iso('e.received_at')} AS received_at, TO_JSON_STRING(e.payload) AS payload
FROM ${t.events} AS e
WHERE e.topic IN UNNEST(@privacy_topics) AND e.received_at < TIMESTAMP(@received_before)
  AND NOT EXISTS (SELECT 1 FROM ${t.privacyAudit} AS a WHERE a.webhook_id = e.webhook_id)
QUALIFY ROW_NUMBER() OVER (PARTITION BY e.webhook_id ORDER BY e.received_at) = 1
ORDER BY received_at, webhook_id`,
    params: { privacy_topics: [...PRIVACY_TOPICS], received_before: receivedBefore },
    types: { privacy_topics: ['STRING'], received_before: 'STRING' },
  };
}

/** The privacy audit's redactions as the late scrub matches them: the customer and the order ids each one found (details.orderIds). */
const REDACTIONS = (t: TableNames) => `(SELECT a.shop, a.customer_id, IFNULL(JSON_VALUE_ARRAY(a.details, '$.orderIds'), []) AS order_ids FROM ${t.privacyAudit} AS a WHERE a.action = 'customers/redact' AND a.customer_id IS NOT NULL)`;
const WINDOW = `received_at >= TIMESTAMP(@since) AND received_at < TIMESTAMP(@until)`;
const windowParams = (since: string, until: string) => ({ params: { since, until }, types: { since: 'STRING', until: 'STRING' } as Record<string, ParamType> });

/**
 * Served predictions about already-redacted customers that the prediction log's BigQuery subscription landed after the
 * redaction's DELETE (answers published while it ran), served in [@since, @until): deleted, as the redaction would.
 * `predictionLog` is `qualified(project, 'shop_predictions.prediction_log')`.
 */
export function scrubLatePredictionLogSql(t: TableNames, predictionLog: string, since: string, until: string): Statement {
  const w = windowParams(since, until);
  return {
    sql: `DELETE FROM ${predictionLog} AS l
WHERE l.served_at >= TIMESTAMP(@since) AND l.served_at < TIMESTAMP(@until)
  AND EXISTS (SELECT 1 FROM ${REDACTIONS(t)} AS r WHERE r.shop = l.shop AND r.customer_id = l.customer_id)`,
    ...w,
  };
}

/**
 * Late deliveries about already-redacted customers, landed as sent by the BigQuery subscription (received in
 * [@since, @until): recent, but past the streaming buffer): their customer records deleted, their orders and the
 * refunds of their orders scrubbed as the redaction would, and quarantined bodies mentioning them replaced. Run by
 * the scheduled privacy retry; staging already anti-joins on the audit (events_dedup).
 */
export function scrubLateDeliveriesSql(t: TableNames, since: string, until: string): Statement[] {
  const w = windowParams(since, until);
  return [
    {
      sql: `DELETE FROM ${t.events} AS e
WHERE e.${WINDOW} AND e.topic IN UNNEST(@customer_topics)
  AND EXISTS (SELECT 1 FROM ${REDACTIONS(t)} AS r WHERE r.shop = e.shop AND r.customer_id = JSON_VALUE(e.payload, '$.id'))`,
      params: { ...w.params, customer_topics: CUSTOMER_TOPICS },
      types: { ...w.types, customer_topics: ['STRING'] },
    },
    {
      sql: `UPDATE ${t.events} AS e SET payload = ${scrubExpression('e.payload')}
WHERE e.${WINDOW} AND IFNULL(JSON_VALUE(e.payload, '$.redacted'), 'false') != 'true'
  AND EXISTS (SELECT 1 FROM ${REDACTIONS(t)} AS r WHERE r.shop = e.shop
    AND ((e.topic IN UNNEST(@order_topics) AND (r.customer_id = JSON_VALUE(e.payload, '$.customer.id') OR JSON_VALUE(e.payload, '$.id') IN UNNEST(r.order_ids)))
      OR (e.topic = @refund_topic AND JSON_VALUE(e.payload, '$.order_id') IN UNNEST(r.order_ids))))`,
      params: { ...w.params, order_topics: ORDER_TOPICS, refund_topic: REFUND_TOPIC },
      types: { ...w.types, order_topics: ['STRING'], refund_topic: 'STRING' },
    },
    {
      sql: `UPDATE ${t.quarantine} AS q SET body = @redacted_body, reason = CONCAT(q.reason, ' (body removed: it is about a redacted customer)')
WHERE q.${WINDOW} AND q.body_encoding = 'utf8' AND q.body != @redacted_body
  AND EXISTS (SELECT 1 FROM ${REDACTIONS(t)} AS r, UNNEST(ARRAY_CONCAT([r.customer_id], r.order_ids)) AS n
    WHERE r.shop = q.shop AND REGEXP_CONTAINS(q.body, CONCAT('(^|[^0-9])', n, '([^0-9]|$)')))`,
      params: { ...w.params, redacted_body: '{"redacted":true}' },
      types: { ...w.types, redacted_body: 'STRING' },
    },
  ];
}
