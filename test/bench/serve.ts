// Serving benchmark: open-loop load at fixed rates on the prediction routes (App Proxy verified, local runtime) vs a bare constant handler, latency from the intended send time; plus the `api` module's cold start.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { tuneHeapGrowth } from '../../functions/src/serving/heap-tuning';
import { signAppProxyQuery } from '../../functions/src/testing/app-proxy-signer';
import { findRunningRuntime } from '../../functions/src/runtime/runtime-file';
import { freePort, spawnCli, tempDir, waitHealthy } from './support';
import { ROOT } from '../helpers/process';
import type { BenchResult, BenchRow } from './run';

// The load generator measures latency from each request's intended send time, so its own GC pauses count against
// whatever it measures (the routes and the bare handler alike): it runs with the serving processes' heap growth, which
// keeps its major GC cycles (5-13 ms pauses, up to 25 per run before) out of the phases.
tuneHeapGrowth(300);

const SECRET = 'bench-secret';
const SHOP = 'demo-store.myshopify.com';
/** Offered rates (req/s), each for SECONDS: `BENCH_SERVE_RATES=500,2000`, `BENCH_SERVE_SECONDS=30`. */
const RATES = (process.env['BENCH_SERVE_RATES'] ?? '500,2000').split(',').map(Number);
const SECONDS = Number(process.env['BENCH_SERVE_SECONDS'] ?? 30);
/** A data directory the demo already filled (`up --exit-after-demo`), to skip building one: `BENCH_SERVE_DATA_DIR`. */
const REUSE_DATA_DIR = process.env['BENCH_SERVE_DATA_DIR'];
/** Closed-loop maximum throughput phase, per target (0 to skip). */
const MAX_SECONDS = Number(process.env['BENCH_SERVE_MAX_SECONDS'] ?? 10);
const MAX_SENDERS = 32;
/** Distinct pre-signed queries per run (signed just before the run: the App Proxy timestamp window is ±90 s). */
const POOL = 5_000;
const MAX_SOCKETS = 512;

const BARE_SERVER = `
const http = require('node:http');
const body = '{"model":"constant","version":1,"arm":"champion","fallback":false,"prediction":[]}';
const s = http.createServer((req, res) => { res.writeHead(200, {'content-type': 'application/json'}); res.end(body); });
s.keepAliveTimeout = 65000;
s.listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'));`;

interface RunStats {
  offered: number;
  sent: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  /** From each request's intended send time (open loop) or actual send time (closed loop), sorted. */
  latenciesMs: number[];
  seconds: number;
}

const pct = (sorted: number[], p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

function get(agent: http.Agent, port: number, p: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ agent, host: '127.0.0.1', port, path: p, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

function tally(s: RunStats, status: number, ms: number): void {
  s.latenciesMs.push(ms);
  s.statuses[status] = (s.statuses[status] ?? 0) + 1;
  if (status >= 200 && status < 300) s.ok++;
  else s.errors++;
}

/**
 * Open loop: request i is due at start + i / rate whatever the answers; its latency runs from that intended time, so
 * a stall in the server (or a queue in the client) shows in the tail instead of slowing the sender down.
 */
async function openLoop(port: number, paths: string[], rate: number, seconds: number): Promise<RunStats> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  const total = Math.round(rate * seconds);
  const s: RunStats = { offered: rate, sent: 0, ok: 0, errors: 0, statuses: {}, latenciesMs: [], seconds: 0 };
  const open = new Set<Promise<void>>();
  const start = performance.now() + 20;
  const interval = 1000 / rate;
  while (s.sent < total) {
    const now = performance.now();
    while (s.sent < total && start + s.sent * interval <= now) {
      const intended = start + s.sent * interval;
      const p = get(agent, port, paths[s.sent % paths.length]!).then((status) => {
        tally(s, status, performance.now() - intended);
        open.delete(p);
      });
      open.add(p);
      s.sent++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(open);
  s.seconds = (performance.now() - start) / 1000;
  agent.destroy();
  s.latenciesMs.sort((a, b) => a - b);
  return s;
}

/** Closed loop: MAX_SENDERS senders back to back, for the highest throughput each target reaches. */
async function closedLoop(port: number, paths: string[], seconds: number): Promise<RunStats> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SENDERS });
  const s: RunStats = { offered: 0, sent: 0, ok: 0, errors: 0, statuses: {}, latenciesMs: [], seconds: 0 };
  const start = performance.now();
  const until = start + seconds * 1000;
  const sender = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      const status = await get(agent, port, paths[s.sent++ % paths.length]!);
      tally(s, status, performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: MAX_SENDERS }, sender));
  s.seconds = (performance.now() - start) / 1000;
  agent.destroy();
  s.latenciesMs.sort((a, b) => a - b);
  return s;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await exited;
}

async function exitOf(child: ChildProcess & { output(): string }): Promise<void> {
  const code = await new Promise<number>((r) => child.once('close', (c) => r(c ?? -1)));
  if (code !== 0) throw new Error(`shop-mlops exited ${code}:\n${child.output().slice(-2000)}`);
}

interface Target {
  name: string;
  port: number;
  /** A fresh pool of request paths (signed now). */
  paths: () => string[];
}

/** Cold start of the `api` function module in a fresh node: require functions/lib/index.js, then load every champion version. */
const COLD_START = `
const t0 = performance.now();
const lib = process.argv[1];
require(lib + '/index.js');
const t1 = performance.now();
(async () => {
  const { paths } = require(lib + '/runtime/local-runtime.js');
  const { createFileArtifactStore } = require(lib + '/adapters/embedded/file-artifact-store.js');
  const { createFileModelRegistries } = require(lib + '/adapters/embedded/file-model-registry.js');
  const { createModelCache } = require(lib + '/serving/model-cache.js');
  const p = paths(process.argv[2]);
  const artifacts = createFileArtifactStore(p.artifacts);
  const models = createModelCache({ registries: createFileModelRegistries({ dir: p.registry, artifacts }), artifacts });
  const shop = process.argv[3];
  const t2 = performance.now();
  const perModel = {};
  for (const m of ['clv', 'propensity', 'forecast', 'recommend']) {
    const s = performance.now();
    const v = await models.aliasVersion(shop, m, 'champion');
    await models.get(shop, m, v);
    perModel[m] = performance.now() - s;
  }
  const t3 = performance.now();
  console.log(JSON.stringify({ importMs: t1 - t0, modelLoadMs: t3 - t2, perModel, processMs: performance.now() + 0 }));
  process.exit(0);
})();`;

export async function coldStart(dataDir: string, runs = 3): Promise<{ importMs: number; modelLoadMs: number; perModel: Record<string, number>; totalMs: number }[]> {
  const lib = path.join(ROOT, 'functions/lib');
  process.stderr.write('building functions/lib (npm run build) for the cold start...\n');
  execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(ROOT, 'functions/tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', COLD_START, lib, dataDir, SHOP], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    await new Promise((r) => child.once('close', r));
    const r = JSON.parse(text) as { importMs: number; modelLoadMs: number; perModel: Record<string, number> };
    out.push({ ...r, totalMs: performance.now() - t0 });
  }
  return out;
}

const row = (name: string, s: RunStats, bareOk: number | null): BenchRow => ({
  name,
  'offered/s': s.offered || 'max',
  'served/s': Math.round(s.ok / s.seconds),
  'p50 ms': pct(s.latenciesMs, 50),
  'p99 ms': pct(s.latenciesMs, 99),
  'max ms': s.latenciesMs.at(-1) ?? NaN,
  errors: s.errors,
  'vs bare': bareOk ? Number((s.ok / s.seconds / bareOk).toFixed(3)) : '',
  'non-2xx': Object.entries(s.statuses).filter(([k]) => !k.startsWith('2')).map(([k, n]) => `${k === '0' ? 'net' : k}:${n}`).join(' '),
});

export async function run(): Promise<BenchResult> {
  const load = os.loadavg();
  // The store: the demo's simulated shop, trained twice, every champion deployed with a 5 % canary.
  const dataDir = REUSE_DATA_DIR ?? tempDir('shop-mlops-bench-serve-');
  const env = { SHOPIFY_API_SECRET: SECRET, SHOP_MLOPS_RATE_LIMIT_PER_SECOND: '1000000', SHOP_MLOPS_RATE_LIMIT_BURST: '1000000' };
  if (!REUSE_DATA_DIR) {
    process.stderr.write(`demo store in ${dataDir} (npm start's demo, then exit)...\n`);
    await exitOf(spawnCli(['up', '--exit-after-demo', '--demo-end', '2026-11-25', '--port', String(await freePort()), '--data-dir', dataDir], env));
  }

  const port = await freePort();
  // BENCH_SERVE_CPU_PROF_DIR: CPU-profile the serving runtime (node --cpu-prof) during the run.
  const prof = process.env['BENCH_SERVE_CPU_PROF_DIR'];
  const rt = spawnCli(['up', '--no-demo', '--port', String(port), '--data-dir', dataDir], { ...env, ...(prof ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(prof)}` } : {}) });
  const barePort = await freePort();
  const bare = spawn(process.execPath, ['-e', BARE_SERVER, String(barePort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await waitHealthy(`http://127.0.0.1:${port}`, 60_000, rt);
    await new Promise<void>((r) => bare.stdout!.once('data', () => r()));
    const info = await findRunningRuntime(dataDir);
    if (!info) throw new Error('runtime.json missing');
    const sql = async (q: string) => ((await (await fetch(`${info.url}/admin/sql`, { method: 'POST', headers: { authorization: `Bearer ${info.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ sql: q }) })).json()) as { rows: Record<string, string>[] }).rows.map((r) => String(Object.values(r)[0]));
    const products = await sql(`SELECT DISTINCT product_id FROM shop_predictions.product_recommendations ORDER BY 1`);
    const customers = await sql(`SELECT DISTINCT customer_id FROM shop_features.customer_rfm ORDER BY 1`);
    if (!products.length || !customers.length) throw new Error('the demo store has no products or customers to ask for');
    const recsPaths = () =>
      Array.from({ length: POOL }, (_, i) => `/api/recommendations/product?${signAppProxyQuery({ secret: SECRET, shop: SHOP, params: { product_id: products[i % products.length]!, k: '10', visitor_id: `visitor-${i}` } })}`);
    const customerPaths = () => Array.from({ length: POOL }, (_, i) => `/api/customers/predictions?${signAppProxyQuery({ secret: SECRET, shop: SHOP, loggedInCustomerId: customers[i % customers.length]! })}`);
    const targets: Target[] = [
      { name: 'bare node http (constant)', port: barePort, paths: recsPaths },
      { name: 'recommendations/product', port, paths: recsPaths },
      { name: 'customers/predictions', port, paths: customerPaths },
    ];
    // Warm-up: every route answered once per pool entry kind (models and features loaded), not measured.
    for (const t of targets) await closedLoop(t.port, t.paths(), 2);

    const results: { target: string; rate: number | 'max'; stats: RunStats }[] = [];
    for (const rate of RATES) {
      for (const t of targets) {
        process.stderr.write(`${t.name}: ${rate}/s for ${SECONDS} s (open loop)...\n`);
        results.push({ target: t.name, rate, stats: await openLoop(t.port, t.paths(), rate, SECONDS) });
      }
    }
    if (MAX_SECONDS > 0) {
      for (const t of targets) {
        process.stderr.write(`${t.name}: ${MAX_SECONDS} s closed loop, ${MAX_SENDERS} senders...\n`);
        results.push({ target: t.name, rate: 'max', stats: await closedLoop(t.port, t.paths(), MAX_SECONDS) });
      }
    }
    const health = (await (await fetch(`${info.url}/metrics`)).text()).split('\n').filter((l) => /^shop_mlops_serving_fallbacks_total/.test(l));
    await stop(rt);
    await stop(bare);
    const cold = await coldStart(dataDir);
    const loadAfter = os.loadavg();

    const bareOf = (rate: number | 'max') => {
      const b = results.find((r) => r.target === targets[0]!.name && r.rate === rate)!.stats;
      return b.ok / b.seconds;
    };
    const rows: BenchRow[] = results.map((r) => row(`${r.target} @ ${r.rate === 'max' ? `closed loop ${MAX_SENDERS}` : `${r.rate}/s`}`, r.stats, r.target === targets[0]!.name ? null : bareOf(r.rate)));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const coldRow = { importMs: median(cold.map((c) => c.importMs)), modelLoadMs: median(cold.map((c) => c.modelLoadMs)), totalMs: median(cold.map((c) => c.totalMs)) };
    rows.push({ name: `api module cold start (median of ${cold.length}): import`, 'p50 ms': Number(coldRow.importMs.toFixed(0)) });
    rows.push({ name: 'api module cold start: load 4 champion versions', 'p50 ms': Number(coldRow.modelLoadMs.toFixed(0)) });
    rows.push({ name: 'api module cold start: node process end to end', 'p50 ms': Number(coldRow.totalMs.toFixed(0)) });

    const top = Math.max(...RATES);
    const routesAtTop = results.filter((r) => r.rate === top && r.target !== targets[0]!.name);
    const allRoutes = results.filter((r) => r.target !== targets[0]!.name && r.rate !== 'max');
    const worstP99 = Math.max(...routesAtTop.map((r) => pct(r.stats.latenciesMs, 99)));
    const errors = allRoutes.reduce((n, r) => n + r.stats.errors, 0);
    const maxRuns = results.filter((r) => r.rate === 'max' && r.target !== targets[0]!.name);
    const ratioAtTop = Math.min(...routesAtTop.map((r) => r.stats.ok / r.stats.seconds / bareOf(top)));
    const ratioMax = maxRuns.length ? Math.min(...maxRuns.map((r) => r.stats.ok / r.stats.seconds / bareOf('max'))) : NaN;
    return {
      name: 'serve: prediction routes through App Proxy verification on the local runtime vs a bare constant handler',
      machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}; load average before ${load.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
      rows,
      targets: [
        { metric: `worst route p99 at ${top}/s (ms)`, target: '<= 10 (goal 5)', value: Number(worstP99.toFixed(2)), pass: worstP99 <= 10 },
        { metric: 'route errors (non-2xx) at fixed rates', target: '0', value: errors, pass: errors === 0 },
        { metric: `route throughput / bare handler's at ${top}/s (worst route)`, target: '>= 0.5', value: Number(ratioAtTop.toFixed(3)), pass: ratioAtTop >= 0.5 },
        ...(maxRuns.length ? [{ metric: `route throughput / bare handler's, closed-loop maxima (worst route)`, target: '>= 0.5', value: Number(ratioMax.toFixed(3)), pass: ratioMax >= 0.5 }] : []),
      ],
      notes: [
        'latency of a fixed-rate run is measured from each request\'s intended send time (start + i / rate), so a stall is not hidden',
        `each route request carries a signed App Proxy query (${POOL} distinct, signed before the run), verified by storefrontAuth with @shopify/shopify-api; rate limit raised by SHOP_MLOPS_RATE_LIMIT_PER_SECOND/BURST`,
        `the store: npm start's demo (every champion deployed, v2 challengers at 5 %); ${products.length} products, ${customers.length} customers`,
        `fallbacks counted by the runtime over the whole run: ${health.length ? health.join('; ') : 'none'}`,
        `cold start runs: ${cold.map((c) => `import ${c.importMs.toFixed(0)} ms + models ${c.modelLoadMs.toFixed(0)} ms (${Object.entries(c.perModel).map(([m, ms]) => `${m} ${ms.toFixed(0)}`).join(', ')})`).join('; ')}`,
      ],
    };
  } finally {
    await stop(rt);
    await stop(bare);
    if (!REUSE_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  }
}
