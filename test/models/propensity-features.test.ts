// The propensity model's RFM is the reference's (one TypeScript RFM, held to the SQL by test/features/reference.test.ts); its labels equal the reference's; the UCI reader cleans as documented.
import path from 'node:path';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { propensityRows, purchaseDays, rfmSnapshot, segmentOf, type Transaction } from '../../functions/src/models/propensity/rfm-snapshot';
import { parsePropensityRows } from '../../functions/src/models/propensity/rows';
import { readUciTransactions, readUciTransactionsFile } from '../../functions/src/models/propensity/uci-transactions';
import { planStore } from '../../functions/src/simulator/plan-store';
import { computeReference, type RawDelivery } from '../features/reference/reference-features';
import { testNeedingShared } from '../helpers/shared';

const UCI = path.resolve(__dirname, '../../../shared/data/online_retail/online_retail_uci_2010-12_2011-12.csv');
const maybeUci = testNeedingShared(UCI, 'the UCI reader test');

test('propensityRows: the RFM the reference holds to the SQL, and labels equal the reference of customer_labels on a simulated store', () => {
  const TZ = 'America/New_York';
  const SNAPSHOT = '2026-05-03';
  const plan = planStore({ days: 150, seed: 'reference-2026', timezone: TZ, shop: 'reference-store.myshopify.com', startDate: '2026-01-05', duplicates: true });
  const raw: RawDelivery[] = plan.deliveries.map((d) => ({ shop: d.shop, topic: d.topic, webhook_id: d.webhookId, event_id: d.eventId, triggered_at: d.triggeredAt.toISOString(), received_at: d.triggeredAt.toISOString(), payload: d.body }));
  const ref = computeReference(raw, { timezone: TZ, snapshotDate: SNAPSHOT });
  // the reference's orders → our transactions: included orders of known customers, value = product lines net of refunds
  const transactions: Transaction[] = [];
  for (const o of ref.orders.values()) {
    if (!o.isIncluded || o.customerId === null) continue;
    const micros = o.lines.filter((l) => !l.isNonProduct).reduce((s, l) => s + l.grossMicros - l.refundedMicros, 0);
    transactions.push({ customerId: o.customerId, day: o.orderDate, value: micros / 1e6 });
  }
  const rows = propensityRows(transactions, SNAPSHOT, { observedThrough: '2026-06-03' });
  expect(rows.length).toBe(ref.rfm.size);
  expect(rows.length).toBeGreaterThan(500);
  const mismatches: string[] = [];
  for (const r of rows) {
    const e = ref.rfm.get(r.customer_id);
    const l = ref.labels.get(r.customer_id);
    if (!e || !l) {
      mismatches.push(`${r.customer_id}: not in the reference`);
      continue;
    }
    // propensityRows adds the labels to rfmSnapshot's rows: the reference's customer_rfm (rfmSnapshot on its own reading of the orders)
    for (const f of ['frequency', 'recency_days', 'age_days', 'days_since_last', 'r_score', 'f_score', 'm_score', 'segment', 'monetary'] as const) {
      if (r[f] !== e[f]) mismatches.push(`${r.customer_id} ${f}: ${r[f]} vs reference ${e[f]}`);
    }
    if (r.bought_within_30d !== l.bought_within_30d) mismatches.push(`${r.customer_id} bought_within_30d: ${r.bought_within_30d} vs ${l.bought_within_30d}`);
    if (r.label_complete !== l.label_complete) mismatches.push(`${r.customer_id} label_complete: ${r.label_complete} vs ${l.label_complete}`);
  }
  expect(mismatches.slice(0, 10)).toEqual([]);
  // the store exercises what matters: repeat buyers, buyers in the window, most segments, ties in every score
  expect(rows.filter((r) => r.frequency > 0).length).toBeGreaterThan(100);
  expect(rows.filter((r) => r.bought_within_30d).length).toBeGreaterThan(50);
  expect(new Set(rows.map((r) => r.segment)).size).toBeGreaterThanOrEqual(6);
  // rfmSnapshot alone gives the same features
  expect(rfmSnapshot(transactions, SNAPSHOT).map((r) => [r.customer_id, r.r_score, r.f_score, r.m_score])).toEqual(rows.map((r) => [r.customer_id, r.r_score, r.f_score, r.m_score]));
});

test('m_score ties equal means exactly (30.15 / 3 = 10.05) and breaks ties by customer_id, as the SQL and the reference do', () => {
  // the reference test's tie store: A and B both spend 10.05 per repeat day; ids A < B
  const buys: Record<string, Array<[number, number]>> = {
    '7000000000000000001': [[1, 1], [5, 1], [12, 1]],
    '7000000000000000002': [[1, 1], [2, 1], [3, 1], [4, 1]],
    '7000000000000000003': [[1, 1]],
    '7000000000000000004': [[1, 1], [2, 2]],
    '7000000000000000005': [[1, 1], [2, 3]],
  };
  const tx: Transaction[] = Object.entries(buys).flatMap(([customerId, list]) => list.map(([day, units]) => ({ customerId, day: `2024-03-${String(day).padStart(2, '0')}`, value: (1005 * units) / 100 })));
  const rows = rfmSnapshot(tx, '2024-03-10');
  expect(rows.map((r) => [r.customer_id.slice(-1), r.frequency, r.monetary, r.m_score])).toEqual([
    ['1', 1, 10.05, 2],
    ['2', 3, 30.15 / 3, 3],
    ['3', 0, 0, 1],
    ['4', 1, 20.1, 4],
    ['5', 1, 30.15, 5],
  ]);
  // the purchase on 2024-03-12 is after the snapshot: customer 1 has one repeat day (03-05), recency 4, 5 days since
  expect(rows[0]).toMatchObject({ recency_days: 4, age_days: 9, days_since_last: 5 });
});

test('NTILE(5) of 7 customers gives buckets of 2, 2, 1, 1, 1; r is ordered by days since last purchase descending, ties by id', () => {
  // one purchase each (frequency 0, monetary 0): f and m order by customer_id only
  const days = ['2024-01-01', '2024-01-01', '2024-01-03', '2024-01-05', '2024-01-05', '2024-01-06', '2024-01-07'];
  const tx: Transaction[] = days.map((day, i) => ({ customerId: `c${7 - i}`, day, value: 10 }));
  const rows = rfmSnapshot(tx, '2024-01-10');
  const by = new Map(rows.map((r) => [r.customer_id, r]));
  // ids ascending: c1 … c7; f and m follow id order exactly
  expect(rows.map((r) => r.customer_id)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
  expect(rows.map((r) => r.f_score)).toEqual([1, 1, 2, 2, 3, 4, 5]);
  expect(rows.map((r) => r.m_score)).toEqual([1, 1, 2, 2, 3, 4, 5]);
  // days since last: c7, c6 = 9 (tie: c6 first) → 1, 1; c5 = 7 → 2; c4, c3 = 5 (c3 first) → 2, 3; c2 = 4 → 4; c1 = 3 → 5
  expect(['c6', 'c7', 'c5', 'c3', 'c4', 'c2', 'c1'].map((c) => by.get(c)!.r_score)).toEqual([1, 1, 2, 2, 3, 4, 5]);
  expect(by.get('c1')!.segment).toBe(segmentOf(5, 1, 1));
  expect(segmentOf(5, 1, 1)).toBe('New');
});

test('the segment map is the documented first-matching rule', () => {
  expect(segmentOf(4, 4, 3)).toBe('Champions'); // FM = ceil(3.5) = 4
  expect(segmentOf(3, 3, 2)).toBe('Loyal'); // FM 3
  expect(segmentOf(5, 1, 2)).toBe('Potential loyalists'); // FM 2
  expect(segmentOf(2, 5, 5)).toBe('Cannot lose');
  expect(segmentOf(1, 3, 3)).toBe('At risk');
  expect(segmentOf(2, 1, 2)).toBe('Hibernating');
  expect(segmentOf(1, 2, 1)).toBe('Lost');
});

test('labels: a purchase on a day in (S, S + 30]; label_complete only when the data runs past S + 30', () => {
  const tx: Transaction[] = [
    { customerId: 'a', day: '2024-01-01', value: 1 },
    { customerId: 'a', day: '2024-01-31', value: 1 }, // S + 30: inside
    { customerId: 'b', day: '2024-01-01', value: 1 },
    { customerId: 'b', day: '2024-02-01', value: 1 }, // S + 31: outside
    { customerId: 'c', day: '2024-01-02', value: 1 }, // after S: not a member
  ];
  const rows = propensityRows(tx, '2024-01-01');
  expect(rows.map((r) => [r.customer_id, r.bought_within_30d, r.label_complete])).toEqual([
    ['a', true, true],
    ['b', false, true],
  ]);
  expect(propensityRows(tx, '2024-01-02').every((r) => r.label_complete === false)).toBe(true); // data ends 2024-02-01 = S + 30
  expect(() => rfmSnapshot(tx, '2024-02-30')).toThrow(ShopMlopsError);
  expect(() => rfmSnapshot([{ customerId: 'x', day: '2024-1-1', value: 1 }], '2024-01-10')).toThrow(/transaction 1: day/);
});

test('parsePropensityRows takes warehouse output (INT64 as strings) and names the bad row and field', () => {
  const [row] = parsePropensityRows([
    { shop: 's', snapshot_date: '2024-01-31', customer_id: '7', frequency: '2', recency_days: '10', age_days: '20', days_since_last: '10', monetary: 12.5, r_score: '3', f_score: 4, m_score: 5, segment: 'Loyal', bought_within_30d: true, label_complete: 'true' },
  ]);
  expect(row).toMatchObject({ frequency: 2, r_score: 3, label_complete: true });
  expect(() => parsePropensityRows([{ ...row, r_score: 6 }])).toThrow(/row 1: field r_score/);
  expect(() => parsePropensityRows([row, { ...row, segment: 'VIP' }])).toThrow(/row 2: field segment/);
});

test('readUciTransactions: guests, C invoices and Quantity ≤ 0 dropped; one order per invoice on its UTC day; postage not in the value', async () => {
  const csv = [
    'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
    '1001,A,"thing, with comma",2,2011-01-05 10:00:00,1.25,17850.0,UK',
    '1001,POST,postage,1,2011-01-05 10:00:00,18.00,17850.0,UK',
    '1001,B1,other,3,2011-01-05 10:00:00,0.335,17850.0,UK',
    '1002,A,thing,1,2011-01-05 23:59:00,1.25,,UK',
    'C1003,A,thing,-1,2011-01-06 09:00:00,1.25,17850.0,UK',
    '1004,A,thing,0,2011-01-07 09:00:00,1.25,12346.0,UK',
    '1005,A,thing,4,2011-01-08 09:00:00,0,12346.0,UK',
  ].join('\n');
  const { transactions, report } = await readUciTransactions(csv);
  expect(transactions).toEqual([
    { customerId: '17850', day: '2011-01-05', value: 2 * 1.25 + 3 * 0.335 },
    { customerId: '12346', day: '2011-01-08', value: 0 },
  ]);
  expect(report).toMatchObject({ rows: 7, guestRows: 1, cancellationRows: 1, nonPositiveQuantityRows: 1, nonProductRows: 1, invoices: 2, customers: 2 });
  await expect(readUciTransactions(csv.replace('2011-01-08 09:00:00', '08/01/2011'))).rejects.toThrow(/record 8: field InvoiceDate/);
  await expect(readUciTransactions('a,b\n1,2')).rejects.toThrow(/line 1: expected header/);
});

maybeUci('the UCI file: 18,536 kept invoices of 4,339 customers; the 2011-09-30 snapshot has 3,616 customers, 977 buy within 30 days (counted independently)', async () => {
  const { transactions, report } = await readUciTransactionsFile(UCI);
  expect(report).toMatchObject({ rows: 541_909, guestRows: 135_080, invoices: 18_536, customers: 4_339, firstDay: '2010-12-01', lastDay: '2011-12-09' });
  const rows = propensityRows(purchaseDays(transactions), '2011-09-30');
  expect(rows.length).toBe(3_616);
  expect(rows.filter((r) => r.bought_within_30d).length).toBe(977);
  expect(rows.reduce((s, r) => s + r.frequency, 0)).toBe(8_340);
  expect(rows.every((r) => r.label_complete)).toBe(true);
  // customer 12347: purchase days 2010-12-07, 2011-01-26, 04-07, 06-09, 08-02 (product value 711.79, 475.39, 636.25, 382.52, 584.91)
  const c = rows.find((r) => r.customer_id === '12347')!;
  expect(c).toMatchObject({ frequency: 4, recency_days: 238, age_days: 297, days_since_last: 59 });
  expect(c.monetary).toBeCloseTo((475.39 + 636.25 + 382.52 + 584.91) / 4, 9);
});
