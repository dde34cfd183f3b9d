// High-water marks: a backlog over its byte limit, or a nearly full disk, answers 503 with Retry-After; every 2xx still lands.
import * as http from 'node:http';
import { forgeWebhook } from '../../functions/src/testing/forge';
import { SECRET, fixture, startTestRuntime } from '../helpers/runtime';
import { postOn } from '../helpers/process';

const body = fixture('orders_create.json');
const hook = (id: string) => forgeWebhook({ secret: SECRET, topic: 'orders/create', body, webhookId: id, eventId: `ev-${id}`, shop: 'hwm.myshopify.com' });

test('a backlog above the high-water mark answers 503 with Retry-After until the loader catches up', async () => {
  const faults = { failLoads: true }; // the warehouse is down: the backlog can only grow
  const rt = await startTestRuntime({ maxBacklogBytes: 64 * 1024, retryAfterSeconds: 3, loadLingerMs: 0 }, faults);
  try {
    const acked: string[] = [];
    let refused: Response | null = null;
    for (let i = 0; i < 50 && !refused; i++) {
      const d = hook(`hwm-${i}`);
      const r = await fetch(`${rt.url}/webhooks`, { method: 'POST', headers: d.headers, body: new Uint8Array(d.body) });
      if (r.status === 200) acked.push(`hwm-${i}`);
      else refused = r;
    }
    expect(refused?.status).toBe(503);
    expect(refused!.headers.get('retry-after')).toBe('3');
    expect(await refused!.json()).toMatchObject({ error: { code: 'OVERLOADED', retryable: true, message: expect.stringMatching(/high-water mark/) } });
    // Stops at the mark: the backlog is bounded by the limit plus the deliveries in flight when it was crossed.
    expect(acked.length).toBeGreaterThan(0);
    expect(rt.loader.stats().backlogBytes).toBeLessThan(64 * 1024 + 2 * body.length + 4096);
    faults.failLoads = false;
    expect(await rt.loader.drain(20_000)).toBe(true);
    const agent = new http.Agent({ keepAlive: true });
    expect(await postOn(agent, `${rt.url}/webhooks`, hook('hwm-after'))).toBe(200);
    agent.destroy();
    expect(await rt.loader.drain(20_000)).toBe(true);
    const rows = await rt.warehouse.query("SELECT count(*) AS n FROM shop_raw.events WHERE webhook_id LIKE 'hwm-%'");
    expect(Number(rows[0]!['n'])).toBe(acked.length + 1);
  } finally {
    await rt.close();
  }
}, 60_000);

test('free disk below the configured floor answers 503 with Retry-After', async () => {
  const rt = await startTestRuntime({ minFreeDiskBytes: 2 ** 50 }); // a petabyte: more than any test machine has free
  try {
    let status = 0;
    let retryAfter: string | null = null;
    const until = Date.now() + 5000; // the first free-space sample is taken asynchronously at start
    while (status !== 503 && Date.now() < until) {
      const d = hook(`disk-${Date.now()}`);
      const r = await fetch(`${rt.url}/webhooks`, { method: 'POST', headers: d.headers, body: new Uint8Array(d.body) });
      status = r.status;
      retryAfter = r.headers.get('retry-after');
      await r.arrayBuffer();
    }
    expect(status).toBe(503);
    expect(retryAfter).toBe('5');
  } finally {
    await rt.close();
  }
}, 30_000);
