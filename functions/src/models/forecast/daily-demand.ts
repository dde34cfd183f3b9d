// Turns rows of shop_features.variant_daily_demand into DemandSeries for forecastPanel (out-of-stock days become censored).
import { ShopMlopsError } from '../../core/errors';
import { isoDay, parseIsoDay } from './dates';
import type { DemandSeries } from './types';

/** One row as a warehouse adapter returns it (DATE as 'YYYY-MM-DD', a Date at UTC midnight, or BigQuery's { value }). */
export interface VariantDailyDemandRow {
  shop: string;
  variant_id: string;
  date: string | Date | { value: string };
  units: number | bigint | string;
  in_stock?: boolean | null;
}

export interface VariantSeries extends DemandSeries {
  shop: string;
}

function dayOf(d: VariantDailyDemandRow['date']): number {
  const text = typeof d === 'string' ? d.slice(0, 10) : d instanceof Date ? d.toISOString().slice(0, 10) : String(d?.value ?? '').slice(0, 10);
  return parseIsoDay(text);
}

/**
 * One series per (shop, variant_id), from its first row to its last, in order of first appearance. in_stock = false marks the
 * day censored: the variant could not (fully) sell, so its units say little about demand and the models skip the day
 * (treat it as missing) instead of learning a zero; in_stock NULL (inventory unknown or untracked) counts as observed.
 * A day without a row inside the range counts as 0 units (the table is zero-filled already).
 */
export function seriesFromDailyDemand(rows: Iterable<VariantDailyDemandRow>): VariantSeries[] {
  const groups = new Map<string, { shop: string; variant: string; days: number[]; units: number[]; inStock: boolean[] }>();
  let i = 0;
  for (const r of rows) {
    i++;
    const day = dayOf(r.date);
    const units = Number(r.units);
    if (Number.isNaN(day)) throw new ShopMlopsError('BAD_REQUEST', `variant_daily_demand row ${i}: date ${JSON.stringify(r.date)} is not a date`);
    if (!Number.isFinite(units) || units < 0) throw new ShopMlopsError('BAD_REQUEST', `variant_daily_demand row ${i}: units ${String(r.units)} is not a count ≥ 0`);
    const key = `${r.shop}\u0000${r.variant_id}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { shop: r.shop, variant: r.variant_id, days: [], units: [], inStock: [] }));
    g.days.push(day);
    g.units.push(units);
    g.inStock.push(r.in_stock !== false);
  }
  const out: VariantSeries[] = [];
  for (const g of groups.values()) {
    let min = Infinity;
    let max = -Infinity;
    for (const d of g.days) {
      if (d < min) min = d;
      if (d > max) max = d;
    }
    const units = new Array<number>(max - min + 1).fill(0);
    const observed = new Array<boolean>(max - min + 1).fill(true);
    g.days.forEach((d, k) => {
      units[d - min] = g.units[k]!;
      observed[d - min] = g.inStock[k]!;
    });
    out.push({ shop: g.shop, id: g.variant, start: isoDay(min), units, observed });
  }
  return out;
}
