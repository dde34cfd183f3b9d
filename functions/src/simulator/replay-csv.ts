// Replays a UCI "Online Retail" CSV as Shopify webhooks: invoices → orders/create, C invoices → refunds/create, in one pass.
import { csvRecords, type CsvSource } from './csv-records';
import type { PlannedDelivery } from './delivery';
import { gid, idFromKey, uuidFromKey } from './ids';
import { cleanText, jsonId, jsonIdOrNull, toJsonText } from './json-text';
import { formatCents, microsToCents, moneySet, parseCents, parseMicros } from './money';
import { assertTimeZone, formatShopifyTime, fromLocal } from './zoned-time';

export interface ReplayOptions {
  shop?: string;
  /** Zone the InvoiceDate wall-clock times are read in. Default UTC. */
  timezone?: string;
  currency?: string;
  /** Rows an invoice may stay open after its last row (invoices are nearly contiguous). Default 5000. */
  windowRows?: number;
}

/**
 * Non-product stock codes (fees, postage, manual adjustments, samples, charity, discounts), compared case-insensitively.
 * Every other StockCode is a product. The list is UCI Online Retail's: POST postage, DOT dotcom postage, M/m manual,
 * BANK CHARGES, C2 carriage, PADS pads to match all cushions, CRUK commission, D discount, AMAZONFEE, B bad-debt
 * adjustment, S samples.
 */
export const NON_PRODUCT_STOCK_CODES: ReadonlySet<string> = new Set(['POST', 'DOT', 'M', 'BANK CHARGES', 'C2', 'PADS', 'CRUK', 'D', 'AMAZONFEE', 'B', 'S']);

export function isNonProductCode(stockCode: string): boolean {
  return NON_PRODUCT_STOCK_CODES.has(stockCode.trim().toUpperCase());
}

export type SkipReason =
  | 'invalid_row'
  | 'negative_quantity'
  | 'zero_quantity'
  | 'negative_price'
  | 'cancellation_positive_quantity'
  | 'cancellation_guest'
  | 'cancellation_no_matching_order'
  | 'cancellation_nothing_left_to_refund'
  | 'invoice_reopened_after_window';

export interface ReplayReport {
  rows: number;
  invoices: number;
  orders: number;
  guestOrders: number;
  zeroValueOrders: number;
  customers: number;
  refunds: number;
  /** Rows turned into each kind of line. */
  rowsTo: { product_line: number; non_product_line: number; refund_line: number };
  /** Refund rows whose quantity was cut to what remained unrefunded. */
  cappedRefundRows: number;
  skipped: Partial<Record<SkipReason, number>>;
  skippedRows: number;
  events: Record<string, number>;
  firstDate: string | null;
  lastDate: string | null;
}

interface Row {
  index: number;
  invoiceNo: string;
  stockCode: string;
  description: string;
  quantity: number;
  invoiceDate: string;
  unitPriceCents: number;
  unitPriceMicros: number;
  customerId: string | null;
  country: string;
}

/** A line of an earlier order, kept for matching cancellations (ids are re-derived from invoice and position when needed). */
interface IndexedLine {
  invoiceNo: string;
  position: number;
  createdMs: number;
  quantity: number;
  refunded: number;
  priceCents: number;
  stockCode: string;
  title: string;
  nonProduct: boolean;
}

const HEADER = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'];
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** "17850.0" → "17850"; "" → null (guest). */
export function normaliseCustomerId(raw: string): string | null {
  const v = raw.trim();
  if (v === '') return null;
  const m = /^(\d+)(?:\.0*)?$/.exec(v);
  return m ? m[1]!.replace(/^0+(?=\d)/, '') : v;
}

/** Streams deliveries as invoices complete; `report` is final once the generator is exhausted. */
export function streamReplay(source: CsvSource, opts: ReplayOptions = {}): { deliveries: AsyncGenerator<PlannedDelivery>; report: ReplayReport } {
  const shop = opts.shop ?? 'demo-store.myshopify.com';
  const timeZone = opts.timezone ?? 'UTC';
  assertTimeZone(timeZone);
  const currency = opts.currency ?? 'USD';
  const windowRows = opts.windowRows ?? 5000;
  const report: ReplayReport = {
    rows: 0,
    invoices: 0,
    orders: 0,
    guestOrders: 0,
    zeroValueOrders: 0,
    customers: 0,
    refunds: 0,
    rowsTo: { product_line: 0, non_product_line: 0, refund_line: 0 },
    cappedRefundRows: 0,
    skipped: {},
    skippedRows: 0,
    events: {},
    firstDate: null,
    lastDate: null,
  };
  const skip = (reason: SkipReason, n = 1) => {
    report.skipped[reason] = (report.skipped[reason] ?? 0) + n;
    report.skippedRows += n;
  };
  const customersSeen = new Set<string>();
  /** customer → stock code → lines of earlier orders, oldest first. */
  const history = new Map<string, Map<string, IndexedLine[]>>();
  const flushed = new Set<string>();
  const timeCache = new Map<string, { ms: number; text: string }>();

  const instantOf = (invoiceDate: string) => {
    let hit = timeCache.get(invoiceDate);
    if (!hit) {
      const m = DATE_RE.exec(invoiceDate.trim())!;
      const at = fromLocal({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +(m[6] ?? 0) }, timeZone);
      hit = { ms: at.getTime(), text: formatShopifyTime(at, timeZone) };
      if (timeCache.size > 50_000) timeCache.clear();
      timeCache.set(invoiceDate, hit);
    }
    return hit;
  };

  const delivery = (topic: string, key: string, body: string, at: number): PlannedDelivery => {
    report.events[topic] = (report.events[topic] ?? 0) + 1;
    return { topic, body, triggeredAt: new Date(at), webhookId: uuidFromKey('webhook', `${topic}/${key}`), eventId: uuidFromKey('event', `${topic}/${key}`), shop };
  };

  const planOrder = (invoiceNo: string, rows: Row[]): PlannedDelivery | null => {
    const kept: Row[] = [];
    for (const r of rows) {
      if (r.quantity < 0) skip('negative_quantity');
      else if (r.quantity === 0) skip('zero_quantity');
      else if (r.unitPriceCents < 0) skip('negative_price');
      else kept.push(r);
    }
    if (kept.length === 0) return null;
    const first = kept[0]!;
    const { ms, text: createdAt } = instantOf(first.invoiceDate);
    const orderId = idFromKey('order', invoiceNo);
    const customerId = first.customerId;
    // The CustomerID is the customer's id (Shopify ids are decimal numbers); anything else gets a derived id.
    const shopifyCustomerId = customerId === null ? null : /^\d{1,19}$/.test(customerId) ? customerId : idFromKey('customer', customerId);
    const email = customerId === null ? null : `customer-${customerId}@example.com`;
    // The invoice total is Σ Quantity × UnitPrice at full precision, rounded once (line prices are shown to the cent).
    let subtotalMicros = 0;
    const lines = kept.map((r, i) => {
      const nonProduct = isNonProductCode(r.stockCode);
      const lineId = idFromKey('line', `${invoiceNo}#${i}`);
      subtotalMicros += r.unitPriceMicros * r.quantity;
      if (nonProduct) report.rowsTo.non_product_line++;
      else report.rowsTo.product_line++;
      if (customerId !== null) {
        let byCode = history.get(customerId);
        if (!byCode) history.set(customerId, (byCode = new Map()));
        let list = byCode.get(r.stockCode);
        if (!list) byCode.set(r.stockCode, (list = []));
        list.push({ invoiceNo, position: i, createdMs: ms, quantity: r.quantity, refunded: 0, priceCents: r.unitPriceCents, stockCode: r.stockCode, title: r.description, nonProduct });
      }
      return lineItem(lineId, r.stockCode, r.description, r.quantity, r.unitPriceCents, nonProduct, currency);
    });
    report.orders++;
    if (customerId === null) report.guestOrders++;
    else customersSeen.add(customerId);
    report.customers = customersSeen.size;
    const subtotal = microsToCents(subtotalMicros);
    if (subtotal === 0) report.zeroValueOrders++;
    const address = { first_name: null, last_name: null, name: '', address1: null, address2: null, city: null, zip: null, province: null, province_code: null, country: first.country, country_code: null, company: null, phone: null, latitude: null, longitude: null };
    const number = Number(invoiceNo.replace(/\D/g, '')) || report.orders;
    const body = toJsonText({
      id: jsonId(orderId),
      admin_graphql_api_id: gid('Order', orderId),
      app_id: null,
      buyer_accepts_marketing: false,
      cancel_reason: null,
      cancelled_at: null,
      confirmed: true,
      contact_email: email,
      created_at: createdAt,
      currency,
      current_subtotal_price: formatCents(subtotal),
      current_total_price: formatCents(subtotal),
      current_total_tax: '0.00',
      customer_locale: 'en',
      discount_codes: [],
      email,
      estimated_taxes: false,
      financial_status: 'paid',
      fulfillment_status: null,
      name: `#${invoiceNo}`,
      note: null,
      note_attributes: [{ name: 'source_invoice', value: invoiceNo }],
      number,
      order_number: number,
      payment_gateway_names: ['manual'],
      phone: null,
      presentment_currency: currency,
      processed_at: createdAt,
      source_name: 'csv-replay',
      subtotal_price: formatCents(subtotal),
      subtotal_price_set: moneySet(subtotal, currency),
      tags: '',
      tax_lines: [],
      taxes_included: false,
      test: false,
      total_discounts: '0.00',
      total_line_items_price: formatCents(subtotal),
      total_outstanding: '0.00',
      total_price: formatCents(subtotal),
      total_price_set: moneySet(subtotal, currency),
      total_shipping_price_set: moneySet(0, currency),
      total_tax: '0.00',
      updated_at: createdAt,
      billing_address: address,
      shipping_address: address,
      customer:
        shopifyCustomerId === null
          ? null
          : {
              id: jsonId(shopifyCustomerId),
              email,
              accepts_marketing: false,
              created_at: null,
              updated_at: null,
              first_name: null,
              last_name: null,
              state: 'enabled',
              note: null,
              verified_email: true,
              tax_exempt: false,
              phone: null,
              tags: `source-customer-id:${customerId}`,
              currency,
              admin_graphql_api_id: gid('Customer', shopifyCustomerId),
              default_address: { id: jsonId(idFromKey('address', customerId!)), customer_id: jsonId(shopifyCustomerId), country: first.country, country_name: first.country, default: true },
            },
      line_items: lines,
      refunds: [],
      shipping_lines: [],
      fulfillments: [],
    });
    return delivery('orders/create', invoiceNo, body, ms);
  };

  const planRefunds = (invoiceNo: string, rows: Row[]): PlannedDelivery[] => {
    const byOrder = new Map<string, Array<{ line: IndexedLine; lineId: string; quantity: number; index: number }>>();
    let refundMs = 0;
    let refundAt = '';
    for (const r of rows) {
      if (r.quantity === 0) {
        skip('zero_quantity');
        continue;
      }
      if (r.quantity > 0) {
        skip('cancellation_positive_quantity');
        continue;
      }
      if (r.customerId === null) {
        skip('cancellation_guest');
        continue;
      }
      const { ms, text } = instantOf(r.invoiceDate);
      const candidates = (history.get(r.customerId)?.get(r.stockCode) ?? []).filter((l) => l.createdMs <= ms);
      if (candidates.length === 0) {
        skip('cancellation_no_matching_order');
        continue;
      }
      // The latest earlier order line with something left to refund (later lines first, ties: the later one in the file).
      let target: IndexedLine | undefined;
      for (let i = candidates.length - 1; i >= 0 && !target; i--) if (candidates[i]!.refunded < candidates[i]!.quantity) target = candidates[i];
      if (!target) {
        skip('cancellation_nothing_left_to_refund');
        continue;
      }
      const wanted = -r.quantity;
      const quantity = Math.min(wanted, target.quantity - target.refunded);
      if (quantity < wanted) report.cappedRefundRows++;
      target.refunded += quantity;
      report.rowsTo.refund_line++;
      if (!refundAt || ms < refundMs) {
        refundMs = ms;
        refundAt = text;
      }
      const orderId = idFromKey('order', target.invoiceNo);
      const list = byOrder.get(orderId) ?? [];
      list.push({ line: target, lineId: idFromKey('line', `${target.invoiceNo}#${target.position}`), quantity, index: r.index });
      byOrder.set(orderId, list);
    }
    const out: PlannedDelivery[] = [];
    for (const [orderId, items] of byOrder) {
      const refundId = idFromKey('refund', `${invoiceNo}/${orderId}`);
      let total = 0;
      const body = toJsonText({
        id: jsonId(refundId),
        order_id: jsonId(orderId),
        created_at: refundAt,
        note: `Cancellation invoice ${invoiceNo}`,
        user_id: null,
        processed_at: refundAt,
        restock: true,
        duties: [],
        admin_graphql_api_id: gid('Refund', refundId),
        refund_line_items: items.map(({ line, lineId, quantity, index }) => {
          const subtotal = line.priceCents * quantity;
          total += subtotal;
          return {
            id: jsonId(idFromKey('refund_line', `${invoiceNo}#${index}`)),
            quantity,
            line_item_id: jsonId(lineId),
            location_id: null,
            restock_type: 'return',
            subtotal: subtotal / 100,
            total_tax: 0,
            subtotal_set: moneySet(subtotal, currency),
            total_tax_set: moneySet(0, currency),
            line_item: lineItem(lineId, line.stockCode, line.title, line.quantity, line.priceCents, line.nonProduct, currency),
          };
        }),
        transactions: [{ id: jsonId(idFromKey('transaction', refundId)), order_id: jsonId(orderId), kind: 'refund', gateway: 'manual', status: 'success', created_at: refundAt, test: false, currency, amount: formatCents(total) }],
        order_adjustments: [],
      });
      report.refunds++;
      out.push(delivery('refunds/create', `${invoiceNo}/${orderId}`, body, refundMs));
    }
    return out;
  };

  const planInvoice = (invoiceNo: string, rows: Row[]): PlannedDelivery[] => {
    report.invoices++;
    flushed.add(invoiceNo);
    if (invoiceNo.toUpperCase().startsWith('C')) return planRefunds(invoiceNo, rows);
    const d = planOrder(invoiceNo, rows);
    return d ? [d] : [];
  };

  async function* generate(): AsyncGenerator<PlannedDelivery> {
    const open = new Map<string, { rows: Row[]; lastRow: number }>();
    let header = true;
    let index = 0;
    for await (const rec of csvRecords(source)) {
      if (header) {
        header = false;
        const names = rec.map((s, i) => (i === 0 ? s.replace(/^\uFEFF/, '') : s).trim());
        if (names.join(',') !== HEADER.join(',')) throw new Error(`expected the UCI Online Retail header ${HEADER.join(',')}, got ${names.join(',')}`);
        continue;
      }
      report.rows++;
      index++;
      const row = parseRow(rec, index);
      if (!row) {
        skip('invalid_row');
        continue;
      }
      if (report.firstDate === null || row.invoiceDate < report.firstDate) report.firstDate = row.invoiceDate;
      if (report.lastDate === null || row.invoiceDate > report.lastDate) report.lastDate = row.invoiceDate;
      if (flushed.has(row.invoiceNo)) {
        skip('invoice_reopened_after_window');
        continue;
      }
      let inv = open.get(row.invoiceNo);
      if (!inv) open.set(row.invoiceNo, (inv = { rows: [], lastRow: index }));
      inv.rows.push(row);
      inv.lastRow = index;
      // Close invoices (oldest first) whose last row is further back than the window.
      for (const [no, o] of open) {
        if (index - o.lastRow <= windowRows) break;
        open.delete(no);
        yield* planInvoice(no, o.rows);
      }
    }
    for (const [no, o] of open) yield* planInvoice(no, o.rows);
    open.clear();
  }

  return { deliveries: generate(), report };
}

/** Plans a whole CSV in memory (tests, small files): deliveries in file order (the UCI file is in date order) and the report. */
export async function planReplay(source: CsvSource, opts: ReplayOptions = {}): Promise<{ deliveries: PlannedDelivery[]; report: ReplayReport }> {
  const { deliveries, report } = streamReplay(source, opts);
  const out: PlannedDelivery[] = [];
  for await (const d of deliveries) out.push(d);
  return { deliveries: out, report };
}

function parseRow(rec: string[], index: number): Row | null {
  if (rec.length !== HEADER.length) return null;
  const [invoiceNo, stockCode, description, quantity, invoiceDate, unitPrice, customerId, country] = rec.map((s) => s.trim()) as [string, string, string, string, string, string, string, string];
  if (!invoiceNo || !stockCode || !/^-?\d+$/.test(quantity) || !DATE_RE.test(invoiceDate)) return null;
  let unitPriceCents: number;
  let unitPriceMicros: number;
  try {
    unitPriceCents = parseCents(unitPrice);
    unitPriceMicros = parseMicros(unitPrice);
  } catch {
    return null;
  }
  return { index, invoiceNo, stockCode, description: cleanText(description), quantity: Number(quantity), invoiceDate, unitPriceCents, unitPriceMicros, customerId: normaliseCustomerId(customerId), country: cleanText(country) };
}

const catalogueIds = new Map<string, { product: string; variant: string }>();

/** Product and variant ids of a StockCode (hashing is the costly part of a 500k-row replay, so they are memoised). */
export function stockCodeIds(stockCode: string): { product: string; variant: string } {
  let ids = catalogueIds.get(stockCode);
  if (!ids) {
    ids = { product: idFromKey('product', stockCode), variant: idFromKey('variant', stockCode) };
    if (catalogueIds.size > 100_000) catalogueIds.clear();
    catalogueIds.set(stockCode, ids);
  }
  return ids;
}

function lineItem(lineId: string, stockCode: string, description: string, quantity: number, priceCents: number, nonProduct: boolean, currency: string) {
  return {
    id: jsonId(lineId),
    admin_graphql_api_id: gid('LineItem', lineId),
    fulfillable_quantity: quantity,
    fulfillment_service: 'manual',
    fulfillment_status: null,
    gift_card: false,
    grams: 0,
    name: description || stockCode,
    price: formatCents(priceCents),
    price_set: moneySet(priceCents, currency),
    product_exists: !nonProduct,
    product_id: jsonIdOrNull(nonProduct ? null : stockCodeIds(stockCode).product),
    properties: nonProduct ? [{ name: '_non_product', value: 'true' }] : [],
    quantity,
    requires_shipping: !nonProduct,
    sku: stockCode,
    taxable: !nonProduct,
    title: description || stockCode,
    total_discount: '0.00',
    variant_id: jsonIdOrNull(nonProduct ? null : stockCodeIds(stockCode).variant),
    variant_inventory_management: nonProduct ? null : 'shopify',
    variant_title: null,
    vendor: null,
    tax_lines: [],
    discount_allocations: [],
  };
}
