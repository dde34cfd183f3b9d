// Crash safety: the runtime is SIGKILLed while senders are mid-stream; after restart every 2xx'd webhook is present exactly once.
import * as http from 'node:http';
import { forgeWebhook } from '../../functions/src/testing/forge';
import { fixture, tempDir } from '../helpers/runtime';
import { freePort, postOn, runCli, spawnCli, waitHealthy } from '../helpers/process';

const SECRET = 'crash-secret';

test('every acknowledged delivery survives SIGKILL and lands exactly once', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { SHOPIFY_API_SECRET: SECRET };
  const first = spawnCli(['up', '--no-demo', '--port', String(port), '--data-dir', dataDir], env);
  await waitHealthy(url, 30_000, first);

  const body = fixture('orders_create.json');
  const acked = new Set<string>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let n = 0;
  let stop = false;
  const sender = async () => {
    while (!stop) {
      const id = `crash-${n++}`;
      const s = await postOn(agent, `${url}/webhooks`, forgeWebhook({ secret: SECRET, topic: 'orders/create', body, webhookId: id, eventId: `ev-${id}` }));
      if (s >= 200 && s < 300) acked.add(id);
      if (s === 0) return;
    }
  };
  const senders = Array.from({ length: 16 }, sender);
  await new Promise((r) => setTimeout(r, 1500));
  first.kill('SIGKILL');
  stop = true;
  await Promise.all(senders);
  agent.destroy();
  await new Promise((r) => first.once('exit', r));
  expect(acked.size).toBeGreaterThan(50);

  // Restart: recovery lands what was acknowledged but not yet loaded.
  const second = spawnCli(['up', '--no-demo', '--port', String(port), '--data-dir', dataDir], env);
  await waitHealthy(url, 30_000, second);
  let rows: { webhook_id: string; n: string }[] = [];
  for (let i = 0; i < 100; i++) {
    const q = await runCli(['sql', '--json', '--data-dir', dataDir, "SELECT webhook_id, count(*) AS n FROM shop_raw.events WHERE webhook_id LIKE 'crash-%' GROUP BY 1"]);
    expect(q.code).toBe(0);
    rows = JSON.parse(q.stdout) as typeof rows;
    const h = (await (await fetch(`${url}/healthz`)).json()) as { loader: { backlogBytes: number } };
    if (h.loader.backlogBytes === 0 && [...acked].every((id) => rows.some((x) => x.webhook_id === id))) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  const landed = new Map(rows.map((x) => [x.webhook_id, Number(x.n)]));
  const missing = [...acked].filter((id) => !landed.has(id));
  expect(missing).toEqual([]);
  expect([...landed.values()].every((c) => c === 1)).toBe(true);
  second.kill('SIGTERM');
  await new Promise((res) => second.once('exit', res));
}, 120_000);
