// Warehouse outage (fault injection) and admission control: acknowledgements continue or answer 503; nothing acknowledged is lost.
import * as http from 'node:http';
import { forgeWebhook } from '../../functions/src/testing/forge';
import { SECRET, fixture, startTestRuntime } from '../helpers/runtime';
import { postOn } from '../helpers/process';

const body = fixture('orders_create.json');
const hook = (id: string) => forgeWebhook({ secret: SECRET, topic: 'orders/create', body, webhookId: id, eventId: `ev-${id}`, shop: 'resilience.myshopify.com' });

test('a warehouse outage neither stops acknowledgements nor loses anything', async () => {
  const faults = { failLoads: true };
  const rt = await startTestRuntime({}, faults);
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = await Promise.all(Array.from({ length: 300 }, (_, i) => postOn(agent, `${rt.url}/webhooks`, hook(`outage-${i}`))));
    expect(statuses.every((s) => s === 200)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(rt.loader.stats().failures).toBeGreaterThan(0);
    expect(await rt.warehouse.query('SELECT count(*) AS n FROM shop_raw.events')).toEqual([{ n: '0' }]);
    const health = (await (await fetch(`${rt.url}/healthz`)).json()) as { loader: { lastError: string; backlogBytes: number } };
    expect(health.loader.lastError).toMatch(/fault injection/);
    expect(health.loader.backlogBytes).toBeGreaterThan(0);
    faults.failLoads = false; // the warehouse recovers
    expect(await rt.loader.drain(30_000)).toBe(true);
    expect(await rt.warehouse.query("SELECT count(*) AS n, count(DISTINCT webhook_id) AS d FROM shop_raw.events WHERE webhook_id LIKE 'outage-%'")).toEqual([{ n: '300', d: '300' }]);
    agent.destroy();
  } finally {
    await rt.close();
  }
});

test('admission control: 10 s of sends at 10x the in-flight limit get only 2xx or 503 (with Retry-After), and every 2xx lands', async () => {
  const limit = 4;
  const rt = await startTestRuntime({ maxInFlight: limit, retryAfterSeconds: 2 });
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: limit * 10 });
    const acked: string[] = [];
    const counts: Record<number, number> = {};
    let n = 0;
    const until = Date.now() + 10_000;
    const sender = async () => {
      while (Date.now() < until) {
        const id = `adm-${n++}`;
        const s = await postOn(agent, `${rt.url}/webhooks`, hook(id));
        counts[s] = (counts[s] ?? 0) + 1;
        if (s >= 200 && s < 300) acked.push(id);
      }
    };
    await Promise.all(Array.from({ length: limit * 10 }, sender));
    agent.destroy();
    expect(Object.keys(counts).map(Number).sort()).toEqual([200, 503]);
    expect(counts[503]).toBeGreaterThan(0);
    const probe = await fetch(`${rt.url}/healthz`);
    expect(probe.ok).toBe(true);
    expect(await rt.loader.drain(60_000)).toBe(true);
    const rows = await rt.warehouse.query("SELECT count(*) AS n FROM shop_raw.events WHERE webhook_id LIKE 'adm-%'");
    expect(Number(rows[0]!['n'])).toBe(acked.length);
  } finally {
    await rt.close();
  }
}, 60_000);

test('a 503 from admission control carries Retry-After and a JSON body; a body still arriving holds no slot', async () => {
  const rt = await startTestRuntime({ maxInFlight: 1, retryAfterSeconds: 7 });
  try {
    // A delivery streaming its body slowly does not take the one slot (slow senders cannot crowd out real deliveries).
    const d = hook('slow-1');
    const u = new URL(`${rt.url}/webhooks`);
    const slow = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { ...d.headers, 'content-length': String(d.body.length) } });
    slow.on('error', () => undefined);
    slow.write(d.body.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 200));
    const fast = hook('fast-1');
    expect((await fetch(`${rt.url}/webhooks`, { method: 'POST', headers: fast.headers, body: new Uint8Array(fast.body) })).status).toBe(200);
    slow.end(d.body.subarray(10));
    await new Promise((res) => slow.on('response', (m) => { m.resume(); m.on('end', res); }));
    // Deliveries being verified and made durable do: a burst finds the slot taken.
    const burst = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const b = hook(`burst-${i}`);
        const r = await fetch(`${rt.url}/webhooks`, { method: 'POST', headers: b.headers, body: new Uint8Array(b.body) });
        return { status: r.status, retryAfter: r.headers.get('retry-after'), json: (await r.json()) as unknown };
      }),
    );
    expect([...new Set(burst.map((r) => r.status))].sort()).toEqual([200, 503]);
    const refused = burst.find((r) => r.status === 503)!;
    expect(refused.retryAfter).toBe('7');
    expect(refused.json).toMatchObject({ error: { code: 'OVERLOADED', retryable: true } });
  } finally {
    await rt.close();
  }
});

test('a poison record never blocks the queue: after a few attempts it is isolated into quarantine and the rest lands', async () => {
  const faults = { failLoads: false, poison: (e: { webhook_id: string }) => e.webhook_id === 'poison-7' };
  const rt = await startTestRuntime({ loadLingerMs: 0 }, faults);
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => postOn(agent, `${rt.url}/webhooks`, hook(`poison-${i}`))));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(await rt.loader.drain(60_000)).toBe(true);
    expect(await rt.warehouse.query("SELECT count(*) AS n FROM shop_raw.events WHERE webhook_id LIKE 'poison-%'")).toEqual([{ n: '39' }]);
    const q = await rt.warehouse.listQuarantine();
    expect(q.map((r) => [r.webhook_id, r.reason.slice(0, 12)])).toEqual([['poison-7', 'load_failed:']]);
    agent.destroy();
  } finally {
    await rt.close();
  }
}, 60_000);
