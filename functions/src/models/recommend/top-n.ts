// Bounded top-N selection over (id, score) pairs with a typed-array min-heap; ties go to the smaller id.

/** Keeps the N best (highest score; on equal scores the smaller id) of everything pushed; reusable after `clear`. */
export class TopN {
  readonly capacity: number;
  private readonly ids: Int32Array;
  private readonly scores: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.ids = new Int32Array(Math.max(1, capacity));
    this.scores = new Float64Array(Math.max(1, capacity));
  }

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  /** a ranks below b: lower score, or equal score and larger id. */
  private worse(ia: number, sa: number, ib: number, sb: number): boolean {
    return sa < sb || (sa === sb && ia > ib);
  }

  /** Score of the worst kept entry once full (anything not better is rejected), −Infinity before. */
  get threshold(): number {
    return this.n < this.capacity ? -Infinity : this.scores[0]!;
  }

  push(id: number, score: number): void {
    if (this.capacity === 0) return;
    const ids = this.ids;
    const scores = this.scores;
    if (this.n < this.capacity) {
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(id, score, ids[p]!, scores[p]!)) break;
        ids[i] = ids[p]!;
        scores[i] = scores[p]!;
        i = p;
      }
      ids[i] = id;
      scores[i] = score;
      return;
    }
    if (!this.worse(ids[0]!, scores[0]!, id, score)) return;
    // Replace the root (the worst) and sift down.
    const n = this.n;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.worse(ids[r]!, scores[r]!, ids[l]!, scores[l]!)) c = r;
      if (!this.worse(ids[c]!, scores[c]!, id, score)) break;
      ids[i] = ids[c]!;
      scores[i] = scores[c]!;
      i = c;
    }
    ids[i] = id;
    scores[i] = score;
  }

  /** Writes the kept entries best first into outIds/outScores from `at`; returns how many; empties the heap. */
  drainInto(outIds: Int32Array | number[], outScores: Float64Array | Float32Array | number[], at = 0): number {
    const n = this.n;
    // Pop the worst repeatedly, filling from the back.
    for (let k = n - 1; k >= 0; k--) {
      outIds[at + k] = this.ids[0]!;
      outScores[at + k] = this.scores[0]!;
      this.popRoot();
    }
    return n;
  }

  private popRoot(): void {
    const n = --this.n;
    if (n === 0) return;
    const id = this.ids[n]!;
    const score = this.scores[n]!;
    const ids = this.ids;
    const scores = this.scores;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.worse(ids[r]!, scores[r]!, ids[l]!, scores[l]!)) c = r;
      if (!this.worse(ids[c]!, scores[c]!, id, score)) break;
      ids[i] = ids[c]!;
      scores[i] = scores[c]!;
      i = c;
    }
    ids[i] = id;
    scores[i] = score;
  }
}
