// Small Nelder–Mead minimiser for a handful of unconstrained parameters (callers map bounds through transforms).

export interface NelderMeadOptions {
  /** Initial simplex step per coordinate (default 0.5). */
  step?: number;
  /** Maximum objective evaluations (default 200). */
  maxEvals?: number;
  /** Stop when the spread of objective values across the simplex falls below tol · (|best| + tiny) (default 1e-7). */
  tol?: number;
}

export interface NelderMeadResult {
  x: Float64Array;
  value: number;
  evals: number;
}

/** Minimises f from x0 with the standard reflection/expansion/contraction/shrink moves (coefficients 1, 2, 0.5, 0.5). */
export function nelderMead(f: (x: Float64Array) => number, x0: ArrayLike<number>, opts: NelderMeadOptions = {}): NelderMeadResult {
  const n = x0.length;
  const step = opts.step ?? 0.5;
  const maxEvals = opts.maxEvals ?? 200;
  const tol = opts.tol ?? 1e-7;
  const pts: Float64Array[] = [];
  const vals = new Float64Array(n + 1);
  let evals = 0;
  const evalAt = (x: Float64Array): number => {
    evals++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  for (let i = 0; i <= n; i++) {
    const p = Float64Array.from(x0);
    if (i > 0) p[i - 1]! += step;
    pts.push(p);
    vals[i] = evalAt(p);
  }
  const centroid = new Float64Array(n);
  const xr = new Float64Array(n);
  const xe = new Float64Array(n);
  const xc = new Float64Array(n);
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  while (evals < maxEvals) {
    order.sort((a, b) => vals[a]! - vals[b]!);
    const best = order[0]!;
    const worst = order[n]!;
    const second = order[n - 1]!;
    if (vals[worst]! - vals[best]! <= tol * (Math.abs(vals[best]!) + 1e-12)) break;
    centroid.fill(0);
    for (const i of order) if (i !== worst) for (let k = 0; k < n; k++) centroid[k]! += pts[i]![k]! / n;
    const pw = pts[worst]!;
    for (let k = 0; k < n; k++) xr[k] = centroid[k]! + (centroid[k]! - pw[k]!);
    const fr = evalAt(xr);
    if (fr < vals[best]!) {
      for (let k = 0; k < n; k++) xe[k] = centroid[k]! + 2 * (centroid[k]! - pw[k]!);
      const fe = evalAt(xe);
      if (fe < fr) {
        pw.set(xe);
        vals[worst] = fe;
      } else {
        pw.set(xr);
        vals[worst] = fr;
      }
      continue;
    }
    if (fr < vals[second]!) {
      pw.set(xr);
      vals[worst] = fr;
      continue;
    }
    // contraction: outside when the reflection improved on the worst, inside otherwise
    const outside = fr < vals[worst]!;
    for (let k = 0; k < n; k++) xc[k] = outside ? centroid[k]! + 0.5 * (xr[k]! - centroid[k]!) : centroid[k]! + 0.5 * (pw[k]! - centroid[k]!);
    const fc = evalAt(xc);
    if (fc < (outside ? fr : vals[worst]!)) {
      pw.set(xc);
      vals[worst] = fc;
      continue;
    }
    // shrink towards the best point
    const pb = pts[best]!;
    for (const i of order) {
      if (i === best) continue;
      const p = pts[i]!;
      for (let k = 0; k < n; k++) p[k] = pb[k]! + 0.5 * (p[k]! - pb[k]!);
      vals[i] = evalAt(p);
    }
  }
  let bi = 0;
  for (let i = 1; i <= n; i++) if (vals[i]! < vals[bi]!) bi = i;
  return { x: Float64Array.from(pts[bi]!), value: vals[bi]!, evals };
}
