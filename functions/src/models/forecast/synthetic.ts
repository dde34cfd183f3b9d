// Seeded synthetic demand panels (smooth, intermittent and lumpy daily series) for tests and the training benchmark.
import { Prng } from '../../simulator/prng';
import { isoDay, parseIsoDay } from './dates';
import type { DemandSeries } from './types';

export type SyntheticKind = 'smooth' | 'intermittent' | 'lumpy';

export interface SyntheticSeries extends DemandSeries {
  kind: SyntheticKind;
  units: number[];
}

/**
 * `count` daily series of `days` days from `start`, a seeded mix like the simulator's catalogue: 40 % smooth (Poisson around a
 * level with a weekday profile, yearly season and trend), 35 % intermittent (a demand day with probability 0.05–0.45, small
 * sizes) and 25 % lumpy (rare demand days, sizes from a heavy gamma mixture with occasional bulk orders of 5–20 units).
 */
export function syntheticPanel(count: number, days: number, seed: number | string, start = '2024-01-01'): SyntheticSeries[] {
  const rng = new Prng(seed);
  const day0 = parseIsoDay(start);
  const out: SyntheticSeries[] = [];
  for (let i = 0; i < count; i++) {
    const u = rng.next();
    const kind: SyntheticKind = u < 0.4 ? 'smooth' : u < 0.75 ? 'intermittent' : 'lumpy';
    const week = Array.from({ length: 7 }, () => 0.7 + 0.6 * rng.next());
    const closed = rng.chance(0.15) ? rng.int(7) : -1; // a weekday without sales (closed shop)
    const seasonAmp = 0.4 * rng.next();
    const peak = rng.int(365);
    const growth = (rng.next() - 0.4) * 0.8; // log growth per year
    const units: number[] = [];
    const level = kind === 'smooth' ? 3 + 40 * rng.next() ** 2 : 0;
    const prob = kind === 'intermittent' ? 0.05 + 0.4 * rng.next() : 0.03 + 0.2 * rng.next();
    const size = kind === 'intermittent' ? 1 + 2 * rng.next() : 2 + 6 * rng.next();
    for (let t = 0; t < days; t++) {
      const dow = (day0 + t + 4) % 7; // 0 = Sunday
      if (dow === closed) {
        units.push(0);
        continue;
      }
      const mult = week[dow]! * (1 + seasonAmp * Math.cos((2 * Math.PI * (t - peak)) / 365)) * Math.exp((growth * t) / 365);
      let v = 0;
      if (kind === 'smooth') v = rng.poisson(level * mult);
      else if (rng.chance(Math.min(0.95, prob * mult))) {
        if (kind === 'intermittent') v = 1 + rng.poisson(size - 1);
        else v = rng.chance(0.1) ? rng.between(5, 20) : 1 + Math.round(rng.gamma(0.8, 0.8 / size) * 1);
      }
      units.push(v);
    }
    out.push({ id: `V${String(i).padStart(5, '0')}`, start: isoDay(day0), units, kind });
  }
  return out;
}
