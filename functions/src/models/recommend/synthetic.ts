// Seeded synthetic purchases with Zipf item popularity and planted co-purchase clusters (benchmarks and tests).
import { Prng } from '../../simulator/prng';
import { InteractionsBuilder, type Interactions } from './interactions';

export interface SyntheticOptions {
  seed: number | string;
  lines: number;
  customers: number;
  items: number;
  /** Items per planted cluster (a customer mostly buys within their two clusters). */
  clusterSize: number;
  /** Zipf exponent of item popularity. */
  zipf: number;
  /** Share of lines drawn from the customer's clusters (the rest from global popularity). */
  affinity: number;
  days: number;
  start: Date;
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  seed: 1,
  lines: 1_000_000,
  customers: 100_000,
  items: 5_000,
  clusterSize: 20,
  zipf: 1.0,
  affinity: 0.8,
  days: 365,
  start: new Date('2025-01-01T00:00:00Z'),
};

function cdf(weights: Float64Array): Float64Array {
  const c = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) c[i] = s += weights[i]!;
  for (let i = 0; i < c.length; i++) c[i] = c[i]! / s;
  return c;
}

function draw(c: Float64Array, u: number, from = 0, to = c.length): number {
  let lo = from;
  let hi = to - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Lines are grouped in orders of 1–6 items; customers are drawn with a heavy-tailed activity (a few buy hundreds of
 * lines, most a handful); each customer has a primary and a secondary cluster of `clusterSize` items; within a
 * cluster and globally, items are drawn by Zipf popularity. Item ids are `item-<n>`, customer ids `cust-<n>`.
 */
export function syntheticPurchases(opts: Partial<SyntheticOptions> = {}): Interactions & { clusterOf: Int32Array } {
  const o = { ...SYNTHETIC_DEFAULTS, ...opts };
  const rng = new Prng(o.seed);
  const nClusters = Math.max(1, Math.floor(o.items / o.clusterSize));
  // Popularity ranks are a random permutation, so popular items spread over clusters.
  const rank = Int32Array.from({ length: o.items }, (_, i) => i);
  for (let i = o.items - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rank[i], rank[j]] = [rank[j]!, rank[i]!];
  }
  const weight = Float64Array.from(rank, (r) => 1 / Math.pow(r + 1, o.zipf));
  const global = cdf(weight);
  // Cluster c holds items [c*size, (c+1)*size); a per-cluster CDF over its items' weights.
  const clusterOf = Int32Array.from({ length: o.items }, (_, i) => Math.min(nClusters - 1, Math.floor(i / o.clusterSize)));
  const inCluster = new Float64Array(o.items);
  for (let c = 0; c < nClusters; c++) {
    const from = c * o.clusterSize;
    const to = c === nClusters - 1 ? o.items : from + o.clusterSize;
    const part = cdf(weight.subarray(from, to));
    inCluster.set(part, from);
  }
  const clusterWeight = new Float64Array(nClusters);
  for (let i = 0; i < o.items; i++) clusterWeight[clusterOf[i]!]! += weight[i]!;
  const clusters = cdf(clusterWeight);
  const primary = new Int32Array(o.customers);
  const secondary = new Int32Array(o.customers);
  for (let c = 0; c < o.customers; c++) {
    primary[c] = draw(clusters, rng.next());
    secondary[c] = draw(clusters, rng.next());
  }
  const b = new InteractionsBuilder();
  for (let i = 0; i < o.items; i++) b.itemIndex(`item-${i}`);
  const customerIndex = new Int32Array(o.customers).fill(-1);
  const startMs = o.start.getTime();
  const spanMs = o.days * 86_400_000;
  const seen = new Int32Array(o.items).fill(-1);
  let lines = 0;
  while (lines < o.lines) {
    const c = Math.min(o.customers - 1, Math.floor(Math.pow(rng.next(), 1.6) * o.customers));
    let ci = customerIndex[c]!;
    if (ci < 0) ci = customerIndex[c] = b.customerIndex(`cust-${c}`);
    const basket = b.newBasket();
    const t = startMs + Math.floor((lines / o.lines) * spanMs);
    const size = Math.min(o.lines - lines, 1 + Math.floor(rng.next() * rng.next() * 6));
    for (let k = 0; k < size; k++) {
      const u = rng.next();
      let item: number;
      if (u < o.affinity) {
        const cl = u < o.affinity * 0.7 ? primary[c]! : secondary[c]!;
        const from = cl * o.clusterSize;
        const to = cl === nClusters - 1 ? o.items : from + o.clusterSize;
        item = draw(inCluster, rng.next(), from, to);
      } else item = draw(global, rng.next());
      if (seen[item] === basket) continue; // one line per item per order
      seen[item] = basket;
      b.push(ci, item, basket, t);
      lines++;
    }
  }
  return Object.assign(b.build(), { clusterOf });
}
