// Measured properties of a planned store (fixed seed, 150 days from 2026-01-05, America/New_York), from the bodies alone.
import { TOPIC_SCHEMAS, isTopic } from '../../functions/src/core/topics';
import { classifyDemand } from '../../functions/src/simulator/demand-class';
import { planStore, type StorePlan } from '../../functions/src/simulator/plan-store';
import { addDays, dayOfWeek, localDate } from '../../functions/src/simulator/zoned-time';
import { acf, dailyCounts, ordersOf, parsed, repeatBuyerShare, slope, weekdayChiSquare, type OrderView } from './helpers/measure';

const SEED = 42;
const DAYS = 150;
const START = '2026-01-05';
const TZ = 'America/New_York';
const dates = Array.from({ length: DAYS }, (_, i) => addDays(START, i));

let plan: StorePlan;
let orders: OrderView[];
let planMs = 0;

beforeAll(() => {
  const t0 = performance.now();
  plan = planStore({ days: DAYS, seed: SEED, timezone: TZ, startDate: START });
  planMs = performance.now() - t0;
  orders = ordersOf(plan.deliveries);
});

describe('planStore: a believable store', () => {
  // Speed is a benchmark's business, not a test's: the time is printed, never asserted.
  test('plans thousands of deliveries sorted by triggeredAt', () => {
    expect(plan.deliveries.length).toBeGreaterThan(3000);
    for (let i = 1; i < plan.deliveries.length; i++) expect(plan.deliveries[i]!.triggeredAt.getTime()).toBeGreaterThanOrEqual(plan.deliveries[i - 1]!.triggeredAt.getTime());
    console.log(`planStore ${DAYS} days: ${plan.deliveries.length} deliveries in ${planMs.toFixed(0)} ms`);
  });

  test('every payload passes its topic schema in core/topics', () => {
    const topics = new Set<string>();
    for (const d of plan.deliveries) {
      expect(isTopic(d.topic)).toBe(true);
      topics.add(d.topic);
      const r = TOPIC_SCHEMAS[d.topic as keyof typeof TOPIC_SCHEMAS].safeParse(parsed(d));
      if (!r.success) throw new Error(`${d.topic} ${d.webhookId}: ${r.error.message}`);
    }
    expect([...topics].sort()).toEqual(
      ['customers/create', 'customers/update', 'inventory_levels/update', 'orders/cancelled', 'orders/create', 'orders/paid', 'orders/updated', 'products/create', 'products/update', 'refunds/create'].sort(),
    );
  });

  test('ids are 64-bit, exact through parseExact, equal to their GraphQL ids and unique', () => {
    const seen = new Map<string, string>();
    const claim = (id: string, what: string) => {
      expect(id).toMatch(/^\d{18,19}$/);
      expect(BigInt(id) > 2n ** 53n).toBe(true);
      const prev = seen.get(id);
      if (prev !== undefined && prev !== what) throw new Error(`id ${id} used for ${prev} and ${what}`);
      seen.set(id, what);
    };
    const webhookIds = new Set<string>();
    for (const d of plan.deliveries) {
      expect(webhookIds.has(d.webhookId)).toBe(false);
      webhookIds.add(d.webhookId);
      const b = parsed(d);
      if (d.topic === 'orders/create') {
        const id = b.id as string;
        expect(typeof id).toBe('string');
        expect(d.body).toContain(`"id":${id},`);
        expect(b.admin_graphql_api_id).toBe(`gid://shopify/Order/${id}`);
        claim(id, `order ${id}`);
        for (const l of b.line_items as Array<Record<string, unknown>>) claim(String(l.id), `line ${String(l.id)}`);
      }
      if (d.topic === 'customers/create') claim(String(b.id), `customer ${String(b.id)}`);
      if (d.topic === 'refunds/create') claim(String(b.id), `refund ${String(b.id)}`);
      if (d.topic === 'products/create') {
        claim(String(b.id), `product ${String(b.id)}`);
        for (const v of b.variants as Array<Record<string, unknown>>) claim(String(v.id), `variant ${String(v.id)}`);
      }
    }
    // JSON.parse would round them: the body text really holds numbers beyond 2^53.
    const first = plan.deliveries.find((d) => d.topic === 'orders/create')!;
    expect(String((JSON.parse(first.body) as { id: number }).id)).not.toBe(String(parsed(first).id));
  });

  test('repeat-buyer share is BG/NBD-like: between 20 % and 45 %, with guest orders too', () => {
    const share = repeatBuyerShare(orders);
    console.log(`repeat-buyer share ${share.toFixed(3)} over ${new Set(orders.map((o) => o.customerId).filter(Boolean)).size} customers`);
    expect(share).toBeGreaterThanOrEqual(0.2);
    expect(share).toBeLessThanOrEqual(0.45);
    const guests = orders.filter((o) => o.customerId === null).length;
    expect(guests / orders.length).toBeGreaterThan(0.03);
    // Customers are created just before their first order.
    const firstOrder = new Map<string, number>();
    for (const d of plan.deliveries) {
      if (d.topic !== 'orders/create') continue;
      const c = (parsed(d).customer as { id: string } | null)?.id;
      if (c && !firstOrder.has(c)) firstOrder.set(c, d.triggeredAt.getTime());
    }
    const created = plan.deliveries.filter((d) => d.topic === 'customers/create').map((d) => [String(parsed(d).id), d.triggeredAt.getTime()] as const);
    expect(created.length).toBe(firstOrder.size);
    for (const [id, at] of created) expect(at).toBeLessThanOrEqual(firstOrder.get(id)!);
  });

  test('weekly pattern: day-of-week totals differ significantly and show in the per-day series', () => {
    const daily = dailyCounts(orders, dates);
    const { chi2, means } = weekdayChiSquare(daily, dates.map(dayOfWeek));
    // Ratio to a centred 7-day moving average: the weekly shape with the trend removed.
    const ratio = daily.map((y, i) => {
      const w = daily.slice(Math.max(0, i - 3), i + 4);
      return y / (w.reduce((a, b) => a + b, 0) / w.length);
    });
    const r7 = acf(ratio, 7);
    console.log(`weekday means Sun..Sat ${means.map((m) => m.toFixed(1)).join(' ')}; chi2 ${chi2.toFixed(1)} (df 6, p<0.001 above 22.46); acf7 of ratio-to-MA ${r7.toFixed(2)}`);
    expect(chi2).toBeGreaterThan(22.46);
    expect(Math.max(...means) / Math.min(...means)).toBeGreaterThan(1.3);
    expect(means[6]).toBe(Math.min(...means)); // Saturday is the quiet day
    expect(r7).toBeGreaterThan(0.1);
    for (const lag of [1, 2, 3, 4, 5, 6]) expect(r7).toBeGreaterThan(acf(ratio, lag));
  });

  test('trend: daily orders grow over the period', () => {
    const daily = dailyCounts(orders, dates);
    const { slope: b, t } = slope(daily);
    const firstMonth = daily.slice(0, 30).reduce((a, v) => a + v, 0);
    const lastMonth = daily.slice(-30).reduce((a, v) => a + v, 0);
    console.log(`trend slope ${b.toFixed(3)} orders/day per day (t = ${t.toFixed(1)}); first 30 days ${firstMonth}, last 30 days ${lastMonth}`);
    expect(t).toBeGreaterThan(3);
    expect(lastMonth).toBeGreaterThan(firstMonth * 1.1);
  });

  test('variant series: both smooth and intermittent by Syntetos–Boylan (ADI 1.32, CV² 0.49)', () => {
    const index = new Map(dates.map((d, i) => [d, i]));
    const series = new Map<string, number[]>();
    for (const o of orders)
      for (const l of o.lines) {
        let s = series.get(l.variantId!);
        if (!s) series.set(l.variantId!, (s = Array(DAYS).fill(0) as number[]));
        s[index.get(o.localDate)!]! += l.quantity;
      }
    const classes: Record<string, number> = {};
    for (const s of series.values()) {
      const c = classifyDemand(s).cls;
      classes[c] = (classes[c] ?? 0) + 1;
    }
    console.log(`variant demand classes: ${JSON.stringify(classes)}`);
    expect(classes.smooth ?? 0).toBeGreaterThanOrEqual(1);
    expect(classes.intermittent ?? 0).toBeGreaterThanOrEqual(5);
  });

  test('payments, refunds (2–8 % of orders, after the order, netting lines), cancellations and updates', () => {
    const orderBodies = new Map<string, { at: number; lines: Map<string, number> }>();
    for (const d of plan.deliveries)
      if (d.topic === 'orders/create') {
        const b = parsed(d);
        orderBodies.set(String(b.id), { at: d.triggeredAt.getTime(), lines: new Map((b.line_items as Array<{ id: string; quantity: number }>).map((l) => [String(l.id), l.quantity])) });
      }
    const refunded = new Set<string>();
    const refundedQty = new Map<string, number>();
    for (const d of plan.deliveries.filter((x) => x.topic === 'refunds/create')) {
      const r = parsed(d) as { order_id: string; refund_line_items: Array<{ line_item_id: string; quantity: number }> };
      const o = orderBodies.get(String(r.order_id))!;
      expect(o).toBeDefined();
      expect(d.triggeredAt.getTime()).toBeGreaterThan(o.at);
      refunded.add(String(r.order_id));
      for (const rl of r.refund_line_items) {
        expect(o.lines.has(String(rl.line_item_id))).toBe(true);
        const k = String(rl.line_item_id);
        refundedQty.set(k, (refundedQty.get(k) ?? 0) + rl.quantity);
        expect(refundedQty.get(k)).toBeLessThanOrEqual(o.lines.get(k)!);
      }
    }
    const share = refunded.size / orderBodies.size;
    console.log(`orders ${orderBodies.size}; refunded orders ${refunded.size} (${(share * 100).toFixed(1)} %)`);
    expect(share).toBeGreaterThanOrEqual(0.02);
    expect(share).toBeLessThanOrEqual(0.08);

    const cancelled = plan.deliveries.filter((d) => d.topic === 'orders/cancelled').map(parsed);
    expect(cancelled.length).toBeGreaterThan(0);
    for (const c of cancelled) expect(Date.parse(String(c.cancelled_at))).toBeGreaterThan(Date.parse(String(c.created_at)));
    const updated = plan.deliveries.filter((d) => d.topic === 'orders/updated').map(parsed);
    expect(updated.length).toBeGreaterThan(0);
    for (const u of updated) expect(Date.parse(String(u.updated_at))).toBeGreaterThan(Date.parse(String(u.created_at)));
    expect(plan.deliveries.filter((d) => d.topic === 'orders/paid').length).toBeGreaterThan(orderBodies.size * 0.9);
    expect(plan.deliveries.filter((d) => d.topic === 'products/update').length).toBeGreaterThan(0);
    expect(plan.deliveries.filter((d) => d.topic === 'customers/update').length).toBeGreaterThan(0);
    for (const o of cancelled.slice(0, 3)) expect(o.test).toBe(false);
  });

  test('inventory: decrements, restocks and out-of-stock spells', () => {
    const levels = new Map<string, number[]>();
    for (const d of plan.deliveries.filter((x) => x.topic === 'inventory_levels/update')) {
      const b = parsed(d) as { inventory_item_id: string; available: number };
      const k = String(b.inventory_item_id);
      levels.set(k, [...(levels.get(k) ?? []), b.available]);
    }
    let down = 0;
    let up = 0;
    let zeros = 0;
    for (const seq of levels.values()) {
      for (let i = 1; i < seq.length; i++) {
        if (seq[i]! < seq[i - 1]!) down++;
        if (seq[i]! > seq[i - 1]!) up++;
      }
      if (seq.includes(0)) zeros++;
      expect(Math.min(...seq)).toBeGreaterThanOrEqual(0);
    }
    console.log(`inventory updates: ${down} decrements, ${up} increments; ${zeros} of ${levels.size} items hit 0`);
    expect(down).toBeGreaterThan(100);
    expect(up).toBeGreaterThan(5);
    expect(zeros).toBeGreaterThan(0);
  });

  test('deterministic: same seed → identical deliveries, different seed → different', () => {
    const again = planStore({ days: DAYS, seed: SEED, timezone: TZ, startDate: START });
    expect(again.deliveries.length).toBe(plan.deliveries.length);
    again.deliveries.forEach((d, i) => {
      const p = plan.deliveries[i]!;
      expect(d.body).toBe(p.body);
      expect([d.topic, d.webhookId, d.eventId, d.shop, d.triggeredAt.getTime()]).toEqual([p.topic, p.webhookId, p.eventId, p.shop, p.triggeredAt.getTime()]);
    });
    const other = planStore({ days: DAYS, seed: SEED + 1, timezone: TZ, startDate: START });
    expect(other.deliveries.map((d) => d.body).join('\n')).not.toBe(plan.deliveries.map((d) => d.body).join('\n'));
  });

  test('summary agrees with the deliveries', () => {
    const s = plan.summary;
    expect(s.orders).toBe(orders.length);
    expect(s.deliveries).toBe(plan.deliveries.length);
    expect(s.byTopic['orders/create']).toBe(orders.length);
    expect(s.repeatBuyerShare).toBeCloseTo(repeatBuyerShare(orders), 10);
    expect(s.duplicates).toEqual({ enabled: false, redeliveries: 0, multiSubscription: 0 });
    expect([s.startDate, s.endDate, s.timezone]).toEqual([START, dates[DAYS - 1], TZ]);
  });
});

describe('planStore: time zones', () => {
  test('days are shop-local: created_at carries the zone offset and every delivery falls inside the local days', () => {
    for (const tz of ['America/New_York', 'Asia/Tokyo', 'Europe/London']) {
      const p = planStore({ days: 40, seed: 3, timezone: tz, startDate: '2026-03-01' });
      const os = ordersOf(p.deliveries);
      for (const d of p.deliveries) {
        const day = localDate(d.triggeredAt, tz);
        expect(day >= '2026-03-01' && day <= '2026-04-09').toBe(true);
      }
      for (const o of os.slice(0, 200)) {
        const d = new Date(o.createdAt);
        expect(o.localDate).toBe(localDate(d, tz));
      }
      if (tz === 'Asia/Tokyo') expect(os.every((o) => o.createdAt.endsWith('+09:00'))).toBe(true);
      if (tz === 'America/New_York') {
        // DST starts 2026-03-08: offsets switch from -05:00 to -04:00 on that local day.
        expect(os.filter((o) => o.localDate < '2026-03-08').every((o) => o.createdAt.endsWith('-05:00'))).toBe(true);
        expect(os.filter((o) => o.localDate > '2026-03-08').every((o) => o.createdAt.endsWith('-04:00'))).toBe(true);
      }
      // Shoppers sleep at local night: 02:00–05:00 is far quieter than 18:00–21:00 in the shop's own zone.
      const night = os.filter((o) => o.localHour >= 2 && o.localHour < 5).length;
      const evening = os.filter((o) => o.localHour >= 18 && o.localHour < 21).length;
      expect(evening).toBeGreaterThan(night * 4);
    }
  });

  test('rejects an unknown zone', () => {
    expect(() => planStore({ days: 5, seed: 1, timezone: 'Mars/Olympus' })).toThrow(/unknown IANA time zone/);
  });
});

describe('planStore: duplicates flag', () => {
  test('off by default; on, it plans redeliveries (same webhook id) and multi-subscription duplicates (same event id)', () => {
    const p = planStore({ days: 60, seed: 5, duplicates: true });
    const byWebhook = new Map<string, number>();
    const byEvent = new Map<string, Set<string>>();
    for (const d of p.deliveries) {
      byWebhook.set(d.webhookId, (byWebhook.get(d.webhookId) ?? 0) + 1);
      byEvent.set(d.eventId, (byEvent.get(d.eventId) ?? new Set()).add(d.webhookId));
    }
    const redeliveries = [...byWebhook.values()].filter((n) => n > 1).reduce((s, n) => s + n - 1, 0);
    const multi = [...byEvent.values()].filter((s) => s.size > 1).reduce((s, x) => s + x.size - 1, 0);
    expect(redeliveries).toBe(p.summary.duplicates.redeliveries);
    expect(multi).toBe(p.summary.duplicates.multiSubscription);
    expect(redeliveries).toBeGreaterThan(0);
    expect(multi).toBeGreaterThan(0);
    const plain = planStore({ days: 60, seed: 5 });
    expect(new Set(plain.deliveries.map((d) => d.webhookId)).size).toBe(plain.deliveries.length);
    expect(p.deliveries.length).toBe(plain.deliveries.length + redeliveries + multi);
  });
});
