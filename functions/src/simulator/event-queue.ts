// A min-heap of timed happenings (ties keep insertion order), so the store state evolves in time order.

export interface Happening {
  at: number;
  seq: number;
  run: () => void;
}

export class EventQueue {
  private readonly heap: Happening[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: Date | number, run: () => void): void {
    const h: Happening = { at: typeof at === 'number' ? at : at.getTime(), seq: this.seq++, run };
    const a = this.heap;
    a.push(h);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): Happening | undefined {
    const a = this.heap;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(x: Happening, y: Happening): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}
