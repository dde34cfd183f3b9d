// Variant predictions from a production forecast model, pure: the daily forecast with its 80/95 % bands, and replenishment (stock, days of cover, safety stock, reorder point); per variant and in batch.
import { ShopMlopsError } from '../core/errors';
import type { VariantForecast } from '../training/models/forecast';

/** What a registered forecast version keeps (ModelArtifact.production of the forecast model). */
export interface ForecastProduction {
  horizon: number;
  levels: number[];
  variants: VariantForecast[];
}

export function forecastProduction(production: unknown): ForecastProduction {
  const p = production as ForecastProduction | null;
  if (!p || !Array.isArray(p.variants) || !(p.horizon > 0)) throw new ShopMlopsError('UNPROCESSABLE', 'not a forecast model (horizon and variants)');
  for (const level of ['80', '95']) {
    if (p.variants.some((v) => !v.lo[level] || !v.hi[level])) throw new ShopMlopsError('UNPROCESSABLE', `forecast model has no ${level} % bands`);
  }
  return p;
}

export interface VariantForecastDay {
  variant_id: string;
  date: string;
  horizon_day: number;
  forecast: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

/** The variant's daily forecast, one row per day (bands per day: what a chart draws). */
export function forecastDays(v: VariantForecast): VariantForecastDay[] {
  return v.dates.map((date, d) => ({ variant_id: v.id, date, horizon_day: d + 1, forecast: v.forecast[d]!, lo80: v.lo['80']![d]!, hi80: v.hi['80']![d]!, lo95: v.lo['95']![d]!, hi95: v.hi['95']![d]! }));
}

/**
 * Days the stock lasts at the forecast, counted from the first forecast day after `snapshot`: the (fractional) day on which
 * the cumulative forecast reaches the stock; past the last forecast day, at the mean daily forecast of those days. 0 when
 * the stock is ≤ 0; null when it is unknown, or when nothing is expected to sell (no forecast day left, or all zero).
 */
export function daysOfCover(v: Pick<VariantForecast, 'dates' | 'forecast'>, stock: number | null, snapshot: string): number | null {
  if (stock === null) return null;
  if (stock <= 0) return 0;
  const days = v.dates.map((d, i) => [d, v.forecast[i]!] as const).filter(([d]) => d > snapshot);
  let left = stock;
  let total = 0;
  for (let i = 0; i < days.length; i++) {
    const f = Math.max(0, days[i]![1]);
    total += f;
    if (f >= left) return i + left / f;
    left -= f;
  }
  if (total <= 0) return null;
  return days.length + left / (total / days.length);
}

export interface VariantReplenishment {
  variant_id: string;
  forecast_model: string;
  demand_class: string;
  horizon_days: number;
  forecast_total: number;
  lead_time_days: number;
  service_level: number;
  expected_lead_time_demand: number;
  safety_stock: number;
  reorder_point: number;
  stock: number | null;
  days_of_cover: number | null;
  below_reorder_point: boolean | null;
}

/** A variant's replenishment numbers given its stock at the snapshot (null = not tracked). */
export function replenishment(v: VariantForecast, stock: number | null, snapshot: string): VariantReplenishment {
  return {
    variant_id: v.id,
    forecast_model: v.model,
    demand_class: v.demandClass,
    horizon_days: v.dates.length,
    forecast_total: v.forecast.reduce((s, f) => s + f, 0),
    lead_time_days: v.leadTime,
    service_level: v.serviceLevel,
    expected_lead_time_demand: v.expectedLeadTimeDemand,
    safety_stock: v.safetyStock,
    reorder_point: v.reorderPoint,
    stock,
    days_of_cover: daysOfCover(v, stock, snapshot),
    below_reorder_point: stock === null ? null : stock <= v.reorderPoint,
  };
}

/** Every variant of the model: its forecast days and its replenishment row. */
export function forecastScores(p: ForecastProduction, stock: ReadonlyMap<string, number>, snapshot: string): { days: VariantForecastDay[]; replenishment: VariantReplenishment[] } {
  return {
    days: p.variants.flatMap(forecastDays),
    replenishment: p.variants.map((v) => replenishment(v, stock.get(v.id) ?? null, snapshot)),
  };
}
