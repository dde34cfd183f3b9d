// Reads M5-style wide sales files (`id,…,d_1,…,d_N`) with the M5 calendar (`d` → `date`) into daily series.
import { createReadStream } from 'node:fs';
import { ShopMlopsError } from '../../core/errors';
import { csvRecords } from '../../simulator/csv-records';
import { parseIsoDay, isoDay } from './dates';
import type { DemandSeries } from './types';

/** Day names (d_1, …) of the calendar mapped to days since 1970-01-01. */
export async function readM5Calendar(file: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let header: string[] | null = null;
  let dIdx = -1;
  let dateIdx = -1;
  let line = 0;
  for await (const rec of csvRecords(createReadStream(file))) {
    line++;
    if (!header) {
      header = rec;
      dIdx = header.indexOf('d');
      dateIdx = header.indexOf('date');
      if (dIdx < 0 || dateIdx < 0) throw new ShopMlopsError('BAD_REQUEST', `${file} line 1: the calendar needs columns d and date`);
      continue;
    }
    const day = parseIsoDay(rec[dateIdx] ?? '');
    if (Number.isNaN(day)) throw new ShopMlopsError('BAD_REQUEST', `${file} line ${line}: date ${JSON.stringify(rec[dateIdx])} is not YYYY-MM-DD`);
    out.set(rec[dIdx] ?? '', day);
  }
  return out;
}

/** Series of a wide file: one row per series (`id` column), day columns named like the calendar's d values, consecutive. */
export async function readM5Wide(salesFile: string, calendarFile: string): Promise<DemandSeries[]> {
  const calendar = await readM5Calendar(calendarFile);
  let header: string[] | null = null;
  let dayCols: number[] = [];
  let start = 0;
  let line = 0;
  let deptIdx = -1;
  const out: DemandSeries[] = [];
  for await (const rec of csvRecords(createReadStream(salesFile))) {
    line++;
    if (!header) {
      header = rec;
      if (header[0] !== 'id') throw new ShopMlopsError('BAD_REQUEST', `${salesFile} line 1: the first column must be id`);
      deptIdx = header.indexOf('dept_id');
      dayCols = header.map((h, i) => (/^d_\d+$/.test(h) ? i : -1)).filter((i) => i >= 0);
      if (dayCols.length === 0) throw new ShopMlopsError('BAD_REQUEST', `${salesFile} line 1: no day columns d_1 … d_N`);
      const days = dayCols.map((i) => calendar.get(header![i]!));
      if (days.some((d) => d === undefined)) throw new ShopMlopsError('BAD_REQUEST', `${salesFile} line 1: day columns missing from the calendar`);
      start = days[0]!;
      if (days.some((d, k) => d !== start + k)) throw new ShopMlopsError('BAD_REQUEST', `${salesFile} line 1: day columns are not consecutive calendar days`);
      continue;
    }
    const units = dayCols.map((i) => Number(rec[i]));
    const bad = units.findIndex((v) => !Number.isFinite(v) || v < 0);
    if (bad >= 0) throw new ShopMlopsError('BAD_REQUEST', `${salesFile} line ${line}: ${header[dayCols[bad]!]} = ${JSON.stringify(rec[dayCols[bad]!])} is not a count ≥ 0`);
    // the department (e.g. FOODS_2) is the item's product type
    out.push({ id: rec[0]!, start: isoDay(start), units, ...(deptIdx >= 0 && rec[deptIdx] ? { group: rec[deptIdx] } : {}) });
  }
  return out;
}
