// Item-kNN recommender model: training from purchase lines or from co_purchase pair counts, JSON form and compiled form.
import { groupDistinct, lastTime, type Interactions } from './interactions';
import { neighboursFromPairs, neighboursFromUnits, type NeighbourLists, type SimilarityParams, type UnitRows } from './similarity';
import { blendNeighbours, launchMultipliers, scaleTargets } from './blend';
import { contentNeighbours, createdAtMs, type CatalogItem } from './catalog';

export interface RecommenderParams extends SimilarityParams {
  /** What counts as "bought together": the same order (basket) or the same customer at any time in the training data. */
  unit: 'order' | 'customer';
  /** Cap on distinct items per unit (the most recently bought are kept); 0 = no cap. Bounds Σ|unit|² for bulk buyers. */
  maxUnitItems: number;
  /** 'inverse-log' weighs a unit by 1/log2(1 + |unit|) so bulk buyers (wholesalers) say less about each pair. */
  unitWeighting: 'none' | 'inverse-log';
  /** Recency weighting of a customer's past items when scoring: weight 2^(−age/halfLife); 0 = all weigh 1. */
  halfLifeDays: number;
  /**
   * Catalog blend (used only when a catalog is given): γ of sim = knn + γ · (1 − w_a · w_b) · content, with history
   * confidence w = buyers / (buyers + κ). 0 / absent = co-purchase only.
   */
  contentWeight?: number;
  /** κ of the history confidence (buyers at which co-purchase and content are trusted equally). */
  historySaturation?: number;
  /** δ: direct content similarity to items with little history (blend.ts). */
  contentDirectWeight?: number;
  /** β of the launch-aware rate multiplier (blend.ts launchMultipliers; needs created_at); 0 / absent = none. */
  launchBoost?: number;
  /** Content neighbours per item before blending. */
  contentNeighbours?: number;
  /**
   * Repeat-purchase mode: > 0 lets a customer's own past items be recommended back, each scoring
   * ρ · recency weight · log2(1 + times bought) besides its similarity; 0 / absent = only items new to the customer.
   */
  repeatWeight?: number;
}

/**
 * Defaults, chosen on the UCI validation split inside the training period (train < 2011-06-01, validate June–August
 * 2011; see docs/models/recommend.md and tune.ts), never on the test period.
 */
export const DEFAULT_PARAMS: RecommenderParams = {
  unit: 'customer',
  maxUnitItems: 50,
  unitWeighting: 'inverse-log',
  shrinkage: 10,
  alpha: 0.2,
  neighbours: 50,
  minCoCount: 1,
  rowNormalisation: 'none',
  halfLifeDays: 90,
  contentWeight: 0.5,
  historySaturation: 30,
  contentDirectWeight: 0.2,
  launchBoost: 0.25,
  contentNeighbours: 20,
  repeatWeight: 0,
};

/** Best order-level (basket) settings on the same validation split: the defaults when training from co_purchase. */
export const ORDER_LEVEL_PARAMS: RecommenderParams = { ...DEFAULT_PARAMS, unit: 'order', maxUnitItems: 0, unitWeighting: 'none', shrinkage: 50, alpha: 0.3, neighbours: 10, halfLifeDays: 30 };

export const MODEL_FORMAT = 'shop-mlops/item-knn@1';

/** JSON-serialisable model: item vocabulary, popularity and sparse neighbour lists (indices into `items`). */
export interface RecommenderModel {
  format: typeof MODEL_FORMAT;
  params: RecommenderParams;
  items: string[];
  /** Distinct customers who bought each item (the popularity fallback ranks by this). */
  popularity: number[];
  neighbours: { offsets: number[]; items: number[]; scores: number[] };
  /** Latest purchase time in the training data (ISO), the default "now" for recency weights. */
  trainedThrough: string | null;
  stats: { lines: number; customers: number; units: number; candidatePairs: number; catalogItems?: number; catalogOnlyItems?: number };
}

/** Typed-array form used when scoring (built once per model object). */
export interface CompiledModel {
  index: Map<string, number>;
  offsets: Int32Array;
  neighbours: Int32Array;
  scores: Float32Array;
  popularity: Float64Array;
  /** Item indices by popularity, most popular first (ties: smaller index). */
  popularOrder: Int32Array;
  nowMs: number;
}

const compiled = new WeakMap<RecommenderModel, CompiledModel>();

export function compileModel(model: RecommenderModel): CompiledModel {
  let c = compiled.get(model);
  if (!c) {
    if (model.format !== MODEL_FORMAT) throw new RangeError(`not a ${MODEL_FORMAT} model: ${String(model.format)}`);
    const n = model.items.length;
    if (model.popularity.length !== n || model.neighbours.offsets.length !== n + 1) throw new RangeError('model arrays do not match its item vocabulary');
    c = withPopularOrder({
      index: new Map(model.items.map((id, i) => [id, i])),
      offsets: Int32Array.from(model.neighbours.offsets),
      neighbours: Int32Array.from(model.neighbours.items),
      scores: Float32Array.from(model.neighbours.scores),
      popularity: Float64Array.from(model.popularity),
      nowMs: model.trainedThrough === null ? Date.now() : Date.parse(model.trainedThrough),
    });
    compiled.set(model, c);
  }
  return c;
}

function withPopularOrder(c: Omit<CompiledModel, 'popularOrder'>): CompiledModel {
  const order = Int32Array.from(c.popularity.keys());
  order.sort((a, b) => c.popularity[b]! - c.popularity[a]! || a - b);
  return { ...c, popularOrder: order };
}

/** Items that appear in the lines, compacted: model index ↔ interactions index; then catalog items never bought. */
function trainedItems(x: Interactions, catalog: readonly CatalogItem[] = []): { toModel: Int32Array; items: string[]; catalogOnly: number } {
  const toModel = new Int32Array(x.itemIds.length).fill(-1);
  const items: string[] = [];
  for (let k = 0; k < x.length; k++) {
    const i = x.item[k]!;
    if (toModel[i] === -1) {
      toModel[i] = items.length;
      items.push(x.itemIds[i]!);
    }
  }
  const bought = items.length;
  const known = new Set(items);
  for (const c of catalog) if (!known.has(c.item)) {
    known.add(c.item);
    items.push(c.item);
  }
  return { toModel, items, catalogOnly: items.length - bought };
}

/** Co-purchase lists blended with catalog content when a catalog and a content weight are given. */
function withCatalog(knn: NeighbourLists, items: readonly string[], popularity: Float64Array, catalog: readonly CatalogItem[] | undefined, p: RecommenderParams, span: { from: number; to: number }): NeighbourLists {
  if (!catalog || catalog.length === 0) return knn;
  let lists = knn;
  if ((p.contentWeight ?? 0) > 0) {
    const content = contentNeighbours(items, catalog, { contentNeighbours: p.contentNeighbours ?? 20 });
    lists = blendNeighbours(knn, content, popularity, { contentWeight: p.contentWeight ?? 0, directWeight: p.contentDirectWeight ?? 0, historySaturation: p.historySaturation ?? 10, neighbours: p.neighbours });
  }
  const beta = p.launchBoost ?? 0;
  if (beta > 0 && Number.isFinite(span.to)) {
    const index = new Map(items.map((id, i) => [id, i]));
    const age = new Float64Array(items.length).fill(NaN);
    for (const c of catalog) {
      const i = index.get(c.item);
      const t = createdAtMs(c);
      if (i !== undefined && t !== null) age[i] = Math.max(0, (span.to - t) / 86_400_000);
    }
    lists = scaleTargets(lists, launchMultipliers(popularity, age, Math.max(7, (span.to - span.from) / 86_400_000), beta));
  }
  return lists;
}

/** Distinct customers per (model) item. */
function customerPopularity(x: Interactions, toModel: Int32Array, nItems: number): Float64Array {
  const byCustomer = groupDistinct(x.customer, x.item, x.time, x.length, x.customerIds.length, x.itemIds.length);
  const pop = new Float64Array(nItems);
  for (let p = 0; p < byCustomer.values.length; p++) pop[toModel[byCustomer.values[p]!]!]!++;
  return pop;
}

/** Units of co-occurrence (orders or customers) as rows of distinct model items, capped and weighted per params. */
export function unitRows(x: Interactions, toModel: Int32Array, p: Pick<RecommenderParams, 'unit' | 'maxUnitItems' | 'unitWeighting'>): UnitRows {
  const key = p.unit === 'order' ? x.basket : x.customer;
  const nGroups = p.unit === 'order' ? x.nBaskets : x.customerIds.length;
  const g = groupDistinct(key, x.item, x.time, x.length, nGroups, x.itemIds.length);
  const offsets = new Int32Array(nGroups + 1);
  const items = new Int32Array(g.values.length);
  const weight = p.unitWeighting === 'inverse-log' ? new Float64Array(nGroups) : null;
  const cap = p.maxUnitItems > 0 ? p.maxUnitItems : Infinity;
  let n = 0;
  for (let u = 0; u < nGroups; u++) {
    offsets[u] = n;
    const from = g.offsets[u]!;
    const to = g.offsets[u + 1]!;
    if (to - from <= cap) for (let q = from; q < to; q++) items[n++] = toModel[g.values[q]!]!;
    else {
      // Keep the `cap` most recently bought (ties: first seen).
      const idx = Array.from({ length: to - from }, (_, j) => from + j).sort((a, b) => g.last[b]! - g.last[a]! || a - b);
      for (let j = 0; j < cap; j++) items[n++] = toModel[g.values[idx[j]!]!]!;
    }
    const size = n - offsets[u]!;
    if (weight) weight[u] = size > 0 ? 1 / Math.log2(1 + size) : 0;
  }
  offsets[nGroups] = n;
  return { offsets, items: items.slice(0, n), weight };
}

function countUnits(u: UnitRows): number {
  let k = 0;
  for (let i = 0; i + 1 < u.offsets.length; i++) if (u.offsets[i + 1]! > u.offsets[i]!) k++;
  return k;
}

function toJson(params: RecommenderParams, items: string[], popularity: Float64Array, lists: NeighbourLists, trainedThroughMs: number, stats: RecommenderModel['stats']): RecommenderModel {
  const model: RecommenderModel = {
    format: MODEL_FORMAT,
    params: { ...params },
    items,
    popularity: Array.from(popularity),
    // Scores are float32 in the compiled form; 7 significant digits keep the JSON round trip exact enough and small.
    neighbours: { offsets: Array.from(lists.offsets), items: Array.from(lists.items), scores: Array.from(lists.scores, (s) => Number(s.toPrecision(7))) },
    trainedThrough: Number.isFinite(trainedThroughMs) ? new Date(trainedThroughMs).toISOString() : null,
    stats,
  };
  compiled.set(model, withPopularOrder({ index: new Map(items.map((id, i) => [id, i])), offsets: lists.offsets, neighbours: lists.items, scores: Float32Array.from(model.neighbours.scores), popularity, nowMs: Number.isFinite(trainedThroughMs) ? trainedThroughMs : Date.now() }));
  return model;
}

/**
 * Trains from raw purchase lines (customer, item, order, time): the path the CSV verb, the pipeline and the evaluation
 * use. With a catalog (shop_features.product_attributes), co-purchase neighbours are blended with content neighbours
 * (blend.ts) and catalog products nobody bought yet join the vocabulary (they have content neighbours, popularity 0).
 */
export function trainRecommender(x: Interactions, opts: Partial<RecommenderParams> = {}, catalog?: readonly CatalogItem[]): RecommenderModel {
  const params: RecommenderParams = { ...DEFAULT_PARAMS, ...opts };
  const { toModel, items, catalogOnly } = trainedItems(x, catalog);
  const popularity = customerPopularity(x, toModel, items.length);
  const units = unitRows(x, toModel, params);
  const { lists, pairs } = neighboursFromUnits(units, items.length, params);
  const catalogStats = catalog && catalog.length > 0 ? { catalogItems: catalog.length, catalogOnlyItems: catalogOnly } : {};
  return toJson(params, items, popularity, withCatalog(lists, items, popularity, catalog, params, { from: firstTime(x), to: lastTime(x) }), lastTime(x), { lines: x.length, customers: countCustomers(x), units: countUnits(units), candidatePairs: pairs, ...catalogStats });
}

function firstTime(x: Interactions): number {
  let m = Infinity;
  for (let k = 0; k < x.length; k++) if (x.time[k]! < m) m = x.time[k]!;
  return m;
}

function countCustomers(x: Interactions): number {
  const seen = new Uint8Array(x.customerIds.length);
  let n = 0;
  for (let k = 0; k < x.length; k++) {
    const c = x.customer[k]!;
    if (!seen[c]) {
      seen[c] = 1;
      n++;
    }
  }
  return n;
}

/** A row of shop_features.co_purchase (either direction; orders_with_* optional when confidence is given). */
export interface CoPurchaseRow {
  shop?: string;
  product_a: string;
  product_b: string;
  orders_together: number;
  orders_with_a?: number;
  orders_with_b?: number;
  support?: number;
  confidence?: number;
  lift?: number;
}

/**
 * Trains from the pipeline's shop_features.co_purchase (order-level pair counts, both directions) plus the order lines
 * (for popularity and the item vocabulary). Equals trainRecommender(lines, {unit: 'order', unitWeighting: 'none',
 * maxUnitItems: 0, ...}) when the table was built from the same lines.
 */
export function trainFromCoPurchase(coPurchase: Iterable<CoPurchaseRow>, lines: Interactions, opts: Partial<RecommenderParams> = {}, catalog?: readonly CatalogItem[]): RecommenderModel {
  const params: RecommenderParams = { ...ORDER_LEVEL_PARAMS, ...opts, unit: 'order', unitWeighting: 'none', maxUnitItems: 0 };
  const { toModel, items } = trainedItems(lines, catalog);
  const index = new Map(items.map((id, i) => [id, i]));
  const popularity = customerPopularity(lines, toModel, items.length);
  const counts = new Float64Array(items.length);
  const a: number[] = [];
  const b: number[] = [];
  const together: number[] = [];
  for (const r of coPurchase) {
    const ia = index.get(r.product_a);
    const ib = index.get(r.product_b);
    if (ia === undefined || ib === undefined || !(r.orders_together > 0)) continue;
    a.push(ia);
    b.push(ib);
    together.push(r.orders_together);
    // n_a = orders holding a: the orders_with_a column, or orders_together / confidence (confidence = P(b | a)).
    const na = r.orders_with_a ?? (r.confidence ? Math.round(r.orders_together / r.confidence) : undefined);
    if (na !== undefined) counts[ia] = na;
    if (r.orders_with_b !== undefined) counts[ib] = r.orders_with_b;
  }
  const lists = withCatalog(neighboursFromPairs({ a: Int32Array.from(a), b: Int32Array.from(b), together: Float64Array.from(together), length: a.length }, counts, params, false), items, popularity, catalog, params, { from: firstTime(lines), to: lastTime(lines) });
  return toJson(params, items, popularity, lists, lastTime(lines), { lines: lines.length, customers: countCustomers(lines), units: 0, candidatePairs: a.length });
}

/** The popularity baseline as a model: same vocabulary and popularity, no neighbours. */
export function popularityModel(model: RecommenderModel): RecommenderModel {
  return { ...model, neighbours: { offsets: new Array<number>(model.items.length + 1).fill(0), items: [], scores: [] }, stats: { ...model.stats, candidatePairs: 0 } };
}
