// Reads the UCI Online Retail CSV into included orders of known customers (one transaction per invoice) for rfmSnapshot.
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import { csvRecords, type CsvSource } from '../../simulator/csv-records';
import { isNonProductCode, normaliseCustomerId } from '../../simulator/replay-csv';
import type { CatalogLine } from './catalog-mix';
import type { Transaction } from './rfm-snapshot';

const HEADER = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'] as const;

const rowSchema = z.object({
  InvoiceNo: z.string().min(1),
  StockCode: z.string().min(1),
  Quantity: z.string().regex(/^-?\d+$/, 'not an integer'),
  InvoiceDate: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/, 'not YYYY-MM-DD HH:MM:SS'),
  UnitPrice: z.string().regex(/^-?\d+(\.\d{1,6})?$/, 'not a decimal with at most 6 places'),
  CustomerID: z.string().regex(/^(\d+(\.0*)?)?$/, 'not a numeric customer id'),
});

export interface UciReadReport {
  rows: number;
  guestRows: number;
  cancellationRows: number;
  nonPositiveQuantityRows: number;
  negativePriceRows: number;
  /** Kept rows of non-product stock codes (postage, fees): the invoice counts as an order, their value does not. */
  nonProductRows: number;
  invoices: number;
  customers: number;
  firstDay: string | null;
  lastDay: string | null;
}

/**
 * Cleaning (the data README's rules): rows without CustomerID, `C` (cancellation) invoices and Quantity ≤ 0 are dropped;
 * an invoice is one order of its first row's customer on the UTC day of its first row; its value is Σ Quantity × UnitPrice
 * over its product lines, exact in millionths (non-product codes as the replay defines them are left out of the value, as
 * the data contract leaves postage and fees out of the order value). Cancellations are not netted (they are dropped).
 */
export async function readUciTransactions(source: CsvSource): Promise<{ transactions: Transaction[]; lines: CatalogLine[]; report: UciReadReport }> {
  const report: UciReadReport = { rows: 0, guestRows: 0, cancellationRows: 0, nonPositiveQuantityRows: 0, negativePriceRows: 0, nonProductRows: 0, invoices: 0, customers: 0, firstDay: null, lastDay: null };
  const invoices = new Map<string, { customerId: string; day: string; micros: number }>();
  // product lines for the catalog terms (on the invoice's day and customer)
  const lines: CatalogLine[] = [];
  let line = 0;
  for await (const rec of csvRecords(source)) {
    line++;
    if (line === 1) {
      if (rec.length !== HEADER.length || HEADER.some((h, i) => rec[i]!.trim() !== h)) throw new ShopMlopsError('BAD_REQUEST', `UCI CSV line 1: expected header ${HEADER.join(',')}, got ${rec.join(',')}`);
      continue;
    }
    if (rec.length !== HEADER.length) throw new ShopMlopsError('BAD_REQUEST', `UCI CSV record ${line}: expected ${HEADER.length} fields, got ${rec.length}`);
    report.rows++;
    const parsed = rowSchema.safeParse({ InvoiceNo: rec[0]!.trim(), StockCode: rec[1]!.trim(), Quantity: rec[3]!.trim(), InvoiceDate: rec[4]!.trim(), UnitPrice: rec[5]!.trim(), CustomerID: rec[6]!.trim() });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ShopMlopsError('BAD_REQUEST', `UCI CSV record ${line}: field ${issue.path.join('.')}: ${issue.message}`);
    }
    const r = parsed.data;
    const customerId = normaliseCustomerId(r.CustomerID);
    if (customerId === null) {
      report.guestRows++;
      continue;
    }
    if (r.InvoiceNo.startsWith('C')) {
      report.cancellationRows++;
      continue;
    }
    const quantity = Number(r.Quantity);
    if (quantity <= 0) {
      report.nonPositiveQuantityRows++;
      continue;
    }
    const [whole, frac = ''] = r.UnitPrice.replace('-', '').split('.') as [string, string?];
    const priceMicros = (Number(whole) * 1_000_000 + Number(frac.padEnd(6, '0'))) * (r.UnitPrice.startsWith('-') ? -1 : 1);
    if (priceMicros < 0) {
      report.negativePriceRows++;
      continue;
    }
    const nonProduct = isNonProductCode(r.StockCode);
    if (nonProduct) report.nonProductRows++;
    let inv = invoices.get(r.InvoiceNo);
    if (!inv) {
      const day = r.InvoiceDate.slice(0, 10);
      invoices.set(r.InvoiceNo, (inv = { customerId, day, micros: 0 }));
      if (report.firstDay === null || day < report.firstDay) report.firstDay = day;
      if (report.lastDay === null || day > report.lastDay) report.lastDay = day;
    }
    if (!nonProduct) {
      inv.micros += quantity * priceMicros;
      lines.push({ customerId: inv.customerId, day: inv.day, product: r.StockCode, quantity, unitPrice: priceMicros / 1e6 });
    }
  }
  if (line === 0) throw new ShopMlopsError('BAD_REQUEST', 'UCI CSV is empty');
  const transactions = [...invoices.values()].map((i) => ({ customerId: i.customerId, day: i.day, value: i.micros / 1e6 }));
  report.invoices = transactions.length;
  report.customers = new Set(transactions.map((t) => t.customerId)).size;
  return { transactions, lines, report };
}

/** readUciTransactions of a file on disk. */
export function readUciTransactionsFile(file: string): ReturnType<typeof readUciTransactions> {
  return readUciTransactions(createReadStream(file));
}
