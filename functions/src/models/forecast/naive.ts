// The baselines (weekly seasonal naive, plain 28-day mean) and wmean: the 28-day mean times an empirical-Bayes weekday profile.
import { meanOfLastObserved, NO_PARAMS, type Model } from './model';

export const SEASON = 7;
export const MEAN_WINDOW = 28;

/** Weekly seasonal naive; a censored day falls back to the same weekday one or more weeks earlier, then to the 28-day mean. */
export const seasonalNaive: Model = {
  name: 'snaive',
  minHistory: 1,
  fit: () => NO_PARAMS,
  forecast(y, _params, origins, H, out) {
    for (let k = 0; k < origins.length; k++) {
      const o = origins[k]!;
      let fallback = -1;
      for (let h = 0; h < H; h++) {
        let j = o - SEASON + (h % SEASON);
        while (j >= 0 && y[j]! !== y[j]!) j -= SEASON;
        let v: number;
        if (j >= 0) v = y[j]!;
        else {
          if (fallback < 0) fallback = meanOfLastObserved(y, o, MEAN_WINDOW);
          v = fallback;
        }
        out[k * H + h] = v;
      }
    }
  },
};

/** Flat forecast at the mean of the last 28 observed days (censored days are skipped, not counted as zeros). */
export const mean28: Model = {
  name: 'mean28',
  minHistory: 1,
  fit: () => NO_PARAMS,
  forecast(y, _params, origins, H, out) {
    for (let k = 0; k < origins.length; k++) {
      const v = meanOfLastObserved(y, origins[k]!, MEAN_WINDOW);
      out.fill(v, k * H, k * H + H);
    }
  },
};

/**
 * Weekday profile from running per-weekday sums, shrunk towards a flat week by empirical Bayes: with weekday means m_d, overall
 * mean m, pooled within-weekday variance σ² and mean count C, the signal variance τ² = max(0, var(m_d) − σ²/C) gives the weight
 * B = τ² / (τ² + σ²/C) and w_d = 1 + B·(m_d/m − 1). A strong pattern keeps its profile; noise is flattened. A weekday that never
 * sold in 8 or more observed weeks is closed (w_d = 0). The factors are renormalised to average 1 over the week.
 */
export function weekdayProfile(S: Float64Array, Q: Float64Array, C: Float64Array, w: Float64Array): void {
  let total = 0;
  let count = 0;
  let within = 0;
  let dof = 0;
  for (let d = 0; d < SEASON; d++) {
    total += S[d]!;
    count += C[d]!;
    if (C[d]! > 1) {
      within += Q[d]! - (S[d]! * S[d]!) / C[d]!;
      dof += C[d]! - 1;
    }
  }
  const m = count > 0 ? total / count : 0;
  if (!(m > 0) || dof === 0) {
    w.fill(1);
    return;
  }
  const sigma2 = within / dof;
  let between = 0;
  let k = 0;
  for (let d = 0; d < SEASON; d++) {
    if (C[d]! === 0) continue;
    between += (S[d]! / C[d]! - m) ** 2;
    k++;
  }
  between = k > 1 ? between / (k - 1) : 0;
  const noise = sigma2 / (count / SEASON);
  const tau2 = Math.max(0, between - noise);
  const B = tau2 > 0 ? tau2 / (tau2 + noise) : 0;
  let norm = 0;
  for (let d = 0; d < SEASON; d++) {
    // a weekday without a single sale in CLOSED_WEEKS or more weeks is a closed day: structurally 0, not shrunk
    w[d] = C[d]! >= CLOSED_WEEKS && S[d]! === 0 ? 0 : C[d]! > 0 ? 1 + B * ((S[d]! / C[d]!) / m - 1) : 1;
    norm += w[d]! / SEASON;
  }
  for (let d = 0; d < SEASON; d++) w[d]! /= norm;
}

/** Weeks of history without any sale on a weekday before it counts as a closed day (factor 0). */
export const CLOSED_WEEKS = 8;

/** 28-day mean times the weekday profile of all the history before the origin (see weekdayProfile); censored days are skipped. */
export const weekdayMean: Model = {
  name: 'wmean',
  minHistory: 14,
  fit: () => NO_PARAMS,
  forecast(y, _params, origins, H, out) {
    const S = new Float64Array(SEASON);
    const Q = new Float64Array(SEASON);
    const C = new Float64Array(SEASON);
    const w = new Float64Array(SEASON);
    let t = 0;
    for (let k = 0; k < origins.length; k++) {
      const o = origins[k]!;
      for (; t < o; t++) {
        const v = y[t]!;
        if (v !== v) continue;
        S[t % SEASON]! += v;
        Q[t % SEASON]! += v * v;
        C[t % SEASON]! += 1;
      }
      weekdayProfile(S, Q, C, w);
      const level = meanOfLastObserved(y, o, MEAN_WINDOW);
      for (let h = 0; h < H; h++) out[k * H + h] = level * w[(o + h) % SEASON]!;
    }
  },
};
