// The loader never dies silently: a dead classifier worker, a failing log read, a stalled loader and a poison delivery.
import * as http from 'node:http';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { forgeWebhook } from '../../functions/src/testing/forge';
import { bodyOf, encodeEnvelope, envelopeParts } from '../../functions/src/core/envelope';
import { silentLogger } from '../../functions/src/core/log';
import { createClassifier } from '../../functions/src/runtime/classifier';
import { DurableLog } from '../../functions/src/adapters/embedded/durable-log';
import { paths } from '../../functions/src/runtime/local-runtime';
import { SECRET, fixture, startTestRuntime, tempDir } from '../helpers/runtime';
import { postOn } from '../helpers/process';

const body = fixture('orders_create.json');
const hook = (id: string) => forgeWebhook({ secret: SECRET, topic: 'orders/create', body, webhookId: id, eventId: `ev-${id}`, shop: 'loader.myshopify.com' });
const countLike = async (rt: { warehouse: { query(sql: string): Promise<Record<string, unknown>[]> } }, prefix: string) =>
  Number((await rt.warehouse.query(`SELECT count(*) AS n FROM shop_raw.events WHERE webhook_id LIKE '${prefix}%'`))[0]!['n']);
const sendAll = async (url: string, ids: string[]) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const statuses = await Promise.all(ids.map((id) => postOn(agent, `${url}/webhooks`, hook(id))));
  agent.destroy();
  return statuses;
};

test('a classifier worker killed with work pending is restarted and the work is re-sent', async () => {
  const classifier = createClassifier(silentLogger);
  try {
    const envelope = (i: number) =>
      encodeEnvelope({ shop: 'loader.myshopify.com', topic: 'orders/create', webhookId: `w-${i}`, eventId: `e-${i}`, apiVersion: '2026-10', triggeredAt: null, receivedAt: new Date().toISOString(), body });
    const payloads = Array.from({ length: 400 }, (_, i) => envelope(i));
    const first = classifier.classify(payloads);
    await classifier.worker!.terminate(); // dies with the request in hand
    const r = await first;
    expect(r.events.map((e) => e.webhook_id)).toEqual(payloads.map((_, i) => `w-${i}`));
    expect(classifier.restarts).toBe(1);
    expect(classifier.worker).not.toBeNull();
    expect((await classifier.classify(payloads.slice(0, 3))).events).toHaveLength(3);
  } finally {
    await classifier.close();
  }
}, 30_000);

test('events from the worker carry the payload text of the records they came from, from shared log reads as from private buffers', async () => {
  const classifier = createClassifier(silentLogger);
  const dir = tempDir();
  const log = await DurableLog.open({ dir });
  try {
    const text = (i: number) => JSON.stringify({ ...JSON.parse(body.toString('utf8')), id: 9_000 + i, note: `Crème brûlée 🍮 ${i}` });
    const env = (i: number) => ({ shop: 'loader.myshopify.com', topic: 'orders/create', webhookId: `w-${i}`, eventId: `e-${i}`, apiVersion: '2026-10', triggeredAt: null, receivedAt: new Date().toISOString(), body: Buffer.from(text(i), 'utf8') });
    // Appended as parts (header, body), read back as views into one SharedArrayBuffer.
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(envelopeParts(env(i)))));
    const records = await log.read(0, 1 << 20);
    expect(records.map((r) => r.payload.buffer instanceof SharedArrayBuffer)).toEqual(records.map(() => true));
    expect(records.map((r) => bodyOf(r.payload).toString('utf8'))).toEqual(records.map((_, i) => text(i)));
    for (const payloads of [records.map((r) => r.payload), records.map((r) => Buffer.from(r.payload))]) {
      const r = await classifier.classify(payloads);
      expect(r.events.map((e) => e.payload)).toEqual(records.map((_, i) => text(i)));
      // As a plain value wherever it is copied: spread, JSON, a replaced payload (a scrub).
      expect(JSON.parse(JSON.stringify(r.events[3]))).toMatchObject({ webhook_id: 'w-3', payload: text(3) });
      expect({ ...r.events[4]! }.payload).toBe(text(4));
      r.events[5]!.payload = '{}';
      expect(r.events[5]!.payload).toBe('{}');
    }
  } finally {
    await classifier.close();
    await log.close();
  }
}, 30_000);

test('the runtime keeps landing after its classifier worker is killed', async () => {
  const rt = await startTestRuntime({ loadLingerMs: 0 });
  try {
    expect((await sendAll(rt.url, Array.from({ length: 100 }, (_, i) => `crash-a-${i}`))).every((s) => s === 200)).toBe(true);
    await rt.loader.classifier.worker!.terminate();
    expect((await sendAll(rt.url, Array.from({ length: 100 }, (_, i) => `crash-b-${i}`))).every((s) => s === 200)).toBe(true);
    expect(await rt.loader.drain(20_000)).toBe(true);
    expect(await countLike(rt, 'crash-')).toBe(200);
    expect(rt.loader.stats().classifierRestarts).toBe(1);
  } finally {
    await rt.close();
  }
}, 60_000);

test('a failing log read is retried with backoff; the loop stays alive and lands everything once the log is readable', async () => {
  const rt = await startTestRuntime({ loadLingerMs: 0 });
  try {
    expect((await sendAll(rt.url, Array.from({ length: 20 }, (_, i) => `read-a-${i}`))).every((s) => s === 200)).toBe(true);
    expect(await rt.loader.drain(10_000)).toBe(true);
    // The segment file disappears from under the reader (the writer keeps its open handle, so acknowledgements go on).
    const dir = paths(rt.dataDir).log;
    const seg = (await fsp.readdir(dir)).find((n) => n.startsWith('seg-'))!;
    await fsp.rename(path.join(dir, seg), path.join(dir, `${seg}.away`));
    expect((await sendAll(rt.url, Array.from({ length: 20 }, (_, i) => `read-b-${i}`))).every((s) => s === 200)).toBe(true);
    const until = Date.now() + 10_000;
    while (rt.loader.stats().failures < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(rt.loader.stats().failures).toBeGreaterThanOrEqual(2);
    expect(rt.loader.stats().lastError).toMatch(/ENOENT/);
    await fsp.rename(path.join(dir, `${seg}.away`), path.join(dir, seg));
    expect(await rt.loader.drain(20_000)).toBe(true);
    expect(await countLike(rt, 'read-')).toBe(40);
  } finally {
    await rt.close();
  }
}, 60_000);

test('/healthz answers 503 while the loader makes no progress on a non-empty backlog, 200 once it catches up', async () => {
  const faults = { failLoads: true };
  const rt = await startTestRuntime({ loaderStallSeconds: 1, loadLingerMs: 0 }, faults);
  try {
    expect((await fetch(`${rt.url}/healthz`)).status).toBe(200);
    expect((await sendAll(rt.url, Array.from({ length: 10 }, (_, i) => `stall-${i}`))).every((s) => s === 200)).toBe(true);
    await new Promise((r) => setTimeout(r, 1600));
    const stalled = await fetch(`${rt.url}/healthz`);
    expect(stalled.status).toBe(503);
    expect(await stalled.json()).toMatchObject({ status: 'unhealthy', problem: expect.stringMatching(/no progress/) });
    faults.failLoads = false;
    expect(await rt.loader.drain(20_000)).toBe(true);
    expect((await fetch(`${rt.url}/healthz`)).status).toBe(200);
  } finally {
    await rt.close();
  }
}, 60_000);

test('a poison delivery costs no backoff: the next good delivery lands within 1 s of its acknowledgement', async () => {
  const faults = { failLoads: false, poison: (e: { webhook_id: string }) => e.webhook_id === 'pz-poison' };
  const rt = await startTestRuntime({ loadLingerMs: 0 }, faults);
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    expect(await postOn(agent, `${rt.url}/webhooks`, hook('pz-poison'))).toBe(200);
    expect(await postOn(agent, `${rt.url}/webhooks`, hook('pz-good'))).toBe(200);
    const acked = performance.now();
    while ((await countLike(rt, 'pz-good')) === 0 && performance.now() - acked < 10_000) await new Promise((r) => setTimeout(r, 10));
    const delay = performance.now() - acked;
    agent.destroy();
    expect(delay).toBeLessThan(1000);
    expect(await rt.loader.drain(10_000)).toBe(true);
    expect((await rt.warehouse.listQuarantine()).map((q) => q.webhook_id)).toEqual(['pz-poison']);
  } finally {
    await rt.close();
  }
}, 60_000);

test('a delivery DuckDB itself rejects (a lone surrogate escape) is quarantined without backoff: the next good one lands within 1 s', async () => {
  const rt = await startTestRuntime({ loadLingerMs: 0 });
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const poison = Buffer.from(body.toString('utf8').replace('"note":', '"note":"\\ud800",\n  "was_note":'), 'utf8');
    expect(poison.equals(body)).toBe(false);
    const bad = forgeWebhook({ secret: SECRET, topic: 'orders/create', body: poison, webhookId: 'ls-poison', eventId: 'ev-ls-poison', shop: 'loader.myshopify.com' });
    expect(await postOn(agent, `${rt.url}/webhooks`, bad)).toBe(200);
    expect(await postOn(agent, `${rt.url}/webhooks`, hook('ls-good'))).toBe(200);
    const acked = performance.now();
    while ((await countLike(rt, 'ls-good')) === 0 && performance.now() - acked < 10_000) await new Promise((r) => setTimeout(r, 10));
    agent.destroy();
    expect(performance.now() - acked).toBeLessThan(1000);
    expect(await rt.loader.drain(10_000)).toBe(true);
    expect(await countLike(rt, 'ls-')).toBe(1);
    expect((await rt.warehouse.listQuarantine()).map((q) => q.webhook_id)).toEqual(['ls-poison']);
  } finally {
    await rt.close();
  }
}, 60_000);
