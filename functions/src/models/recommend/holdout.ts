// Temporal holdout: train on lines before a cutoff, score customers seen on both sides on the items new to them after it.
import { filterLines, groupDistinct, type Interactions } from './interactions';
import { evaluateRecs, type RankingMetrics } from './metrics';
import { popularityModel, trainRecommender, type RecommenderModel, type RecommenderParams } from './model';
import { recommendAll } from './recommender';

export interface TemporalHoldout {
  trainEnd: number;
  testEnd: number;
  train: Interactions;
  /** Evaluated customers: purchases before trainEnd and in [trainEnd, testEnd). Indices into train.customerIds. */
  customers: Int32Array;
  /** Per evaluated customer: item ids bought in the test window and never before trainEnd (the hits that count). */
  relevant: Set<string>[];
  /** Per evaluated customer: every item id bought in the test window (repeats of training purchases included). */
  relevantWithRepeats: Set<string>[];
}

/** Splits at trainEnd; the test window is [trainEnd, testEnd). */
export function temporalHoldout(x: Interactions, trainEnd: number, testEnd = Infinity): TemporalHoldout {
  const train = filterLines(x, (k) => x.time[k]! < trainEnd);
  const test = filterLines(x, (k) => x.time[k]! >= trainEnd && x.time[k]! < testEnd);
  const nc = x.customerIds.length;
  const ni = x.itemIds.length;
  const before = groupDistinct(train.customer, train.item, train.time, train.length, nc, ni);
  const after = groupDistinct(test.customer, test.item, test.time, test.length, nc, ni);
  const customers: number[] = [];
  const relevant: Set<string>[] = [];
  const relevantWithRepeats: Set<string>[] = [];
  const stamp = new Int32Array(ni).fill(-1);
  for (let c = 0; c < nc; c++) {
    const b0 = before.offsets[c]!;
    const b1 = before.offsets[c + 1]!;
    const a0 = after.offsets[c]!;
    const a1 = after.offsets[c + 1]!;
    if (b1 === b0 || a1 === a0) continue;
    for (let q = b0; q < b1; q++) stamp[before.values[q]!] = c;
    const rel = new Set<string>();
    const all = new Set<string>();
    for (let q = a0; q < a1; q++) {
      all.add(x.itemIds[after.values[q]!]!);
      if (stamp[after.values[q]!] !== c) rel.add(x.itemIds[after.values[q]!]!);
    }
    customers.push(c);
    relevant.push(rel);
    relevantWithRepeats.push(all);
  }
  return { trainEnd, testEnd, train, customers: Int32Array.from(customers), relevant, relevantWithRepeats };
}

/** Each evaluated customer's top-k item ids (row r = h.customers[r]). */
export function recommendedOnHoldout(model: RecommenderModel, h: TemporalHoldout, k: number, overrides: { halfLifeDays?: number } = {}): string[][] {
  const batch = recommendAll(model, h.train, { k, now: h.trainEnd, customers: h.customers, ...overrides });
  return Array.from(h.customers, (_, r) => {
    const recommended: string[] = [];
    for (let q = r * k; q < r * k + k; q++) if (batch.items[q]! >= 0) recommended.push(model.items[batch.items[q]!]!);
    return recommended;
  });
}

export interface HoldoutScoreOptions {
  halfLifeDays?: number;
  /** Count every test purchase as a hit, repeats of training purchases included (the repeat-purchase protocol). */
  repeats?: boolean;
}

/**
 * Metrics of a trained model on the holdout's evaluated customers (their training lines are their history). By default
 * a hit is an item new to the customer; with `repeats` any item bought in the test window.
 */
export function scoreOnHoldout(model: RecommenderModel, h: TemporalHoldout, k: number, opts: HoldoutScoreOptions = {}): RankingMetrics {
  const recs = recommendedOnHoldout(model, h, k, opts.halfLifeDays === undefined ? {} : { halfLifeDays: opts.halfLifeDays });
  const relevant = opts.repeats ? h.relevantWithRepeats : h.relevant;
  return evaluateRecs(recs.map((recommended, r) => ({ recommended, relevant: relevant[r]! })), { k, catalogueSize: model.items.length });
}

/** Trains on the holdout's training lines and scores the model and the popularity baseline. */
export function evaluateOnHoldout(h: TemporalHoldout, k: number, params: Partial<RecommenderParams> = {}): { model: RankingMetrics; popularity: RankingMetrics; trained: RecommenderModel; seconds: number } {
  const t0 = performance.now();
  const trained = trainRecommender(h.train, params);
  const seconds = (performance.now() - t0) / 1000;
  return { model: scoreOnHoldout(trained, h, k), popularity: scoreOnHoldout(popularityModel(trained), h, k), trained, seconds };
}

/** Distinct training orders (baskets) holding each item of the holdout's vocabulary: its purchase history. */
export function trainingPurchases(h: TemporalHoldout): Map<string, number> {
  const x = h.train;
  const g = groupDistinct(x.item, x.basket, x.time, x.length, x.itemIds.length, x.nBaskets);
  const out = new Map<string, number>();
  for (let i = 0; i < x.itemIds.length; i++) if (g.offsets[i + 1]! > g.offsets[i]!) out.set(x.itemIds[i]!, g.offsets[i + 1]! - g.offsets[i]!);
  return out;
}

export interface SparseItemReach {
  /** (customer, item) test purchases of items new to the customer with 1 ≤ training purchases < maxPurchases. */
  pairs: number;
  /** Of those, the ones in the customer's top k. */
  hits: number;
  recall: number;
  /** Distinct sparse items recommended to at least one customer who then bought them. */
  itemsHit: number;
}

/** Do items with little history get recommended where buyers bought them? Counted on the new-item protocol. */
export function sparseItemReach(h: TemporalHoldout, recommended: readonly string[][], purchases: ReadonlyMap<string, number>, maxPurchases = 5): SparseItemReach {
  let pairs = 0;
  let hits = 0;
  const items = new Set<string>();
  for (let r = 0; r < recommended.length; r++) {
    const recs = new Set(recommended[r]);
    for (const item of h.relevant[r]!) {
      const n = purchases.get(item) ?? 0;
      if (n < 1 || n >= maxPurchases) continue;
      pairs++;
      if (recs.has(item)) {
        hits++;
        items.add(item);
      }
    }
  }
  return { pairs, hits, recall: pairs ? hits / pairs : 0, itemsHit: items.size };
}
