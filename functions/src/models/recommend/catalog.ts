// Catalog content for the recommender: product attributes (shop_features.product_attributes) → TF-IDF vectors → top-M content neighbours.
import { z } from 'zod';
import type { NeighbourLists } from './similarity';
import { TopN } from './top-n';

/** One product of the catalog, as shop_features.product_attributes describes it (only `item` is required). */
export const catalogItemSchema = z.object({
  item: z.string().min(1),
  title: z.string().nullish(),
  /** Normalised title tokens; computed from `title` with titleTokens() when absent. */
  titleTokens: z.array(z.string()).nullish(),
  productType: z.string().nullish(),
  vendor: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  /** Price band 1..PRICE_BANDS within the shop (percent rank of the price), as the SQL computes it. */
  priceBand: z.number().int().nullish(),
  optionValues: z.array(z.string()).nullish(),
  /** Creation time (ms since epoch or ISO 8601): how long the item has been on sale. */
  createdAt: z.union([z.number(), z.string()]).nullish(),
});
export type CatalogItem = z.infer<typeof catalogItemSchema>;

export const PRICE_BANDS = 5;

const STOPWORDS = new Set(['a', 'an', 'and', 'the', 'of', 'in', 'on', 'for', 'with', 'to', 'by', 'or', 'at', 'from', 'set', 'pack', 'assorted', 'design', 'colour', 'color', 'size']);

/**
 * Normalised title tokens: lower case, split on anything but letters and digits, stopwords, pure numbers and one-letter
 * tokens dropped, a plural `s` stripped ("HEARTS" → "heart"), distinct, in first-seen order. The SQL (dialect
 * title_tokens) does the same but for the stopword list and the plural rule (documented in data-contracts.md).
 */
export function titleTokens(title: string | null | undefined): string[] {
  if (!title) return [];
  const out: string[] = [];
  for (let t of title.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (t.length < 2 || /^\d+$/.test(t) || STOPWORDS.has(t)) continue;
    if (t.length > 3 && t.endsWith('s') && !t.endsWith('ss')) t = t.slice(0, -1);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/**
 * Price band 1..bands from the price's percent rank among the shop's prices, as the SQL computes it:
 * LEAST(bands, 1 + FLOOR(bands · PERCENT_RANK())); equal prices share a band, 1 = cheapest. Nulls get none.
 */
export function priceBands(prices: readonly (number | null | undefined)[], bands = PRICE_BANDS): (number | null)[] {
  const known = prices.filter((p): p is number => typeof p === 'number' && Number.isFinite(p)).sort((a, b) => a - b);
  const n = known.length;
  const below = (p: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (known[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return prices.map((p) => (typeof p === 'number' && Number.isFinite(p) ? Math.min(bands, 1 + Math.floor(bands * (n > 1 ? below(p) / (n - 1) : 0))) : null));
}

/** Field weights of the content vector (before IDF): the title says most, the type and tags a lot, price and options a little. */
const FIELD_WEIGHT = { title: 1, type: 1.5, vendor: 0.5, tag: 1, price: 0.5, option: 0.5 } as const;

function features(c: CatalogItem): Map<string, number> {
  const f = new Map<string, number>();
  const add = (k: string, w: number) => f.set(k, Math.max(f.get(k) ?? 0, w));
  for (const t of c.titleTokens ?? titleTokens(c.title)) add(`t:${t}`, FIELD_WEIGHT.title);
  if (c.productType) add(`p:${c.productType.toLowerCase()}`, FIELD_WEIGHT.type);
  if (c.vendor) add(`v:${c.vendor.toLowerCase()}`, FIELD_WEIGHT.vendor);
  for (const t of c.tags ?? []) if (t.trim()) add(`g:${t.trim().toLowerCase()}`, FIELD_WEIGHT.tag);
  if (c.priceBand) add(`b:${c.priceBand}`, FIELD_WEIGHT.price);
  for (const o of c.optionValues ?? []) if (o.trim()) add(`o:${o.trim().toLowerCase()}`, FIELD_WEIGHT.option);
  return f;
}

export interface ContentParams {
  /** Content neighbours kept per item. */
  contentNeighbours: number;
}

/**
 * Top-M content neighbours of every item of `items` (the model vocabulary): cosine of TF-IDF vectors over title tokens,
 * type, vendor, tags, price band and option values. Items without a catalog entry have no content neighbours.
 * Candidates come from shared features other than the price band with document frequency ≤ max(50, 5 % of items) (rare
 * enough to say something), then the full cosine is computed, so a shared price band alone never makes two items neighbours.
 */
export function contentNeighbours(items: readonly string[], catalog: Iterable<CatalogItem>, p: ContentParams): NeighbourLists {
  const n = items.length;
  const index = new Map(items.map((id, i) => [id, i]));
  const raw: (Map<string, number> | null)[] = new Array<Map<string, number> | null>(n).fill(null);
  for (const c of catalog) {
    const i = index.get(c.item);
    if (i !== undefined) raw[i] = features(c);
  }
  const df = new Map<string, number>();
  let docs = 0;
  for (const f of raw) {
    if (!f) continue;
    docs++;
    for (const k of f.keys()) df.set(k, (df.get(k) ?? 0) + 1);
  }
  // Feature ids, IDF-weighted L2-normalised vectors as sorted (feature, weight) arrays.
  const fid = new Map<string, number>();
  const vecF: Int32Array[] = new Array<Int32Array>(n);
  const vecW: Float64Array[] = new Array<Float64Array>(n);
  for (let i = 0; i < n; i++) {
    const f = raw[i];
    const entries: [number, number][] = [];
    if (f)
      for (const [k, w] of f) {
        const d = df.get(k)!;
        if (d < 2) continue; // a feature no other item has cannot make a neighbour
        let id = fid.get(k);
        if (id === undefined) fid.set(k, (id = fid.size));
        entries.push([id, w * Math.log(docs / d)]);
      }
    entries.sort((a, b) => a[0] - b[0]);
    const norm = Math.hypot(...entries.map((e) => e[1]));
    vecF[i] = Int32Array.from(entries, (e) => e[0]);
    vecW[i] = Float64Array.from(entries, (e) => (norm > 0 ? e[1] / norm : 0));
  }
  // Inverted lists of the rare-enough features.
  const maxDf = Math.max(50, Math.ceil(0.05 * docs));
  const postings: number[][] = Array.from({ length: fid.size }, () => []);
  const dfById = new Float64Array(fid.size);
  // a price band says "as dear as", never "what it is": it refines the cosine of candidates found by other features
  for (const [k, id] of fid) dfById[id] = k.startsWith('b:') ? Infinity : df.get(k)!;
  for (let i = 0; i < n; i++) for (const f of vecF[i]!) if (dfById[f]! <= maxDf) postings[f]!.push(i);
  const offsets = new Int32Array(n + 1);
  const outItems: number[] = [];
  const outScores: number[] = [];
  const top = new TopN(p.contentNeighbours);
  const seen = new Int32Array(n).fill(-1);
  const bufI = new Int32Array(p.contentNeighbours);
  const bufS = new Float32Array(p.contentNeighbours);
  for (let a = 0; a < n; a++) {
    offsets[a] = outItems.length;
    top.clear();
    const fa = vecF[a]!;
    const wa = vecW[a]!;
    for (const f of fa) {
      if (dfById[f]! > maxDf) continue;
      for (const b of postings[f]!) {
        if (b === a || seen[b] === a) continue;
        seen[b] = a;
        // the price band refines, never founds, a likeness: without a shared informative feature there is none
        if (!(dot(fa, wa, vecF[b]!, vecW[b]!, dfById) > 0)) continue;
        const s = dot(fa, wa, vecF[b]!, vecW[b]!);
        if (s > top.threshold || top.size < top.capacity) top.push(b, s);
      }
    }
    const m = top.drainInto(bufI, bufS, 0);
    for (let q = 0; q < m; q++) {
      outItems.push(bufI[q]!);
      outScores.push(bufS[q]!);
    }
  }
  offsets[n] = outItems.length;
  return { offsets, items: Int32Array.from(outItems), scores: Float32Array.from(outScores) };
}

/** Cosine of two normalised sparse vectors; with `onlyFinite`, over the features whose entry there is finite only. */
function dot(fa: Int32Array, wa: Float64Array, fb: Int32Array, wb: Float64Array, onlyFinite?: Float64Array): number {
  let s = 0;
  for (let i = 0, j = 0; i < fa.length && j < fb.length; ) {
    if (fa[i]! === fb[j]!) {
      if (!onlyFinite || Number.isFinite(onlyFinite[fa[i]!]!)) s += wa[i]! * wb[j]!;
      i++;
      j++;
    }
    else if (fa[i]! < fb[j]!) i++;
    else j++;
  }
  return s;
}

/** Creation time in ms, or null when absent or unparsable. */
export function createdAtMs(c: CatalogItem): number | null {
  const v = c.createdAt;
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : null;
}
