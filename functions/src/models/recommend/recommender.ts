// Customer-to-item scoring: summed (recency-weighted) neighbour similarity, exclusions, popularity fill; one or all customers.
import { groupDistinct, type Interactions } from './interactions';
import { compileModel, type CompiledModel, type RecommenderModel } from './model';
import { TopN } from './top-n';

const DAY_MS = 86_400_000;

export type RecommendationSource = 'similar' | 'popular';

export interface Recommendation {
  item: string;
  /**
   * 'similar': Σ over past items of weight × sim(past, item), plus in repeat mode (params.repeatWeight > 0) for an item
   * the customer bought before ρ · weight · log2(1 + times bought). 'popular': share of training customers who bought it.
   */
  score: number;
  source: RecommendationSource;
}

export interface RecommendOptions {
  k: number;
  /** Items never to recommend besides the customer's own purchases (which are always excluded). */
  exclude?: Iterable<string>;
  outOfStock?: Iterable<string>;
  /** Reference time for recency weights (default: the model's last training purchase). */
  now?: number | Date;
  /** Override the model's half-life; 0 = no recency weighting. */
  halfLifeDays?: number;
  /**
   * Never recommend the history's items back, whatever the model's repeat mode (a product page or a cart: the history is
   * what the shopper looks at, not what they bought).
   */
  excludeHistory?: boolean;
}

export type HistoryEntry = string | { item: string; time?: number | Date };

/** Reusable scratch space for scoring many customers against one model. */
class Scorer {
  readonly m: CompiledModel;
  private readonly acc: Float64Array;
  private readonly touched: Int32Array;
  private readonly blocked: Int32Array; // stamp per item: blocked for the current customer when === stamp
  private readonly outOfStock: Uint8Array;
  private readonly top: TopN;
  private stamp = 0;
  readonly k: number;
  private readonly totalCustomers: number;

  constructor(model: RecommenderModel, k: number, outOfStock: Iterable<string> | undefined) {
    this.m = compileModel(model);
    const n = this.m.popularity.length;
    this.acc = new Float64Array(n);
    this.touched = new Int32Array(n);
    this.blocked = new Int32Array(n);
    this.outOfStock = new Uint8Array(n);
    for (const id of outOfStock ?? []) {
      const i = this.m.index.get(id);
      if (i !== undefined) this.outOfStock[i] = 1;
    }
    this.k = k;
    this.top = new TopN(k);
    this.totalCustomers = Math.max(1, model.stats.customers);
  }

  /** Starts a customer: returns the stamp used to block items. */
  begin(): number {
    return ++this.stamp;
  }

  block(item: number): void {
    this.blocked[item] = this.stamp;
  }

  /**
   * Scores the customer's past items hist[0..h) with weights w, writing up to k results at `at` in the outputs;
   * returns how many came from similarity (the rest up to k are popularity fill).
   */
  score(hist: Int32Array, w: Float64Array, h: number, outItems: Int32Array, outScores: Float64Array, outSource: Uint8Array, at: number, repeat: Float64Array | null = null): number {
    const { offsets, neighbours, scores, popularOrder, popularity } = this.m;
    const acc = this.acc;
    const touched = this.touched;
    const blocked = this.blocked;
    const oos = this.outOfStock;
    const stamp = this.stamp;
    let t = 0;
    // Repeat mode: the customer's own items score by how often and how recently they were bought (not blocked then).
    if (repeat)
      for (let j = 0; j < h; j++) {
        const a = hist[j]!;
        const s = repeat[j]!;
        if (!(s > 0) || blocked[a] === stamp || oos[a] === 1) continue;
        if (acc[a] === 0) touched[t++] = a;
        acc[a]! += s;
      }
    for (let j = 0; j < h; j++) {
      const a = hist[j]!;
      const wa = w[j]!;
      if (!(wa > 0)) continue; // a weight that underflowed to 0 adds nothing (and must not re-enter `touched`)
      for (let q = offsets[a]!; q < offsets[a + 1]!; q++) {
        const b = neighbours[q]!;
        if (blocked[b] === stamp || oos[b] === 1) continue;
        if (acc[b] === 0) touched[t++] = b;
        acc[b]! += wa * scores[q]!;
      }
    }
    const top = this.top;
    top.clear();
    for (let q = 0; q < t; q++) {
      const b = touched[q]!;
      const s = acc[b]!;
      acc[b] = 0;
      if (s > 0) top.push(b, s);
    }
    const similar = top.drainInto(outItems, outScores, at);
    for (let q = 0; q < similar; q++) {
      outSource[at + q] = 0;
      blocked[outItems[at + q]!] = stamp;
    }
    let filled = similar;
    for (let q = 0; filled < this.k && q < popularOrder.length; q++) {
      const b = popularOrder[q]!;
      if (blocked[b] === stamp || oos[b] === 1) continue;
      if (popularity[b]! <= 0) break;
      outItems[at + filled] = b;
      outScores[at + filled] = popularity[b]! / this.totalCustomers;
      outSource[at + filled] = 1;
      filled++;
    }
    for (let q = filled; q < this.k; q++) outItems[at + q] = -1;
    return similar;
  }
}

function recencyWeight(nowMs: number, timeMs: number | undefined, halfLifeDays: number): number {
  if (!(halfLifeDays > 0) || timeMs === undefined || !Number.isFinite(timeMs)) return 1;
  const age = Math.max(0, nowMs - timeMs) / DAY_MS;
  return Math.pow(2, -age / halfLifeDays);
}

/** Top-k items for one customer from their purchase history (item ids, optionally with purchase times). */
export function recommend(model: RecommenderModel, history: Iterable<HistoryEntry>, opts: RecommendOptions): Recommendation[] {
  const k = checkK(opts.k);
  const s = new Scorer(model, k, opts.outOfStock);
  const nowMs = opts.now === undefined ? s.m.nowMs : typeof opts.now === 'number' ? opts.now : opts.now.getTime();
  const halfLife = opts.halfLifeDays ?? model.params.halfLifeDays;
  s.begin();
  for (const id of opts.exclude ?? []) {
    const i = s.m.index.get(id);
    if (i !== undefined) s.block(i);
  }
  const rho = opts.excludeHistory ? 0 : repeatWeightOf(model);
  // Latest time and number of purchases per distinct known item.
  const latest = new Map<number, number | undefined>();
  const times = new Map<number, number>();
  for (const e of history) {
    const id = typeof e === 'string' ? e : e.item;
    const i = s.m.index.get(id);
    if (i === undefined) continue;
    if (rho === 0) s.block(i);
    times.set(i, (times.get(i) ?? 0) + 1);
    const t = typeof e === 'string' || e.time === undefined ? undefined : typeof e.time === 'number' ? e.time : e.time.getTime();
    const prev = latest.get(i);
    latest.set(i, prev === undefined ? t : t === undefined ? prev : Math.max(prev, t));
  }
  const hist = Int32Array.from(latest.keys());
  const w = Float64Array.from(latest.values(), (t) => recencyWeight(nowMs, t, halfLife));
  const repeat = rho > 0 ? Float64Array.from(hist, (i, j) => rho * w[j]! * Math.log2(1 + times.get(i)!)) : null;
  const items = new Int32Array(k);
  const scores = new Float64Array(k);
  const source = new Uint8Array(k);
  s.score(hist, w, hist.length, items, scores, source, 0, repeat);
  const out: Recommendation[] = [];
  for (let r = 0; r < k && items[r]! >= 0; r++) out.push({ item: model.items[items[r]!]!, score: scores[r]!, source: source[r] === 0 ? 'similar' : 'popular' });
  return out;
}

/** ρ of the model's repeat-purchase mode (0 = off, also for models trained before it existed). */
export function repeatWeightOf(model: RecommenderModel): number {
  const r = model.params.repeatWeight ?? 0;
  return Number.isFinite(r) && r > 0 ? r : 0;
}

function checkK(k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > 10_000) throw new RangeError(`k must be an integer from 1 to 10000, got ${k}`);
  return k;
}

/** Top-k for many customers: row c holds items[c*k .. c*k+k) (model item indices, −1 = none), best first. */
export interface BatchRecommendations {
  k: number;
  customers: number;
  items: Int32Array;
  scores: Float64Array;
  /** 0 = similar, 1 = popular. */
  source: Uint8Array;
  /** Customers whose list needed popularity fill (no history known to the model, or fewer than k similar items). */
  filledFromPopularity: number;
  noHistory: number;
}

export interface BatchOptions {
  k: number;
  outOfStock?: Iterable<string>;
  now?: number | Date;
  halfLifeDays?: number;
  /** As RecommendOptions.excludeHistory: the history's items never come back (repeat mode off). */
  excludeHistory?: boolean;
  /** Only these customers (indices into history.customerIds); default all. */
  customers?: ArrayLike<number>;
}

/** Top-k for every customer of `history` (its lines are the customers' past purchases; any vocabulary). */
export function recommendAll(model: RecommenderModel, history: Interactions, opts: BatchOptions): BatchRecommendations {
  const k = checkK(opts.k);
  const s = new Scorer(model, k, opts.outOfStock);
  const nowMs = opts.now === undefined ? s.m.nowMs : typeof opts.now === 'number' ? opts.now : opts.now.getTime();
  const halfLife = opts.halfLifeDays ?? model.params.halfLifeDays;
  // History item index → model item index.
  const toModel = new Int32Array(history.itemIds.length);
  for (let i = 0; i < history.itemIds.length; i++) toModel[i] = s.m.index.get(history.itemIds[i]!) ?? -1;
  const g = groupDistinct(history.customer, history.item, history.time, history.length, history.customerIds.length, history.itemIds.length);
  const targets = opts.customers ?? { length: history.customerIds.length };
  const nTargets = targets.length;
  const explicit = opts.customers !== undefined;
  const out: BatchRecommendations = { k, customers: nTargets, items: new Int32Array(nTargets * k), scores: new Float64Array(nTargets * k), source: new Uint8Array(nTargets * k), filledFromPopularity: 0, noHistory: 0 };
  const rho = opts.excludeHistory ? 0 : repeatWeightOf(model);
  let hist = new Int32Array(64);
  let w = new Float64Array(64);
  let repeat = rho > 0 ? new Float64Array(64) : null;
  for (let r = 0; r < nTargets; r++) {
    const c = explicit ? (targets as ArrayLike<number>)[r]! : r;
    s.begin();
    let h = 0;
    const from = g.offsets[c]!;
    const to = g.offsets[c + 1]!;
    if (to - from > hist.length) {
      hist = new Int32Array(to - from);
      w = new Float64Array(to - from);
      if (repeat) repeat = new Float64Array(to - from);
    }
    for (let q = from; q < to; q++) {
      const a = toModel[g.values[q]!]!;
      if (a < 0) continue;
      if (!repeat) s.block(a);
      hist[h] = a;
      w[h] = recencyWeight(nowMs, g.last[q], halfLife);
      if (repeat) repeat[h] = rho * w[h]! * Math.log2(1 + g.count[q]!);
      h++;
    }
    if (h === 0) out.noHistory++;
    const similar = s.score(hist, w, h, out.items, out.scores, out.source, r * k, repeat);
    if (similar < k) out.filledFromPopularity++;
  }
  return out;
}

/** Distinct recommended items in a batch. */
export function distinctRecommended(b: BatchRecommendations, nItems: number): number {
  const seen = new Uint8Array(nItems);
  let n = 0;
  for (let q = 0; q < b.items.length; q++) {
    const i = b.items[q]!;
    if (i >= 0 && !seen[i]) {
      seen[i] = 1;
      n++;
    }
  }
  return n;
}
