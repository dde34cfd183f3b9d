import { planStore } from '../../functions/src/simulator/plan-store';
import { classifyDemand } from '../../functions/src/simulator/demand-class';
import { addDays, dayOfWeek } from '../../functions/src/simulator/zoned-time';
import { ordersOf, repeatBuyerShare, dailyCounts, weekdayChiSquare, slope, acf } from './helpers/measure';
for (const [seed, start, days] of [[42, '2026-01-05', 150], [42, '2025-08-04', 120], [7, '2026-01-05', 150], [1, '2026-03-02', 120], [99, '2025-06-02', 180]] as const) {
  const t0 = Date.now();
  const p = planStore({ days, seed, startDate: start });
  const ms = Date.now() - t0;
  const orders = ordersOf(p.deliveries);
  const dates = Array.from({ length: days }, (_, i) => addDays(start, i));
  const daily = dailyCounts(orders, dates);
  const w = weekdayChiSquare(daily, dates.map(dayOfWeek));
  const ma = daily.map((_, i) => { const s = daily.slice(Math.max(0, i - 3), i + 4); return s.reduce((a, b) => a + b, 0) / s.length; });
  const ratio = daily.map((y, i) => y / ma[i]!);
  const variants = new Map<string, number[]>();
  const idx = new Map(dates.map((d, i) => [d, i]));
  for (const o of orders) for (const l of o.lines) { if (!l.variantId) continue; let s = variants.get(l.variantId); if (!s) variants.set(l.variantId, s = Array(days).fill(0)); s[idx.get(o.localDate)!]! += l.quantity; }
  const cls: Record<string, number> = {};
  for (const s of variants.values()) { const c = classifyDemand(s).cls; cls[c] = (cls[c] ?? 0) + 1; }
  console.log(seed, start, days, ms + 'ms', p.deliveries.length, 'repeat', repeatBuyerShare(orders).toFixed(3), 'chi2', w.chi2.toFixed(1), 'means', w.means.map((m) => m.toFixed(1)).join(' '), 'slope', slope(daily).slope.toFixed(3), 't', slope(daily).t.toFixed(1), 'acf7', acf(ratio, 7).toFixed(2), acf(ratio,1).toFixed(2), acf(ratio,3).toFixed(2), JSON.stringify(cls), 'refund', p.summary.refundedOrderShare.toFixed(3), 'cancel', p.summary.cancelledOrders, 'stockouts', p.summary.stockouts);
}
