// BFGS minimiser with a strong-Wolfe line search (Nocedal & Wright, algorithms 3.5/3.6 and 6.1) for smooth objectives in a few variables.

/** Writes the gradient at x into g and returns f(x); non-finite f means "outside the domain". */
export type ObjectiveWithGradient = (x: Float64Array, g: Float64Array) => number;

export interface MinimizeOptions {
  /** Stop when max |gradient component| falls below this. */
  gtol?: number;
  maxIterations?: number;
}

export interface MinimizeResult {
  x: Float64Array;
  f: number;
  grad: Float64Array;
  iterations: number;
  evaluations: number;
  converged: boolean;
  message: string;
}

const C1 = 1e-4;
const C2 = 0.9;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Minimiser of the cubic through (a, fa, da) and (b, fb, db), clamped into the inner part of [a, b]. */
function cubicStep(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  let t = (a + b) / 2;
  if (disc >= 0 && Number.isFinite(fb)) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    const cand = b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
    if (Number.isFinite(cand)) t = cand;
  }
  const margin = 0.1 * (hi - lo);
  return Math.min(Math.max(t, lo + margin), hi - margin);
}

export function minimizeBfgs(fg: ObjectiveWithGradient, x0: ArrayLike<number>, opts: MinimizeOptions = {}): MinimizeResult {
  const gtol = opts.gtol ?? 1e-9;
  const maxIterations = opts.maxIterations ?? 1000;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let f = fg(x, g);
  let evaluations = 1;
  if (!Number.isFinite(f)) return { x, f, grad: g, iterations: 0, evaluations, converged: false, message: 'objective not finite at the start' };
  // Inverse Hessian approximation, row-major.
  let H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) H[i * n + i] = 1;
  const p = new Float64Array(n);
  const xn = new Float64Array(n);
  const gn = new Float64Array(n);
  let iterations = 0;
  let message = 'maximum iterations reached';
  let converged = false;
  let scaled = false;

  let lastF = f; // f at xn, the point of the latest evaluation
  const evalAt = (alpha: number): { f: number; d: number } => {
    for (let i = 0; i < n; i++) xn[i] = x[i]! + alpha * p[i]!;
    const fv = fg(xn, gn);
    lastF = fv;
    evaluations++;
    return { f: Number.isFinite(fv) ? fv : Infinity, d: Number.isFinite(fv) ? dot(gn, p) : NaN };
  };

  for (; iterations < maxIterations; iterations++) {
    if (maxAbs(g) < gtol) {
      converged = true;
      message = 'gradient below tolerance';
      break;
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s -= H[i * n + j]! * g[j]!;
      p[i] = s;
    }
    let d0 = dot(g, p);
    if (!(d0 < 0)) {
      // Not a descent direction (lost curvature information): restart from steepest descent.
      H = new Float64Array(n * n);
      for (let i = 0; i < n; i++) H[i * n + i] = 1;
      for (let i = 0; i < n; i++) p[i] = -g[i]!;
      d0 = dot(g, p);
    }
    // Strong-Wolfe line search.
    let alpha = 1;
    let prevAlpha = 0;
    let prevF = f;
    let prevD = d0;
    let found = false;
    let lo = 0;
    let hi = 0;
    let flo = f;
    let dlo = d0;
    let fhi = 0;
    let dhi = 0;
    let zoom = false;
    for (let ls = 0; ls < 60; ls++) {
      const { f: fa, d: da } = evalAt(alpha);
      if (fa > f + C1 * alpha * d0 || (ls > 0 && fa >= prevF)) {
        [lo, flo, dlo, hi, fhi, dhi] = [prevAlpha, prevF, prevD, alpha, fa, da];
        zoom = true;
        break;
      }
      if (Math.abs(da) <= -C2 * d0) {
        found = true;
        break;
      }
      if (da >= 0) {
        [lo, flo, dlo, hi, fhi, dhi] = [alpha, fa, da, prevAlpha, prevF, prevD];
        zoom = true;
        break;
      }
      prevAlpha = alpha;
      prevF = fa;
      prevD = da;
      alpha *= 2;
    }
    if (zoom) {
      for (let z = 0; z < 60; z++) {
        alpha = Number.isFinite(fhi) && Number.isFinite(dhi) ? cubicStep(lo, flo, dlo, hi, fhi, dhi) : lo + (hi - lo) / 4;
        const { f: fa, d: da } = evalAt(alpha);
        if (fa > f + C1 * alpha * d0 || fa >= flo) {
          [hi, fhi, dhi] = [alpha, fa, da];
        } else {
          if (Math.abs(da) <= -C2 * d0) {
            found = true;
            break;
          }
          if (da * (hi - lo) >= 0) [hi, fhi, dhi] = [lo, flo, dlo];
          [lo, flo, dlo] = [alpha, fa, da];
        }
        if (Math.abs(hi - lo) < 1e-16 * Math.max(1, Math.abs(lo))) break;
      }
      if (!found && lo > 0 && flo < f) {
        alpha = lo; // accept the best decrease found (Armijo holds at lo)
        evalAt(alpha);
        found = true;
      }
    }
    if (!found) {
      message = 'line search found no decrease';
      converged = maxAbs(g) < gtol * 100;
      break;
    }
    // BFGS update with s = xn - x, y = gn - g.
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xn[i]! - x[i]!;
      y[i] = gn[i]! - g[i]!;
    }
    const fNew = lastF; // every accepted step was the latest evaluation
    const ys = dot(y, s);
    if (ys > 1e-300) {
      if (!scaled) {
        const scale = ys / dot(y, y);
        for (let i = 0; i < n * n; i++) H[i] = H[i]! * scale;
        scaled = true;
      }
      const rho = 1 / ys;
      const Hy = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let t = 0;
        for (let j = 0; j < n; j++) t += H[i * n + j]! * y[j]!;
        Hy[i] = t;
      }
      const yHy = dot(y, Hy);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          H[i * n + j] = H[i * n + j]! - rho * (Hy[i]! * s[j]! + s[i]! * Hy[j]!) + (rho * rho * yHy + rho) * s[i]! * s[j]!;
        }
      }
    }
    const fPrev = f;
    x = Float64Array.from(xn);
    g = Float64Array.from(gn);
    f = fNew;
    if (Math.abs(fPrev - f) <= 1e-16 * Math.max(1, Math.abs(f)) && maxAbs(g) < gtol * 100) {
      converged = true;
      message = 'no further decrease (gradient near tolerance)';
      iterations++;
      break;
    }
  }
  return { x, f, grad: g, iterations, evaluations, converged, message };
}
