// Reads purchases for the recommender from CSV (UCI Online Retail layout or customer_id,item_id,date), cleaned and validated.
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import { csvRecords, type CsvSource } from '../../simulator/csv-records';
import { isNonProductCode, normaliseCustomerId } from '../../simulator/replay-csv';
import { InteractionsBuilder, type Interactions } from './interactions';

export type PurchasesLayout = 'uci' | 'customer_item_date';

export interface PurchasesReport {
  layout: PurchasesLayout;
  /** Data records read (header excluded). */
  records: number;
  /** Records kept as purchases. */
  purchases: number;
  customers: number;
  items: number;
  orders: number;
  dropped: { guest: number; returns: number; zeroQuantity: number; nonProduct: number };
  firstDate: string | null;
  lastDate: string | null;
}

const UCI_COLUMNS = ['InvoiceNo', 'StockCode', 'Quantity', 'InvoiceDate', 'CustomerID'] as const;
const SIMPLE_COLUMNS = ['customer_id', 'item_id', 'date'] as const;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const US_DATE_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  return back.getUTCDate() === d && back.getUTCMonth() === mo - 1 ? ms : null;
}

/**
 * `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` / ISO 8601 with optional zone (UCI's own layout), or `M/D/YYYY H:MM` (the
 * spreadsheet export of the same data) → ms since epoch; wall-clock times without a zone are read as UTC.
 */
export function parsePurchaseDate(text: string): number | null {
  const s = text.trim();
  let m = DATE_RE.exec(s);
  if (m) {
    const base = utc(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    if (base === null) return null;
    const zone = m[7];
    if (!zone || zone === 'Z') return base;
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    return base - (zm[1] === '-' ? -1 : 1) * (+zm[2]! * 60 + +zm[3]!) * 60_000;
  }
  m = US_DATE_RE.exec(s);
  if (m) return utc(+m[3]!, +m[1]!, +m[2]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  return null;
}

const uciRow = z.object({
  invoice: z.string().trim().min(1, 'InvoiceNo is empty'),
  stockCode: z.string().trim().min(1, 'StockCode is empty'),
  quantity: z.string().regex(/^\s*[+-]?\d+(?:\.0+)?\s*$/, 'Quantity is not an integer'),
  customer: z.string(),
});

const simpleRow = z.object({
  customer: z.string().trim().min(1, 'customer_id is empty'),
  item: z.string().trim().min(1, 'item_id is empty'),
});

function bad(line: number, message: string): ShopMlopsError {
  return new ShopMlopsError('BAD_REQUEST', `line ${line}: ${message}`, { details: { line } });
}

function columnIndex(header: string[], names: readonly string[]): Record<string, number> | string[] {
  const clean = header.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
  const missing = names.filter((n) => !clean.includes(n));
  if (missing.length > 0) return missing;
  return Object.fromEntries(names.map((n) => [n, clean.indexOf(n)]));
}

export interface ReadPurchasesOptions {
  /** Called every `progressEvery` records (default 100,000). */
  onProgress?: (records: number) => void;
  progressEvery?: number;
}

/**
 * Purchases from a CSV: the UCI Online Retail layout (InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,
 * CustomerID,Country; any column order, extra columns ignored) or `customer_id,item_id,date` (one order per customer
 * and date). UCI rows without CustomerID (guests), `C` invoices and Quantity ≤ 0 (returns) and non-product codes are
 * dropped and counted; their customers are still listed (they get popularity recommendations). Missing columns, empty
 * ids, non-integer quantities and unparsable dates are BAD_REQUEST naming the line (record number; header = line 1).
 */
export async function readPurchasesCsv(source: CsvSource, opts: ReadPurchasesOptions = {}): Promise<{ interactions: Interactions; report: PurchasesReport }> {
  const b = new InteractionsBuilder();
  const every = opts.progressEvery ?? 100_000;
  let line = 0;
  let layout: PurchasesLayout | null = null;
  let cols: Record<string, number> = {};
  let [iInvoice, iStock, iQuantity, iDate, iCustomer, iItem] = [0, 0, 0, 0, 0, 0];
  let width = 0;
  const dropped = { guest: 0, returns: 0, zeroQuantity: 0, nonProduct: 0 };
  let first = Infinity;
  let last = -Infinity;
  let lastDateText = '';
  let lastDateMs = 0;
  const dateOf = (text: string, column: string): number => {
    if (text === lastDateText) return lastDateMs;
    const ms = parsePurchaseDate(text);
    if (ms === null) throw bad(line, `${column} ${JSON.stringify(text)} is not a date (YYYY-MM-DD[ HH:MM[:SS]] or M/D/YYYY H:MM)`);
    lastDateText = text;
    lastDateMs = ms;
    return ms;
  };
  for await (const rec of csvRecords(source)) {
    line++;
    if (layout === null) {
      const uci = columnIndex(rec, UCI_COLUMNS);
      const simple = columnIndex(rec, SIMPLE_COLUMNS);
      if (!Array.isArray(uci)) [layout, cols] = ['uci', uci];
      else if (!Array.isArray(simple)) [layout, cols] = ['customer_item_date', simple];
      else {
        const uciHits = UCI_COLUMNS.length - uci.length;
        const missing = uciHits > 0 ? `UCI layout columns missing: ${uci.join(', ')}` : `columns missing: ${simple.join(', ')} (or the UCI layout ${UCI_COLUMNS.join(',')})`;
        throw bad(1, `header ${JSON.stringify(rec.join(','))}: ${missing}`);
      }
      width = Math.max(...Object.values(cols)) + 1;
      const col = (name: string) => cols[name] ?? 0;
      if (layout === 'uci') [iInvoice, iStock, iQuantity, iDate, iCustomer] = [col('InvoiceNo'), col('StockCode'), col('Quantity'), col('InvoiceDate'), col('CustomerID')];
      else [iCustomer, iItem, iDate] = [col('customer_id'), col('item_id'), col('date')];
      continue;
    }
    if (rec.length < width) throw bad(line, `expected at least ${width} fields, found ${rec.length}`);
    if (every > 0 && line > 1 && (line - 1) % every === 0) opts.onProgress?.(line - 1);
    if (layout === 'uci') {
      const parsed = uciRow.safeParse({ invoice: rec[iInvoice], stockCode: rec[iStock], quantity: rec[iQuantity], customer: rec[iCustomer] });
      if (!parsed.success) throw bad(line, parsed.error.issues.map((i) => i.message).join('; '));
      const r = parsed.data;
      const quantity = Number.parseInt(r.quantity, 10);
      const t = dateOf(rec[iDate]!.trim(), 'InvoiceDate');
      const customerId = normaliseCustomerId(r.customer);
      if (customerId === null) {
        dropped.guest++;
        continue;
      }
      const c = b.customerIndex(customerId);
      if (/^c/i.test(r.invoice) || quantity < 0) dropped.returns++;
      else if (quantity === 0) dropped.zeroQuantity++;
      else if (isNonProductCode(r.stockCode)) dropped.nonProduct++;
      else {
        b.push(c, b.itemIndex(r.stockCode), b.basketIndex(r.invoice), t);
        if (t < first) first = t;
        if (t > last) last = t;
      }
    } else {
      const parsed = simpleRow.safeParse({ customer: rec[iCustomer], item: rec[iItem] });
      if (!parsed.success) throw bad(line, parsed.error.issues.map((i) => i.message).join('; '));
      const dateText = rec[iDate]!.trim();
      const t = dateOf(dateText, 'date');
      const c = b.customerIndex(parsed.data.customer);
      b.push(c, b.itemIndex(parsed.data.item), b.basketIndex(`${c}\u0000${dateText}`), t);
      if (t < first) first = t;
      if (t > last) last = t;
    }
  }
  if (layout === null) throw bad(1, 'the file is empty (expected a header)');
  const interactions = b.build();
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
  return {
    interactions,
    report: {
      layout,
      records: line - 1,
      purchases: interactions.length,
      customers: interactions.customerIds.length,
      items: interactions.itemIds.length,
      orders: interactions.nBaskets,
      dropped,
      firstDate: iso(first),
      lastDate: iso(last),
    },
  };
}

/** Item ids from a file: one per line, or a CSV whose header has an item_id column. Blank lines are ignored. */
export async function readItemList(source: CsvSource): Promise<string[]> {
  const ids: string[] = [];
  let col = 0;
  let first = true;
  for await (const rec of csvRecords(source)) {
    if (first) {
      first = false;
      const i = rec.map((h) => h.trim()).indexOf('item_id');
      if (i >= 0) {
        col = i;
        continue;
      }
    }
    const v = rec[col]?.trim();
    if (v) ids.push(v);
  }
  return ids;
}
