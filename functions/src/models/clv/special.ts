// Special functions for the CLV likelihoods: log-gamma (with sign), digamma, and a stable log(e^a + e^b).
// Math's functions bound once: a global lookup per call is slow inside vm contexts (jest).
const { abs, exp, floor, log, log1p, sin, tan } = Math;

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * log(2 * Math.PI);

/** True for 0, -1, -2, ...: the poles of Γ. */
export function isNonPositiveInteger(x: number): boolean {
  return x <= 0 && Number.isInteger(x);
}

/**
 * ln|Γ(x)| (Lanczos g = 7, n = 9, relative error about 1e-15 for x ≥ 1/2; reflection below). +Infinity at the poles.
 * For large x the Stirling series is used (cheaper, and exact to rounding beyond x = 10).
 */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0.5) {
    if (isNonPositiveInteger(x)) return Infinity;
    // Γ(x) Γ(1 - x) = π / sin(πx)
    return log(Math.PI / abs(sinPi(x))) - lgamma(1 - x);
  }
  if (x >= 10) return stirling(x);
  const y = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i]! / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (y + 0.5) * log(t) - t + log(s);
}

function stirling(x: number): number {
  const inv = 1 / x;
  const inv2 = inv * inv;
  // 1/(12x) - 1/(360x³) + 1/(1260x⁵) - 1/(1680x⁷) + 1/(1188x⁹) - 691/(360360x¹¹)
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 * (1 / 1188 - (inv2 * 691) / 360360)))));
  return (x - 0.5) * log(x) - x + HALF_LOG_2PI + series;
}

/** sin(πx) with the argument reduced exactly first, so integers give 0 and values near integers keep their precision. */
function sinPi(x: number): number {
  let r = x - 2 * floor(x / 2); // [0, 2), exact
  let sign = 1;
  if (r >= 1) {
    r -= 1;
    sign = -1;
  }
  if (r === 0) return 0;
  if (r > 0.5) r = 1 - r; // sin(π(1 - r)) = sin(πr), with 1 - r exact here
  return sign * sin(Math.PI * r);
}

/** Sign of Γ(x): +1 for x > 0, alternating between the poles below 0; 0 at a pole. */
export function gammaSign(x: number): number {
  if (x > 0) return 1;
  if (isNonPositiveInteger(x)) return 0;
  return floor(x) % 2 === 0 ? 1 : -1;
}

/** ψ(x) = Γ'(x)/Γ(x): recurrence up to x ≥ 10, then the asymptotic series; reflection for x < 0. */
export function digamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) {
    if (Number.isInteger(x)) return NaN;
    // ψ(1 - x) - ψ(x) = π cot(πx)
    return digamma(1 - x) - Math.PI / tan(Math.PI * (x - floor(x)));
  }
  let acc = 0;
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132 - (inv2 * 691) / 32760)))));
  return acc + log(x) - 0.5 * inv - series;
}

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/** A signed number held as sign × e^log (sign 0 means exactly zero). */
export interface SignedLog {
  log: number;
  sign: number;
}

/** Sum of two signed-log numbers, in signed-log form. */
export function signedLogAdd(x: SignedLog, y: SignedLog): SignedLog {
  if (x.sign === 0) return y;
  if (y.sign === 0) return x;
  const [big, small] = x.log >= y.log ? [x, y] : [y, x];
  const d = exp(small.log - big.log); // ≤ 1
  if (big.sign === small.sign) return { log: big.log + log1p(d), sign: big.sign };
  if (d === 1) return { log: -Infinity, sign: 0 };
  return { log: big.log + log1p(-d), sign: big.sign };
}
