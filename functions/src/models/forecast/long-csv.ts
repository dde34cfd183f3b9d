// Reads the long demand layout `unique_id,ds,y[,in_stock]` (daily rows, one per series and day) into zero-filled series.
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import { csvRecords, type CsvSource } from '../../simulator/csv-records';
import { isoDay, parseIsoDay } from './dates';
import type { DemandSeries } from './types';

export const REQUIRED_COLUMNS = ['unique_id', 'ds', 'y'] as const;

const DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$/;

/** Day numbers of date strings already seen (a panel repeats the same few hundred dates for every series). */
const dayCache = new Map<string, number>();
function dayOf(s: string): number {
  let d = dayCache.get(s);
  if (d === undefined) {
    d = parseIsoDay(DATE.exec(s)![1]!);
    if (dayCache.size > 100_000) dayCache.clear();
    dayCache.set(s, d);
  }
  return d;
}

const RowSchema = z.object({
  unique_id: z.string().trim().min(1, 'unique_id is empty'),
  ds: z.string().trim().regex(DATE, 'ds is not a date (YYYY-MM-DD)').transform((s, ctx) => {
    const day = dayOf(s);
    if (Number.isNaN(day)) ctx.addIssue({ code: 'custom', message: `ds ${JSON.stringify(s)} is not a calendar date` });
    return day;
  }),
  // empty y = the day was not observed (censored, e.g. out of stock)
  y: z.string().trim().transform((s, ctx) => {
    if (s === '') return null;
    const v = Number(s);
    if (!Number.isFinite(v)) ctx.addIssue({ code: 'custom', message: `y ${JSON.stringify(s)} is not a number` });
    else if (v < 0) ctx.addIssue({ code: 'custom', message: `y ${s} is negative (units sold cannot be)` });
    return v;
  }),
  in_stock: z.string().trim().toLowerCase().optional().transform((s, ctx) => {
    if (s === undefined || s === '') return true;
    if (['1', 'true', 't', 'yes'].includes(s)) return true;
    if (['0', 'false', 'f', 'no'].includes(s)) return false;
    ctx.addIssue({ code: 'custom', message: `in_stock ${JSON.stringify(s)} is not a boolean (true/false/1/0)` });
    return true;
  }),
});

export interface LongPanel {
  series: DemandSeries[];
  /** Data rows read (header excluded). */
  rows: number;
  /** Days added as zero because the file has no row for them. */
  zeroFilled: number;
  /** ISO date of the last day of the panel (every series ends here). */
  lastDate: string;
}

/** Rows of one series as read (parallel arrays: cheaper than an object per row on files of millions of rows). */
interface Acc {
  days: number[];
  ys: (number | null)[];
  inStock: boolean[];
  lines: number[];
  min: number;
}

/**
 * Parses the long layout. Columns are found by name (others, e.g. revenue or store_open, are ignored). Each series runs from its
 * first day in the file to the last day of the whole file; days without a row are zero-filled (no row = no sale). An empty y,
 * or in_stock false, marks a censored day (not observed). Errors name the line: missing columns, unparsable dates, non-numeric
 * or negative y, a (unique_id, ds) pair given twice.
 */
export async function readLongCsv(source: CsvSource, name = 'the file'): Promise<LongPanel> {
  let header: string[] | null = null;
  let idx: Record<string, number> = {};
  let line = 0;
  let rows = 0;
  const bySeries = new Map<string, Acc>();
  let lastDay = -Infinity;
  for await (const rec of csvRecords(source)) {
    line++;
    if (!header) {
      header = rec.map((h) => h.trim().replace(/^\uFEFF/, ''));
      const missing = REQUIRED_COLUMNS.filter((c) => !header!.includes(c));
      if (missing.length > 0) throw new ShopMlopsError('BAD_REQUEST', `${name} line 1: missing column(s) ${missing.join(', ')} (need unique_id,ds,y; got ${header.join(',')})`);
      idx = Object.fromEntries(header.map((h, i) => [h, i]));
      continue;
    }
    const raw = { unique_id: rec[idx['unique_id']!], ds: rec[idx['ds']!], y: rec[idx['y']!], in_stock: idx['in_stock'] === undefined ? undefined : rec[idx['in_stock']!] };
    if (raw.unique_id === undefined || raw.ds === undefined || raw.y === undefined) {
      throw new ShopMlopsError('BAD_REQUEST', `${name} line ${line}: ${rec.length} field(s), fewer than the header's ${header.length}`);
    }
    const parsed = RowSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ShopMlopsError('BAD_REQUEST', `${name} line ${line}: ${issue.message}`, { details: { line, field: issue.path.join('.') } });
    }
    const { unique_id: id, ds, y, in_stock } = parsed.data;
    rows++;
    let acc = bySeries.get(id);
    if (!acc) bySeries.set(id, (acc = { days: [], ys: [], inStock: [], lines: [], min: ds }));
    acc.days.push(ds);
    acc.ys.push(y);
    acc.inStock.push(in_stock);
    acc.lines.push(line);
    if (ds < acc.min) acc.min = ds;
    if (ds > lastDay) lastDay = ds;
  }
  if (!header) throw new ShopMlopsError('BAD_REQUEST', `${name} is empty: expected a header unique_id,ds,y`);
  if (rows === 0) throw new ShopMlopsError('BAD_REQUEST', `${name} has a header but no data rows`);
  let zeroFilled = 0;
  const series: DemandSeries[] = [];
  for (const [id, acc] of bySeries) {
    const len = lastDay - acc.min + 1;
    const units: (number | null)[] = new Array<number | null>(len).fill(0);
    const observed: boolean[] = new Array<boolean>(len).fill(true);
    const lineOf = new Int32Array(len); // 0 = no row yet
    for (let k = 0; k < acc.days.length; k++) {
      const t = acc.days[k]! - acc.min;
      if (lineOf[t] !== 0) throw new ShopMlopsError('BAD_REQUEST', `${name} line ${acc.lines[k]}: ${id} on ${isoDay(acc.days[k]!)} was already given on line ${lineOf[t]}`);
      lineOf[t] = acc.lines[k]!;
      units[t] = acc.ys[k]!;
      observed[t] = acc.inStock[k]! && acc.ys[k] !== null;
    }
    zeroFilled += len - acc.days.length;
    series.push({ id, start: isoDay(acc.min), units, observed });
  }
  return { series, rows, zeroFilled, lastDate: isoDay(lastDay) };
}
