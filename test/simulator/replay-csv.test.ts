// Replay of a hand-written UCI Online Retail CSV: one invoice per rule, exact report and payloads.
import { readFileSync, createReadStream } from 'node:fs';
import path from 'node:path';
import { TOPIC_SCHEMAS } from '../../functions/src/core/topics';
import { idFromKey } from '../../functions/src/simulator/ids';
import { isNonProductCode, normaliseCustomerId, planReplay } from '../../functions/src/simulator/replay-csv';
import { parsed } from './helpers/measure';

const FIXTURE = path.join(__dirname, '../fixtures/replay/small-online-retail.csv');
const text = readFileSync(FIXTURE, 'utf8');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('planReplay on the hand-written fixture', () => {
  test('report: every row accounted for, by rule', async () => {
    const { deliveries, report } = await planReplay(text);
    expect(report).toMatchObject({
      rows: 17,
      invoices: 11,
      orders: 4,
      guestOrders: 1,
      zeroValueOrders: 1,
      customers: 2,
      refunds: 3,
      rowsTo: { product_line: 6, non_product_line: 2, refund_line: 3 },
      cappedRefundRows: 1,
      skippedRows: 6,
      events: { 'orders/create': 4, 'refunds/create': 3 },
      firstDate: '2011-01-10 09:00:00',
      lastDate: '2011-08-12 14:51:00',
    });
    expect(report.skipped).toEqual({
      negative_quantity: 1,
      cancellation_no_matching_order: 1,
      cancellation_guest: 1,
      cancellation_nothing_left_to_refund: 1,
      invalid_row: 1,
      negative_price: 1,
    });
    const lines = report.rowsTo.product_line + report.rowsTo.non_product_line + report.rowsTo.refund_line;
    expect(lines + report.skippedRows).toBe(report.rows);
    expect(deliveries.map((d) => d.topic)).toEqual(['orders/create', 'orders/create', 'orders/create', 'refunds/create', 'orders/create', 'refunds/create', 'refunds/create']);
    for (const d of deliveries) expect(TOPIC_SCHEMAS[d.topic as 'orders/create'].safeParse(parsed(d)).success).toBe(true);
  });

  test('an invoice becomes an order: ids from the keys, customer from CustomerID, non-product lines marked', async () => {
    const { deliveries } = await planReplay(text);
    const o = parsed(deliveries[0]!) as Json;
    expect(o.id).toBe(idFromKey('order', '500001'));
    expect(deliveries[0]!.body).toContain(`"id":${idFromKey('order', '500001')},`);
    expect(o.name).toBe('#500001');
    expect(o.created_at).toBe('2011-01-10T09:00:00+00:00');
    expect(o.processed_at).toBe(o.created_at);
    expect(String(o.customer.id)).toBe('12345'); // the CustomerID is the customer's id
    expect(o.customer.tags).toBe('source-customer-id:12345');
    expect(o.total_price).toBe('45.03');
    expect(o.test).toBe(false);
    const [heart, lantern, tins, post] = o.line_items as Json[];
    expect(heart).toMatchObject({ sku: '85123A', quantity: 6, price: '2.55', product_exists: true, requires_shipping: true, properties: [] });
    expect(heart!.variant_id).toBe(idFromKey('variant', '85123A'));
    expect(heart!.product_id).toBe(idFromKey('product', '85123A'));
    expect(lantern!.sku).toBe('71053');
    expect(tins!.title).toBe('SET OF 3 CAKE TINS, PANTRY DESIGN');
    expect(post).toMatchObject({ sku: 'POST', product_exists: false, requires_shipping: false, variant_id: null, product_id: null, properties: [{ name: '_non_product', value: 'true' }] });
    // The same StockCode maps to the same variant in a later order.
    const later = parsed(deliveries[4]!) as Json;
    expect(later.line_items[0].variant_id).toBe(heart!.variant_id);
  });

  test('guest orders have no customer; lowercase `m` is non-product; zero-priced orders are kept', async () => {
    const { deliveries } = await planReplay(text);
    const guest = parsed(deliveries[1]!) as Json;
    expect(guest.customer).toBeNull();
    expect(guest.email).toBeNull();
    expect(guest.line_items[1]).toMatchObject({ sku: 'm', product_exists: false, variant_id: null });
    const zero = parsed(deliveries[2]!) as Json;
    expect(zero.total_price).toBe('0.00');
    expect(String(zero.customer.id)).toBe('12346');
    expect(zero.billing_address.country).toBe('France');
  });

  test('C invoices refund the latest earlier order with that StockCode, capped at what remains', async () => {
    const { deliveries } = await planReplay(text);
    const first = parsed(deliveries[0]!) as Json;
    const second = parsed(deliveries[4]!) as Json;
    const r1 = parsed(deliveries[3]!) as Json;
    expect(r1.order_id).toBe(first.id);
    expect(r1.refund_line_items).toHaveLength(1);
    expect(r1.refund_line_items[0]).toMatchObject({ quantity: 2, subtotal: 5.1 });
    expect(r1.refund_line_items[0].line_item_id).toBe(first.line_items[0].id);
    expect(r1.created_at).toBe('2011-02-05T16:00:00+00:00');
    const r2 = parsed(deliveries[5]!) as Json;
    expect(r2.order_id).toBe(second.id);
    expect(r2.refund_line_items[0]).toMatchObject({ quantity: 1 }); // asked 3, one was left on that order
    expect(r2.transactions[0].amount).toBe('2.95');
    const r3 = parsed(deliveries[6]!) as Json;
    expect(r3.order_id).toBe(idFromKey('order', '500003'));
    expect(r3.transactions[0].amount).toBe('0.00');
    for (const d of deliveries.filter((x) => x.topic === 'refunds/create')) {
      const order = deliveries.find((x) => x.topic === 'orders/create' && String(parsed(x).id) === String(parsed(d).order_id))!;
      expect(d.triggeredAt.getTime()).toBeGreaterThan(order.triggeredAt.getTime());
    }
  });

  test('InvoiceDate is read in the given time zone and written with its offset', async () => {
    const ny = await planReplay(text, { timezone: 'America/New_York' });
    const utc = await planReplay(text);
    const winter = parsed(ny.deliveries[0]!) as Json;
    const summer = parsed(ny.deliveries[4]!) as Json;
    expect(winter.created_at).toBe('2011-01-10T09:00:00-05:00');
    expect(summer.created_at).toBe('2011-06-15T10:00:00-04:00');
    expect(ny.deliveries[0]!.triggeredAt.toISOString()).toBe('2011-01-10T14:00:00.000Z');
    expect(utc.deliveries[0]!.triggeredAt.toISOString()).toBe('2011-01-10T09:00:00.000Z');
    const london = await planReplay(text, { timezone: 'Europe/London' });
    expect((parsed(london.deliveries[4]!) as Json).created_at).toBe('2011-06-15T10:00:00+01:00');
  });

  test('deterministic ids and webhook ids; streams give the same result as text', async () => {
    const a = await planReplay(text);
    const b = await planReplay(createReadStream(FIXTURE, { highWaterMark: 37 }));
    expect(b.deliveries.map((d) => [d.body, d.webhookId, d.eventId])).toEqual(a.deliveries.map((d) => [d.body, d.webhookId, d.eventId]));
    expect(b.report).toEqual(a.report);
  });

  test('rules in isolation', () => {
    expect(normaliseCustomerId('17850.0')).toBe('17850');
    expect(normaliseCustomerId('')).toBeNull();
    expect(normaliseCustomerId('  ')).toBeNull();
    for (const c of ['POST', 'DOT', 'M', 'm', 'BANK CHARGES', 'C2', 'PADS', 'CRUK', 'D', 'AMAZONFEE', 'B', 'S']) expect(isNonProductCode(c)).toBe(true);
    for (const c of ['85123A', '22423', 'DCGS0003', 'gift_0001_20', 'CD', 'POST2']) expect(isNonProductCode(c)).toBe(false);
  });

  test('rejects a file with another layout', async () => {
    await expect(planReplay('a,b,c\n1,2,3\n')).rejects.toThrow(/expected the UCI Online Retail header/);
  });
});
