// Demand forecasts in the training pipeline: one series per variant from variant_daily_demand, reorder points, holdout = the last days before the snapshot.
import { ShopMlopsError } from '../../core/errors';
import { DEFAULT_MODEL, forecastPanel, forecastPanelChoices, seriesFromDailyDemand, type DemandSeries, type ModelForecast, type ModelName, type SeriesForecast } from '../../models/forecast';
import { isoDay, parseIsoDay } from '../../models/forecast/dates';
import { naiveScale } from '../../models/forecast/metrics';
import { ALL_MODELS } from '../../models/forecast/types';
import type { DemandRow } from '../datasets';
import { ARTIFACT_FORMAT, finiteMetrics, type ModelAdapter, type Score, type TrainingData, type TrainingOptions } from './types';

const LEVELS = [80, 95];

/**
 * One series per variant (the forecast module's seriesFromDailyDemand: out-of-stock days censored, missing days 0) from its
 * first row to `end`; a series whose rows stop earlier (the table is zero-filled through its snapshot, so none should) is
 * padded with zero days to `end`, so every forecast starts the day after the snapshot.
 */
export function demandSeries(rows: readonly DemandRow[], end: string): DemandSeries[] {
  const endDay = parseIsoDay(end);
  const series = seriesFromDailyDemand(rows.filter((r) => r.date <= end));
  // the catalog: each variant's product type ('' and null = unknown: it pools with the whole shop)
  const types = new Map<string, string>();
  for (const r of rows) if (r.product_type) types.set(r.variant_id, r.product_type);
  return series
    .map((s): DemandSeries => {
      const pad = endDay - (parseIsoDay(s.start) + s.units.length - 1);
      const units = Array.from(s.units, (u) => u ?? 0);
      const observed = Array.from(s.observed ?? [], (o) => o !== false);
      for (let i = 0; i < pad; i++) {
        units.push(0);
        observed.push(true);
      }
      return { id: s.id, start: s.start, units, observed, group: types.get(s.id) ?? null };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface ForecastHoldout {
  cut: string;
  /** Series up to the cut (variants with at least one day by then). */
  calibration: DemandSeries[];
  /** Per calibration series: units in (cut, snapshot], NaN on censored days. */
  actual: number[][];
  days: number;
}

export function forecastHoldout(rows: readonly DemandRow[], snapshot: string, days: number): ForecastHoldout {
  const cut = isoDay(parseIsoDay(snapshot) - days);
  const full = demandSeries(rows, snapshot);
  const calibration: DemandSeries[] = [];
  const actual: number[][] = [];
  for (const s of full) {
    const n = s.units.length - days;
    if (n < 1) continue;
    const units = Array.from(s.units);
    const observed = Array.from(s.observed ?? []);
    calibration.push({ id: s.id, start: s.start, units: units.slice(0, n), observed: observed.slice(0, n) });
    actual.push(units.slice(n).map((u, i) => (u === null || observed[n + i] === false ? NaN : u)));
  }
  return { cut, calibration, actual, days };
}

/** Mean RMSSE and MASE over series with a usable scale, WAPE and interval coverage pooled over series and days. */
export function scoreForecasts(forecasts: readonly ModelForecast[], h: ForecastHoldout): Score {
  let rmsse = 0;
  let mase = 0;
  let k = 0;
  let absErr = 0;
  let total = 0;
  let days = 0;
  let hit80 = 0;
  forecasts.forEach((f, i) => {
    const actual = h.actual[i]!;
    const cal = h.calibration[i]!;
    const y = Array.from(cal.units, (u, t) => (u === null || cal.observed?.[t] === false ? NaN : u));
    const scale = naiveScale(y, y.length, Math.max(0, y.findIndex((v) => v > 0)));
    let sq = 0;
    let ab = 0;
    let m = 0;
    for (let d = 0; d < actual.length; d++) {
      const a = actual[d]!;
      if (Number.isNaN(a)) continue;
      const e = a - f.forecast[d]!;
      sq += e * e;
      ab += Math.abs(e);
      m++;
      if (a >= f.lo['80']![d]! && a <= f.hi['80']![d]!) hit80++;
    }
    absErr += ab;
    days += m;
    total += actual.reduce((s, a) => (Number.isNaN(a) ? s : s + a), 0);
    if (m > 0 && scale.mse > 0 && scale.mae > 0) {
      rmsse += Math.sqrt(sq / m / scale.mse);
      mase += ab / m / scale.mae;
      k++;
    }
  });
  if (k === 0) return { primary: null, metrics: finiteMetrics({ 'forecast.holdout_series': 0 }) };
  return {
    primary: rmsse / k,
    metrics: finiteMetrics({ 'forecast.holdout_rmsse': rmsse / k, 'forecast.holdout_mase': mase / k, 'forecast.holdout_wape': total > 0 ? absErr / total : undefined, 'forecast.holdout_coverage80': days ? hit80 / days : undefined, 'forecast.holdout_series': k }),
  };
}

/** What a registered forecast model keeps per variant. */
export interface VariantForecast {
  id: string;
  model: ModelName;
  demandClass: string;
  dates: string[];
  forecast: number[];
  lo: Record<string, number[]>;
  hi: Record<string, number[]>;
  leadTime: number;
  serviceLevel: number;
  expectedLeadTimeDemand: number;
  reorderPoint: number;
  safetyStock: number;
  notes: string[];
}

const compact = (f: SeriesForecast): VariantForecast => ({
  id: f.id, model: f.model, demandClass: f.demandClass, dates: f.dates, forecast: f.forecast, lo: f.lo, hi: f.hi, leadTime: f.leadTime,
  serviceLevel: f.serviceLevel, expectedLeadTimeDemand: f.expectedLeadTimeDemand, reorderPoint: f.reorderPoint, safetyStock: f.safetyStock, notes: f.notes,
});

/** The evaluation model: the model each variant's backtest selected on the data up to the cut, and the forecasts it made. */
export interface ForecastEvaluation {
  choices: Record<string, ModelName>;
  forecasts: ModelForecast[];
  ids: string[];
}

const selectable = new Set<string>(ALL_MODELS);

/** A variant's model as the champion chose it; a variant it never saw (or one it forecast as 'zero') gets the default. */
const choiceFor = (choices: Record<string, ModelName>, id: string): ModelName => {
  const m = choices[id];
  return m && selectable.has(m) ? m : DEFAULT_MODEL;
};

export const forecastAdapter: ModelAdapter<ForecastHoldout> = {
  name: 'forecast',
  datasets: ['shop_features.variant_daily_demand'],
  holdoutDatasets: ['shop_features.variant_daily_demand'],
  primary: { metric: 'forecast.holdout_rmsse', better: 'lower', description: 'mean RMSSE over variants of the forecasts made at the cut for the holdout days' },

  train(data: TrainingData, o: TrainingOptions) {
    const rows = data.demand ?? [];
    const full = demandSeries(rows, o.snapshot);
    if (full.length === 0) throw new ShopMlopsError('UNPROCESSABLE', `variant_daily_demand has no rows up to ${o.snapshot}`);
    const h = forecastHoldout(rows, o.snapshot, o.holdoutDays);
    if (h.calibration.length === 0) throw new ShopMlopsError('UNPROCESSABLE', `no variant has sales history before the holdout cut ${h.cut}`);
    const common = { leadTime: o.leadTime, serviceLevel: o.serviceLevel, levels: LEVELS };
    const evalRun = forecastPanel(h.calibration, { ...common, horizon: o.holdoutDays });
    const production = forecastPanel(full, { ...common, horizon: o.horizon }).map(compact);
    const evaluation: ForecastEvaluation = {
      ids: evalRun.map((f) => f.id),
      choices: Object.fromEntries(evalRun.map((f) => [f.id, f.model])),
      forecasts: evalRun.map((f) => ({ model: f.model, forecast: f.forecast, lo: f.lo, hi: f.hi })),
    };
    const byModel: Record<string, number> = {};
    for (const f of production) byModel[`forecast.variants_${f.model}`] = (byModel[`forecast.variants_${f.model}`] ?? 0) + 1;
    return {
      format: ARTIFACT_FORMAT,
      model: 'forecast',
      snapshotDate: o.snapshot,
      trained: true,
      production: { horizon: o.horizon, levels: LEVELS, variants: production },
      evaluation: { trainedThrough: h.cut, model: evaluation },
      summary: finiteMetrics({ 'forecast.variants': production.length, 'forecast.reorder_point_total': production.reduce((s, f) => s + f.reorderPoint, 0), ...byModel }),
      notes: [],
    };
  },

  holdout: (data, o) => forecastHoldout(data.demand ?? [], o.snapshot, o.holdoutDays),
  holdoutFrom: (h) => isoDay(parseIsoDay(h.cut) + 1),

  /**
   * The challenger's evaluation forecasts are scored as they were made. A champion's are remade: its per-variant model choices,
   * refitted on this run's calibration window (a forecast model is refitted on every run; what a version fixes is the choice).
   */
  score(artifact, h, o) {
    if (!artifact.trained || !artifact.evaluation) return { primary: null, metrics: {} };
    const ev = artifact.evaluation.model as ForecastEvaluation;
    const sameWindow = artifact.evaluation.trainedThrough === h.cut && ev.ids.length === h.calibration.length && ev.ids.every((id, i) => id === h.calibration[i]!.id);
    if (sameWindow) return scoreForecasts(ev.forecasts, h);
    const common = { leadTime: o.leadTime, serviceLevel: o.serviceLevel, levels: LEVELS, horizon: h.days };
    const remade = forecastPanelChoices(h.calibration, common, (s) => [choiceFor(ev.choices, s.id)]);
    return scoreForecasts(remade, h);
  },
};
