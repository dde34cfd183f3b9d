// Purchase interactions as integer-indexed typed arrays (customer, item, basket, time) with their string vocabularies.

/** One line = one purchase of an item by a customer in a basket (order) at a time (ms since epoch). */
export interface Interactions {
  /** Customer vocabulary: index → id. Customers may have no lines (e.g. only returns in a file). */
  customerIds: string[];
  /** Item vocabulary: index → id. */
  itemIds: string[];
  /** Number of distinct basket indices in use (basket values are < nBaskets). */
  nBaskets: number;
  customer: Int32Array;
  item: Int32Array;
  basket: Int32Array;
  time: Float64Array;
  length: number;
}

/** Growable typed-array builder; maps string ids to dense indices in first-seen order. */
export class InteractionsBuilder {
  private readonly customers = new Map<string, number>();
  private readonly items = new Map<string, number>();
  private readonly baskets = new Map<string, number>();
  readonly customerIds: string[] = [];
  readonly itemIds: string[] = [];
  private nBaskets = 0;
  private c = new Int32Array(1024);
  private i = new Int32Array(1024);
  private b = new Int32Array(1024);
  private t = new Float64Array(1024);
  private n = 0;

  customerIndex(id: string): number {
    let k = this.customers.get(id);
    if (k === undefined) {
      k = this.customerIds.length;
      this.customers.set(id, k);
      this.customerIds.push(id);
    }
    return k;
  }

  itemIndex(id: string): number {
    let k = this.items.get(id);
    if (k === undefined) {
      k = this.itemIds.length;
      this.items.set(id, k);
      this.itemIds.push(id);
    }
    return k;
  }

  basketIndex(key: string): number {
    let k = this.baskets.get(key);
    if (k === undefined) {
      k = this.nBaskets++;
      this.baskets.set(key, k);
    }
    return k;
  }

  /** A basket index with no string key (callers that number baskets themselves). */
  newBasket(): number {
    return this.nBaskets++;
  }

  get size(): number {
    return this.n;
  }

  push(customer: number, item: number, basket: number, timeMs: number): void {
    if (this.n === this.c.length) this.grow();
    this.c[this.n] = customer;
    this.i[this.n] = item;
    this.b[this.n] = basket;
    this.t[this.n] = timeMs;
    this.n++;
  }

  /** Adds one purchase by string ids. */
  add(customerId: string, itemId: string, basketKey: string, timeMs: number): void {
    this.push(this.customerIndex(customerId), this.itemIndex(itemId), this.basketIndex(basketKey), timeMs);
  }

  private grow(): void {
    const cap = this.c.length * 2;
    const g = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const x = make(cap);
      x.set(a);
      return x;
    };
    this.c = g(this.c, (k) => new Int32Array(k));
    this.i = g(this.i, (k) => new Int32Array(k));
    this.b = g(this.b, (k) => new Int32Array(k));
    this.t = g(this.t, (k) => new Float64Array(k));
  }

  build(): Interactions {
    const n = this.n;
    return {
      customerIds: this.customerIds,
      itemIds: this.itemIds,
      nBaskets: this.nBaskets,
      customer: this.c.slice(0, n),
      item: this.i.slice(0, n),
      basket: this.b.slice(0, n),
      time: this.t.slice(0, n),
      length: n,
    };
  }
}

/** Interactions from (customer, item, order, time) records; a missing order means one basket per customer and time. */
export function interactionsFrom(rows: Iterable<{ customer: string; item: string; order?: string; time: number | Date }>): Interactions {
  const b = new InteractionsBuilder();
  for (const r of rows) {
    const t = typeof r.time === 'number' ? r.time : r.time.getTime();
    b.add(r.customer, r.item, r.order ?? `${r.customer}\u0000${t}`, t);
  }
  return b.build();
}

/** The lines for which keep(index) holds; vocabularies (and so every index) are shared with the input. */
export function filterLines(x: Interactions, keep: (line: number) => boolean): Interactions {
  const idx: number[] = [];
  for (let k = 0; k < x.length; k++) if (keep(k)) idx.push(k);
  const n = idx.length;
  const out: Interactions = {
    customerIds: x.customerIds,
    itemIds: x.itemIds,
    nBaskets: x.nBaskets,
    customer: new Int32Array(n),
    item: new Int32Array(n),
    basket: new Int32Array(n),
    time: new Float64Array(n),
    length: n,
  };
  for (let j = 0; j < n; j++) {
    const k = idx[j]!;
    out.customer[j] = x.customer[k]!;
    out.item[j] = x.item[k]!;
    out.basket[j] = x.basket[k]!;
    out.time[j] = x.time[k]!;
  }
  return out;
}

/** Lines strictly before `cutoffMs` and lines at or after it (same vocabularies). */
export function splitAt(x: Interactions, cutoffMs: number): { before: Interactions; after: Interactions } {
  return { before: filterLines(x, (k) => x.time[k]! < cutoffMs), after: filterLines(x, (k) => x.time[k]! >= cutoffMs) };
}

/** Latest time in the lines (−Infinity when empty). */
export function lastTime(x: Interactions): number {
  let m = -Infinity;
  for (let k = 0; k < x.length; k++) if (x.time[k]! > m) m = x.time[k]!;
  return m;
}

/**
 * Compressed rows: for each group g (0 ≤ g < nGroups) the distinct values of `value` among lines with key g,
 * each with the latest time seen and the number of lines. Values within a group keep first-seen line order.
 */
export interface GroupedSets {
  offsets: Int32Array; // length nGroups + 1
  values: Int32Array;
  last: Float64Array;
  count: Int32Array;
}

/** Groups lines by key (counting sort) and de-duplicates values within each group, in O(lines + groups + values). */
export function groupDistinct(key: Int32Array, value: Int32Array, time: Float64Array, length: number, nGroups: number, nValues: number): GroupedSets {
  const start = new Int32Array(nGroups + 1);
  for (let k = 0; k < length; k++) start[key[k]! + 1]!++;
  for (let g = 0; g < nGroups; g++) start[g + 1]! += start[g]!;
  const order = new Int32Array(length);
  const fill = start.slice(0, nGroups);
  for (let k = 0; k < length; k++) order[fill[key[k]!]!++] = k;
  // De-duplicate within each group with a stamp array (no clearing between groups).
  const stamp = new Int32Array(nValues).fill(-1);
  const slot = new Int32Array(nValues);
  const offsets = new Int32Array(nGroups + 1);
  const values = new Int32Array(length);
  const last = new Float64Array(length);
  const count = new Int32Array(length);
  let n = 0;
  for (let g = 0; g < nGroups; g++) {
    offsets[g] = n;
    for (let p = start[g]!; p < start[g + 1]!; p++) {
      const k = order[p]!;
      const v = value[k]!;
      if (stamp[v] !== g) {
        stamp[v] = g;
        slot[v] = n;
        values[n] = v;
        last[n] = time[k]!;
        count[n] = 1;
        n++;
      } else {
        const s = slot[v]!;
        count[s]!++;
        if (time[k]! > last[s]!) last[s] = time[k]!;
      }
    }
  }
  offsets[nGroups] = n;
  return { offsets, values: values.slice(0, n), last: last.slice(0, n), count: count.slice(0, n) };
}
