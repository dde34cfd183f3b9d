// Top-k ranking metrics on a holdout: precision@k, recall@k, NDCG@k (binary relevance) and catalogue coverage.

export interface RankingCase<T> {
  /** Ranked recommendations, best first (only the first k count). */
  recommended: readonly T[];
  /** The held-out items that count as hits (e.g. test purchases the customer had not bought before). */
  relevant: ReadonlySet<T>;
}

export interface RankingMetrics {
  k: number;
  /** Customers evaluated (precision averages over all of them; an empty relevant set scores 0 hits). */
  customers: number;
  /** Customers with at least one relevant item (recall and NDCG average over these: undefined for an empty set). */
  customersWithRelevant: number;
  precision: number;
  recall: number;
  ndcg: number;
  /** Distinct items recommended (top k) across customers / catalogue size. */
  coverage: number;
  hits: number;
}

/**
 * precision@k = hits in the top k / k; recall@k = hits / |relevant|; NDCG@k = Σ_hits 1/log2(rank+1) divided by the
 * ideal Σ_{r ≤ min(k, |relevant|)} 1/log2(r+1). Means over customers as documented on RankingMetrics.
 */
export function evaluateRecs<T>(cases: Iterable<RankingCase<T>>, opts: { k: number; catalogueSize: number }): RankingMetrics {
  const { k, catalogueSize } = opts;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const discount = Array.from({ length: k }, (_, r) => 1 / Math.log2(r + 2));
  const ideal = discount.map(((s) => (d: number) => (s += d))(0));
  let customers = 0;
  let withRelevant = 0;
  let precision = 0;
  let recall = 0;
  let ndcg = 0;
  let hits = 0;
  const shown = new Set<T>();
  for (const c of cases) {
    customers++;
    let h = 0;
    let dcg = 0;
    const top = c.recommended.slice(0, k);
    for (let r = 0; r < top.length; r++) {
      shown.add(top[r]!);
      if (c.relevant.has(top[r]!)) {
        h++;
        dcg += discount[r]!;
      }
    }
    hits += h;
    precision += h / k;
    if (c.relevant.size > 0) {
      withRelevant++;
      recall += h / c.relevant.size;
      ndcg += dcg / ideal[Math.min(k, c.relevant.size) - 1]!;
    }
  }
  return {
    k,
    customers,
    customersWithRelevant: withRelevant,
    precision: customers ? precision / customers : 0,
    recall: withRelevant ? recall / withRelevant : 0,
    ndcg: withRelevant ? ndcg / withRelevant : 0,
    coverage: catalogueSize > 0 ? shown.size / catalogueSize : 0,
    hits,
  };
}
