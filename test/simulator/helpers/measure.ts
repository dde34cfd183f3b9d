// Test-side measurements of a planned store, computed from the webhook bodies alone (not from the planner's summary).
import { parseExact } from '../../../functions/src/core/json';
import type { PlannedDelivery } from '../../../functions/src/simulator/delivery';

export interface OrderView {
  id: string;
  customerId: string | null;
  createdAt: string;
  localDate: string;
  localHour: number;
  lines: Array<{ id: string; variantId: string | null; quantity: number }>;
}

type Json = Record<string, unknown>;

const cache = new WeakMap<PlannedDelivery, Json>();

/** The body parsed with parseExact (ids beyond 2^53 stay exact strings), memoised per delivery. */
export function parsed(d: PlannedDelivery): Json {
  let v = cache.get(d);
  if (!v) cache.set(d, (v = parseExact(d.body) as Json));
  return v;
}

export function ordersOf(deliveries: PlannedDelivery[]): OrderView[] {
  return deliveries
    .filter((d) => d.topic === 'orders/create')
    .map((d) => {
      const o = parsed(d);
      const created = String(o.created_at);
      const customer = o.customer as Json | null;
      return {
        id: String(o.id),
        customerId: customer ? String(customer.id) : null,
        createdAt: created,
        localDate: created.slice(0, 10),
        localHour: Number(created.slice(11, 13)),
        lines: (o.line_items as Json[]).map((l) => ({ id: String(l.id), variantId: l.variant_id == null ? null : String(l.variant_id), quantity: Number(l.quantity) })),
      };
    });
}

/** Customers with ≥ 2 orders / customers with ≥ 1 order (guests excluded). */
export function repeatBuyerShare(orders: OrderView[]): number {
  const counts = new Map<string, number>();
  for (const o of orders) if (o.customerId) counts.set(o.customerId, (counts.get(o.customerId) ?? 0) + 1);
  let repeat = 0;
  for (const n of counts.values()) if (n >= 2) repeat++;
  return repeat / counts.size;
}

export function dailyCounts(orders: OrderView[], dates: string[]): number[] {
  const by = new Map<string, number>();
  for (const o of orders) by.set(o.localDate, (by.get(o.localDate) ?? 0) + 1);
  return dates.map((d) => by.get(d) ?? 0);
}

/** Pearson chi-square of day-of-week totals against equal expected shares per calendar day. */
export function weekdayChiSquare(series: number[], dows: number[]): { chi2: number; means: number[] } {
  const sums = Array(7).fill(0) as number[];
  const ns = Array(7).fill(0) as number[];
  series.forEach((y, i) => {
    sums[dows[i]!]! += y;
    ns[dows[i]!]!++;
  });
  const total = series.reduce((s, y) => s + y, 0);
  let chi2 = 0;
  for (let k = 0; k < 7; k++) {
    const expected = (total * ns[k]!) / series.length;
    chi2 += (sums[k]! - expected) ** 2 / expected;
  }
  return { chi2, means: sums.map((s, k) => s / ns[k]!) };
}

/** OLS slope of y on t and its t-statistic. */
export function slope(y: number[]): { slope: number; t: number } {
  const n = y.length;
  const tm = (n - 1) / 2;
  const ym = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  y.forEach((v, i) => {
    sxy += (i - tm) * (v - ym);
    sxx += (i - tm) ** 2;
  });
  const b = sxy / sxx;
  const a = ym - b * tm;
  const sse = y.reduce((s, v, i) => s + (v - a - b * i) ** 2, 0);
  const se = Math.sqrt(sse / (n - 2) / sxx);
  return { slope: b, t: b / se };
}

/** Autocorrelation at a lag. */
export function acf(y: number[], lag: number): number {
  const n = y.length;
  const m = y.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    den += (y[i]! - m) ** 2;
    if (i + lag < n) num += (y[i]! - m) * (y[i + lag]! - m);
  }
  return num / den;
}
