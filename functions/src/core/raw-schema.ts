// The raw landing tables, one definition for DuckDB DDL, the BigQuery Terraform schemas and the contract docs.

export type ColumnType = 'STRING' | 'TIMESTAMP' | 'JSON';
export interface Column {
  name: string;
  type: ColumnType;
  mode: 'REQUIRED' | 'NULLABLE';
  description: string;
}

export const RAW_TABLES: Record<'events' | 'quarantine' | 'privacy_audit', Column[]> = {
  events: [
    { name: 'shop', type: 'STRING', mode: 'REQUIRED', description: 'X-Shopify-Shop-Domain' },
    { name: 'topic', type: 'STRING', mode: 'REQUIRED', description: 'X-Shopify-Topic, e.g. orders/create' },
    { name: 'webhook_id', type: 'STRING', mode: 'REQUIRED', description: 'X-Shopify-Webhook-Id: unique per delivery' },
    { name: 'event_id', type: 'STRING', mode: 'NULLABLE', description: 'X-Shopify-Event-Id: shared by deliveries of one merchant action' },
    { name: 'api_version', type: 'STRING', mode: 'REQUIRED', description: 'X-Shopify-API-Version' },
    { name: 'triggered_at', type: 'TIMESTAMP', mode: 'NULLABLE', description: 'X-Shopify-Triggered-At' },
    { name: 'received_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'when our endpoint accepted the delivery' },
    { name: 'payload', type: 'JSON', mode: 'REQUIRED', description: 'the body exactly as Shopify sent it (64-bit ids exact)' },
  ],
  quarantine: [
    { name: 'quarantine_id', type: 'STRING', mode: 'REQUIRED', description: 'id of the quarantine entry' },
    { name: 'quarantined_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'when it was quarantined' },
    { name: 'replayed_at', type: 'TIMESTAMP', mode: 'NULLABLE', description: 'when a replay landed it (null while quarantined)' },
    { name: 'shop', type: 'STRING', mode: 'REQUIRED', description: 'X-Shopify-Shop-Domain' },
    { name: 'topic', type: 'STRING', mode: 'REQUIRED', description: 'X-Shopify-Topic' },
    { name: 'webhook_id', type: 'STRING', mode: 'REQUIRED', description: 'X-Shopify-Webhook-Id' },
    { name: 'event_id', type: 'STRING', mode: 'NULLABLE', description: 'X-Shopify-Event-Id' },
    { name: 'api_version', type: 'STRING', mode: 'REQUIRED', description: 'X-Shopify-API-Version' },
    { name: 'triggered_at', type: 'TIMESTAMP', mode: 'NULLABLE', description: 'X-Shopify-Triggered-At' },
    { name: 'received_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'when our endpoint accepted the delivery' },
    { name: 'reason', type: 'STRING', mode: 'REQUIRED', description: 'why it was not accepted (unknown_topic, invalid_json, schema, load_failed)' },
    { name: 'body', type: 'STRING', mode: 'REQUIRED', description: 'the body as sent (UTF-8 text, or base64)' },
    { name: 'body_encoding', type: 'STRING', mode: 'REQUIRED', description: 'utf8 or base64' },
  ],
  privacy_audit: [
    { name: 'audit_id', type: 'STRING', mode: 'REQUIRED', description: 'id of the audit entry' },
    { name: 'shop', type: 'STRING', mode: 'REQUIRED', description: 'shop the request is for' },
    { name: 'action', type: 'STRING', mode: 'REQUIRED', description: 'customers/redact, shop/redact or customers/data_request' },
    { name: 'customer_id', type: 'STRING', mode: 'NULLABLE', description: 'the customer concerned (null for shop/redact)' },
    { name: 'webhook_id', type: 'STRING', mode: 'REQUIRED', description: 'the delivery that asked for it' },
    { name: 'requested_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'when Shopify triggered the request' },
    { name: 'completed_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'when we completed it' },
    { name: 'details', type: 'JSON', mode: 'REQUIRED', description: 'rows deleted/scrubbed per table, or the export location' },
  ],
};

const DUCK_TYPES: Record<ColumnType, string> = { STRING: 'VARCHAR', TIMESTAMP: 'TIMESTAMPTZ', JSON: 'JSON' };

export function duckdbCreateTable(schema: string, table: keyof typeof RAW_TABLES): string {
  const cols = RAW_TABLES[table].map((c) => `${c.name} ${DUCK_TYPES[c.type]}${c.mode === 'REQUIRED' ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${schema}.${table} (${cols.join(', ')})`;
}
