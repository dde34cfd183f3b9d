// V8's old-generation growth for processes that serve: fewer major GC cycles, each a 20-50 ms episode in the prediction routes' tail.
import { setFlagsFromString } from 'node:v8';

/**
 * Lets the old generation grow `percent` % past its live size before the next major GC (V8's
 * `--heap-growing-percent`; 0 leaves V8's own choice). V8 sizes that headroom by how cheap a major GC looks next to
 * the rate the old generation grows: serving at 2,000 req/s the runtime's old generation (~35 MB live) grew ~1 MB/s,
 * so V8 kept the limit ~10 % above it and collected every ~4 s, and each cycle (incremental marking, then a 5-13 ms
 * pause) delayed 40-100 requests by up to 50 ms. The default, 300 %, is the factor V8 itself uses at most (4x): in the
 * route phases of `npm run bench -- serve` 7 cycles became 2 at 100 % and none at 300 %, for at most three live heaps
 * more of memory. Not a free lunch everywhere: in short synthetic loops it made V8 collect more often than its own
 * choice (whose first limit is set high), which is why only serving processes set it (`heapGrowingPercent`).
 * V8 reads the flag each time it sets a limit, so calling this at startup is enough.
 */
export function tuneHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${Math.trunc(percent)}`);
}
