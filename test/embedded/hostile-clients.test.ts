// Hostile clients against the embedded runtime: unsigned label floods, oversized and slow bodies, slow-loris, foreign Host headers, file modes.
import * as net from 'node:net';
import * as http from 'node:http';
import { promises as fsp, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { loadConfig } from '../../functions/src/core/config';
import { silentLogger } from '../../functions/src/core/log';
import { createIngestMetrics } from '../../functions/src/core/metrics';
import { createWebhookVerifier } from '../../functions/src/core/verify';
import { createAcceptor } from '../../functions/src/core/ingest';
import { createWebhookApp } from '../../functions/src/http/webhook-app';
import { DurableLog } from '../../functions/src/adapters/embedded/durable-log';
import { createLogEventBus } from '../../functions/src/adapters/embedded/log-event-bus';
import { SECRET, fixture, startTestRuntime, tempDir } from '../helpers/runtime';
import { runCli } from '../helpers/process';

const body = fixture('orders_create.json');
const hook = (id: string, topic = 'orders/create') => forgeWebhook({ secret: SECRET, topic, body, webhookId: id, eventId: `ev-${id}`, shop: 'hostile.myshopify.com' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw TCP client: what it was sent back, whether and when the server closed it. */
interface RawClient {
  sock: net.Socket;
  response: () => string;
  closed: Promise<void>;
  isClosed: () => boolean;
}

async function connect(port: number): Promise<RawClient> {
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  let response = '';
  let closedFlag = false;
  sock.on('data', (d: Buffer) => (response += d.toString('latin1')));
  sock.on('error', () => undefined); // EPIPE / ECONNRESET once the server has hung up: expected here
  const closed = new Promise<void>((resolve) => sock.once('close', () => ((closedFlag = true), resolve())));
  sock.once('end', () => sock.end());
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  return { sock, response: () => response, closed, isClosed: () => closedFlag || sock.destroyed || !sock.writable };
}

const requestHead = (port: number, extra: Record<string, string>, d = hook(`raw-${randomBytes(4).toString('hex')}`)) =>
  [`POST /webhooks HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...Object.entries({ ...d.headers, ...extra }).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');

async function closedWithin(c: RawClient, ms: number): Promise<boolean> {
  return Promise.race([c.closed.then(() => true), sleep(ms).then(() => false)]);
}

/** Sends up to `total` body bytes as fast as the connection takes them; stops when the server closes. */
async function pushBody(c: RawClient, total: number, chunked: boolean): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let written = 0;
  while (written < total && !c.isClosed()) {
    const ok = chunked ? [c.sock.write(`${chunk.length.toString(16)}\r\n`), c.sock.write(chunk), c.sock.write('\r\n')].every(Boolean) : c.sock.write(chunk);
    written += chunk.length;
    if (!ok) await Promise.race([new Promise((r) => c.sock.once('drain', r)), c.closed, sleep(2000)]);
  }
  if (chunked && !c.isClosed()) c.sock.write('0\r\n\r\n');
  return written;
}

function metricTopics(text: string): string[] {
  return [...new Set([...text.matchAll(/^shop_mlops_webhooks_received_total\{topic="([^"]*)"/gm)].map((m) => m[1]!))];
}

test('unsigned requests with random topics cannot grow the metrics: only known topics of verified deliveries are labels', async () => {
  const rt = await startTestRuntime();
  try {
    for (let i = 0; i < 300; i++) {
      const d = hook(`unsigned-${i}`, `made-up/${randomBytes(6).toString('hex')}`);
      d.headers['X-Shopify-Hmac-Sha256'] = randomBytes(32).toString('base64');
      expect((await postWebhook(`${rt.url}/webhooks`, d)).status).toBe(401);
    }
    // Signed but of a topic we do not know (quarantined): still `other`. Missing headers: `other`.
    expect((await postWebhook(`${rt.url}/webhooks`, hook('signed-unknown', `carts/${randomBytes(6).toString('hex')}`))).status).toBe(200);
    const bare = hook('no-headers', `x/${randomBytes(6).toString('hex')}`);
    delete (bare.headers as Record<string, string>)['X-Shopify-Webhook-Id'];
    await postWebhook(`${rt.url}/webhooks`, bare);
    expect((await postWebhook(`${rt.url}/webhooks`, hook('signed-known'))).status).toBe(200);
    const text = await (await fetch(`${rt.url}/metrics`)).text();
    expect(metricTopics(text).sort()).toEqual(['orders/create', 'other']);
    expect(text).toMatch(/shop_mlops_webhooks_received_total\{topic="other",outcome="unauthorized"\} 300/);
    expect(text).toMatch(/shop_mlops_webhooks_received_total\{topic="orders\/create",outcome="accepted"\} 1/);
  } finally {
    await rt.close();
  }
});

describe('a body over the limit is cut off and the connection closed, not read to its end', () => {
  const LIMIT = 64 * 1024;
  const HUGE = 256 * 1024 * 1024;
  // The server may take the limit plus what the kernel buffers on both sides of a loopback connection, never the rest.
  const BOUND = 32 * 1024 * 1024;
  let rt: Awaited<ReturnType<typeof startTestRuntime>>;
  beforeAll(async () => {
    rt = await startTestRuntime({ maxBodyBytes: LIMIT });
  });
  afterAll(async () => {
    await rt.close();
  });

  test.each([
    ['chunked, no content-length', true],
    ['declared content-length', false],
  ])('%s → 413 JSON, then the socket is closed', async (_name, chunked) => {
    const c = await connect(rt.port);
    c.sock.write(requestHead(rt.port, chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(HUGE) }));
    const written = await pushBody(c, HUGE, chunked);
    const closed = await closedWithin(c, 5000);
    c.sock.destroy();
    expect(written).toBeLessThan(BOUND);
    expect(closed).toBe(true);
    expect(c.response()).toMatch(/^HTTP\/1\.1 413 /);
    expect(c.response()).toMatch(/connection: close/i);
    expect(c.response()).toContain('"code":"PAYLOAD_TOO_LARGE"');
  });

  test('a normal delivery on the same runtime still succeeds', async () => {
    const small = forgeWebhook({ secret: SECRET, topic: 'customers/update', body: JSON.stringify({ id: 7 }), webhookId: 'after-huge' });
    expect((await postWebhook(`${rt.url}/webhooks`, small)).status).toBe(200);
  });
});

describe('the Web Request path (as in the Cloud Function) bounds the body the same way', () => {
  const LIMIT = 64 * 1024;
  let log: DurableLog;
  let app: ReturnType<typeof createWebhookApp>;
  beforeAll(async () => {
    log = await DurableLog.open({ dir: path.join(tempDir(), 'log') });
    app = createWebhookApp({
      verifier: createWebhookVerifier({ apiSecret: SECRET }),
      accept: createAcceptor({ bus: createLogEventBus(log), classifyOnAck: true }),
      metrics: createIngestMetrics(),
      log: silentLogger,
      maxBodyBytes: LIMIT,
      bodyTimeoutMs: 500,
      maxInFlight: 8,
      retryAfterSeconds: 1,
    });
  });
  afterAll(async () => {
    await log.close();
  });
  const post = (stream: ReadableStream<Uint8Array>) => {
    const d = hook('web-path');
    const req = new Request('http://fn.example/webhooks', { method: 'POST', headers: d.headers, body: stream, duplex: 'half' } as RequestInit);
    return Promise.race([app.fetch(req), sleep(5000).then(() => null)]);
  };

  test('an endless body without content-length → 413 after reading about the limit, the stream cancelled', async () => {
    let pulled = 0;
    let cancelled = false;
    const res = await post(new ReadableStream({ pull: (ctl) => ctl.enqueue(new Uint8Array(8192).fill(pulled++ % 256)), cancel: () => void (cancelled = true) }));
    expect(res?.status).toBe(413);
    expect(await res!.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(pulled * 8192).toBeLessThan(LIMIT + 4 * 8192);
    expect(cancelled).toBe(true);
  });

  test('a body that stalls → 408 at the body deadline', async () => {
    const res = await post(new ReadableStream({ start: (ctl) => ctl.enqueue(new Uint8Array(10)), pull: () => new Promise(() => undefined) }));
    expect(res?.status).toBe(408);
    expect(await res!.json()).toMatchObject({ error: { code: 'REQUEST_TIMEOUT', retryable: true } });
  });

  test('a signed delivery still goes through', async () => {
    const d = hook('web-ok');
    const res = await app.fetch(new Request('http://fn.example/webhooks', { method: 'POST', headers: d.headers, body: new Uint8Array(d.body) }));
    expect(res.status).toBe(200);
  });
});

describe('deadlines: headers and body must arrive in time', () => {
  let rt: Awaited<ReturnType<typeof startTestRuntime>>;
  beforeAll(async () => {
    rt = await startTestRuntime({ headersTimeoutMs: 1000, bodyTimeoutMs: 1000 });
  });
  afterAll(async () => {
    await rt.close();
  });

  test('a body trickled past the body deadline → 408 JSON and the connection closed', async () => {
    const c = await connect(rt.port);
    c.sock.write(requestHead(rt.port, { 'Content-Length': String(body.length) }));
    const trickle = setInterval(() => c.isClosed() || c.sock.write('{'), 100);
    const closed = await closedWithin(c, 6000);
    clearInterval(trickle);
    c.sock.destroy();
    expect(closed).toBe(true);
    expect(c.response()).toMatch(/^HTTP\/1\.1 408 /);
    expect(c.response()).toContain('"code":"REQUEST_TIMEOUT"');
  });

  test('a connection that sends nothing is closed at the headers deadline', async () => {
    const c = await connect(rt.port);
    const closed = await closedWithin(c, 6000);
    c.sock.destroy();
    expect(closed).toBe(true);
  });

  test('an idle keep-alive connection is kept between requests (the silent-connection deadline is before the first request only)', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () => new Promise<number>((resolve, reject) => http.get({ agent, host: '127.0.0.1', port: rt.port, path: '/healthz' }, (res) => (res.resume(), res.on('end', () => resolve(res.statusCode ?? 0)))).on('error', reject));
    expect(await get()).toBe(200);
    await sleep(1500); // longer than the headers deadline: the idle keep-alive connection is kept (keepAliveTimeout)
    expect(await get()).toBe(200);
    agent.destroy();
  });

  test('headers trickled past the headers deadline → the connection is closed', async () => {
    const c = await connect(rt.port);
    c.sock.write(`POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1:${rt.port}\r\n`);
    const trickle = setInterval(() => c.isClosed() || c.sock.write('X-Pad: 1\r\n'), 100);
    const closed = await closedWithin(c, 6000);
    clearInterval(trickle);
    c.sock.destroy();
    expect(closed).toBe(true);
    expect(c.response()).toMatch(/^HTTP\/1\.1 408 /);
  });
});

test('slow-loris: 1,000 slow connections (trickling headers or bodies) do not make a real delivery wait > 1 s', async () => {
  const rt = await startTestRuntime();
  const clients: RawClient[] = [];
  let trickle: NodeJS.Timeout | undefined;
  try {
    // 600 send complete headers and trickle a body (more than the default 512 admission slots), 400 trickle headers.
    for (let batch = 0; batch < 10; batch++) {
      clients.push(...(await Promise.all(Array.from({ length: 100 }, () => connect(rt.port)))));
    }
    clients.forEach((c, i) => c.sock.write(i < 600 ? requestHead(rt.port, { 'Content-Length': String(body.length) }) : `POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1:${rt.port}\r\n`));
    let tick = 0;
    trickle = setInterval(() => {
      tick++;
      clients.forEach((c, i) => {
        if (i % 4 === tick % 4 && !c.isClosed()) c.sock.write(i < 600 ? '{' : 'X-Pad: 1\r\n');
      });
    }, 250);
    await sleep(1500);
    const open = clients.filter((c) => !c.isClosed()).length;
    const timings: { status: number; ms: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await postWebhook(`${rt.url}/webhooks`, hook(`real-under-loris-${i}`));
      timings.push({ status: r.status, ms: performance.now() - t0 });
    }
    expect(timings.map((t) => t.status)).toEqual([200, 200, 200, 200, 200]);
    expect(Math.max(...timings.map((t) => t.ms))).toBeLessThan(1000);
    expect(open).toBe(1000); // the attack was in place while the deliveries were timed
  } finally {
    clearInterval(trickle);
    for (const c of clients) c.sock.destroy();
    await rt.close();
  }
});

describe('the Host allowlist (DNS-rebinding defence) guards every route of the local runtime', () => {
  /** One request with an explicit Host header (fetch cannot set it). */
  function request(port: number, o: { path: string; host: string; method?: string; headers?: Record<string, string>; body?: Buffer }): Promise<{ status: number; json: unknown }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: o.path, method: o.method ?? 'GET', headers: { ...o.headers, host: o.host } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            /* metrics text */
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      });
      req.on('error', reject);
      req.end(o.body);
    });
  }

  test('a foreign Host gets 403 JSON on webhooks, admin, healthz, metrics and unknown paths; loopback names pass', async () => {
    const rt = await startTestRuntime();
    try {
      const d = hook('rebound-1');
      const evil = `rebind.attacker.example:${rt.port}`;
      const cases: { path: string; method?: string; headers?: Record<string, string>; body?: Buffer }[] = [
        { path: '/webhooks', method: 'POST', headers: { ...d.headers, 'content-length': String(d.body.length) }, body: d.body },
        { path: '/healthz' },
        { path: '/metrics' },
        { path: '/admin/sql', method: 'POST', headers: { authorization: `Bearer ${rt.adminToken}`, 'content-type': 'application/json' }, body: Buffer.from('{"sql":"SELECT 1"}') },
        { path: '/nope' },
      ];
      for (const c of cases) {
        const r = await request(rt.port, { ...c, host: evil });
        expect([c.path, r.status]).toEqual([c.path, 403]);
        expect(r.json).toMatchObject({ error: { code: 'FORBIDDEN', details: { host: evil } } });
      }
      await rt.loader.drain(10_000);
      expect(await rt.warehouse.query("SELECT count(*) AS n FROM shop_raw.events WHERE webhook_id = 'rebound-1'")).toEqual([{ n: '0' }]);
      for (const host of [`127.0.0.1:${rt.port}`, `localhost:${rt.port}`, `LocalHost:${rt.port}`, `[::1]:${rt.port}`]) {
        expect([host, (await request(rt.port, { path: '/healthz', host })).status]).toEqual([host, 200]);
      }
      for (const host of [`localhost:${rt.port + 1}`, 'localhost', `127.0.0.1.attacker.example:${rt.port}`]) {
        expect([host, (await request(rt.port, { path: '/healthz', host })).status]).toEqual([host, 403]);
      }
      expect((await request(rt.port, { path: '/healthz', host: `evil@127.0.0.1:${rt.port}` })).status).toBeGreaterThanOrEqual(400); // 400 from the URL parser
      const admin = await request(rt.port, { path: '/admin/sql', host: `127.0.0.1:${rt.port}`, method: 'POST', headers: { authorization: `Bearer ${rt.adminToken}`, 'content-type': 'application/json' }, body: Buffer.from('{"sql":"SELECT 1 AS x"}') });
      expect(admin.status).toBe(200);
      // HTTP/1.0 without any Host header
      const c = await connect(rt.port);
      c.sock.write('GET /healthz HTTP/1.0\r\n\r\n');
      await closedWithin(c, 3000);
      expect(c.response()).toMatch(/^HTTP\/1\.1 403 /);
    } finally {
      await rt.close();
    }
  });

  test('configured hosts (SHOP_MLOPS_ALLOWED_HOSTS): a name for any port, name:port for that port, * for any host', async () => {
    const config = loadConfig({ SHOP_MLOPS_ALLOWED_HOSTS: ' Tunnel.Example.com , lan.example:9999,::1 ' });
    expect(config.allowedHosts).toEqual(['tunnel.example.com', 'lan.example:9999', '::1']);
    const rt = await startTestRuntime({ allowedHosts: config.allowedHosts });
    try {
      for (const [host, status] of [
        ['tunnel.example.com', 200],
        ['tunnel.example.com:443', 200],
        ['lan.example:9999', 200],
        ['lan.example:9998', 403],
        ['lan.example', 403],
        ['[::1]:1234', 200],
        [`elsewhere.example:${rt.port}`, 403],
      ] as const) {
        expect([host, (await request(rt.port, { path: '/healthz', host })).status]).toEqual([host, status]);
      }
    } finally {
      await rt.close();
    }
    const open = await startTestRuntime({ allowedHosts: '*' });
    try {
      expect((await request(open.port, { path: '/healthz', host: 'anything.example' })).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

test('the data directory is 0700 and every file in it 0600: a store from before is tightened, everything `up` writes is private', async () => {
  const root = tempDir();
  const dataDir = path.join(root, 'store');
  const previous = process.umask(0o022); // the usual umask, so only the product can make files private
  try {
    // A store left by an older version: world-readable directories and files.
    mkdirSync(path.join(dataDir, 'artifacts', 'old'), { recursive: true, mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(path.join(dataDir, 'artifacts', 'old', 'model.json'), '{}', { mode: 0o644 });
    const r = await runCli(['up', '--exit-after-demo', '--demo-days', '10', '--port', '0', '--data-dir', dataDir, '--json']);
    expect(r.code).toBe(0);
  } finally {
    process.umask(previous);
  }
  const wrong: string[] = [];
  let files = 0;
  const walk = async (p: string): Promise<void> => {
    const st = await fsp.lstat(p);
    if (st.isDirectory()) {
      if ((st.mode & 0o777) !== 0o700) wrong.push(`${(st.mode & 0o777).toString(8)} ${path.relative(root, p)}/`);
      for (const name of await fsp.readdir(p)) await walk(path.join(p, name));
    } else {
      files++;
      if ((st.mode & 0o777) !== 0o600) wrong.push(`${(st.mode & 0o777).toString(8)} ${path.relative(root, p)}`);
    }
  };
  await walk(dataDir);
  expect(files).toBeGreaterThan(10); // log segments, checkpoint, DuckDB file, artifacts, runs, registry
  expect(wrong).toEqual([]);
}, 120_000);
