// Item-to-item similarity from co-occurrence counts (shrunk asymmetric cosine) kept as sparse top-N neighbour lists.
import { TopN } from './top-n';

export interface SimilarityParams {
  /**
   * Shrinkage λ ≥ 0 in sim(a→b) = c_ab / (n_a^α · n_b^(1−α) + λ): pairs seen together in few units are pulled toward 0,
   * so two items bought once, together, do not get the maximal similarity 1.
   */
  shrinkage: number;
  /** α ∈ [0, 1]: 0.5 is the cosine; 1 is the confidence P(b|a) (favours popular b); 0 is P(a|b) (favours rare b). */
  alpha: number;
  /** Neighbours kept per item (sparse top-N). */
  neighbours: number;
  /** Pairs held together by fewer units (orders or customers, unweighted) than this are dropped (noise floor). */
  minCoCount: number;
  /** Divide each item's kept neighbour scores by their maximum ('max') or sum ('sum'), so every past item votes on one scale. */
  rowNormalisation: 'none' | 'max' | 'sum';
}

/** Sparse neighbour lists: row a holds items[offsets[a] .. offsets[a+1]) with their scores, best first. */
export interface NeighbourLists {
  offsets: Int32Array;
  items: Int32Array;
  scores: Float32Array;
}

/** Units (orders or customers) as rows of distinct items, each with a weight > 0. */
export interface UnitRows {
  offsets: Int32Array; // length nUnits + 1
  items: Int32Array;
  weight: Float64Array | null; // null = every unit weighs 1
}

/** Unweighted unit counts are only tracked separately when units carry weights. */
function weightArr(weight: Float64Array | null, n: number): Int32Array | null {
  return weight ? new Int32Array(n) : null;
}

/** Transposes unit → items into item → units. */
function transpose(units: UnitRows, nItems: number): { offsets: Int32Array; units: Int32Array } {
  const nUnits = units.offsets.length - 1;
  const offsets = new Int32Array(nItems + 1);
  for (let p = 0; p < units.items.length; p++) offsets[units.items[p]! + 1]!++;
  for (let i = 0; i < nItems; i++) offsets[i + 1]! += offsets[i]!;
  const fill = offsets.slice(0, nItems);
  const out = new Int32Array(units.items.length);
  for (let u = 0; u < nUnits; u++) for (let p = units.offsets[u]!; p < units.offsets[u + 1]!; p++) out[fill[units.items[p]!]!++] = u;
  return { offsets, units: out };
}

/** n_a: (weighted) number of units holding each item. */
export function itemUnitCounts(units: UnitRows, nItems: number): Float64Array {
  const n = new Float64Array(nItems);
  const nUnits = units.offsets.length - 1;
  for (let u = 0; u < nUnits; u++) {
    const w = units.weight ? units.weight[u]! : 1;
    for (let p = units.offsets[u]!; p < units.offsets[u + 1]!; p++) n[units.items[p]!]! += w;
  }
  return n;
}

/** Shared scoring of one row: candidates b with co-counts c_ab → top-N by shrunk asymmetric cosine. */
class RowScorer {
  private readonly top: TopN;
  private readonly powB: Float64Array;
  private readonly n: Float64Array;
  private readonly p: SimilarityParams;
  readonly out: { offsets: Int32Array; items: Int32Array; scores: Float32Array };
  private used = 0;

  constructor(n: Float64Array, p: SimilarityParams) {
    if (!(p.shrinkage >= 0) || !(p.alpha >= 0 && p.alpha <= 1) || !(p.neighbours >= 1) || !(p.minCoCount >= 0)) throw new RangeError(`bad similarity parameters: ${JSON.stringify(p)}`);
    this.n = n;
    this.p = p;
    this.top = new TopN(p.neighbours);
    this.powB = new Float64Array(n.length);
    for (let b = 0; b < n.length; b++) this.powB[b] = Math.pow(n[b]!, 1 - p.alpha);
    const cap = n.length * p.neighbours;
    this.out = { offsets: new Int32Array(n.length + 1), items: new Int32Array(cap), scores: new Float32Array(cap) };
  }

  /**
   * Scores row a from the candidates touched[0..m) whose (weighted) co-counts sit in acc and unit counts in `units`
   * (null: acc holds plain unit counts). Both are zeroed on the way.
   */
  row(a: number, touched: Int32Array, m: number, acc: Float64Array, units: Int32Array | null): void {
    const { shrinkage, minCoCount, alpha } = this.p;
    const pa = Math.pow(this.n[a]!, alpha);
    const top = this.top;
    const powB = this.powB;
    for (let t = 0; t < m; t++) {
      const b = touched[t]!;
      const c = acc[b]!;
      acc[b] = 0;
      let together = c;
      if (units) {
        together = units[b]!;
        units[b] = 0;
      }
      if (together < minCoCount || c <= 0) continue;
      const s = c / (pa * powB[b]! + shrinkage);
      if (s > top.threshold || top.size < top.capacity) top.push(b, s);
    }
    const o = this.out;
    const from = this.used;
    o.offsets[a] = from;
    this.used += top.drainInto(o.items, o.scores, from);
    o.offsets[a + 1] = this.used;
    if (this.p.rowNormalisation !== 'none' && this.used > from) {
      let d = 0;
      for (let q = from; q < this.used; q++) d = this.p.rowNormalisation === 'max' ? Math.max(d, o.scores[q]!) : d + o.scores[q]!;
      if (d > 0) for (let q = from; q < this.used; q++) o.scores[q] = o.scores[q]! / d;
    }
  }

  finish(): NeighbourLists {
    return { offsets: this.out.offsets, items: this.out.items.slice(0, this.used), scores: this.out.scores.slice(0, this.used) };
  }
}

/**
 * Neighbour lists from units of co-occurrence: for each item a, accumulate c_ab over the units holding a (dense
 * accumulator + touched list, no pair table), then keep its top-N. Work is Σ_units |unit|², memory O(items).
 */
export function neighboursFromUnits(units: UnitRows, nItems: number, p: SimilarityParams): { lists: NeighbourLists; counts: Float64Array; pairs: number } {
  const counts = itemUnitCounts(units, nItems);
  const byItem = transpose(units, nItems);
  const scorer = new RowScorer(counts, p);
  const acc = new Float64Array(nItems);
  const touched = new Int32Array(nItems);
  const together = weightArr(units.weight, nItems);
  const uOff = units.offsets;
  const uItems = units.items;
  const weight = units.weight;
  let pairs = 0;
  for (let a = 0; a < nItems; a++) {
    let m = 0;
    for (let q = byItem.offsets[a]!; q < byItem.offsets[a + 1]!; q++) {
      const u = byItem.units[q]!;
      const w = weight ? weight[u]! : 1;
      for (let r = uOff[u]!; r < uOff[u + 1]!; r++) {
        const b = uItems[r]!;
        if (b === a) continue;
        if (acc[b] === 0) touched[m++] = b;
        acc[b]! += w;
        if (together) together[b]!++;
      }
    }
    pairs += m;
    scorer.row(a, touched, m, acc, together);
  }
  return { lists: scorer.finish(), counts, pairs };
}

/**
 * Neighbour lists from pre-counted pairs (e.g. shop_features.co_purchase rows: orders_together per ordered pair) and
 * per-item unit counts n_a. Pairs may be given in one or both directions; `symmetric` adds the mirror of each pair.
 */
export function neighboursFromPairs(
  pairs: { a: Int32Array; b: Int32Array; together: Float64Array; length: number },
  counts: Float64Array,
  p: SimilarityParams,
  symmetric: boolean,
): NeighbourLists {
  const nItems = counts.length;
  const rows = symmetric ? 2 * pairs.length : pairs.length;
  const offsets = new Int32Array(nItems + 1);
  const src = (k: number) => (k < pairs.length ? pairs.a[k]! : pairs.b[k - pairs.length]!);
  const dst = (k: number) => (k < pairs.length ? pairs.b[k]! : pairs.a[k - pairs.length]!);
  for (let k = 0; k < rows; k++) offsets[src(k) + 1]!++;
  for (let i = 0; i < nItems; i++) offsets[i + 1]! += offsets[i]!;
  const fill = offsets.slice(0, nItems);
  const order = new Int32Array(rows);
  for (let k = 0; k < rows; k++) order[fill[src(k)]!++] = k;
  const scorer = new RowScorer(counts, p);
  const acc = new Float64Array(nItems);
  const touched = new Int32Array(nItems);
  for (let a = 0; a < nItems; a++) {
    let m = 0;
    for (let q = offsets[a]!; q < offsets[a + 1]!; q++) {
      const k = order[q]!;
      const b = dst(k);
      if (b === a) continue;
      if (acc[b] === 0) touched[m++] = b;
      acc[b]! += pairs.together[k % pairs.length]!;
    }
    scorer.row(a, touched, m, acc, null);
  }
  return scorer.finish();
}
