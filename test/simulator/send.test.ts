// The sender against a real in-process HTTP receiver that verifies every HMAC with @shopify/shopify-api.
import { planStore } from '../../functions/src/simulator/plan-store';
import { parseRetryAfter, sendDeliveries } from '../../functions/src/simulator/send';
import { freePort, startReceiver, type Receiver } from './helpers/webhook-server';

const SECRET = 'test-secret-for-sender';
const plan = planStore({ days: 4, seed: 'sender', duplicates: true });
let receiver: Receiver | null = null;

afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

test('every delivery arrives, signed, with its ids; 503 + Retry-After is honoured before the retry', async () => {
  const refusedOnce = new Set<string>();
  receiver = await startReceiver({
    secret: SECRET,
    refuse: (id, attempt) => {
      // The first attempt of roughly one delivery in eight is refused, alternating 503 and 429.
      if (attempt === 1 && parseInt(id.slice(0, 2), 16) % 8 === 0) {
        refusedOnce.add(id);
        return { status: refusedOnce.size % 2 ? 503 : 429, retryAfter: '1' };
      }
      return null;
    },
  });
  const progress: number[] = [];
  const result = await sendDeliveries(receiver.url, plan.deliveries, { secret: SECRET, concurrency: 8, onProgress: (p) => progress.push(p.done) });
  const uniqueIds = new Set(plan.deliveries.map((d) => d.webhookId));
  expect(refusedOnce.size).toBeGreaterThan(0);
  expect(result).toMatchObject({ total: plan.deliveries.length, delivered: plan.deliveries.length, failed: 0, failures: [] });
  expect(result.retries).toBe(plan.deliveries.filter((d) => refusedOnce.has(d.webhookId)).length - countRedeliveredRefusals(refusedOnce));
  expect(receiver.invalid).toBe(0);
  expect(receiver.accepted).toHaveLength(plan.deliveries.length);
  expect(new Set(receiver.accepted.map((r) => r.webhookId))).toEqual(uniqueIds);
  // Bodies arrive byte for byte, with the planned topic, shop and event id.
  const byWebhook = new Map(plan.deliveries.map((d) => [d.webhookId, d]));
  for (const r of receiver.accepted) {
    const d = byWebhook.get(r.webhookId)!;
    expect(r.body.toString('utf8')).toBe(d.body);
    expect([r.topic, r.shop, r.eventId]).toEqual([d.topic, d.shop, d.eventId]);
  }
  // Retry-After: 1 → the second attempt came at least ~1 s after the refusal.
  for (const id of refusedOnce) {
    const times = receiver.attempts.get(id)!;
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
  }
  expect(result.responses['503']! + result.responses['429']!).toBeGreaterThan(0);
  expect(progress[progress.length - 1]).toBe(plan.deliveries.length);
  console.log(`sender: ${result.total} deliveries (${plan.summary.duplicates.redeliveries} redeliveries, ${plan.summary.duplicates.multiSubscription} multi-subscription), ${result.retries} retries, ${result.elapsedMs} ms`);

  function countRedeliveredRefusals(ids: Set<string>): number {
    // A redelivered webhook id is planned twice; only its first attempt overall was refused.
    let n = 0;
    const seen = new Set<string>();
    for (const d of plan.deliveries) {
      if (ids.has(d.webhookId) && seen.has(d.webhookId)) n++;
      seen.add(d.webhookId);
    }
    return n;
  }
}, 60_000);

test('dropped connections are retried with backoff; a wrong secret fails fast without retries', async () => {
  receiver = await startReceiver({ secret: SECRET, refuse: (id, attempt) => (attempt <= 2 && id.startsWith('a') ? 'drop' : null) });
  const some = plan.deliveries.slice(0, 60);
  const ok = await sendDeliveries(receiver.url, some, { secret: SECRET, concurrency: 4, backoffMs: 20 });
  expect(ok.failed).toBe(0);
  expect(ok.delivered).toBe(60);
  const dropped = new Set(some.filter((d) => d.webhookId.startsWith('a')).map((d) => d.webhookId)).size;
  expect(ok.retries).toBeGreaterThanOrEqual(dropped * 2);

  const bad = await sendDeliveries(receiver.url, some.slice(0, 5), { secret: 'not-the-secret', concurrency: 2 });
  expect(bad).toMatchObject({ delivered: 0, failed: 5, retries: 0, byStatus: { '401': 5 } });
  expect(bad.failures[0]).toMatchObject({ status: 401, attempts: 1 });
});

test('accepts a stream of deliveries', async () => {
  receiver = await startReceiver({ secret: SECRET });
  async function* stream() {
    for (const d of plan.deliveries.slice(0, 25)) yield d;
  }
  const r = await sendDeliveries(receiver.url, stream(), { secret: SECRET });
  expect(r).toMatchObject({ total: 25, delivered: 25, failed: 0 });
});

test('nothing listening: a clear error naming the URL and how to start the runtime', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/webhooks`;
  await expect(sendDeliveries(url, plan.deliveries.slice(0, 1), { secret: SECRET })).rejects.toThrow(`nothing is listening at ${url} — start the runtime with \`npx shop-mlops up\``);
});

test('Retry-After: seconds or an HTTP date', () => {
  expect(parseRetryAfter('5')).toBe(5000);
  expect(parseRetryAfter(undefined)).toBeNull();
  expect(parseRetryAfter('soon')).toBeNull();
  const now = Date.parse('2026-01-01T00:00:00Z');
  expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
});
