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
  const stamp = new Int32Array(ni).fill(-1);
  for (let c = 0; c < nc; c++) {
    const b0 = before.offsets[c]!;
    const b1 = before.offsets[c + 1]!;
    const a0 = after.offsets[c]!;
    const a1 = after.offsets[c + 1]!;
    if (b1 === b0 || a1 === a0) continue;
    for (let q = b0; q < b1; q++) stamp[before.values[q]!] = c;
    const rel = new Set<string>();
    for (let q = a0; q < a1; q++) if (stamp[after.values[q]!] !== c) rel.add(x.itemIds[after.values[q]!]!);
    customers.push(c);
    relevant.push(rel);
  }
  return { trainEnd, testEnd, train, customers: Int32Array.from(customers), relevant };
}

/** Metrics of a trained model on the holdout's evaluated customers (their training lines are their history). */
export function scoreOnHoldout(model: RecommenderModel, h: TemporalHoldout, k: number, overrides: { halfLifeDays?: number } = {}): RankingMetrics {
  const batch = recommendAll(model, h.train, { k, now: h.trainEnd, customers: h.customers, ...overrides });
  const cases = Array.from(h.customers, (_, r) => {
    const recommended: string[] = [];
    for (let q = r * k; q < r * k + k; q++) if (batch.items[q]! >= 0) recommended.push(model.items[batch.items[q]!]!);
    return { recommended, relevant: h.relevant[r]! };
  });
  return evaluateRecs(cases, { k, catalogueSize: model.items.length });
}

/** Trains on the holdout's training lines and scores the model and the popularity baseline. */
export function evaluateOnHoldout(h: TemporalHoldout, k: number, params: Partial<RecommenderParams> = {}): { model: RankingMetrics; popularity: RankingMetrics; trained: RecommenderModel; seconds: number } {
  const t0 = performance.now();
  const trained = trainRecommender(h.train, params);
  const seconds = (performance.now() - t0) / 1000;
  return { model: scoreOnHoldout(trained, h, k), popularity: scoreOnHoldout(popularityModel(trained), h, k), trained, seconds };
}
