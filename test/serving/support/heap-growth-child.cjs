// Child process for heap-tuning.test.ts: a server-like heap (~30 MB live, young garbage per "request", one small object per request outliving a few scavenges); prints the major GCs counted.
require(require.resolve('tsx/cjs', { paths: [process.cwd()] }));
const { tuneHeapGrowth } = require(process.argv[2]);
const { PerformanceObserver, constants } = require('node:perf_hooks');
tuneHeapGrowth(Number(process.argv[3]));
let majors = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
}).observe({ entryTypes: ['gc'] });
const live = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `live-${i}` }));
const ring = new Array(20_000);
let sink = 0;
(async () => {
  for (let req = 0; req < 400_000; req++) {
    const garbage = [];
    for (let j = 0; j < 40; j++) garbage.push({ j, t: `x${j}` });
    sink += garbage.length;
    ring[req % ring.length] = { req, a: [req, req + 1, req + 2] };
    if (req % 1000 === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 50));
  process.stdout.write(JSON.stringify({ majors, live: live.length, requests: sink / 40 }));
})();
