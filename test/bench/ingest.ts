// Ingest benchmark: 64 keep-alive senders post signed orders to the runtime and a bare Node server; then a sustained open-loop run at the ack rate measures landing.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { forgeWebhook } from '../../functions/src/testing/forge';
import { findRunningRuntime } from '../../functions/src/runtime/runtime-file';
import { freePort, spawnCli, tempDir, waitHealthy } from './support';
import type { BenchResult } from './run';

const SENDERS = 64;
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
/** The sustained phase: open-loop at the acknowledgement rate just measured, for this long (landing must keep up). */
const SUSTAIN_SECONDS = Number(process.env['BENCH_SUSTAIN_SECONDS'] ?? 60);
/** Fraction of the closed-loop ack rate offered in the sustained phase (1 = the full rate). */
const SUSTAIN_RATE = Number(process.env['BENCH_SUSTAIN_RATE'] ?? 1);
/** Set to a directory to CPU-profile the runtime (node --cpu-prof) during the run. */
const CPU_PROF_DIR = process.env['BENCH_CPU_PROF'];
const SECRET = 'bench-secret';
const FIXTURE = path.resolve(__dirname, '../../../shared/fixtures/shopify/orders_create.json');
/** The fixture's order id, replaced per delivery by a unique 19-digit one. */
const ORDER_ID = '820982911946154508';

const BARE_SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => { const c = []; req.on('data', (d) => c.push(d)); req.on('end', () => { Buffer.concat(c); res.writeHead(200, {'content-type': 'application/json'}); res.end('{"ok":true}'); }); });
s.keepAliveTimeout = 65000;
s.listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'));`;

interface LoadResult {
  acked: string[];
  statuses: Record<string, number>;
  latenciesMs: number[];
  seconds: number;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Closed loop (default): SENDERS senders, each sending its next delivery when the previous one is answered.
 * Open loop (`rate`): deliveries start at a fixed rate whatever the answers, up to `maxOpen` outstanding at once.
 */
async function load(url: string, tag: string, o: { seconds?: number; rate?: number; first?: number } = {}): Promise<LoadResult> {
  // The body around its order id, as bytes: each request's body is built from them (no 10 KB string per request on
  // the sender's heap, whose GC pauses would show in every latency measured).
  const template = readFileSync(FIXTURE).toString('utf8');
  const at = template.indexOf(ORDER_ID);
  const [before, after] = [Buffer.from(template.slice(0, at), 'utf8'), Buffer.from(template.slice(at + ORDER_ID.length), 'utf8')];
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.rate ? 512 : SENDERS });
  const u = new URL(url);
  const acked: string[] = [];
  const statuses: Record<string, number> = {};
  const latenciesMs: number[] = [];
  let n = o.first ?? 0;
  const started = performance.now();
  const until = started + (o.seconds ?? SECONDS) * 1000;
  const send = async () => {
    const i = n++;
    const id = `${tag}-${i}`;
    // Unique order id (19 digits, beyond 2^53) and unique webhook/event ids, correctly signed.
    const body = Buffer.concat([before, Buffer.from(String(8_209_829_119_461_545_080n + BigInt(i)), 'latin1'), after]);
    const d = forgeWebhook({ secret: SECRET, topic: 'orders/create', body, webhookId: id, eventId: `ev-${id}`, shop: 'bench.myshopify.com' });
    const t0 = performance.now();
    const status = await new Promise<number>((resolve) => {
      const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { ...d.headers, 'content-length': String(d.body.length) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.end(d.body);
    });
    latenciesMs.push(performance.now() - t0);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status >= 200 && status < 300) acked.push(id);
  };
  if (o.rate) {
    const rate = o.rate;
    const open = new Set<Promise<void>>();
    let sent = 0;
    while (performance.now() < until) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (sent < due && open.size < 512) {
        sent++;
        const p = send().finally(() => open.delete(p));
        open.add(p);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(open);
  } else {
    const sender = async () => {
      while (performance.now() < until) await send();
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
  }
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latenciesMs.sort((a, b) => a - b);
  return { acked, statuses, latenciesMs, seconds };
}

interface LoaderHealth {
  loader: { landed: number; backlogBytes: number; duplicates: number; batches: number; stageSeconds: Record<string, number> };
}

/** Samples the runtime's loader every 500 ms while `during` runs: landed rows and the backlog's maximum. */
async function watchLoader<T>(url: string, during: Promise<T>): Promise<{ result: T; landedStart: number; landedEnd: number; backlogMaxBytes: number }> {
  const health = async () => ((await (await fetch(`${url}/healthz`)).json()) as LoaderHealth).loader;
  const first = await health();
  let backlogMaxBytes = first.backlogBytes;
  let finished = false;
  const sampler = (async () => {
    while (!finished) {
      await new Promise((r) => setTimeout(r, 500));
      backlogMaxBytes = Math.max(backlogMaxBytes, (await health()).backlogBytes);
    }
  })();
  const result = await during;
  finished = true;
  await sampler;
  const last = await health();
  return { result, landedStart: first.landed, landedEnd: last.landed, backlogMaxBytes: Math.max(backlogMaxBytes, last.backlogBytes) };
}

/** Bytes one bench delivery takes in the log (frame + envelope header + body), to express the backlog in deliveries. */
function body0Bytes(): number {
  return readFileSync(FIXTURE).length + 8 + 200;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

async function bareRun(tag: string, verifierOnly = false): Promise<LoadResult> {
  const barePort = await freePort();
  const args = verifierOnly ? ['--import', 'tsx', path.join(__dirname, 'verifier-floor-server.ts'), String(barePort)] : ['-e', BARE_SERVER, String(barePort)];
  const bare = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SHOPIFY_API_SECRET: SECRET } });
  await new Promise<void>((r) => bare.stdout!.once('data', () => r()));
  process.stderr.write(`${verifierOnly ? 'bare server + our verifier' : 'bare server'} (${tag}): ${SECONDS} s of load...\n`);
  const b = await load(`http://127.0.0.1:${barePort}/webhooks`, tag);
  await stop(bare);
  return b;
}

export async function run(): Promise<BenchResult> {
  // Baseline: a bare Node HTTP server that reads the body and answers 200, same senders, same run; measured
  // before and after the runtime (this shared machine drifts), the ratio uses their mean.
  const b1 = await bareRun('bare-before');
  // The floor our verifier sets: the same bare server, verifying each delivery with core/verify.ts (node:crypto HMAC).
  const v = await bareRun('verify-only', true);

  const dataDir = tempDir('shop-mlops-bench-');
  const port = await freePort();
  const profEnv: Record<string, string> = CPU_PROF_DIR ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(CPU_PROF_DIR)}` } : {};
  const rt = spawnCli(['up', '--no-demo', '--port', String(port), '--data-dir', dataDir], { SHOPIFY_API_SECRET: SECRET, SHOP_MLOPS_MAX_IN_FLIGHT: '4096', ...profEnv });
  await waitHealthy(`http://127.0.0.1:${port}`, 30_000, rt);
  const info = await findRunningRuntime(dataDir);
  if (!info) throw new Error('runtime.json missing');
  const auth = { authorization: `Bearer ${info.adminToken}`, 'content-type': 'application/json' };
  const drain = async () => {
    const t0 = performance.now();
    const drained = await fetch(`${info.url}/admin/drain?timeoutMs=600000`, { method: 'POST', headers: auth });
    if (!drained.ok) throw new Error(`drain failed: ${drained.status}`);
    return (performance.now() - t0) / 1000;
  };
  // Phase 1, closed loop: the acknowledgement rate and latency (the loader lands concurrently, as in production).
  process.stderr.write(`shop-mlops runtime: ${SECONDS} s of closed-loop load...\n`);
  const closed = await watchLoader(info.url, load(`http://127.0.0.1:${port}/webhooks`, 'rt'));
  const r = closed.result;
  const rtRate = r.acked.length / r.seconds;
  const drainSeconds = await drain();
  // Phase 2, sustained: open loop at the acknowledgement rate for SUSTAIN_SECONDS; landing measured over the run.
  const offered = Math.max(1, Math.round(rtRate * SUSTAIN_RATE));
  process.stderr.write(`shop-mlops runtime: ${SUSTAIN_SECONDS} s sustained at ${offered}/s (open loop)...\n`);
  const sus = await watchLoader(info.url, load(`http://127.0.0.1:${port}/webhooks`, 'rs', { seconds: SUSTAIN_SECONDS, rate: offered, first: 100_000_000 }));
  const s2 = sus.result;
  const sustainedAckRate = s2.acked.length / s2.seconds;
  const sustainedLandRate = (sus.landedEnd - sus.landedStart) / s2.seconds;
  const tailSeconds = await drain();
  const { stageSeconds: stages, batches, landed: landedTotal } = ((await (await fetch(`${info.url}/healthz`)).json()) as LoaderHealth).loader;
  const sql = async (q: string) => ((await (await fetch(`${info.url}/admin/sql`, { method: 'POST', headers: auth, body: JSON.stringify({ sql: q }) })).json()) as { rows: Record<string, string>[] }).rows;
  const landedRows = await sql("SELECT webhook_id, count(*) AS n FROM shop_raw.events WHERE webhook_id LIKE 'r_-%' GROUP BY 1");
  const exact = await sql("SELECT count(*) AS n FROM shop_raw.events WHERE json_extract_string(payload, '$.id') = '8209829119461545080'");
  await stop(rt);
  const b2 = await bareRun('bare-after');
  const b: LoadResult = { acked: [...b1.acked, ...b2.acked], statuses: {}, latenciesMs: [...b1.latenciesMs, ...b2.latenciesMs].sort((x, y) => x - y), seconds: b1.seconds + b2.seconds };

  const landed = new Map(landedRows.map((x) => [x['webhook_id']!, Number(x['n'])]));
  const allAcked = [...r.acked, ...s2.acked];
  const lost = allAcked.filter((id) => !landed.has(id)).length;
  const duplicated = [...landed.values()].filter((c) => c > 1).length;
  const bareRate = b.acked.length / b.seconds;
  const endToEnd = r.acked.length / (r.seconds + drainSeconds);
  const p50 = pct(r.latenciesMs, 50);
  const p99 = pct(r.latenciesMs, 99);
  const keepsUp = sustainedLandRate / sustainedAckRate;
  // Everything acknowledged in the sustained phase, over the phase plus the time it took to land its tail.
  const sustainedToRows = s2.acked.length / (s2.seconds + tailSeconds);
  const recordBytes = body0Bytes();
  const backlogMaxDeliveries = Math.round(sus.backlogMaxBytes / recordBytes);
  return {
    name: 'ingest',
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    rows: [
      { name: 'bare node http, before', 'webhooks/s': Math.round(b1.acked.length / b1.seconds), 'p50 ms': pct(b1.latenciesMs, 50), 'p99 ms': pct(b1.latenciesMs, 99), ratio: '', acked: b1.acked.length, lost: 0, duplicated: 0 },
      { name: 'bare node http, after', 'webhooks/s': Math.round(b2.acked.length / b2.seconds), 'p50 ms': pct(b2.latenciesMs, 50), 'p99 ms': pct(b2.latenciesMs, 99), ratio: '', acked: b2.acked.length, lost: 0, duplicated: 0 },
      { name: 'bare node http (baseline = mean)', 'webhooks/s': Math.round(bareRate), 'p50 ms': pct(b.latenciesMs, 50), 'p99 ms': pct(b.latenciesMs, 99), ratio: 1, acked: b.acked.length, lost: 0, duplicated: 0 },
      { name: 'bare node http + our verifier only', 'webhooks/s': Math.round(v.acked.length / v.seconds), 'p50 ms': pct(v.latenciesMs, 50), 'p99 ms': pct(v.latenciesMs, 99), ratio: v.acked.length / v.seconds / bareRate, acked: v.acked.length, lost: 0, duplicated: 0 },
      { name: 'shop-mlops up (ack, closed loop)', 'webhooks/s': Math.round(rtRate), 'p50 ms': p50, 'p99 ms': p99, ratio: rtRate / bareRate, acked: r.acked.length, lost, duplicated },
      { name: 'shop-mlops up (closed loop, to rows incl. drain)', 'webhooks/s': Math.round(endToEnd), 'p50 ms': '', 'p99 ms': '', ratio: endToEnd / bareRate, acked: r.acked.length, lost, duplicated },
      { name: `sustained ${Math.round(s2.seconds)} s open loop: acks`, 'webhooks/s': Math.round(sustainedAckRate), 'p50 ms': pct(s2.latenciesMs, 50), 'p99 ms': pct(s2.latenciesMs, 99), ratio: sustainedAckRate / bareRate, acked: s2.acked.length, lost, duplicated },
      { name: `sustained ${Math.round(s2.seconds)} s open loop: landed rows`, 'webhooks/s': Math.round(sustainedLandRate), 'p50 ms': '', 'p99 ms': '', ratio: sustainedLandRate / bareRate, acked: s2.acked.length, lost, duplicated },
      { name: `sustained: to rows incl. the ${tailSeconds.toFixed(1)} s tail`, 'webhooks/s': Math.round(sustainedToRows), 'p50 ms': '', 'p99 ms': '', ratio: sustainedToRows / bareRate, acked: s2.acked.length, lost, duplicated },
    ],
    targets: [
      { metric: 'ratio to bare server (ack)', target: '>= 0.40', value: Number((rtRate / bareRate).toFixed(3)), pass: rtRate / bareRate >= 0.4 },
      { metric: 'ratio to bare server (sustained landing)', target: '>= 0.35', value: Number((sustainedLandRate / bareRate).toFixed(3)), pass: sustainedLandRate / bareRate >= 0.35 },
      { metric: 'sustained landed / acked per second', target: '>= 0.95', value: Number(keepsUp.toFixed(3)), pass: keepsUp >= 0.95 },
      { metric: 'sustained acked / (run + tail) vs acks/s', target: 'info', value: Number((sustainedToRows / sustainedAckRate).toFixed(3)), pass: true },
      { metric: 'backlog maximum (sustained), MB', target: 'bounded (< high-water mark, 1024)', value: Number((sus.backlogMaxBytes / 2 ** 20).toFixed(1)), pass: sus.backlogMaxBytes < 2 ** 30 },
      { metric: 'p99 ack latency ms', target: '<= 50', value: Number(p99.toFixed(1)), pass: p99 <= 50 },
      { metric: 'lost', target: '0', value: lost, pass: lost === 0 },
      { metric: 'duplicated', target: '0', value: duplicated, pass: duplicated === 0 },
    ],
    notes: [
      `${SENDERS} keep-alive senders over loopback for ${SECONDS} s per server (closed loop); body = orders_create.json (9.9 KB) with a unique 19-digit order id, signed per request`,
      `sustained phase: open loop at ${offered}/s (${SUSTAIN_RATE} x the closed-loop ack rate) for ${SUSTAIN_SECONDS} s; landing = rows the loader landed during the phase / its duration; backlog maximum ${(sus.backlogMaxBytes / 2 ** 20).toFixed(1)} MB (about ${backlogMaxDeliveries} deliveries), sampled every 500 ms; drain after it: ${tailSeconds.toFixed(2)} s`,
      `non-2xx answers from the runtime: closed ${JSON.stringify(Object.fromEntries(Object.entries(r.statuses).filter(([s]) => s !== '200')))}, sustained ${JSON.stringify(Object.fromEntries(Object.entries(s2.statuses).filter(([s]) => s !== '200')))}`,
      `loader: ${landedTotal} rows in ${batches} batches; wall seconds per step over the whole run (read and classify run ahead, overlapping land): ${Object.entries(stages).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`,
      `drain after the closed loop: ${drainSeconds.toFixed(2)} s; ids exact: the first order id landed ${exact[0]?.['n']} time(s) as 8209829119461545080`,
    ],
  };
}
