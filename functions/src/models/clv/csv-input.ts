// Reads the CLV CSV inputs (transactions or per-customer summaries), validated with zod; errors name the file line.
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import { csvRecords, type CsvSource } from '../../simulator/csv-records';
import { parseDay } from './days';
import type { Transaction } from './summary';
import type { ClvCustomer } from './types';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const number = (what: string) =>
  z
    .string()
    .trim()
    .regex(NUMBER, { message: `${what} is not a number` })
    .transform(Number)
    .pipe(z.number().finite({ message: `${what} is not finite` }));
const nonNegative = (what: string) => number(what).pipe(z.number().min(0, { message: `${what} must be ≥ 0` }));

const transactionRow = z.object({
  customer_id: z.string().trim().min(1, { message: 'customer_id is empty' }),
  date: z
    .string()
    .transform((s) => parseDay(s))
    .refine((d) => !Number.isNaN(d), { message: 'date is not a date (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or YYYYMMDD)' }),
  amount: nonNegative('amount'),
});

const summaryRow = z
  .object({
    customer_id: z.string().trim().min(1, { message: 'customer_id is empty' }),
    frequency: nonNegative('frequency').pipe(z.number().int({ message: 'frequency must be a whole number' })),
    recency: nonNegative('recency'),
    T: nonNegative('T'),
    monetary: nonNegative('monetary').optional(),
  })
  .refine((r) => r.T >= r.recency, { message: 'T must be ≥ recency' });

/** Accepted header names per field (compared case-insensitively), lifetimes' names included. */
const TRANSACTION_COLUMNS = { customer_id: ['customer_id', 'id'], date: ['date'], amount: ['amount'] } as const;
const SUMMARY_COLUMNS = {
  customer_id: ['customer_id', 'id'],
  frequency: ['frequency', 'x'],
  recency: ['recency', 't_x'],
  T: ['t'],
  monetary: ['monetary', 'zbar', 'monetary_value'],
} as const;

function bad(file: string, message: string): ShopMlopsError {
  return new ShopMlopsError('BAD_REQUEST', `${file}: ${message}`);
}

/** Column index per field from the header; throws naming the missing required columns. */
function columns<K extends string>(file: string, header: string[], spec: Record<K, readonly string[]>, optional: readonly K[]): Record<K, number> {
  const names = header.map((h) => h.trim().replace(/^\uFEFF/, '').toLowerCase());
  const out = {} as Record<K, number>;
  const missing: string[] = [];
  for (const [field, aliases] of Object.entries(spec) as [K, readonly string[]][]) {
    const i = names.findIndex((n) => aliases.includes(n));
    out[field] = i;
    if (i < 0 && !optional.includes(field)) missing.push(aliases.join('/'));
  }
  if (missing.length > 0) throw bad(file, `line 1: missing column(s) ${missing.join(', ')} (header: ${header.join(',')})`);
  return out;
}

async function* rows<K extends string>(file: string, source: CsvSource, spec: Record<K, readonly string[]>, optional: readonly K[]): AsyncGenerator<{ line: number; raw: Partial<Record<K, string>> }> {
  let cols: Record<K, number> | null = null;
  let width = 0;
  let line = 0;
  for await (const rec of csvRecords(source)) {
    line++;
    if (!cols) {
      cols = columns(file, rec, spec, optional);
      width = rec.length;
      continue;
    }
    if (rec.length === 1 && rec[0]!.trim() === '') continue;
    if (rec.length !== width) throw bad(file, `line ${line}: expected ${width} fields as in the header, got ${rec.length}`);
    const raw: Partial<Record<K, string>> = {};
    for (const k of Object.keys(cols) as K[]) if (cols[k] >= 0) raw[k] = rec[cols[k]]!;
    yield { line, raw };
  }
  if (!cols) throw bad(file, 'empty file (expected a header line)');
}

function explain(file: string, line: number, err: z.ZodError): ShopMlopsError {
  const first = err.issues[0]!;
  return bad(file, `line ${line}: ${first.message}`);
}

export interface TransactionsFile {
  transactions: Transaction[];
  /** First and last transaction day (days since 1970-01-01); NaN when the file has no rows. */
  firstDay: number;
  lastDay: number;
}

/** `customer_id,date,amount` (other columns ignored): one line per transaction, dates as calendar days. */
export async function readTransactionsCsv(source: CsvSource, file = 'transactions'): Promise<TransactionsFile> {
  const transactions: Transaction[] = [];
  let firstDay = Infinity;
  let lastDay = -Infinity;
  for await (const { line, raw } of rows(file, source, TRANSACTION_COLUMNS, [])) {
    const res = transactionRow.safeParse(raw);
    if (!res.success) throw explain(file, line, res.error);
    const { customer_id, date, amount } = res.data;
    transactions.push({ customerId: customer_id, day: date, amount });
    if (date < firstDay) firstDay = date;
    if (date > lastDay) lastDay = date;
  }
  if (transactions.length === 0) throw new ShopMlopsError('UNPROCESSABLE', `${file}: no transactions`);
  return { transactions, firstDay, lastDay };
}

export interface SummaryFile {
  customers: ClvCustomer[];
  hasMonetary: boolean;
}

/** `customer_id,frequency,recency,T[,monetary]` (or lifetimes' `ID,x,t_x,T,zbar` / `monetary_value`): one line per customer. */
export async function readSummaryCsv(source: CsvSource, file = 'summary'): Promise<SummaryFile> {
  const customers: ClvCustomer[] = [];
  const seen = new Map<string, number>();
  let hasMonetary = false;
  for await (const { line, raw } of rows(file, source, SUMMARY_COLUMNS, ['monetary'])) {
    hasMonetary = raw.monetary !== undefined;
    const res = summaryRow.safeParse(raw);
    if (!res.success) throw explain(file, line, res.error);
    const r = res.data;
    const before = seen.get(r.customer_id);
    if (before !== undefined) throw bad(file, `line ${line}: customer_id ${r.customer_id} already on line ${before}`);
    seen.set(r.customer_id, line);
    customers.push({ id: r.customer_id, frequency: r.frequency, recency: r.recency, T: r.T, ...(r.monetary !== undefined ? { monetary: r.monetary } : {}) });
  }
  if (customers.length === 0) throw new ShopMlopsError('UNPROCESSABLE', `${file}: no customers`);
  return { customers, hasMonetary };
}
