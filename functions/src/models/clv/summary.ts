// Transactions → per-customer (frequency, recency, T, monetary) in the BG/NBD convention, and holdout purchase counts.
//
// Purchase days: the distinct calendar days on which a customer has at least one transaction up to and including `end`.
//   frequency x  = purchase days - 1 (repeat purchase days)
//   recency t_x  = last purchase day - first purchase day
//   age T        = end - first purchase day
//   monetary     = mean over the repeat purchase days of the day's summed amounts (the first day is excluded; 0 when x = 0)
// in days, or divided by 7 for weeks. This is lifetimes' summary_data_from_transaction_data (freq 'D') and the SQL of
// shop_features.customer_rfm; CDNOW_sample.txt with end 1997-09-30 gives cdnow_customers_summary_with_transactions.csv.
import type { ClvCustomer, TimeUnit } from './types';

export interface Transaction {
  customerId: string;
  /** Days since 1970-01-01 (see days.ts). */
  day: number;
  amount: number;
}

export const UNIT_DAYS: Record<TimeUnit, number> = { day: 1, week: 7 };

/** Per customer: day → summed amount, for transactions on or before `end`. */
function purchaseDays(transactions: Iterable<Transaction>, end: number): Map<string, Map<number, number>> {
  const byCustomer = new Map<string, Map<number, number>>();
  for (const t of transactions) {
    if (t.day > end) continue;
    let days = byCustomer.get(t.customerId);
    if (!days) byCustomer.set(t.customerId, (days = new Map()));
    days.set(t.day, (days.get(t.day) ?? 0) + t.amount);
  }
  return byCustomer;
}

/** One row per customer with a purchase on or before `end` (in order of first appearance). */
export function summariseTransactions(transactions: Iterable<Transaction>, opts: { end: number; unit: TimeUnit }): ClvCustomer[] {
  const unitDays = UNIT_DAYS[opts.unit];
  const out: ClvCustomer[] = [];
  for (const [id, days] of purchaseDays(transactions, opts.end)) {
    const sorted = [...days.keys()].sort((a, b) => a - b);
    const first = sorted[0]!;
    const last = sorted[sorted.length - 1]!;
    const x = sorted.length - 1;
    let repeatValue = 0;
    for (let i = 1; i < sorted.length; i++) repeatValue += days.get(sorted[i]!)!;
    out.push({ id, frequency: x, recency: (last - first) / unitDays, T: (opts.end - first) / unitDays, monetary: x > 0 ? repeatValue / x : 0 });
  }
  return out;
}

/** Purchase days per customer with start < day ≤ end (the holdout count, same "purchase = purchase day" convention). */
export function purchaseDaysBetween(transactions: Iterable<Transaction>, start: number, end: number): Map<string, number> {
  const days = new Map<string, Set<number>>();
  for (const t of transactions) {
    if (t.day <= start || t.day > end) continue;
    let s = days.get(t.customerId);
    if (!s) days.set(t.customerId, (s = new Set()));
    s.add(t.day);
  }
  return new Map([...days].map(([id, s]) => [id, s.size]));
}
