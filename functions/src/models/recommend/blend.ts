// Blends co-purchase neighbours with catalog content: items with little purchase history borrow the co-purchase rows of look-alikes.
import type { NeighbourLists } from './similarity';
import { TopN } from './top-n';

export interface BlendParams {
  /** γ ≥ 0: how much an item with no history borrows from its look-alikes (0 = co-purchase only). */
  contentWeight: number;
  /** κ > 0: an item with h buyers has history confidence w = h / (h + κ); it borrows γ · (1 − w). */
  historySaturation: number;
  /** δ ≥ 0: direct content similarity added for items with little history, δ (1 − w_b) c(a, b). */
  directWeight: number;
  /** Neighbours kept per item after blending. */
  neighbours: number;
}

/** Confidence in an item's co-purchase evidence from its number of buyers. */
export const historyConfidence = (buyers: number, saturation: number): number => (buyers > 0 ? buyers / (buyers + saturation) : 0);

/** Row-normalised content lists (each row's weights sum to 1) and their transpose (b' → the items b listing it). */
function normalisedContent(content: NeighbourLists, n: number): { rows: NeighbourLists; inverse: NeighbourLists } {
  const scores = new Float32Array(content.scores.length);
  for (let a = 0; a < n; a++) {
    let z = 0;
    for (let q = content.offsets[a]!; q < content.offsets[a + 1]!; q++) z += content.scores[q]!;
    for (let q = content.offsets[a]!; q < content.offsets[a + 1]!; q++) scores[q] = z > 0 ? content.scores[q]! / z : 0;
  }
  const offsets = new Int32Array(n + 1);
  for (let q = 0; q < content.items.length; q++) offsets[content.items[q]! + 1]!++;
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const fill = offsets.slice(0, n);
  const items = new Int32Array(content.items.length);
  const inv = new Float32Array(content.items.length);
  for (let a = 0; a < n; a++)
    for (let q = content.offsets[a]!; q < content.offsets[a + 1]!; q++) {
      const p = fill[content.items[q]!]!++;
      items[p] = a;
      inv[p] = scores[q]!;
    }
  return { rows: { offsets: content.offsets, items: content.items, scores }, inverse: { offsets, items, scores: inv } };
}

/** Runs `fill(a, acc, touched) → m` per row and keeps each row's top N of the accumulated scores. */
function buildRows(n: number, neighbours: number, fill: (a: number, acc: Float64Array, touched: Int32Array) => number): NeighbourLists {
  const acc = new Float64Array(n);
  const touched = new Int32Array(n);
  const top = new TopN(neighbours);
  const offsets = new Int32Array(n + 1);
  const items = new Int32Array(n * neighbours);
  const scores = new Float32Array(n * neighbours);
  let used = 0;
  for (let a = 0; a < n; a++) {
    const m = fill(a, acc, touched);
    top.clear();
    for (let t = 0; t < m; t++) {
      const b = touched[t]!;
      if (acc[b]! > 0) top.push(b, acc[b]!);
      acc[b] = 0;
    }
    offsets[a] = used;
    used += top.drainInto(items, scores, used);
  }
  offsets[n] = used;
  return { offsets, items: items.slice(0, used), scores: scores.slice(0, used) };
}

/**
 * Cold-start smoothing of item-kNN with content similarity c (row-normalised, so borrowed scores stay on the
 * co-purchase scale):
 *   source side  sim'(a → x)  = knn(a → x) + γ (1 − w_a) Σ_a' c(a, a') knn(a' → x)
 *   target side  sim(a → b)   = sim'(a → b) + γ (1 − w_b) Σ_b' c(b, b') sim'(a → b')
 * An item nobody bought (w = 0) is bought with what its look-alikes are bought with and recommended where they would be;
 * a well-bought item (w → 1) keeps its own co-purchase evidence. Then, for items with little history, the direct term
 * δ (1 − w_b) c(a → b) (raw cosine) places b next to the items it resembles.
 */
export function blendNeighbours(knn: NeighbourLists, content: NeighbourLists, buyers: ArrayLike<number>, p: BlendParams): NeighbourLists {
  const n = knn.offsets.length - 1;
  if (!(p.contentWeight > 0)) return knn;
  const borrow = new Float64Array(n);
  for (let i = 0; i < n; i++) borrow[i] = p.contentWeight * (1 - historyConfidence(buyers[i]!, p.historySaturation));
  const { rows: c, inverse: cInv } = normalisedContent(content, n);
  const add = (acc: Float64Array, touched: Int32Array, m: number, b: number, s: number): number => {
    if (acc[b] === 0) touched[m++] = b;
    acc[b]! += s;
    return m;
  };
  const wide = Math.max(p.neighbours, 2 * p.neighbours);
  const source = buildRows(n, wide, (a, acc, touched) => {
    let m = 0;
    for (let q = knn.offsets[a]!; q < knn.offsets[a + 1]!; q++) m = add(acc, touched, m, knn.items[q]!, knn.scores[q]!);
    if (borrow[a]! > 0)
      for (let r = c.offsets[a]!; r < c.offsets[a + 1]!; r++) {
        const a2 = c.items[r]!;
        const w = borrow[a]! * c.scores[r]!;
        for (let q = knn.offsets[a2]!; q < knn.offsets[a2 + 1]!; q++) if (knn.items[q] !== a) m = add(acc, touched, m, knn.items[q]!, w * knn.scores[q]!);
      }
    return m;
  });
  return buildRows(n, p.neighbours, (a, acc, touched) => {
    let m = 0;
    for (let q = source.offsets[a]!; q < source.offsets[a + 1]!; q++) {
      const b2 = source.items[q]!;
      const s = source.scores[q]!;
      m = add(acc, touched, m, b2, s);
      // every b listing b2 as a look-alike borrows b2's score, in proportion to how little history b has
      for (let r = cInv.offsets[b2]!; r < cInv.offsets[b2 + 1]!; r++) {
        const b = cInv.items[r]!;
        if (b === a || !(borrow[b]! > 0)) continue;
        m = add(acc, touched, m, b, borrow[b]! * cInv.scores[r]! * s);
      }
    }
    if (p.directWeight > 0)
      for (let q = content.offsets[a]!; q < content.offsets[a + 1]!; q++) {
        const b = content.items[q]!;
        const s = p.directWeight * (borrow[b]! / p.contentWeight) * content.scores[q]!;
        if (s > 0) m = add(acc, touched, m, b, s);
      }
    return m;
  });
}

/**
 * Launch-aware rate: buyers per day on sale, rate_b = buyers_b / max(7, min(age_b, span)) where span is the training
 * history's length; multiplier_b = (rate_b / median rate)^β. Without a creation time an item counts as on sale the whole
 * span. A product launched a week ago with 4 buyers is selling faster than an old one with 40: all-time counts hide it.
 */
export function launchMultipliers(buyers: ArrayLike<number>, ageDays: ArrayLike<number>, spanDays: number, beta: number): Float64Array {
  const n = buyers.length;
  const rate = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const age = Number.isFinite(ageDays[i]!) ? Math.min(ageDays[i]!, spanDays) : spanDays;
    rate[i] = buyers[i]! / Math.max(7, age);
  }
  const positive = Array.from(rate).filter((r) => r > 0).sort((a, b) => a - b);
  const median = positive.length ? positive[Math.floor(positive.length / 2)]! : 1;
  const out = new Float64Array(n);
  // items nobody bought keep their (borrowed) score: the multiplier of a median item
  for (let i = 0; i < n; i++) out[i] = rate[i]! > 0 ? Math.pow(rate[i]! / median, beta) : 1;
  return out;
}

/** Scales every neighbour score by its target's multiplier and re-sorts each row. */
export function scaleTargets(lists: NeighbourLists, multiplier: ArrayLike<number>): NeighbourLists {
  const n = lists.offsets.length - 1;
  const items = new Int32Array(lists.items.length);
  const scores = new Float32Array(lists.scores.length);
  for (let a = 0; a < n; a++) {
    const from = lists.offsets[a]!;
    const to = lists.offsets[a + 1]!;
    const row = Array.from({ length: to - from }, (_, j) => ({ b: lists.items[from + j]!, s: lists.scores[from + j]! * multiplier[lists.items[from + j]!]! }));
    row.sort((x, y) => y.s - x.s || x.b - y.b);
    row.forEach((e, j) => {
      items[from + j] = e.b;
      scores[from + j] = e.s;
    });
  }
  return { offsets: lists.offsets, items, scores };
}
