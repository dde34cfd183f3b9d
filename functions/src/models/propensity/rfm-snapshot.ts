// customer_rfm and customer_labels of one snapshot computed in TypeScript from orders, exactly as docs/data-contracts.md defines them.
import { ShopMlopsError } from '../../core/errors';
import { dateOfDayNumber, dayNumberOf } from '../../core/shop-days';
import type { PropensityRow, RfmRow, Segment } from './rows';

/** Math functions as module constants: global lookups are slow inside VM contexts (jest), which hot loops feel. */
const { ceil, floor, round } = Math;

/** One included order of a known customer (guests, test and cancelled orders are left out by the caller). */
export interface Transaction {
  customerId: string;
  /** Shop-local purchase day, YYYY-MM-DD. */
  day: string;
  /** The order's value (contract: subtotal less non-product lines and refunds); summed exactly in millionths. */
  value: number;
}

/** Days since 1970-01-01 of a calendar date; throws BAD_REQUEST naming `what` when it is not one. */
export function dayNumber(date: string, what = 'date'): number {
  const n = dayNumberOf(date);
  if (Number.isNaN(n)) throw new ShopMlopsError('BAD_REQUEST', `${what}: not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return n;
}

export const dayString = dateOfDayNumber;

/** SQL NTILE(buckets) of the i-th (0-based) of `count` ordered rows: the first count % buckets buckets get one row more. */
export function ntile(buckets: number, count: number, i: number): number {
  const q = floor(count / buckets);
  const r = count % buckets;
  const big = r * (q + 1);
  return i < big ? floor(i / (q + 1)) + 1 : r + floor((i - big) / q) + 1;
}

/** The documented R × FM segment map, FM = ceil((f + m) / 2), first matching rule. */
export function segmentOf(r: number, f: number, m: number): Segment {
  const fm = ceil((f + m) / 2);
  if (r >= 4 && fm >= 4) return 'Champions';
  if (r >= 3 && fm >= 3) return 'Loyal';
  if (r >= 4 && fm === 1) return 'New';
  if (r >= 3) return 'Potential loyalists';
  if (fm === 5) return 'Cannot lose';
  if (fm >= 3) return 'At risk';
  if (r === 2) return 'Hibernating';
  return 'Lost';
}

/**
 * Purchase days of every customer, prepared once for many snapshots: customers in customer_id (string) order; customer c's
 * distinct days ascending in days[start[c] … start[c + 1]), with the running sum of their values (millionths) in cum.
 */
export interface PurchaseHistory {
  kind: 'purchase-history';
  ids: string[];
  start: Int32Array;
  days: Int32Array;
  cum: Float64Array;
  /** Newest purchase day (day number), −Infinity when empty. */
  lastDay: number;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Groups orders into purchase days (same-day orders summed, exactly in millionths) per customer. */
export function purchaseDays(transactions: readonly Transaction[]): PurchaseHistory {
  const perCustomer = new Map<string, Map<number, number>>();
  const dayCache = new Map<string, number>();
  for (let i = 0; i < transactions.length; i++) {
    const t = transactions[i]!;
    if (typeof t.customerId !== 'string' || t.customerId === '') throw new ShopMlopsError('BAD_REQUEST', `transaction ${i + 1}: customerId missing`);
    if (!Number.isFinite(t.value)) throw new ShopMlopsError('BAD_REQUEST', `transaction ${i + 1}: value ${String(t.value)} is not a number`);
    let d = dayCache.get(t.day);
    if (d === undefined) dayCache.set(t.day, (d = dayNumber(t.day, `transaction ${i + 1}: day`)));
    let perDay = perCustomer.get(t.customerId);
    if (!perDay) perCustomer.set(t.customerId, (perDay = new Map()));
    perDay.set(d, (perDay.get(d) ?? 0) + round(t.value * 1e6));
  }
  const ids = [...perCustomer.keys()].sort(byId);
  const start = new Int32Array(ids.length + 1);
  let total = 0;
  for (const m of perCustomer.values()) total += m.size;
  const days = new Int32Array(total);
  const cum = new Float64Array(total);
  let k = 0;
  let lastDay = -Infinity;
  ids.forEach((id, c) => {
    start[c] = k;
    const perDay = perCustomer.get(id)!;
    const sorted = [...perDay.keys()].sort((a, b) => a - b);
    let run = 0;
    for (const d of sorted) {
      run += perDay.get(d)!;
      days[k] = d;
      cum[k] = run;
      k++;
    }
    if (sorted[sorted.length - 1]! > lastDay) lastDay = sorted[sorted.length - 1]!;
  });
  start[ids.length] = k;
  return { kind: 'purchase-history', ids, start, days, cum, lastDay };
}

const historyOf = (t: readonly Transaction[] | PurchaseHistory): PurchaseHistory => ('kind' in t && t.kind === 'purchase-history' ? t : purchaseDays(t as readonly Transaction[]));

/** Index of the first day > S in days[lo, hi). */
function upperBound(days: Int32Array, lo: number, hi: number, S: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid]! <= S) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Members of a snapshot: customers with a purchase day ≤ S, with the position just after their last such day. */
function members(h: PurchaseHistory, S: number): { c: Int32Array; end: Int32Array } {
  const c: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < h.ids.length; i++) {
    const lo = h.start[i]!;
    const e = upperBound(h.days, lo, h.start[i + 1]!, S);
    if (e > lo) {
      c.push(i);
      end.push(e);
    }
  }
  return { c: Int32Array.from(c), end: Int32Array.from(end) };
}

/** NTILE(5) of each member ordered by key ascending, ties by position (= customer_id order). */
function ntileBy(key: Float64Array): Int32Array {
  const n = key.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => key[a]! - key[b]! || a - b);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[order[i]!] = ntile(5, n, i);
  return out;
}

/**
 * customer_rfm as of `snapshotDate` (inclusive): every customer with a purchase on or before it. BG/NBD convention:
 * frequency = distinct purchase days − 1, recency = last − first day, age = snapshot − first day, monetary = mean value of
 * the repeat days (same-day orders summed; 0 when frequency = 0). NTILE(5) scores ordered as the SQL orders them:
 * r over days_since_last descending, f over frequency, m over monetary rounded to 6 decimals; ties by customer_id (string order).
 */
export function rfmSnapshot(transactions: readonly Transaction[] | PurchaseHistory, snapshotDate: string): RfmRow[] {
  return snapshotRows(historyOf(transactions), dayNumber(snapshotDate, 'snapshot date'), snapshotDate, null);
}

/** The snapshot's rows; with `label`, each row also carries bought_within_30d and label_complete (a PropensityRow). */
function snapshotRows(h: PurchaseHistory, S: number, snapshotDate: string, label: { horizon: number; complete: boolean } | null): RfmRow[] {
  const { c, end } = members(h, S);
  const n = c.length;
  const frequency = new Float64Array(n);
  const recency = new Float64Array(n);
  const age = new Float64Array(n);
  const dsl = new Float64Array(n);
  const negDsl = new Float64Array(n);
  const monetary = new Float64Array(n);
  const mKey = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = h.start[c[i]!]!;
    const e = end[i]!;
    const first = h.days[lo]!;
    const last = h.days[e - 1]!;
    const f = e - lo - 1;
    frequency[i] = f;
    recency[i] = last - first;
    age[i] = S - first;
    dsl[i] = S - last;
    negDsl[i] = -(S - last);
    const m = f === 0 ? 0 : (h.cum[e - 1]! - h.cum[lo]!) / 1e6 / f;
    monetary[i] = m;
    // ROUND(monetary, 6) in the SQL: equal means tie exactly (30.15 / 3 and 10.05 / 1)
    mKey[i] = round(m * 1e6);
  }
  const r = ntileBy(negDsl);
  const fs = ntileBy(frequency);
  const ms = ntileBy(mKey);
  const out: RfmRow[] = new Array<RfmRow>(n);
  for (let i = 0; i < n; i++) {
    const row: RfmRow = {
      snapshot_date: snapshotDate,
      customer_id: h.ids[c[i]!]!,
      frequency: frequency[i]!,
      recency_days: recency[i]!,
      age_days: age[i]!,
      days_since_last: dsl[i]!,
      monetary: monetary[i]!,
      r_score: r[i]!,
      f_score: fs[i]!,
      m_score: ms[i]!,
      segment: segmentOf(r[i]!, fs[i]!, ms[i]!),
    };
    if (label) {
      const e = end[i]!;
      const next = e < h.start[c[i]! + 1]! ? h.days[e]! : Infinity;
      (row as PropensityRow).bought_within_30d = next <= S + label.horizon;
      (row as PropensityRow).label_complete = label.complete;
    }
    out[i] = row;
  }
  return out;
}

/**
 * customer_rfm joined with customer_labels of `snapshotDate`: bought_within_30d = a purchase on a day in (S, S + horizon];
 * label_complete = the data is observed through a day after S + horizon (`observedThrough`, default the newest purchase day).
 */
export function propensityRows(
  transactions: readonly Transaction[] | PurchaseHistory,
  snapshotDate: string,
  opts: { horizonDays?: number; observedThrough?: string } = {},
): PropensityRow[] {
  const h = historyOf(transactions);
  const S = dayNumber(snapshotDate, 'snapshot date');
  const horizon = opts.horizonDays ?? 30;
  const observed = opts.observedThrough !== undefined ? dayNumber(opts.observedThrough, 'observedThrough') : h.lastDay;
  return snapshotRows(h, S, snapshotDate, { horizon, complete: observed > S + horizon }) as PropensityRow[];
}
