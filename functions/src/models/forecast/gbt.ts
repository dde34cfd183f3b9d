// Gradient-boosted regression trees (squared loss, histogram splits, depth-wise): small, deterministic, plain JSON.

/** A fitted ensemble: per tree, nodes in arrays (feature −1 = leaf holding `value`). */
export interface GbtModel {
  base: number;
  trees: { feature: number[]; threshold: number[]; left: number[]; right: number[]; value: number[] }[];
}

export interface GbtOptions {
  trees?: number;
  depth?: number;
  learningRate?: number;
  /** Fewest rows in a leaf. */
  minLeaf?: number;
  /** L2 penalty on leaf values. */
  lambda?: number;
  /** Histogram bins per feature (quantiles of the training values). */
  bins?: number;
}

/**
 * Fits y ≈ base + Σ trees(x) by gradient boosting on squared error. X is row-major (n × p). Split candidates are the
 * feature's training quantiles (at most `bins`); a split must leave `minLeaf` rows each side and lower the penalised loss.
 */
export function fitGbt(X: Float64Array, y: Float64Array, p: number, o: GbtOptions = {}): GbtModel {
  const T = o.trees ?? 150;
  const D = o.depth ?? 4;
  const lr = o.learningRate ?? 0.08;
  const minLeaf = o.minLeaf ?? 100;
  const lambda = o.lambda ?? 10;
  const B = o.bins ?? 32;
  const n = y.length;
  // quantile edges per feature and the row's bin index
  const edges: Float64Array[] = [];
  const bin = new Uint8Array(n * p);
  const col = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < n; i++) col[i] = X[i * p + j]!;
    const sorted = Float64Array.from(col).sort();
    const e: number[] = [];
    for (let b = 1; b < B; b++) {
      const v = sorted[Math.min(n - 1, Math.floor((b * n) / B))]!;
      if (e.length === 0 || v > e[e.length - 1]!) e.push(v);
    }
    edges.push(Float64Array.from(e));
    // bin k holds values in [e[k−1], e[k]); a split "bin ≤ k" is "x < e[k]"
    for (let i = 0; i < n; i++) {
      const v = col[i]!;
      let lo = 0;
      let hi = e.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (v >= e[mid]!) lo = mid + 1;
        else hi = mid;
      }
      bin[i * p + j] = lo;
    }
  }
  let base = 0;
  for (let i = 0; i < n; i++) base += y[i]!;
  base /= Math.max(1, n);
  const pred = new Float64Array(n).fill(base);
  const grad = new Float64Array(n);
  const node = new Int32Array(n);
  const trees: GbtModel['trees'] = [];
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < n; i++) grad[i] = y[i]! - pred[i]!;
    const tree = { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0] };
    node.fill(0);
    let frontier = [0];
    const NB = B + 1;
    for (let d = 0; d < D && frontier.length; d++) {
      // one pass over the rows: gradient and count histograms of every frontier node and feature
      const slot = new Int32Array(tree.feature.length).fill(-1);
      frontier.forEach((nd, s) => (slot[nd] = s));
      const F = frontier.length;
      const hg = new Float64Array(F * p * NB);
      const hh = new Float64Array(F * p * NB);
      const gs = new Float64Array(F);
      const hs = new Float64Array(F);
      for (let i = 0; i < n; i++) {
        const s = slot[node[i]!]!;
        if (s < 0) continue;
        const g = grad[i]!;
        gs[s]! += g;
        hs[s]! += 1;
        const rowBase = i * p;
        const hBase = s * p * NB;
        for (let j = 0; j < p; j++) {
          const at = hBase + j * NB + bin[rowBase + j]!;
          hg[at]! += g;
          hh[at]! += 1;
        }
      }
      const next: number[] = [];
      const split = new Int32Array(F).fill(-1);
      const splitBin = new Int32Array(F);
      const splitLeft = new Int32Array(F);
      frontier.forEach((nd, s) => {
        if (hs[s]! < 2 * minLeaf) return;
        const parent = (gs[s]! * gs[s]!) / (hs[s]! + lambda);
        let best = { gain: 1e-9, j: -1, k: -1 };
        for (let j = 0; j < p; j++) {
          const nb = edges[j]!.length + 1;
          const off = s * p * NB + j * NB;
          let gl = 0;
          let hl = 0;
          for (let k = 0; k < nb - 1; k++) {
            gl += hg[off + k]!;
            hl += hh[off + k]!;
            if (hl < minLeaf) continue;
            const hr = hs[s]! - hl;
            if (hr < minLeaf) break;
            const gr = gs[s]! - gl;
            const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
            if (gain > best.gain) best = { gain, j, k };
          }
        }
        if (best.j < 0) return;
        const l = tree.feature.length;
        tree.feature[nd] = best.j;
        tree.threshold[nd] = edges[best.j]![best.k]!;
        tree.left[nd] = l;
        tree.right[nd] = l + 1;
        for (let c = 0; c < 2; c++) {
          tree.feature.push(-1);
          tree.threshold.push(0);
          tree.left.push(-1);
          tree.right.push(-1);
          tree.value.push(0);
        }
        split[s] = best.j;
        splitBin[s] = best.k;
        splitLeft[s] = l;
        next.push(l, l + 1);
      });
      for (let i = 0; i < n; i++) {
        const nd = node[i]!;
        const s = nd < slot.length ? slot[nd]! : -1;
        if (s < 0 || split[s]! < 0) continue;
        node[i] = bin[i * p + split[s]!]! <= splitBin[s]! ? splitLeft[s]! : splitLeft[s]! + 1;
      }
      frontier = next;
    }
    // leaf values: shrunk mean residual
    const gs = new Float64Array(tree.feature.length);
    const hs = new Float64Array(tree.feature.length);
    for (let i = 0; i < n; i++) {
      gs[node[i]!]! += grad[i]!;
      hs[node[i]!]! += 1;
    }
    for (let k = 0; k < tree.feature.length; k++) tree.value[k] = tree.feature[k]! < 0 ? (lr * gs[k]!) / (hs[k]! + lambda) : 0;
    for (let i = 0; i < n; i++) pred[i]! += tree.value[node[i]!]!;
    trees.push(tree);
  }
  return { base, trees };
}

/** Prediction of one row x[at … at + p). */
export function predictGbt(m: GbtModel, x: ArrayLike<number>, at = 0): number {
  let s = m.base;
  for (const t of m.trees) {
    let k = 0;
    while (t.feature[k]! >= 0) k = x[at + t.feature[k]!]! < t.threshold[k]! ? t.left[k]! : t.right[k]!;
    s += t.value[k]!;
  }
  return s;
}
