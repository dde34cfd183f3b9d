// Recommender benchmark: 1M synthetic order lines (100k customers, 5,000 Zipf items, planted clusters): train + top-10 for all.
import * as os from 'node:os';
import { syntheticPurchases } from '../../functions/src/models/recommend/synthetic';
import { trainRecommender } from '../../functions/src/models/recommend/model';
import { distinctRecommended, recommendAll } from '../../functions/src/models/recommend/recommender';
import type { Interactions } from '../../functions/src/models/recommend/interactions';
import type { BenchResult, BenchRow } from './run';

const LINES = Number(process.env['BENCH_LINES'] ?? 1_000_000);
const CUSTOMERS = Number(process.env['BENCH_CUSTOMERS'] ?? 100_000);
const ITEMS = 5_000;
const K = 10;
const TARGET_SECONDS = 20;

function peakRss(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return { stop: () => (clearInterval(t), Math.max(peak, process.memoryUsage().rss)) };
}

/**
 * The same-run reference: one pass over the orders counting every unordered item pair in a Map (key a·nItems + b),
 * the simplest co-purchase count anyone would write first. Lines are stored order by order, so no grouping is needed.
 */
function referencePairCount(x: Interactions): { seconds: number; pairs: number; increments: number } {
  const t0 = performance.now();
  const counts = new Map<number, number>();
  const n = x.itemIds.length;
  let increments = 0;
  let start = 0;
  for (let k = 1; k <= x.length; k++) {
    if (k < x.length && x.basket[k] === x.basket[start]) continue;
    for (let i = start; i < k; i++)
      for (let j = i + 1; j < k; j++) {
        const a = Math.min(x.item[i]!, x.item[j]!);
        const b = Math.max(x.item[i]!, x.item[j]!);
        const key = a * n + b;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        increments++;
      }
    start = k;
  }
  return { seconds: (performance.now() - t0) / 1000, pairs: counts.size, increments };
}

export async function run(): Promise<BenchResult> {
  const rows: BenchRow[] = [];
  const mb = (b: number) => Math.round(b / 2 ** 20);
  let t = performance.now();
  const data = syntheticPurchases({ seed: 42, lines: LINES, customers: CUSTOMERS, items: ITEMS });
  const genSeconds = (performance.now() - t) / 1000;
  const customers = data.customerIds.length;

  let mem = peakRss();
  const ref = referencePairCount(data);
  rows.push({ name: 'reference: one pass counting item pairs per order (Map)', seconds: ref.seconds, 'peak RSS MiB': mb(mem.stop()), ratio: 1, detail: `${ref.increments} pair increments, ${ref.pairs} distinct pairs` });

  mem = peakRss();
  t = performance.now();
  const model = trainRecommender(data);
  const trainSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const recs = recommendAll(model, data, { k: K });
  const recSeconds = (performance.now() - t) / 1000;
  const peak = mem.stop();
  const total = trainSeconds + recSeconds;
  const coverage = distinctRecommended(recs, model.items.length) / model.items.length;
  const p = model.params;
  rows.push({ name: 'train (neighbour lists + popularity)', seconds: trainSeconds, 'peak RSS MiB': '', ratio: trainSeconds / ref.seconds, detail: `${model.stats.candidatePairs} candidate pairs scored, ${model.neighbours.items.length} neighbours kept` });
  rows.push({ name: `top-${K} for every customer`, seconds: recSeconds, 'peak RSS MiB': '', ratio: recSeconds / ref.seconds, detail: `${customers} customers, ${recs.filledFromPopularity} needed popularity fill, coverage ${(coverage * 100).toFixed(1)} %` });
  rows.push({ name: 'total (train + recommend)', seconds: total, 'peak RSS MiB': mb(peak), ratio: total / ref.seconds, detail: `${Math.round(LINES / total)} lines/s` });

  return {
    name: 'train-recommend',
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    rows,
    targets: [{ metric: 'train + top-10 for every customer, seconds', target: `<= ${TARGET_SECONDS}`, value: Number(total.toFixed(2)), pass: total <= TARGET_SECONDS }],
    notes: [
      `${data.length} lines, ${customers} customers, ${data.nBaskets} orders, ${ITEMS} items (seed 42, generated in ${genSeconds.toFixed(1)} s, not timed)`,
      `params: unit=${p.unit}, maxUnitItems=${p.maxUnitItems}, unitWeighting=${p.unitWeighting}, shrinkage=${p.shrinkage}, alpha=${p.alpha}, neighbours=${p.neighbours}, halfLifeDays=${p.halfLifeDays}`,
      'ratio = seconds / reference seconds, measured in the same process on the same data (machine-load independent comparison)',
    ],
  };
}
