// Seeded synthetic store with a known buying process (BG/NBD) and the exact P(order within 30 days | history) per customer.
import { Prng } from '../../simulator/prng';
import { dayNumber, dayString, type Transaction } from './rfm-snapshot';

export interface SyntheticOptions {
  customers: number;
  seed: number | string;
  /** First calendar day (day 0). Default 2024-01-01. */
  startDate?: string;
  /** Customers are acquired uniformly over [0, acquisitionDays). Default 300. */
  acquisitionDays?: number;
  /** Purchases are simulated until this many days after startDate. Default 420. */
  days?: number;
  /** Purchase rate λ ~ Gamma(r, α) per day. Defaults r = 0.9, α = 25 (mean 0.036 per day, ≈ 1.1 a month). */
  r?: number;
  alpha?: number;
  /** After each repeat purchase the customer drops out with probability p ~ Beta(a, b). Defaults a = 0.5, b = 6. */
  a?: number;
  b?: number;
}

export interface SyntheticStore {
  transactions: Transaction[];
  params: { r: number; alpha: number; a: number; b: number };
  /**
   * The Bayes probability that the customer orders in the 30 days after `snapshotDate` given their exact history up to
   * the end of that day (repeat purchases x, last purchase t_x, age T, continuous time):
   * P(alive | x, t_x, T) · (1 − ((α + T) / (α + T + 30))^(r + x)); null if not acquired yet.
   */
  truth(customerId: string, snapshotDate: string, horizonDays?: number): number | null;
}

/** BG/NBD: P(alive | x, t_x, T) = 1 / (1 + [x > 0] · a / (b + x − 1) · ((α + T) / (α + t_x))^(r + x)). */
export function bgnbdAlive(x: number, tx: number, T: number, p: { r: number; alpha: number; a: number; b: number }): number {
  if (x === 0) return 1;
  return 1 / (1 + (p.a / (p.b + x - 1)) * Math.pow((p.alpha + T) / (p.alpha + tx), p.r + x));
}

export function syntheticStore(opts: SyntheticOptions): SyntheticStore {
  const rng = new Prng(opts.seed);
  const params = { r: opts.r ?? 0.9, alpha: opts.alpha ?? 25, a: opts.a ?? 0.5, b: opts.b ?? 6 };
  const start = dayNumber(opts.startDate ?? '2024-01-01', 'startDate');
  const acquisition = opts.acquisitionDays ?? 300;
  const end = opts.days ?? 420;
  const histories = new Map<string, { t0: number; repeats: number[] }>();
  const transactions: Transaction[] = [];
  const width = String(opts.customers).length;
  for (let c = 0; c < opts.customers; c++) {
    const id = `c${String(c).padStart(width, '0')}`;
    const t0 = rng.next() * acquisition;
    const lambda = rng.gamma(params.r, params.alpha);
    const p = rng.beta(params.a, params.b);
    const spend = 20 + rng.gamma(2, 2 / 40); // customer's mean order value
    const repeats: number[] = [];
    const buy = (t: number) => transactions.push({ customerId: id, day: dayString(start + Math.floor(t)), value: Math.round(rng.gamma(4, 4 / spend) * 100) / 100 });
    buy(t0);
    let t = t0;
    for (;;) {
      t += rng.exponential(lambda);
      if (t >= end) break;
      repeats.push(t);
      buy(t);
      if (rng.chance(p)) break;
    }
    histories.set(id, { t0, repeats });
  }
  return {
    transactions,
    params,
    truth(customerId, snapshotDate, horizonDays = 30) {
      const h = histories.get(customerId);
      const tEnd = dayNumber(snapshotDate, 'snapshotDate') - start + 1; // end of the snapshot day
      if (!h || h.t0 >= tEnd) return null;
      let x = 0;
      let last = h.t0;
      for (const t of h.repeats) {
        if (t >= tEnd) break;
        x++;
        last = t;
      }
      const T = tEnd - h.t0;
      const alive = bgnbdAlive(x, last - h.t0, T, params);
      return alive * (1 - Math.pow((params.alpha + T) / (params.alpha + T + horizonDays), params.r + x));
    },
  };
}
