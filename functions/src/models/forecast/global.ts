// The global model: one gradient-boosted tree ensemble over every series of the panel (lags, calendar and catalog features), as a per-series candidate.
import { dateOfDayNumber } from '../../core/shop-days';
import { fitGbt, predictGbt, type GbtModel } from './gbt';
import type { Model } from './model';

/** A series as the panel-wide models see it: prepared units (from the first sale, NaN = censored) and where they sit in time. */
export interface PanelMember {
  id: string;
  /** Days since 1970-01-01 of y[0]. */
  day0: number;
  y: Float64Array;
  /** Product type (catalog); null when unknown. */
  group: string | null;
}

const BASE_FEATURES = ['step', 'weekday', 'month', 'day_of_month', 'level7', 'level28', 'level91', 'level364', 'same_weekday_4w', 'same_weekday_52w', 'zero_share_28', 'log_days_since_sale', 'last_year', 'last_year_week'] as const;
const CATALOG_FEATURES = ['group_weekday_factor', 'log_level_vs_group'] as const;

/** Features (with catalog: the product type's weekday profile and the series' level against its type's). */
export const globalFeatureNames = (catalog: boolean): string[] => [...BASE_FEATURES, ...(catalog ? CATALOG_FEATURES : [])];

/** Days per training origin step (5 cycles the origins through the weekdays) and origins per series. */
const ORIGIN_STRIDE = 5;
const MAX_ORIGINS = 150;
/** At most this many training rows (members are thinned evenly beyond it). */
const MAX_ROWS = 200_000;
const HORIZON = 28;

interface Prefix {
  s: Float64Array;
  c: Float64Array;
}

function prefix(y: Float64Array): Prefix {
  const s = new Float64Array(y.length + 1);
  const c = new Float64Array(y.length + 1);
  for (let t = 0; t < y.length; t++) {
    const v = y[t]!;
    s[t + 1] = s[t]! + (v === v ? v : 0);
    c[t + 1] = c[t]! + (v === v ? 1 : 0);
  }
  return { s, c };
}

/** Mean of the observed days in [a, b) (clamped at 0), or NaN when none. */
const windowMean = (p: Prefix, a: number, b: number) => {
  const lo = Math.max(0, a);
  const k = p.c[b]! - p.c[lo]!;
  return k > 0 ? (p.s[b]! - p.s[lo]!) / k : NaN;
};

/** The shared part of a panel's global model: members, their prefix sums, catalog statistics and the ensembles by cutoff day. */
export class GlobalForecaster {
  private readonly prefixes = new Map<string, Prefix>();
  private readonly ensembles = new Map<number, { model: GbtModel; groupProfile: Map<string, Float64Array>; groupLevel: Map<string, number> }>();
  readonly featureCount: number;

  constructor(
    private readonly members: readonly PanelMember[],
    readonly catalog: boolean,
  ) {
    for (const m of members) this.prefixes.set(m.id, prefix(m.y));
    this.featureCount = globalFeatureNames(catalog).length;
  }

  /** Per product type, from the days before `cutoff`: the weekday profile (mean 1; by day number mod 7) and the mean daily level. */
  private groupStats(cutoff: number) {
    const sums = new Map<string, { wd: Float64Array; wc: Float64Array; levels: number[] }>();
    for (const m of this.members) {
      const g = m.group ?? '';
      const end = Math.min(m.y.length, cutoff - m.day0);
      if (end < 28) continue;
      let e = sums.get(g);
      if (!e) sums.set(g, (e = { wd: new Float64Array(7), wc: new Float64Array(7), levels: [] }));
      const start = Math.max(0, end - 364);
      const p = this.prefixes.get(m.id)!;
      const mean = windowMean(p, start, end);
      if (!(mean > 0)) continue;
      // each series' own weekday ratios, so a big seller does not set its type's profile alone
      const wd = new Float64Array(7);
      const wc = new Float64Array(7);
      for (let t = start; t < end; t++) {
        const v = m.y[t]!;
        if (v !== v) continue;
        wd[(m.day0 + t) % 7]! += v / mean;
        wc[(m.day0 + t) % 7]! += 1;
      }
      for (let d = 0; d < 7; d++) if (wc[d]! > 0) {
        e.wd[d]! += wd[d]! / wc[d]!;
        e.wc[d]! += 1;
      }
      e.levels.push(mean);
    }
    const groupProfile = new Map<string, Float64Array>();
    const groupLevel = new Map<string, number>();
    for (const [g, e] of sums) {
      const w = Float64Array.from(e.wd, (v, d) => (e.wc[d]! > 0 ? v / e.wc[d]! : 1));
      const norm = w.reduce((a, b) => a + b, 0) / 7;
      groupProfile.set(g, w.map((v) => (norm > 0 ? v / norm : 1)));
      groupLevel.set(g, e.levels.length ? e.levels.reduce((a, b) => a + b, 0) / e.levels.length : NaN);
    }
    return { groupProfile, groupLevel };
  }

  /** Writes the features of (member, origin o, step h) to x[at …]; returns the scale the target is divided by. */
  private features(m: PanelMember, o: number, h: number, x: Float64Array, at: number, stats: { groupProfile: Map<string, Float64Array>; groupLevel: Map<string, number> }): number {
    const p = this.prefixes.get(m.id)!;
    const y = m.y;
    const l28 = windowMean(p, o - 28, o);
    const lAll = windowMean(p, o - 364, o);
    const t = o + h;
    const day = m.day0 + t;
    const date = new Date(`${dateOfDayNumber(day)}T00:00:00Z`);
    // the latest same weekday before the origin, then weekly steps back
    const j0 = t - 7 * (Math.floor(h / 7) + 1);
    let s4 = 0;
    let c4 = 0;
    let s52 = 0;
    let c52 = 0;
    for (let w = 0; w < 52; w++) {
      const j = j0 - 7 * w;
      if (j < 0) break;
      const v = y[j]!;
      if (v !== v) continue;
      if (w < 4) {
        s4 += v;
        c4++;
      }
      s52 += v;
      c52++;
    }
    // the target is relative to the series' recent level (28-day mean + 10 % of the year's), so one ensemble serves every level
    const scale = Math.max(0.01, (l28 === l28 ? l28 : 0) + 0.1 * (lAll === lAll ? lAll : 0));
    const r = (v: number) => (v === v ? v / scale : -1);
    let k = 0;
    x[at + k++] = Math.min(h + 1, HORIZON);
    x[at + k++] = day % 7;
    x[at + k++] = date.getUTCMonth() + 1;
    x[at + k++] = date.getUTCDate();
    x[at + k++] = r(windowMean(p, o - 7, o));
    x[at + k++] = r(l28);
    x[at + k++] = r(windowMean(p, o - 91, o));
    x[at + k++] = r(lAll);
    x[at + k++] = c4 ? s4 / c4 / scale : -1;
    x[at + k++] = c52 ? s52 / c52 / scale : -1;
    let zeros = 0;
    let obs = 0;
    let since = 365;
    for (let j = o - 1; j >= Math.max(0, o - 365); j--) {
      const v = y[j]!;
      if (v !== v) continue;
      if (j >= o - 28) {
        obs++;
        if (v === 0) zeros++;
      }
      if (v > 0 && since === 365) since = o - 1 - j;
      if (j < o - 28 && since < 365) break;
    }
    x[at + k++] = obs ? zeros / obs : -1;
    x[at + k++] = Math.log1p(since);
    const ly = t - 364;
    x[at + k++] = ly >= 0 && ly < o ? r(y[ly]!) : -1;
    x[at + k++] = ly - 3 >= 0 && ly + 4 <= o ? r(windowMean(p, ly - 3, ly + 4)) : -1;
    if (this.catalog) {
      const g = m.group ?? '';
      const prof = stats.groupProfile.get(g);
      x[at + k++] = prof ? prof[day % 7]! : 1;
      const gl = stats.groupLevel.get(g);
      x[at + k++] = gl && gl > 0 && lAll === lAll && lAll > 0 ? Math.log(lAll / gl) : 0;
    }
    return scale;
  }

  /** The ensemble trained on every member's days before absolute day `cutoff` (trained once per cutoff). */
  private ensemble(cutoff: number) {
    const hit = this.ensembles.get(cutoff);
    if (hit) return hit;
    const stats = this.groupStats(cutoff);
    const P = this.featureCount;
    const rows: number[] = [];
    const targets: number[] = [];
    const x = new Float64Array(P);
    // a big shop: every k-th member trains the ensemble (all of them are forecast with it)
    const every = Math.max(1, Math.ceil((this.members.length * MAX_ORIGINS * HORIZON) / MAX_ROWS));
    for (const [i, m] of this.members.entries()) {
      if (i % every !== 0) continue;
      const end = Math.min(m.y.length, cutoff - m.day0);
      let count = 0;
      for (let o = end - HORIZON; o >= 28 && count < MAX_ORIGINS; o -= ORIGIN_STRIDE, count++) {
        for (let h = 0; h < HORIZON; h++) {
          const v = m.y[o + h]!;
          if (v !== v) continue;
          const scale = this.features(m, o, h, x, 0, stats);
          for (let j = 0; j < P; j++) rows.push(x[j]!);
          targets.push(v / scale);
        }
      }
    }
    const model = targets.length >= 400 ? fitGbt(Float64Array.from(rows), Float64Array.from(targets), P) : { base: 1, trees: [] };
    const e = { model, ...stats };
    this.ensembles.set(cutoff, e);
    return e;
  }

  /** The per-series candidate ('gbt'): fit = the ensemble trained before the fit end; forecasts from each origin. */
  modelFor(member: PanelMember): Model {
    const ensemble = (cutoff: number) => this.ensemble(cutoff);
    const features = (o: number, h: number, x: Float64Array, e: ReturnType<typeof ensemble>) => this.features(member, o, h, x, 0, e);
    const P = this.featureCount;
    return {
      name: 'gbt',
      minHistory: 28,
      fit: (_y, end) => Float64Array.of(member.day0 + end),
      forecast(_y, params, origins, H, out) {
        const e = ensemble(params[0]!);
        const x = new Float64Array(P);
        for (let k = 0; k < origins.length; k++) {
          const o = origins[k]!;
          for (let h = 0; h < H; h++) {
            const scale = features(o, h, x, e);
            out[k * H + h] = Math.max(0, scale * predictGbt(e.model, x));
          }
        }
      },
    };
  }
}
