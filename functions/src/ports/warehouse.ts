// Port: the analytical store (DuckDB embedded, BigQuery in the cloud): raw landing, quarantine, privacy actions, queries.
import type { LandedEvent, QuarantineRecord } from '../core/classify';

export type Row = Record<string, unknown>;

export interface LandResult {
  inserted: number;
  /** Deliveries skipped because their webhook id, or their (shop, topic, event id), had already landed. */
  duplicates: number;
}

export interface StoredQuarantine extends QuarantineRecord {
  quarantine_id: string;
  quarantined_at: string;
  replayed_at: string | null;
}

export interface CustomerRedaction {
  shop: string;
  customerId: string;
  orderIds: string[];
}

export interface RedactionResult {
  /** Rows removed or scrubbed, per table. */
  tables: Record<string, { deleted: number; scrubbed: number }>;
  /** customers/redact: every order id of the customer the redaction found (recorded in the audit, so late deliveries about them are scrubbed). */
  orderIds?: string[];
}

export interface PrivacyAuditRow {
  audit_id: string;
  shop: string;
  action: 'customers/redact' | 'shop/redact' | 'customers/data_request';
  customer_id: string | null;
  webhook_id: string;
  requested_at: string;
  completed_at: string;
  details: string;
}

export interface Warehouse {
  readonly dialect: 'duckdb' | 'bigquery';
  /**
   * Idempotent landing: a webhook id, or a (shop, topic, event id), that has already landed is skipped. `bodies`, when
   * given, holds each event's payload as the UTF-8 bytes it was received as (null where the payload text differs),
   * so an adapter can land bytes without re-encoding text.
   */
  landEvents(events: LandedEvent[], bodies?: readonly (Uint8Array | null)[]): Promise<LandResult>;
  quarantine(records: QuarantineRecord[]): Promise<void>;
  listQuarantine(opts?: { includeReplayed?: boolean; ids?: string[] }): Promise<StoredQuarantine[]>;
  markReplayed(ids: string[], at: string): Promise<void>;
  /** Deliveries waiting in quarantine (not replayed): the `shop_mlops_quarantine_records` gauge in both worlds. */
  countQuarantine(): Promise<number>;
  /** Deletes the customer's own records and scrubs personal fields from their order events (line items are kept). */
  redactCustomer(req: CustomerRedaction): Promise<RedactionResult>;
  redactShop(shop: string): Promise<RedactionResult>;
  /** Everything held on the customer, table by table, for a data request. */
  exportCustomer(req: CustomerRedaction): Promise<Record<string, Row[]>>;
  /**
   * Called once after a batch of redactions (the loader, the privacy retry): an adapter whose files keep deleted values
   * physically (DuckDB: deletion masks, freed blocks, the WAL) rewrites them here. Until then a redaction owes it (the
   * next landing commit pays it). Adapters without such files omit it.
   */
  compactAfterRedaction?(): Promise<void>;
  /** Idempotent: a second row for the same webhook id is not added. */
  recordPrivacyAction(row: PrivacyAuditRow): Promise<void>;
  /**
   * Privacy requests landed (received before `receivedBefore`, ISO) with no audit row for their webhook id yet: kept in
   * the raw table until honoured, so a failed one is retried on a schedule, never dropped. One per webhook id.
   */
  pendingPrivacyRequests(receivedBefore: string): Promise<LandedEvent[]>;
  /**
   * Raw tables that receive deliveries without the loader (BigQuery, through its subscriptions): late deliveries
   * received in [since, until) about customers already redacted are scrubbed as the redaction would have (the embedded
   * loader does this before landing, so the DuckDB adapter omits it).
   */
  scrubLateDeliveries?(since: string, until: string): Promise<RedactionResult>;
  /** Read-only SQL in the warehouse's dialect; 64-bit integers come back as strings. */
  query(sql: string): Promise<Row[]>;
  close(): Promise<void>;
}
