// Demand evaluation on the real panels (UCI top-50 daily units, M5 subset): last 28 days held out, RMSSE/MASE and coverage.
import { addDays } from '../core/shop-days';
import { createReadStream, existsSync } from 'node:fs';
import * as path from 'node:path';
import { ShopMlopsError } from '../core/errors';
import { readLongCsv } from '../models/forecast/long-csv';
import { readM5Wide } from '../models/forecast/m5-csv';
import { csvRecords } from '../simulator/csv-records';
import { naiveScale } from '../models/forecast/metrics';
import { forecastPanel } from '../models/forecast/panel';
import { ALL_MODELS, type DemandSeries, type ModelForecast, type ModelName } from '../models/forecast/types';
import { oracleBounds } from './demand-oracles';
import type { EvalRow, EvalSection } from './types';

export const UCI_DEMAND = 'demand/online_retail_top50_daily_units.csv';
export const M5_SALES = 'demand/m5_subset/sales_train_validation_10series.csv';
export const M5_CALENDAR = 'demand/m5_subset/calendar.csv';
export const UCI_ITEMS = 'demand/online_retail_top50_items.csv';
/** Days of history the pooling experiment truncates series to. */
export const TRUNCATIONS = [30, 60, 90];
export const HOLDOUT_DAYS = 28;
export const LEVELS = [80, 95];

/** A file under dataDir (the shared data folder, or the demand folder itself). */
export function demandFile(dataDir: string, rel: string): string {
  const candidates = [path.join(dataDir, rel), path.join(dataDir, rel.replace(/^demand\//, ''))];
  for (const f of candidates) if (existsSync(f)) return f;
  throw new ShopMlopsError('BAD_REQUEST', `no ${rel} under ${dataDir}`);
}

const BASELINE_ROWS: Partial<Record<ModelName, string>> = { snaive: 'seasonal naive', mean28: '28-day mean' };

/**
 * A product type for each UCI stock code from its description alone (the file has no type): the description's word shared
 * with the most other items of the panel (at least one other), e.g. BAG, HEART, CAKE; '' when it shares none.
 */
export function productTypesFromTitles(titles: ReadonlyMap<string, string>): Map<string, string> {
  const words = new Map<string, string[]>();
  for (const [id, title] of titles) words.set(id, [...new Set(title.toUpperCase().split(/[^A-Z]+/).filter((w) => w.length > 2))]);
  const df = new Map<string, number>();
  for (const ws of words.values()) for (const w of ws) df.set(w, (df.get(w) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const [id, ws] of words) {
    let best = '';
    for (const w of ws) if ((df.get(w) ?? 0) >= 2 && (df.get(w)! > (df.get(best) ?? 0) || (df.get(w) === df.get(best) && w < best))) best = w;
    out.set(id, best);
  }
  return out;
}

/** unique_id → description of the UCI items file. */
async function readUciTitles(file: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let header: string[] | null = null;
  for await (const rec of csvRecords(createReadStream(file))) {
    if (!header) {
      header = rec;
      continue;
    }
    out.set(rec[header.indexOf('unique_id')] ?? '', rec[header.indexOf('description')] ?? '');
  }
  return out;
}

interface Holdout {
  actual: ArrayLike<number | null>;
  /** In-sample one-step naive scale from the first sale. */
  scale: { mse: number; mae: number };
}

/** Splits off the last 28 days of every series exactly as given (closed days and a partial last day included). */
export function splitHoldout(series: DemandSeries[], days = HOLDOUT_DAYS): { train: DemandSeries[]; holdout: Holdout[] } {
  const train: DemandSeries[] = [];
  const holdout: Holdout[] = [];
  for (const s of series) {
    const n = s.units.length - days;
    if (n < 1) throw new ShopMlopsError('UNPROCESSABLE', `series ${s.id} has ${s.units.length} days: not enough for a ${days}-day holdout`);
    const y = Array.from(s.units, (v) => (v === null ? NaN : v));
    const first = y.findIndex((v) => v > 0);
    train.push({ id: s.id, start: s.start, units: y.slice(0, n), ...(s.observed ? { observed: Array.from(s.observed).slice(0, n) } : {}), ...(s.group ? { group: s.group } : {}) });
    holdout.push({ actual: y.slice(n), scale: naiveScale(y, n, Math.max(0, first)) });
  }
  return { train, holdout };
}

export interface Scores {
  rmsse: number;
  mase: number;
  coverage80: number;
  coverage95: number;
  /** Series with a usable scale (in-sample one-step changes not all 0). */
  series: number;
}

/** Mean over series of RMSSE and MASE, and interval coverage pooled over series and days (missing actuals skipped). */
export function scoreForecasts(forecasts: ModelForecast[], holdout: Holdout[]): Scores {
  let rmsse = 0;
  let mase = 0;
  let k = 0;
  const hit: Record<string, number> = {};
  let days = 0;
  forecasts.forEach((f, i) => {
    const h = holdout[i]!;
    let sq = 0;
    let ab = 0;
    let m = 0;
    for (let d = 0; d < h.actual.length; d++) {
      const y = h.actual[d];
      if (typeof y !== 'number' || Number.isNaN(y)) continue;
      const e = y - f.forecast[d]!;
      sq += e * e;
      ab += Math.abs(e);
      m++;
      days++;
      for (const l of LEVELS) if (y >= f.lo[String(l)]![d]! && y <= f.hi[String(l)]![d]!) hit[l] = (hit[l] ?? 0) + 1;
    }
    if (m > 0 && h.scale.mse > 0 && h.scale.mae > 0) {
      rmsse += Math.sqrt(sq / m / h.scale.mse);
      mase += ab / m / h.scale.mae;
      k++;
    }
  });
  return { rmsse: rmsse / k, mase: mase / k, coverage80: (hit[80] ?? 0) / days, coverage95: (hit[95] ?? 0) / days, series: k };
}

const fmt = (x: number) => x.toFixed(4);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/**
 * Pooling on short histories: every series in turn (half the panel at a time) keeps only its last `days` days before the
 * holdout while the others keep theirs; the truncated series are scored (scale from their full history) with pooling by
 * product type, pooling with the whole shop (no catalog), and without pooling (the same selection, per series only).
 */
export function poolingExperiment(series: DemandSeries[], days: number): { typed: Scores; shop: Scores; none: Scores } {
  const { train, holdout } = splitHoldout(series);
  const runs = { typed: [] as ModelForecast[], shop: [] as ModelForecast[], none: [] as ModelForecast[] };
  const hs: Holdout[] = [];
  for (const half of [0, 1]) {
    const cut = train.map((s, i) => (i % 2 === half ? { ...s, start: shiftDay(s.start, s.units.length - days), units: Array.from(s.units).slice(-days), ...(s.observed ? { observed: Array.from(s.observed).slice(-days) } : {}) } : s));
    const idx = cut.map((_, i) => i).filter((i) => i % 2 === half);
    const opts = { horizon: HOLDOUT_DAYS, levels: LEVELS, global: false };
    const typed = forecastPanel(cut, opts);
    const shop = forecastPanel(cut, { ...opts, catalog: false });
    const none = forecastPanel(cut, { ...opts, pooling: false });
    for (const i of idx) {
      runs.typed.push(typed[i]!);
      runs.shop.push(shop[i]!);
      runs.none.push(none[i]!);
      hs.push(holdout[i]!);
    }
  }
  return { typed: scoreForecasts(runs.typed, hs), shop: scoreForecasts(runs.shop, hs), none: scoreForecasts(runs.none, hs) };
}

const shiftDay = (iso: string, days: number) => addDays(iso, days);

/**
 * One panel: the selected model (per-series rolling-origin selection among the per-series models, the global gradient-boosted
 * model and, for short histories, pooling) with and without the catalog (product type) and with the per-series models only
 * (before issue 17), against every single model and both baselines; then the pooling experiment on truncated histories.
 */
export function evaluatePanel(dataset: string, series: DemandSeries[], notes: string[]): EvalSection {
  const t0 = performance.now();
  const { train, holdout } = splitHoldout(series);
  const opts = { horizon: HOLDOUT_DAYS, levels: LEVELS };
  const selected = forecastPanel(train, opts);
  const t1 = performance.now();
  const noCatalog = forecastPanel(train, { ...opts, catalog: false });
  const perSeries = forecastPanel(train, { ...opts, pooling: false, global: false });
  const every = forecastPanel(train, { ...opts, models: ALL_MODELS.filter((m) => m !== 'pooled'), allModels: true });
  const gbtNoCatalog = forecastPanel(train, { ...opts, models: ['gbt'], catalog: false });
  const rows: EvalRow[] = [];
  const sel = scoreForecasts(selected, holdout);
  const metrics = (s: Scores) => ({ rmsse: s.rmsse, mase: s.mase, coverage80: s.coverage80, coverage95: s.coverage95, series: s.series });
  rows.push({ model: 'selected', baseline: false, metrics: metrics(sel) });
  const selNoCat = scoreForecasts(noCatalog, holdout);
  rows.push({ model: 'selected, no catalog', baseline: false, metrics: metrics(selNoCat) });
  const before = scoreForecasts(perSeries, holdout);
  rows.push({ model: 'selected, per-series models only (before)', baseline: false, metrics: metrics(before) });
  const byModel = new Map<ModelName, Scores>();
  let substituted = 0;
  for (const m of ALL_MODELS) {
    if (m === 'pooled') continue;
    // a history too short for a model leaves it out of that series' candidates: score what the series got instead
    const fs = every.map((r) => r.candidates?.find((c) => c.model === m) ?? (substituted++, r));
    const s = scoreForecasts(fs, holdout);
    byModel.set(m, s);
    rows.push({ model: BASELINE_ROWS[m] ?? (m === 'gbt' ? 'gbt (global, catalog)' : m), baseline: m in BASELINE_ROWS, metrics: metrics(s) });
  }
  rows.push({ model: 'gbt (global, no catalog)', baseline: false, metrics: metrics(scoreForecasts(gbtNoCatalog, holdout)) });
  // bounds that peek at the holdout: how far the RMSSE target is even for a perfect selector or a perfect level
  const oracle = oracleBounds(every.map((r) => r.candidates ?? [r]), holdout);
  const pooling: string[] = [];
  for (const d of TRUNCATIONS) {
    const r = poolingExperiment(series, d);
    rows.push({ model: `${d}-day history: pooled by product type`, baseline: false, metrics: metrics(r.typed) });
    rows.push({ model: `${d}-day history: pooled with the shop (no catalog)`, baseline: false, metrics: metrics(r.shop) });
    rows.push({ model: `${d}-day history: no pooling`, baseline: true, metrics: metrics(r.none) });
    pooling.push(`${d} days: RMSSE ${fmt(r.typed.rmsse)} by type / ${fmt(r.shop.rmsse)} shop / ${fmt(r.none.rmsse)} none, 80 % cov. ${pct(r.typed.coverage80)} / ${pct(r.shop.coverage80)} / ${pct(r.none.coverage80)}`);
  }
  rows.push({ model: 'oracle: best of every model per series', baseline: false, metrics: { rmsse: oracle.selection, series: oracle.series } });
  rows.push({ model: 'oracle: flat at the held-out mean', baseline: false, metrics: { rmsse: oracle.flatLevel, series: oracle.series } });
  rows.push({ model: 'oracle: wmean shape at the held-out mean', baseline: false, metrics: { rmsse: oracle.levelTimesProfile, series: oracle.series } });
  const below = (b: Scores) => sel.rmsse < b.rmsse && sel.mase < b.mase;
  const sn = byModel.get('snaive')!;
  const mn = byModel.get('mean28')!;
  const chosen = new Map<string, number>();
  for (const r of selected) chosen.set(r.model, (chosen.get(r.model) ?? 0) + 1);
  const target = dataset.startsWith('m5') ? 0.75 : 0.83;
  return {
    task: 'demand',
    dataset,
    rows,
    checks: [
      { name: 'selected below seasonal naive (RMSSE and MASE)', pass: below(sn), detail: `RMSSE ${fmt(sel.rmsse)} vs ${fmt(sn.rmsse)}, MASE ${fmt(sel.mase)} vs ${fmt(sn.mase)}` },
      { name: 'selected below the 28-day mean (RMSSE and MASE)', pass: below(mn), detail: `RMSSE ${fmt(sel.rmsse)} vs ${fmt(mn.rmsse)}, MASE ${fmt(sel.mase)} vs ${fmt(mn.mase)}` },
      { name: '80 % interval coverage in 75–85 %', pass: sel.coverage80 >= 0.75 && sel.coverage80 <= 0.85, detail: `${pct(sel.coverage80)} of ${series.length} series × ${HOLDOUT_DAYS} days (95 %: ${pct(sel.coverage95)})` },
      { name: `selected RMSSE ≤ ${target} (issue 17)`, pass: sel.rmsse <= target, detail: `${fmt(sel.rmsse)} (no catalog ${fmt(selNoCat.rmsse)}, per-series only ${fmt(before.rmsse)}; oracle bounds: best model per series ${fmt(oracle.selection)}, flat at the held-out mean ${fmt(oracle.flatLevel)})` },
    ],
    notes: [
      ...notes,
      `holdout: the last ${HOLDOUT_DAYS} days of each series as given; RMSSE and MASE scaled by the in-sample one-step naive errors from the first sale; mean over series`,
      `selected models: ${[...chosen].map(([m, c]) => `${m} ${c}`).join(', ')}`,
      `oracle bounds (they read the holdout; not models): best of every model per series ${fmt(oracle.selection)}, flat forecast at each series' held-out mean ${fmt(oracle.flatLevel)}, wmean's weekly shape at the held-out mean ${fmt(oracle.levelTimesProfile)} (target ${target})`,
      `pooling on truncated histories (each series cut to its last N days before the holdout while the others keep theirs; scale from the full history): ${pooling.join('; ')}`,
      `forecast time: ${((t1 - t0) / 1000).toFixed(2)} s for the selection run (${series.length} series, the global model trained twice: backtest and final)`,
      ...(substituted > 0 ? [`${substituted} single-model forecasts replaced by the series' own fallback (history too short for the model)`] : []),
    ],
  };
}

/** Both real panels under dataDir (see demandFile). */
export async function evaluateDemand(dataDir: string): Promise<EvalSection[]> {
  const uciFile = demandFile(dataDir, UCI_DEMAND);
  const uci = await readLongCsv(createReadStream(uciFile), uciFile);
  const types = productTypesFromTitles(await readUciTitles(demandFile(dataDir, UCI_ITEMS)));
  for (const s of uci.series) s.group = types.get(s.id) || null;
  const typeCount = new Set([...types.values()].filter(Boolean)).size;
  const m5 = await readM5Wide(demandFile(dataDir, M5_SALES), demandFile(dataDir, M5_CALENDAR));
  return [
    evaluatePanel('online_retail_top50 (UCI, daily units)', uci.series, [`${uci.series.length} stock codes, ${uci.series[0]?.start} .. ${uci.lastDate}; the shop is closed on Saturdays (zeros kept); product type = the description's word shared with most other items (${typeCount} types)`]),
    evaluatePanel('m5_subset (Walmart item × store)', m5, [`${m5.length} series, ${m5[0]?.start} + ${m5[0]?.units.length} days; intermittent demand; product type = dept_id`]),
  ];
}
