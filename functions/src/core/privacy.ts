// Privacy redaction rules in one place: which fields of an order are personal and which tables hold customer data.
import { parseLossless, stringifyLossless } from './json';

/** Top-level order fields that identify a person; line items, prices and ids stay so demand history survives. */
export const PERSONAL_ORDER_FIELDS = [
  'customer',
  'email',
  'contact_email',
  'phone',
  'billing_address',
  'shipping_address',
  'browser_ip',
  'client_details',
  'note',
  'note_attributes',
  'customer_locale',
  'landing_site',
  'referring_site',
  'order_status_url',
  'token',
  'cart_token',
  'checkout_token',
] as const;

/** Personal fields nested in arrays of an order (fulfillment destinations, shipping-line phones). */
export const NESTED_PERSONAL: Record<string, readonly string[]> = {
  fulfillments: ['destination', 'tracking_urls', 'tracking_numbers'],
  shipping_lines: ['phone'],
};

/** Removes personal fields from an order payload, keeping every other byte's meaning (ids stay exact). */
export function scrubOrderPayload(text: string): string {
  const doc = parseLossless(text) as Record<string, unknown>;
  for (const f of PERSONAL_ORDER_FIELDS) delete doc[f];
  for (const [arr, fields] of Object.entries(NESTED_PERSONAL)) {
    const items = doc[arr];
    if (Array.isArray(items)) for (const it of items) if (it && typeof it === 'object') for (const f of fields) delete (it as Record<string, unknown>)[f];
  }
  doc['redacted'] = true;
  return stringifyLossless(doc);
}

/** Privacy-request payloads of a customer keep only the customer's id once acted on. */
export function scrubPrivacyPayload(text: string): string {
  const doc = parseLossless(text) as Record<string, unknown>;
  const c = doc['customer'];
  if (c && typeof c === 'object') doc['customer'] = { id: (c as Record<string, unknown>)['id'] };
  doc['redacted'] = true;
  return stringifyLossless(doc);
}

/** Scrubs a landed payload: privacy requests keep the customer id; orders and refunds lose their personal fields. */
export function scrubPayload(topic: string, text: string): string {
  return (PRIVACY_REQUEST_TOPICS as readonly string[]).includes(topic) ? scrubPrivacyPayload(text) : scrubOrderPayload(text);
}

/** Privacy requests that name a customer (their payloads are reduced to the customer id on redaction). */
export const PRIVACY_REQUEST_TOPICS = ['customers/redact', 'customers/data_request'] as const;

/** Topics whose events are the customer's own record and are deleted on customers/redact. */
export const CUSTOMER_RECORD_TOPICS = ['customers/create', 'customers/update'] as const;

/** How the redaction path treats a table's rows about a redacted customer. */
export type CustomerDataTreatment =
  /** delete the customer's own records and scrub personal fields from their events' payloads */
  | 'scrub'
  /** delete the rows about the customer */
  | 'delete'
  /** keep the rows (demand history) but set customer_id to NULL */
  | 'anonymize'
  /** an event index holding no personal fields: delete the customer's own record events, set customer_id to NULL on the rest */
  | 'unlink'
  /** keep: the record that a request was honoured (ids only) */
  | 'retain';

/**
 * Every warehouse table that can hold a customer's data and how the redaction path treats it; both warehouse
 * adapters act on this list. test/embedded/privacy-coverage.test.ts builds every table (features included) and
 * fails when one with a customer, email, phone, payload or body column is missing here.
 */
export const CUSTOMER_DATA_TABLES: Record<string, { customers: CustomerDataTreatment; why: string }> = {
  'shop_raw.events': { customers: 'scrub', why: 'customer topics deleted; the customer\'s orders, refunds and privacy requests scrubbed of personal fields' },
  'shop_raw.quarantine': { customers: 'delete', why: 'quarantined bodies that mention the customer or their orders are deleted' },
  'shop_raw.privacy_audit': { customers: 'retain', why: 'the record that a request was honoured (ids only, no personal fields)' },
  'shop_staging.events_dedup': { customers: 'unlink', why: 'parsed events without personal fields (email/phone only as flags): the customer\'s record events deleted, their orders and requests kept without the customer id' },
  'shop_staging.orders': { customers: 'anonymize', why: 'orders stay for demand history, without the customer id' },
  'shop_staging.order_lines': { customers: 'anonymize', why: 'lines stay for demand history, without the customer id' },
  'shop_staging.order_values': { customers: 'anonymize', why: 'order values stay (order history), without the customer id' },
  'shop_staging.order_versions': { customers: 'anonymize', why: 'the order ledger stays (co-purchase history), without the customer id' },
  'shop_staging.customer_days': { customers: 'delete', why: 'the customer\'s purchase days' },
  'shop_staging.customers': { customers: 'delete', why: 'the customer record' },
  'shop_features.customer_rfm': { customers: 'delete', why: 'features about the customer' },
  'shop_features.customer_labels': { customers: 'delete', why: 'labels about the customer' },
  'shop_features.customer_catalog_mix': { customers: 'delete', why: 'catalog features about the customer (products bought, price band, re-buy affinity)' },
  'shop_predictions.customer_clv': { customers: 'delete', why: 'batch scores about the customer (CLV, P(alive), next order)' },
  'shop_predictions.customer_propensity': { customers: 'delete', why: 'batch scores about the customer (repeat propensity and decision)' },
  'shop_predictions.prediction_log': { customers: 'delete', why: 'served predictions about or for the customer (their exposures leave the A/B analysis with them)' },
  'shop_monitoring.prediction_outcomes': { customers: 'delete', why: 'the customer\'s served predictions joined with their orders (the daily counts built from them hold no customer)' },
};

/** Tables of a redaction treatment, outside the raw landing schema (which the adapters handle first). */
export function derivedTables(treatment: CustomerDataTreatment): string[] {
  return Object.entries(CUSTOMER_DATA_TABLES)
    .filter(([t, v]) => v.customers === treatment && !t.startsWith('shop_raw.'))
    .map(([t]) => t);
}
