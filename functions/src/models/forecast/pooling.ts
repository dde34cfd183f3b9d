// Pooling for short histories: a series borrows its product type's weekday profile and level (empirical Bayes), as the 'pooled' candidate.
import type { PanelMember } from './global';
import type { Model } from './model';

/** Series with fewer observed days than this are short: they get the pooled candidate (and keep it unless beaten). */
export const SHORT_HISTORY_DAYS = 120;
/** Pseudo-weeks of the prior weekday profile against the series' own weekday ratios. */
export const PROFILE_PRIOR_WEEKS = 8;
/** At most this many pseudo-days of the prior level (a type's level says little about one variant's). */
const MAX_LEVEL_PRIOR_DAYS = 56;

export interface PoolPrior {
  /** Product type the prior comes from ('' = the whole shop: too few long series of the type). */
  group: string;
  /** Weekday factors by day number mod 7 (mean 1; 0 = a day the type never sells). */
  profile: number[];
  /** Mean daily units of the type's long series (last 28 days) and the pseudo-days that level counts for. */
  level: number;
  levelDays: number;
  /** Long series the prior is made of. */
  series: number;
}

interface Summary {
  member: PanelMember;
  profile: Float64Array;
  level: number;
}

const observedDays = (y: Float64Array) => {
  let k = 0;
  for (let t = 0; t < y.length; t++) if (y[t] === y[t]) k++;
  return k;
};

function summarise(m: PanelMember): Summary | null {
  const y = m.y;
  const n = y.length;
  let s = 0;
  let c = 0;
  const wd = new Float64Array(7);
  const wc = new Float64Array(7);
  for (let t = Math.max(0, n - 364); t < n; t++) {
    const v = y[t]!;
    if (v !== v) continue;
    s += v;
    c++;
    wd[(m.day0 + t) % 7]! += v;
    wc[(m.day0 + t) % 7]! += 1;
  }
  if (!(s > 0)) return null;
  const mean = s / c;
  const profile = Float64Array.from(wd, (v, d) => (wc[d]! > 0 ? v / wc[d]! / mean : 1));
  let ls = 0;
  let lc = 0;
  for (let t = n - 1; t >= 0 && lc < 28; t--) if (y[t] === y[t]) {
    ls += y[t]!;
    lc++;
  }
  return { member: m, profile, level: lc ? ls / lc : 0 };
}

/** A prior from the summaries (the series itself excluded by the caller), or null with fewer than 2. */
function priorOf(group: string, parts: Summary[]): PoolPrior | null {
  if (parts.length < 2) return null;
  const profile = new Array<number>(7).fill(0);
  for (const p of parts) for (let d = 0; d < 7; d++) profile[d]! += p.profile[d]! / parts.length;
  const norm = profile.reduce((a, b) => a + b, 0) / 7;
  for (let d = 0; d < 7; d++) profile[d] = profile[d]! < 0.02 * norm ? 0 : profile[d]! / norm;
  const mu = parts.reduce((a, p) => a + p.level, 0) / parts.length;
  const v = parts.reduce((a, p) => a + (p.level - mu) ** 2, 0) / (parts.length - 1) - mu / 28;
  // Gamma–Poisson: levels ~ Gamma(mean μ, variance v) ⇒ the prior counts for μ / v days of the series' own data
  const levelDays = mu > 0 ? Math.min(MAX_LEVEL_PRIOR_DAYS, v > 0 ? mu / v : MAX_LEVEL_PRIOR_DAYS) : 0;
  return { group, profile, level: mu, levelDays, series: parts.length };
}

/**
 * The prior of every short series of the panel: the other long series (≥ SHORT_HISTORY_DAYS observed days) of its product
 * type, or of the whole panel when the type has fewer than 2 (or `byGroup` is false: no catalog).
 */
export function poolPriors(members: readonly PanelMember[], byGroup = true): Map<string, PoolPrior> {
  const long: Summary[] = [];
  for (const m of members) {
    if (observedDays(m.y) < SHORT_HISTORY_DAYS) continue;
    const s = summarise(m);
    if (s) long.push(s);
  }
  const out = new Map<string, PoolPrior>();
  for (const m of members) {
    if (observedDays(m.y) >= SHORT_HISTORY_DAYS) continue;
    const others = long.filter((s) => s.member !== m && s.member.id !== m.id);
    const sameType = byGroup && m.group !== null ? others.filter((s) => s.member.group === m.group) : [];
    const prior = priorOf(m.group ?? '', sameType) ?? priorOf('', others);
    if (prior) out.set(m.id, prior);
  }
  return out;
}

/**
 * The 'pooled' model of one short series: level = (own units of the last 28 observed days + levelDays · prior level) /
 * (own days + levelDays); weekday factor = (own weekday weeks · own ratio + PROFILE_PRIOR_WEEKS · prior factor) / (weeks +
 * PROFILE_PRIOR_WEEKS), renormalised to mean 1. With no history of its own it forecasts its type.
 */
export function pooledModel(day0: number, prior: PoolPrior): Model {
  return {
    name: 'pooled',
    minHistory: 1,
    fit: () => new Float64Array(0),
    forecast(y, _params, origins, H, out) {
      const wd = new Float64Array(7);
      const wc = new Float64Array(7);
      const w = new Float64Array(7);
      let tot = 0;
      let cnt = 0;
      let t = 0;
      for (let k = 0; k < origins.length; k++) {
        const o = origins[k]!;
        for (; t < o; t++) {
          const v = y[t]!;
          if (v !== v) continue;
          wd[(day0 + t) % 7]! += v;
          wc[(day0 + t) % 7]! += 1;
          tot += v;
          cnt++;
        }
        let ls = 0;
        let lc = 0;
        for (let j = o - 1; j >= 0 && lc < 28; j--) if (y[j] === y[j]) {
          ls += y[j]!;
          lc++;
        }
        const level = (ls + prior.levelDays * prior.level) / Math.max(1e-9, lc + prior.levelDays);
        const mean = cnt > 0 ? tot / cnt : 0;
        let norm = 0;
        for (let d = 0; d < 7; d++) {
          const own = mean > 0 && wc[d]! > 0 ? wd[d]! / wc[d]! / mean : prior.profile[d]!;
          w[d] = (wc[d]! * own + PROFILE_PRIOR_WEEKS * prior.profile[d]!) / (wc[d]! + PROFILE_PRIOR_WEEKS);
          norm += w[d]! / 7;
        }
        for (let h = 0; h < H; h++) out[k * H + h] = norm > 0 ? (level * w[(day0 + o + h) % 7]!) / norm : level;
      }
    },
  };
}
