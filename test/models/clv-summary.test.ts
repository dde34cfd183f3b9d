// Transactions → BG/NBD summary: CDNOW_sample at 1997-09-30 gives cdnow_customers_summary_with_transactions.csv exactly; CSV readers.
import { createReadStream, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { customersFromRfm, formatDay, parseDay, purchaseDaysBetween, readSummaryCsv, readTransactionsCsv, summariseTransactions, type Transaction } from '../../functions/src/models/clv';
import { parseCdnow } from '../../functions/src/simulator/cdnow';
import { testNeedingShared } from '../helpers/shared';

const CDNOW = path.resolve(__dirname, '../../../shared/data/cdnow');
const maybe = testNeedingShared([path.join(CDNOW, 'CDNOW_sample.txt'), path.join(CDNOW, 'cdnow_customers_summary_with_transactions.csv')], 'the CDNOW summary parity');

/** The file's 2-decimal rounding: half up on the decimal value (12 significant digits first, so 32.535 → 32.54). */
const round2 = (v: number) => Math.round(Number((v * 100).toPrecision(12))) / 100;

maybe('CDNOW_sample.txt summarised at 1997-09-30 in weeks equals cdnow_customers_summary_with_transactions.csv for all 2,357 customers', async () => {
  const transactions: Transaction[] = parseCdnow(readFileSync(path.join(CDNOW, 'CDNOW_sample.txt'), 'utf8')).map((t) => ({ customerId: t.customerId, day: parseDay(t.date), amount: Number(t.dollars) }));
  expect(transactions).toHaveLength(6919);
  const ours = summariseTransactions(transactions, { end: parseDay('1997-09-30'), unit: 'week' });
  const want = (await readSummaryCsv(createReadStream(path.join(CDNOW, 'cdnow_customers_summary_with_transactions.csv')))).customers;
  expect(ours).toHaveLength(2357);
  const byId = new Map(ours.map((c) => [c.id, c]));
  const mismatches: string[] = [];
  for (const w of want) {
    const o = byId.get(w.id);
    const got = o && { frequency: o.frequency, recency: round2(o.recency), T: round2(o.T), monetary: round2(o.monetary!) };
    if (!got || got.frequency !== w.frequency || got.recency !== w.recency || got.T !== w.T || got.monetary !== w.monetary) mismatches.push(`${w.id}: want ${JSON.stringify(w)} got ${JSON.stringify(got)}`);
  }
  expect(mismatches.slice(0, 10)).toEqual([]);
  // Holdout: purchase days in weeks 40–78.
  const holdout = purchaseDaysBetween(transactions, parseDay('1997-09-30'), parseDay('1998-06-30'));
  expect([...holdout.values()].reduce((s, v) => s + v, 0)).toBe(1882);
});

test('the BG/NBD convention in days: same-day transactions merge, the first day is not a repeat, later transactions are ignored', () => {
  const d = parseDay;
  const tx: Transaction[] = [
    { customerId: 'a', day: d('2024-01-01'), amount: 10 },
    { customerId: 'a', day: d('2024-01-01'), amount: 5 }, // same day as the first: not a repeat, not in monetary
    { customerId: 'a', day: d('2024-01-11'), amount: 20 },
    { customerId: 'a', day: d('2024-01-11'), amount: 4 }, // same day: summed → 24
    { customerId: 'a', day: d('2024-01-21'), amount: 0 }, // zero-value purchase still counts
    { customerId: 'a', day: d('2024-03-01'), amount: 99 }, // after the end
    { customerId: 'b', day: d('2024-01-30'), amount: 7 },
    { customerId: 'c', day: d('2024-02-15'), amount: 7 }, // first purchase after the end: not a customer yet
  ];
  const days = summariseTransactions(tx, { end: d('2024-01-31'), unit: 'day' });
  expect(days).toEqual([
    { id: 'a', frequency: 2, recency: 20, T: 30, monetary: 12 },
    { id: 'b', frequency: 0, recency: 0, T: 1, monetary: 0 },
  ]);
  const weeks = summariseTransactions(tx, { end: d('2024-01-31'), unit: 'week' });
  expect(weeks[0]).toEqual({ id: 'a', frequency: 2, recency: 20 / 7, T: 30 / 7, monetary: 12 });
  expect(Object.fromEntries(purchaseDaysBetween(tx, d('2024-01-11'), d('2024-03-01')))).toEqual({ a: 2, b: 1, c: 1 });
});

test('dates: ISO days with or without a time, compact dates, real calendar days only', () => {
  expect(formatDay(parseDay('1997-09-30'))).toBe('1997-09-30');
  expect(parseDay('1997-09-30 23:59:59')).toBe(parseDay('1997-09-30'));
  expect(parseDay('1997-09-30T23:59:59-05:00')).toBe(parseDay('1997-09-30'));
  expect(parseDay('19970930')).toBe(parseDay('1997-09-30'));
  expect(parseDay('1998-06-30') - parseDay('1997-09-30')).toBe(273);
  for (const bad of ['1997-02-30', '30/09/1997', '', '1997-9-30', 'yesterday']) expect(Number.isNaN(parseDay(bad))).toBe(true);
});

async function rejects(p: Promise<unknown>): Promise<ShopMlopsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ShopMlopsError);
    return e as ShopMlopsError;
  }
  throw new Error('expected a rejection');
}

test('the CSV readers take lifetimes names, ignore extra columns and name the line of a bad row', async () => {
  const t = await readTransactionsCsv('order,customer_id,date,amount\n1,x,2024-01-01,10.5\n2,"y, z",2024-01-03 10:00:00,0\n', 'tx.csv');
  expect(t.transactions).toEqual([
    { customerId: 'x', day: parseDay('2024-01-01'), amount: 10.5 },
    { customerId: 'y, z', day: parseDay('2024-01-03'), amount: 0 },
  ]);
  expect(formatDay(t.lastDay)).toBe('2024-01-03');
  const s = await readSummaryCsv('ID,x,t_x,T,monetary_value\n1,2,30.43,38.86,22.35\n2,0,0,38.86,0\n', 's.csv');
  expect(s.customers[0]).toEqual({ id: '1', frequency: 2, recency: 30.43, T: 38.86, monetary: 22.35 });
  expect((await readSummaryCsv('customer_id,frequency,recency,T\n1,0,0,3\n')).hasMonetary).toBe(false);

  const cases: [Promise<unknown>, RegExp][] = [
    [readTransactionsCsv('customer_id,date\nx,2024-01-01\n', 'f.csv'), /^f\.csv: line 1: missing column\(s\) amount/],
    [readTransactionsCsv('customer_id,date,amount\nx,2024-01-01,1\nx,2024-13-01,1\n', 'f.csv'), /^f\.csv: line 3: date is not a date/],
    [readTransactionsCsv('customer_id,date,amount\nx,2024-01-01,-3\n', 'f.csv'), /^f\.csv: line 2: amount must be ≥ 0/],
    [readTransactionsCsv('customer_id,date,amount\nx,2024-01-01,abc\n', 'f.csv'), /^f\.csv: line 2: amount is not a number/],
    [readTransactionsCsv('customer_id,date,amount\nx,2024-01-01\n', 'f.csv'), /^f\.csv: line 2: expected 3 fields/],
    [readSummaryCsv('ID,x,t_x,T\n1,1.5,1,2\n', 's.csv'), /^s\.csv: line 2: frequency must be a whole number/],
    [readSummaryCsv('ID,x,t_x,T\n1,1,3,2\n', 's.csv'), /^s\.csv: line 2: T must be ≥ recency/],
    [readSummaryCsv('ID,x,t_x,T\n1,1,1,2\n1,0,0,2\n', 's.csv'), /^s\.csv: line 3: customer_id 1 already on line 2/],
    [readSummaryCsv('ID,frequency,T\n1,1,2\n', 's.csv'), /missing column\(s\) recency\/t_x/],
  ];
  for (const [p, re] of cases) {
    const e = await rejects(p);
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(re);
  }
  expect((await rejects(readTransactionsCsv('customer_id,date,amount\n'))).code).toBe('UNPROCESSABLE');
});

test('customer_rfm rows (days, numbers possibly as strings) become CLV customers in days', () => {
  expect(customersFromRfm([
    { customer_id: '820982911946154508', frequency: '2', recency_days: 20, age_days: '30', monetary: '12.5' },
    { customer_id: 7, frequency: 0, recency_days: 0, age_days: 1, monetary: null },
  ])).toEqual([
    { id: '820982911946154508', frequency: 2, recency: 20, T: 30, monetary: 12.5 },
    { id: '7', frequency: 0, recency: 0, T: 1 },
  ]);
});
