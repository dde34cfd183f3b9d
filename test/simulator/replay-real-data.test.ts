// Real data: the 48 MB UCI Online Retail file streamed through the replay, and CDNOW converted to the same layout.
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { classifyEnvelope } from '../../functions/src/core/classify';
import { TOPIC_SCHEMAS } from '../../functions/src/core/topics';
import { cdnowToUciCsv, parseCdnow } from '../../functions/src/simulator/cdnow';
import type { PlannedDelivery } from '../../functions/src/simulator/delivery';
import { idFromKey } from '../../functions/src/simulator/ids';
import { formatCents, parseCents } from '../../functions/src/simulator/money';
import { isNonProductCode, planReplay, streamReplay } from '../../functions/src/simulator/replay-csv';
import { parsed } from './helpers/measure';
import { DATA, testNeedingShared } from '../helpers/shared';

const UCI = path.join(DATA, 'online_retail/online_retail_uci_2010-12_2011-12.csv');
const CDNOW = path.join(DATA, 'cdnow/CDNOW_sample.txt');
const CDNOW_MASTER = path.join(DATA, 'cdnow/CDNOW_master.txt');

/** An independent count of the simple rules, straight from the text (whole file in memory, no replay code). */
function independentUciCount(text: string) {
  const lines = text.split('\n').slice(1).filter((l) => l !== '');
  const fields = (line: string) => {
    const out: string[] = [];
    const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
    for (let m = re.exec(line); m && m.index < line.length; m = re.exec(line)) out.push(m[1]!);
    return out;
  };
  const invoices = new Set<string>();
  const orderInvoices = new Set<string>();
  const guestOrderInvoices = new Set<string>();
  const orderCustomers = new Set<string>();
  let nonProductRows = 0;
  let productRows = 0;
  let negativeNonC = 0;
  let cancellationGuestRows = 0;
  let cancellationRows = 0;
  let negativePrice = 0;
  for (const line of lines) {
    const [inv, code, , qty, , price, cust] = fields(line) as string[];
    invoices.add(inv!);
    const q = Number(qty);
    if (inv!.startsWith('C')) {
      cancellationRows++;
      if (cust === '') cancellationGuestRows++;
      continue;
    }
    if (q < 0) negativeNonC++;
    else if (Number(price) < 0) negativePrice++;
    else {
      orderInvoices.add(inv!);
      if (cust === '') guestOrderInvoices.add(inv!);
      else orderCustomers.add(String(Number(cust)));
      if (['POST', 'DOT', 'M', 'BANK CHARGES', 'C2', 'PADS', 'CRUK', 'D', 'AMAZONFEE', 'B', 'S'].includes(code!.toUpperCase())) nonProductRows++;
      else productRows++;
    }
  }
  return { rows: lines.length, invoices: invoices.size, orders: orderInvoices.size, guestOrders: guestOrderInvoices.size, customers: orderCustomers.size, nonProductRows, productRows, negativeNonC, cancellationRows, cancellationGuestRows, negativePrice };
}

testNeedingShared(UCI, 'the UCI replay test')(
  'UCI Online Retail: 541,909 rows stream into exactly the orders and refunds the rules give',
  async () => {
    const t0 = Date.now();
    const { deliveries, report } = streamReplay(createReadStream(UCI), { timezone: 'Europe/London', currency: 'GBP' });
    let count = 0;
    let previous = 0;
    let outOfOrder = 0;
    const sample: PlannedDelivery[] = [];
    let peakHeap = 0;
    // Every delivery goes through the landing classification (strict JSON + schema + shop): none is quarantined.
    const quarantined: string[] = [];
    for await (const d of deliveries) {
      count++;
      const at = d.triggeredAt.toISOString();
      const c = classifyEnvelope({ shop: d.shop, topic: d.topic, webhookId: d.webhookId, eventId: d.eventId, apiVersion: '2026-10', triggeredAt: at, receivedAt: at, body: Buffer.from(d.body, 'utf8') });
      if (c.kind === 'quarantine' && quarantined.length < 5) quarantined.push(`${d.webhookId}: ${c.record.reason}`);
      if (d.triggeredAt.getTime() < previous) outOfOrder++;
      previous = d.triggeredAt.getTime();
      if (count % 97 === 1) sample.push(d);
      if (count % 2000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    const ms = Date.now() - t0;
    console.log(`UCI replay: ${count} deliveries in ${ms} ms, peak heap ≈ ${(peakHeap / 1e6).toFixed(0)} MB\n${JSON.stringify(report)}`);

    // The exact numbers of the replay's rules (also reproduced by a separate Python script while writing this test).
    expect(report).toMatchObject({
      rows: 541909,
      invoices: 25900,
      orders: 20726,
      guestOrders: 2190,
      zeroValueOrders: 766,
      customers: 4339,
      refunds: 3790,
      rowsTo: { product_line: 528953, non_product_line: 2330, refund_line: 7570 },
      cappedRefundRows: 170,
      skippedRows: 3056,
      events: { 'orders/create': 20726, 'refunds/create': 3790 },
      firstDate: '2010-12-01 08:26:00',
      lastDate: '2011-12-09 12:50:00',
    });
    expect(report.skipped).toEqual({ negative_quantity: 1336, cancellation_guest: 383, cancellation_no_matching_order: 1306, cancellation_nothing_left_to_refund: 29, negative_price: 2 });
    expect(count).toBe(report.orders + report.refunds);
    expect(outOfOrder).toBe(0); // the file is in date order, and so is the replay

    // Cross-check with the independent count.
    const ind = independentUciCount(readFileSync(UCI, 'utf8'));
    expect(report.rows).toBe(ind.rows);
    expect(report.invoices).toBe(ind.invoices);
    expect(report.orders).toBe(ind.orders);
    expect(report.guestOrders).toBe(ind.guestOrders);
    expect(report.customers).toBe(ind.customers);
    expect(report.rowsTo.non_product_line).toBe(ind.nonProductRows);
    expect(report.rowsTo.product_line).toBe(ind.productRows);
    expect(report.skipped.negative_quantity).toBe(ind.negativeNonC);
    expect(report.skipped.negative_price).toBe(ind.negativePrice);
    expect(report.skipped.cancellation_guest).toBe(ind.cancellationGuestRows);
    expect(report.rowsTo.refund_line + report.skipped.cancellation_guest! + report.skipped.cancellation_no_matching_order! + report.skipped.cancellation_nothing_left_to_refund!).toBe(ind.cancellationRows);
    // 25,900 invoices = orders + C invoices + invoices with nothing kept (all rows negative or priced below zero).
    expect(ind.invoices).toBe(25900);

    expect(quarantined).toEqual([]);
    for (const d of sample) {
      const r = TOPIC_SCHEMAS[d.topic as 'orders/create'].safeParse(parsed(d));
      if (!r.success) throw new Error(`${d.topic}: ${r.error.message}`);
    }
    const first = parsed(sample[0]!) as { id: string; created_at: string; line_items: unknown[]; customer: { tags: string } };
    expect(first.id).toBe(idFromKey('order', '536365'));
    expect(first.created_at).toBe('2010-12-01T08:26:00+00:00');
    expect(first.line_items).toHaveLength(7);
    expect(first.customer.tags).toBe('source-customer-id:17850');
    expect(isNonProductCode('POST')).toBe(true);
    console.log(`UCI replay planned in ${ms.toFixed(0)} ms`); // speed belongs to benchmarks, not assertions
  },
  180_000,
);

testNeedingShared(CDNOW, 'the CDNOW replay test')('CDNOW sample → UCI layout → exactly 6,919 orders of 2,357 customers', async () => {
  const raw = readFileSync(CDNOW, 'utf8');
  const tx = parseCdnow(raw);
  expect(tx).toHaveLength(6919);
  const csv = cdnowToUciCsv(raw);
  // UnitPrice keeps six decimals so that Quantity × UnitPrice gives back the dollars ($29.33 for 2 CDs).
  expect(csv.split('\n')[1]).toBe('100001,CD,CDNOW purchase,2,1997-01-01 12:00:00,14.665,1.0,United States');
  const { deliveries, report } = await planReplay(csv, { timezone: 'America/New_York' });
  expect(report).toMatchObject({ rows: 6919, invoices: 6919, orders: 6919, guestOrders: 0, customers: 2357, refunds: 0, skippedRows: 0 });
  const customers = new Set<string>();
  let cents = 0;
  let maxDrift = 0;
  deliveries.forEach((d, i) => {
    const o = parsed(d) as { customer: { id: string }; total_price: string; created_at: string; line_items: Array<{ quantity: number; sku: string }> };
    customers.add(String(o.customer.id));
    const t = tx[i]!;
    expect(o.created_at.slice(0, 10)).toBe(t.date);
    expect(o.line_items[0]!.sku).toBe('CD');
    // Unit prices are rounded to the cent, so an order total may drift from the dollar value by under half a cent per CD.
    const drift = Math.abs(parseCents(o.total_price) - parseCents(t.dollars));
    maxDrift = Math.max(maxDrift, drift / Math.max(1, t.cds));
    cents += parseCents(o.total_price);
  });
  expect(customers.size).toBe(2357);
  expect(maxDrift).toBeLessThanOrEqual(0.5);
  const dollars = tx.reduce((s, t) => s + parseCents(t.dollars), 0);
  console.log(`CDNOW: ${deliveries.length} orders, ${customers.size} customers, replayed total ${formatCents(cents)} vs ${formatCents(dollars)} in the file`);
});

testNeedingShared(CDNOW_MASTER, 'the CDNOW master replay test')('CDNOW master (header line skipped) → 69,659 orders of 23,570 customers', async () => {
  const { deliveries, report } = streamReplay(cdnowToUciCsv(readFileSync(CDNOW_MASTER, 'utf8')));
  let n = 0;
  for await (const d of deliveries) if (d.topic === 'orders/create') n++;
  expect(n).toBe(69659);
  expect(report).toMatchObject({ orders: 69659, customers: 23570, guestOrders: 0, refunds: 0, skippedRows: 0 });
}, 120_000);
