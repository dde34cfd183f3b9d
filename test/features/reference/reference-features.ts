// Independent reference of the shop_features tables, computed in TypeScript from raw deliveries by docs/data-contracts.md; customer_rfm through the propensity model's rfmSnapshot, the one TypeScript RFM.
import { parseExact } from '../../../functions/src/core/json';
import { rfmSnapshot, type Transaction } from '../../../functions/src/models/propensity/rfm-snapshot';

/** A row of shop_raw.events as the runtime lands it (payload = the exact body text). */
export interface RawDelivery {
  shop: string;
  topic: string;
  webhook_id: string;
  event_id: string | null;
  triggered_at: string | null;
  received_at: string;
  payload: string;
}

export interface RfmRow {
  customer_id: string;
  frequency: number;
  recency_days: number;
  age_days: number;
  days_since_last: number;
  monetary: number;
  r_score: number;
  f_score: number;
  m_score: number;
  segment: string;
}

export interface LabelRow {
  customer_id: string;
  bought_within_30d: boolean;
  label_complete: boolean;
}

export interface CoPurchaseRow {
  product_a: string;
  product_b: string;
  orders_together: number;
  orders_with_a: number;
  orders_with_b: number;
  baskets: number;
  support: number;
  confidence: number;
  lift: number;
}

export interface DemandRow {
  variant_id: string;
  product_id: string;
  date: string;
  units: number;
  revenue: number;
  avg_price: number | null;
  in_stock: boolean | null;
}

export interface ReferenceLine {
  lineItemId: string;
  productId: string | null;
  variantId: string | null;
  quantity: number;
  /** price × quantity − total_discount, in micro-units of the currency (exact integers). */
  grossMicros: number;
  refundedQuantity: number;
  refundedMicros: number;
  isNonProduct: boolean;
}

export interface ReferenceOrder {
  orderId: string;
  customerId: string | null;
  orderDate: string;
  isIncluded: boolean;
  lines: ReferenceLine[];
}

export interface Reference {
  /** Distinct events after de-duplication by webhook id, then (shop, topic, event id). */
  distinctEvents: number;
  orders: Map<string, ReferenceOrder>;
  rfm: Map<string, RfmRow>;
  labels: Map<string, LabelRow>;
  coPurchase: Map<string, CoPurchaseRow>;
  demand: Map<string, DemandRow>;
  /** Orders / inventory levels whose current state is not decided by the documented ordering keys (should be none). */
  undecided: string[];
}

type Json = Record<string, unknown>;
const DAY_MS = 86_400_000;

// ---- small exact helpers ---------------------------------------------------------------------------------------------

/** An id as decimal text (parseExact keeps 64-bit ids as strings; small ones come back as numbers). */
function idOf(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new Error(`not an id: ${JSON.stringify(v)}`);
}

/** A decimal amount ("12.50", 12.5, "0") as exact integer millionths; more than 6 decimals is refused. */
export function micros(v: unknown): number {
  if (v === null || v === undefined) return 0;
  const text = typeof v === 'number' ? String(v) : String(v).trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '') || (m[3] ?? '').length > 6) throw new Error(`not an exact amount: ${text}`);
  const value = Number(m[2] || '0') * 1_000_000 + Number((m[3] ?? '').padEnd(6, '0'));
  if (!Number.isSafeInteger(value)) throw new Error(`amount too large: ${text}`);
  return m[1] === '-' ? -value : value;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of an instant in an IANA zone, YYYY-MM-DD (through Intl, not our zoned-time code). */
export function localDay(instantMs: number, timeZone: string): string {
  let f = dateFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(instantMs)).map((p) => [p.type, p.value]));
  return `${parts['year']}-${parts['month']}-${parts['day']}`;
}

function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

function dayString(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

const instant = (text: unknown): number => {
  if (typeof text !== 'string') throw new Error(`not a timestamp: ${JSON.stringify(text)}`);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${text}`);
  return ms;
};
const instantOrNull = (text: string | null): number => (text === null ? Number.NEGATIVE_INFINITY : instant(text));


// ---- the reference -------------------------------------------------------------------------------------------------

interface Event {
  d: RawDelivery;
  body: Json;
  triggered: number;
  received: number;
}

/** Latest by payload updated_at, ties by triggered_at then received_at; reports a tie on all three. */
function latest(events: Event[], what: string, undecided: string[]): Event {
  const key = (e: Event) => [instant(e.body['updated_at']), e.triggered, e.received];
  let best = events[0]!;
  let tied = false;
  for (const e of events.slice(1)) {
    const [a, b] = [key(e), key(best)];
    const cmp = a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
    if (cmp > 0) {
      best = e;
      tied = false;
    } else if (cmp === 0) tied = true;
  }
  if (tied) undecided.push(what);
  return best;
}

export function computeReference(deliveries: RawDelivery[], opts: { timezone: string; snapshotDate: string }): Reference {
  const tz = opts.timezone;
  const S = dayNumber(opts.snapshotDate);
  const undecided: string[] = [];

  // 1. exactly once: earliest received copy per webhook id, then per (shop, topic, event id)
  const ordered = deliveries.map((d, i) => ({ d, i, received: instant(d.received_at) })).sort((a, b) => a.received - b.received || a.i - b.i);
  const seenWebhooks = new Set<string>();
  const seenEvents = new Set<string>();
  const events: Event[] = [];
  for (const { d, received } of ordered) {
    if (seenWebhooks.has(d.webhook_id)) continue;
    seenWebhooks.add(d.webhook_id);
    if (d.event_id !== null) {
      const k = `${d.shop}\u0000${d.topic}\u0000${d.event_id}`;
      if (seenEvents.has(k)) continue;
      seenEvents.add(k);
    }
    events.push({ d, body: parseExact(d.payload) as Json, triggered: instantOrNull(d.triggered_at), received });
  }
  const shops = new Set(events.map((e) => e.d.shop));
  if (shops.size !== 1) throw new Error(`the reference handles one shop, got ${shops.size}`);

  // 2. current state of each order
  const orderEvents = new Map<string, Event[]>();
  const refundLines = new Map<string, Map<string, { lineItemId: string; quantity: number; subtotal: number }>>();
  for (const e of events) {
    if (['orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled'].includes(e.d.topic)) {
      const id = idOf(e.body['id'])!;
      const list = orderEvents.get(id) ?? [];
      list.push(e);
      orderEvents.set(id, list);
    } else if (e.d.topic === 'refunds/create') {
      const orderId = idOf(e.body['order_id'])!;
      const perOrder = refundLines.get(orderId) ?? new Map();
      for (const rli of (e.body['refund_line_items'] as Json[] | undefined) ?? []) {
        // each refund line once
        perOrder.set(idOf(rli['id'])!, { lineItemId: idOf(rli['line_item_id'])!, quantity: Number(rli['quantity']), subtotal: micros(rli['subtotal']) });
      }
      refundLines.set(orderId, perOrder);
    }
  }
  const orders = new Map<string, ReferenceOrder>();
  for (const [orderId, list] of orderEvents) {
    const cur = latest(list, `order ${orderId}`, undecided).body;
    const refunded = new Map<string, { q: number; m: number }>();
    for (const r of refundLines.get(orderId)?.values() ?? []) {
      const x = refunded.get(r.lineItemId) ?? { q: 0, m: 0 };
      refunded.set(r.lineItemId, { q: x.q + r.quantity, m: x.m + r.subtotal });
    }
    const lines = ((cur['line_items'] as Json[] | undefined) ?? []).map((li): ReferenceLine => {
      const lineItemId = idOf(li['id'])!;
      const quantity = Number(li['quantity']);
      const props = (li['properties'] as Json[] | null | undefined) ?? [];
      const variantId = idOf(li['variant_id']);
      const r = refunded.get(lineItemId) ?? { q: 0, m: 0 };
      return {
        lineItemId,
        productId: idOf(li['product_id']),
        variantId,
        quantity,
        grossMicros: micros(li['price']) * quantity - micros(li['total_discount']),
        refundedQuantity: r.q,
        refundedMicros: r.m,
        isNonProduct: li['product_exists'] === false || variantId === null || props.some((p) => p['name'] === '_non_product'),
      };
    });
    const customer = cur['customer'] as Json | null | undefined;
    orders.set(orderId, {
      orderId,
      customerId: customer ? idOf(customer['id']) : null,
      orderDate: localDay(instant(cur['created_at']), tz),
      isIncluded: cur['test'] !== true && (cur['cancelled_at'] ?? null) === null,
      lines,
    });
  }
  const included = [...orders.values()].filter((o) => o.isIncluded);
  const productLines = (o: ReferenceOrder) => o.lines.filter((l) => !l.isNonProduct);
  const netMicros = (l: ReferenceLine) => l.grossMicros - l.refundedMicros;

  // 3. customer_rfm: the one TypeScript RFM, the propensity model's (rfmSnapshot: purchase days up to the snapshot,
  // same-day orders summed, NTILE scores with ties broken by customer_id, the segment map), fed this reference's own
  // reading of the deliveries: included orders of known customers, value = product lines net of refunds.
  const transactions: Transaction[] = included
    .filter((o) => o.customerId !== null)
    .map((o) => ({ customerId: o.customerId!, day: o.orderDate, value: productLines(o).reduce((s, l) => s + netMicros(l), 0) / 1_000_000 }));
  const rfm = new Map<string, RfmRow>(
    rfmSnapshot(transactions, opts.snapshotDate).map((r) => [
      r.customer_id,
      { customer_id: r.customer_id, frequency: r.frequency, recency_days: r.recency_days, age_days: r.age_days, days_since_last: r.days_since_last, monetary: r.monetary, r_score: r.r_score, f_score: r.f_score, m_score: r.m_score, segment: r.segment },
    ]),
  );

  // 4. customer_labels: an included order on a day in (S, S + 30]; complete when the newest event happened (triggered, capped at received) after S + 30
  const buyers = new Set(included.filter((o) => o.customerId !== null && dayNumber(o.orderDate) > S && dayNumber(o.orderDate) <= S + 30).map((o) => o.customerId!));
  const observedThrough = Math.max(...events.map((e) => dayNumber(localDay(Number.isFinite(e.triggered) ? Math.min(e.triggered, e.received) : e.received, tz))));
  const labels = new Map<string, LabelRow>();
  for (const id of rfm.keys()) labels.set(id, { customer_id: id, bought_within_30d: buyers.has(id), label_complete: observedThrough > S + 30 });

  // 5. co_purchase: baskets = distinct products of product lines with net quantity > 0, included orders up to S
  const baskets: Set<string>[] = [];
  for (const o of included) {
    if (dayNumber(o.orderDate) > S) continue;
    const products = new Set(productLines(o).filter((l) => l.productId !== null && l.quantity - l.refundedQuantity > 0).map((l) => l.productId!));
    if (products.size > 0) baskets.push(products);
  }
  const withProduct = new Map<string, number>();
  const together = new Map<string, number>();
  for (const b of baskets) {
    for (const a of b) {
      withProduct.set(a, (withProduct.get(a) ?? 0) + 1);
      for (const c of b) if (c !== a) together.set(`${a}|${c}`, (together.get(`${a}|${c}`) ?? 0) + 1);
    }
  }
  const coPurchase = new Map<string, CoPurchaseRow>();
  for (const [key, t] of together) {
    const [a, b] = key.split('|') as [string, string];
    const na = withProduct.get(a)!;
    const nb = withProduct.get(b)!;
    const N = baskets.length;
    coPurchase.set(key, { product_a: a, product_b: b, orders_together: t, orders_with_a: na, orders_with_b: nb, baskets: N, support: t / N, confidence: t / na, lift: (t * N) / (na * nb) });
  }

  // 6. variant_daily_demand: net units and revenue per variant-day, zero-filled from the first sale to S; in_stock from levels
  const sales = new Map<string, Map<number, { units: number; micros: number }>>();
  const productOfVariant = new Map<string, string>();
  for (const o of included) {
    const d = dayNumber(o.orderDate);
    if (d > S) continue;
    for (const l of productLines(o)) {
      const v = l.variantId!;
      const perDay = sales.get(v) ?? new Map();
      const x = perDay.get(d) ?? { units: 0, micros: 0 };
      perDay.set(d, { units: x.units + l.quantity - l.refundedQuantity, micros: x.micros + netMicros(l) });
      sales.set(v, perDay);
      if (l.productId !== null) {
        const p = productOfVariant.get(v);
        if (p === undefined || l.productId < p) productOfVariant.set(v, l.productId);
      }
    }
  }
  // variant → inventory item, from the current state of each product
  const productEvents = new Map<string, Event[]>();
  for (const e of events) {
    if (e.d.topic !== 'products/create' && e.d.topic !== 'products/update') continue;
    const id = idOf(e.body['id'])!;
    productEvents.set(id, [...(productEvents.get(id) ?? []), e]);
  }
  const itemOfVariant = new Map<string, string>();
  for (const [id, list] of productEvents) {
    for (const v of (latest(list, `product ${id}`, undecided).body['variants'] as Json[] | undefined) ?? []) {
      const item = idOf(v['inventory_item_id']);
      if (item !== null) itemOfVariant.set(idOf(v['id'])!, item);
    }
  }
  // per (item, location): its level changes; one per updated_at (the latest triggered / received copy)
  const levels = new Map<string, Map<string, Array<{ at: number; t: number; r: number; day: number; available: number | null }>>>();
  for (const e of events) {
    if (e.d.topic !== 'inventory_levels/update') continue;
    const item = idOf(e.body['inventory_item_id'])!;
    const loc = idOf(e.body['location_id'])!;
    const at = instant(e.body['updated_at']);
    const perItem = levels.get(item) ?? new Map();
    const list = perItem.get(loc) ?? [];
    const a = e.body['available'];
    list.push({ at, t: e.triggered, r: e.received, day: dayNumber(localDay(at, tz)), available: a === null || a === undefined ? null : Number(a) });
    perItem.set(loc, list);
    levels.set(item, perItem);
  }
  for (const [item, perItem] of levels) {
    for (const [loc, list] of perItem) {
      list.sort((x, y) => x.at - y.at || x.t - y.t || x.r - y.r);
      for (let i = 1; i < list.length; i++) {
        if (list[i]!.at === list[i - 1]!.at && list[i]!.t === list[i - 1]!.t && list[i]!.r === list[i - 1]!.r && list[i]!.available !== list[i - 1]!.available) undecided.push(`inventory level ${item}@${loc} at ${new Date(list[i]!.at).toISOString()}`);
      }
    }
  }
  const inStock = (variant: string, day: number): boolean | null => {
    const item = itemOfVariant.get(variant);
    const perItem = item === undefined ? undefined : levels.get(item);
    if (!perItem) return null;
    let known = false;
    let any = false;
    for (const list of perItem.values()) {
      let last: number | null | undefined;
      for (const l of list) if (l.day <= day) last = l.available; // sorted: the last one on or before the day wins
      if (last === undefined || last === null) continue;
      known = true;
      if (last > 0) any = true;
    }
    return known ? any : null;
  };
  const demand = new Map<string, DemandRow>();
  for (const [variant, perDay] of sales) {
    const first = Math.min(...perDay.keys());
    for (let d = first; d <= S; d++) {
      const x = perDay.get(d) ?? { units: 0, micros: 0 };
      const date = dayString(d);
      demand.set(`${variant}|${date}`, {
        variant_id: variant,
        product_id: productOfVariant.get(variant) ?? '',
        date,
        units: x.units,
        revenue: x.micros / 1_000_000,
        avg_price: x.units === 0 ? null : x.micros / 1_000_000 / x.units,
        in_stock: inStock(variant, d),
      });
    }
  }

  return { distinctEvents: events.length, orders, rfm, labels, coPurchase, demand, undecided };
}

/** Compares reference rows with SQL rows by key: integers / booleans / strings exactly, numbers within a relative tolerance. */
export function compareRows<T extends object>(
  table: string,
  reference: Map<string, T>,
  actual: Map<string, Record<string, unknown>>,
  fields: { exact: (keyof T & string)[]; approx?: (keyof T & string)[] },
  tolerance = 1e-6,
): string[] {
  const out: string[] = [];
  for (const key of reference.keys()) if (!actual.has(key)) out.push(`${table} ${key}: missing from SQL`);
  for (const key of actual.keys()) if (!reference.has(key)) out.push(`${table} ${key}: not in the reference`);
  for (const [key, ref] of reference) {
    const row = actual.get(key);
    if (!row) continue;
    const r = ref as Record<string, unknown>;
    for (const f of fields.exact) if (r[f] !== row[f]) out.push(`${table} ${key}: ${f} SQL=${String(row[f])} reference=${String(r[f])}`);
    for (const f of fields.approx ?? []) {
      const a = row[f];
      const b = r[f];
      if (a === null || b === null || typeof a !== 'number' || typeof b !== 'number') {
        if (a !== b) out.push(`${table} ${key}: ${f} SQL=${String(a)} reference=${String(b)}`);
      } else if (Math.abs(a - b) > tolerance * Math.max(Math.abs(a), Math.abs(b)) && Math.abs(a - b) > 1e-12) {
        out.push(`${table} ${key}: ${f} SQL=${a} reference=${b}`);
      }
    }
  }
  return out;
}
