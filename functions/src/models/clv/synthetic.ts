// Synthetic customer summaries drawn from the BG/NBD and Gamma-Gamma generative processes (seeded), for benchmarks and recovery tests.
import { Prng } from '../../simulator/prng';
import type { BgnbdParams } from './bgnbd';
import type { GammaGammaParams } from './gamma-gamma';
import type { ClvCustomer } from './types';

/** The published CDNOW fits: BG/NBD in weeks (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader & Hardie 2013). */
export const CDNOW_BGNBD: BgnbdParams = { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 };
export const CDNOW_GAMMAGAMMA: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };

export interface SyntheticOptions {
  customers: number;
  seed: number | string;
  bgnbd?: BgnbdParams;
  gammagamma?: GammaGammaParams;
  /** Customers are acquired uniformly over this many days before the end of observation (default 273 = 39 weeks). */
  maxAgeDays?: number;
}

/**
 * Customers in weeks, like a real summary: the first purchase falls on a whole day in the acquisition window, so T is a
 * whole number of days / 7; then, while alive, purchases at Poisson rate λ ~ Gamma(r, α) per week, each followed by drop-out
 * with probability p ~ Beta(a, b); t_x is the last purchase rounded down to its day. Repeat purchase values are Gamma(p, ν)
 * with ν ~ Gamma(q, γ); monetary = their mean (0 without repeat purchases).
 */
export function syntheticCustomers(opts: SyntheticOptions): ClvCustomer[] {
  const bg = opts.bgnbd ?? CDNOW_BGNBD;
  const gg = opts.gammagamma ?? CDNOW_GAMMAGAMMA;
  const maxAge = opts.maxAgeDays ?? 273;
  const rng = new Prng(opts.seed);
  const out: ClvCustomer[] = [];
  for (let i = 0; i < opts.customers; i++) {
    const ageDays = rng.int(maxAge);
    const T = ageDays / 7;
    const lambda = rng.gamma(bg.r, bg.alpha);
    const dropout = rng.beta(bg.a, bg.b);
    let t = 0;
    let x = 0;
    let last = 0;
    for (;;) {
      t += rng.exponential(Math.max(lambda, 1e-300));
      if (!(t <= T)) break;
      x++;
      last = t;
      if (rng.chance(dropout)) break;
    }
    const tx = Math.min(Math.floor(last * 7) / 7, T);
    let monetary = 0;
    if (x > 0) {
      const nu = rng.gamma(gg.q, gg.gamma);
      monetary = rng.gamma(gg.p * x, nu) / x;
    }
    out.push({ id: String(i + 1), frequency: x, recency: tx, T, monetary });
  }
  return out;
}
