// Late deliveries about an already-redacted customer: scrubbed (their orders, refunds of their orders) or dropped (their customer records) before they land, and quarantined bodies that mention them kept without the body.
import type { LandedEvent, QuarantineRecord } from './classify';
import { parseExact } from './json';
import { CUSTOMER_RECORD_TOPICS, scrubOrderPayload } from './privacy';
import type { Warehouse } from '../ports/warehouse';

/** What happens to an event about to land. */
export type LateRedaction = 'keep' | 'scrub' | 'drop';

/** The body a quarantined delivery about a redacted customer keeps (the row stays, so operators see it came). */
export const REDACTED_BODY = '{"redacted":true}';

export interface RedactedIndex {
  /** Customers redacted so far (and how many of their orders are known). */
  readonly size: number;
  /** Records a customers/redact acted on: the customer and every order id the redaction found. */
  add(shop: string, customerId: string, orderIds: readonly string[]): void;
  /** keep, scrub (personal fields removed) or drop (a redacted customer's own record). `customerId` saves a parse when known. */
  decide(e: LandedEvent, customerId?: string | null): LateRedaction;
  /** The event as it may land (scrubbed), or null when it must not land. */
  apply(e: LandedEvent, customerId?: string | null): LandedEvent | null;
  /** A quarantine record whose body mentions a redacted customer or one of their orders loses its body. */
  scrubQuarantine(r: QuarantineRecord): QuarantineRecord;
  /** Whether any of the records would be changed by redaction (the log segments holding them are then purged). */
  touches(e: LandedEvent, customerId?: string | null): boolean;
}

const key = (shop: string, id: string) => `${shop}\u0000${id}`;
const ORDER_TOPIC = /^orders\//;

export function createRedactedIndex(): RedactedIndex {
  const customers = new Set<string>();
  const orders = new Set<string>();
  /** Every redacted id of a shop (customers and orders), to find them mentioned in a quarantined body. */
  const mentioned = new Map<string, Set<string>>();
  const remember = (shop: string, id: string) => {
    let s = mentioned.get(shop);
    if (!s) mentioned.set(shop, (s = new Set()));
    s.add(id);
  };
  const decide = (e: LandedEvent, customerId?: string | null): LateRedaction => {
    if (customers.size === 0 || !mentioned.has(e.shop)) return 'keep';
    const isRecord = (CUSTOMER_RECORD_TOPICS as readonly string[]).includes(e.topic);
    if (!isRecord && !ORDER_TOPIC.test(e.topic) && e.topic !== 'refunds/create') return 'keep';
    let doc: Record<string, unknown> | null = null;
    const field = (path: string[]): string | null => {
      doc ??= (parseExact(e.payload) as Record<string, unknown>) ?? {};
      let v: unknown = doc;
      for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
      return v === undefined || v === null ? null : String(v);
    };
    if (isRecord) return customers.has(key(e.shop, customerId ?? field(['id']) ?? '')) ? 'drop' : 'keep';
    if (ORDER_TOPIC.test(e.topic)) {
      const cid = customerId === undefined ? field(['customer', 'id']) : customerId;
      if (cid && customers.has(key(e.shop, cid))) return 'scrub';
      const oid = field(['id']);
      return oid && orders.has(key(e.shop, oid)) ? 'scrub' : 'keep';
    }
    const oid = field(['order_id']);
    return oid && orders.has(key(e.shop, oid)) ? 'scrub' : 'keep';
  };
  return {
    get size() {
      return customers.size;
    },
    add(shop, customerId, orderIds) {
      customers.add(key(shop, customerId));
      remember(shop, customerId);
      for (const o of orderIds) {
        orders.add(key(shop, o));
        remember(shop, o);
      }
    },
    decide,
    apply(e, customerId) {
      const d = decide(e, customerId);
      if (d === 'keep') return e;
      if (d === 'drop') return null;
      return { ...e, payload: scrubOrderPayload(e.payload) };
    },
    touches: (e, customerId) => decide(e, customerId) !== 'keep',
    scrubQuarantine(r) {
      const ids = mentioned.get(r.shop);
      if (!ids || r.body === REDACTED_BODY) return r;
      const text = r.body_encoding === 'utf8' ? r.body : Buffer.from(r.body, 'base64').toString('latin1');
      // The digits of an id, not inside a longer number (as the warehouses' quarantine redaction matches them).
      for (const m of text.matchAll(/\d+/g)) {
        if (ids.has(m[0])) return { ...r, body: REDACTED_BODY, body_encoding: 'utf8', reason: `${r.reason} (body removed: it is about a redacted customer)` };
      }
      return r;
    },
  };
}

/**
 * The redactions recorded in the privacy audit (the customer and, in `details.orderIds`, the orders each one found).
 * The same SQL reads DuckDB and BigQuery (the job's project holds shop_raw).
 */
export async function loadRedactedIndex(warehouse: Pick<Warehouse, 'query' | 'dialect'>): Promise<RedactedIndex> {
  const index = createRedactedIndex();
  // details is JSON in BigQuery (TO_JSON_STRING; a CAST from JSON is refused) and text in DuckDB.
  const details = warehouse.dialect === 'bigquery' ? 'TO_JSON_STRING(details)' : 'CAST(details AS VARCHAR)';
  const rows = await warehouse.query(`SELECT shop, customer_id, ${details} AS details FROM shop_raw.privacy_audit WHERE action = 'customers/redact' AND customer_id IS NOT NULL`);
  for (const r of rows) {
    let orderIds: string[] = [];
    try {
      const d = parseExact(String(r['details'] ?? '{}')) as { orderIds?: unknown };
      if (Array.isArray(d.orderIds)) orderIds = d.orderIds.map(String);
    } catch {
      /* an audit row written before order ids were recorded: the customer id still matches their orders */
    }
    index.add(String(r['shop']), String(r['customer_id']), orderIds);
  }
  return index;
}
