// Pub/Sub EventBus against an in-process gRPC Publisher: wire data, attributes, no ordering key, privacy fan-out, quarantine, failures.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { PubSub } from '@google-cloud/pubsub';
import { createPubSubEventBus } from '../../functions/src/adapters/gcp/pubsub-event-bus';
import type { WebhookEnvelope } from '../../functions/src/core/envelope';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { silentLogger } from '../../functions/src/core/log';
import type { EventBus } from '../../functions/src/ports/event-bus';
import { startFakePubSub, type FakePubSub } from './support/fake-pubsub';
import { FIXTURES } from '../helpers/shared';


const ordersBody = readFileSync(`${FIXTURES}/orders_create.json`);
const redactBody = readFileSync(`${FIXTURES}/customers_redact.json`);

function envelope(over: Partial<WebhookEnvelope> = {}): WebhookEnvelope {
  return {
    shop: 'demo-store.myshopify.com',
    topic: 'orders/create',
    webhookId: 'wh-1',
    eventId: 'ev-1',
    apiVersion: '2026-10',
    triggeredAt: '2026-01-02T03:04:05.000Z',
    receivedAt: '2026-01-02T03:04:06.123Z',
    body: ordersBody,
    ...over,
  };
}

describe('PubSub event bus', () => {
  let fake: FakePubSub;
  let pubsub: PubSub;
  let bus: EventBus;

  beforeAll(async () => {
    fake = await startFakePubSub();
    pubsub = new PubSub({ projectId: 'demo-shop-mlops', apiEndpoint: fake.host });
    bus = createPubSubEventBus({ pubsub, projectId: 'demo-shop-mlops', topic: 'shopify-webhooks', privacyTopic: 'shopify-privacy', log: silentLogger, publishTimeoutMs: 1500 });
  });
  afterAll(async () => {
    await bus.close();
    await pubsub.close();
    await fake.stop();
  });
  beforeEach(() => fake.clear());

  test('an event is one message whose data is the events row with the payload text byte-exact', async () => {
    await bus.publish(envelope());
    expect(fake.messages).toHaveLength(1);
    const m = fake.messages[0]!;
    expect(m.topic).toBe('projects/demo-shop-mlops/topics/shopify-webhooks');
    // No ordering key: nothing reads in order, and a key would cap one shop at 1 MB/s.
    expect(m.orderingKey).toBe('');
    expect(m.attributes).toEqual({ shop: 'demo-store.myshopify.com', topic: 'orders/create', webhook_id: 'wh-1', event_id: 'ev-1', route: 'events' });
    const row = JSON.parse(m.data.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(row).sort()).toEqual(['api_version', 'event_id', 'payload', 'received_at', 'shop', 'topic', 'triggered_at', 'webhook_id']);
    expect(row).toMatchObject({ shop: 'demo-store.myshopify.com', topic: 'orders/create', webhook_id: 'wh-1', event_id: 'ev-1', api_version: '2026-10', triggered_at: '2026-01-02T03:04:05.000Z', received_at: '2026-01-02T03:04:06.123Z' });
    expect(row['payload']).toBe(ordersBody.toString('utf8'));
    expect(row['payload'] as string).toContain('"id": 820982911946154508');
  });

  test('without an event id the attribute is absent and the row holds null', async () => {
    await bus.publish(envelope({ eventId: null, triggeredAt: null }));
    const m = fake.messages[0]!;
    expect(m.attributes).not.toHaveProperty('event_id');
    const row = JSON.parse(m.data.toString('utf8')) as Record<string, unknown>;
    expect(row['event_id']).toBeNull();
    expect(row['triggered_at']).toBeNull();
  });

  test('a privacy topic goes to the main topic and also to the privacy topic, with the same data and attributes', async () => {
    await bus.publish(envelope({ topic: 'customers/redact', body: redactBody, webhookId: 'wh-p' }));
    const topics = fake.messages.map((m) => m.topic).sort();
    expect(topics).toEqual(['projects/demo-shop-mlops/topics/shopify-privacy', 'projects/demo-shop-mlops/topics/shopify-webhooks']);
    const [a, b] = fake.messages;
    expect(a!.data.equals(b!.data)).toBe(true);
    expect(a!.attributes).toEqual(b!.attributes);
    expect(a!.attributes['route']).toBe('events');
    expect([a!.orderingKey, b!.orderingKey]).toEqual(['', '']);
  });

  test('a quarantined delivery becomes a quarantine row routed by attribute, and a quarantined privacy topic is not fanned out', async () => {
    const bad = Buffer.from('{"id": 1, "oops": ');
    await bus.publish(envelope({ topic: 'shop/redact', body: bad, webhookId: 'wh-q' }), { quarantineReason: 'invalid_json: Unexpected end' });
    expect(fake.messages).toHaveLength(1);
    const m = fake.messages[0]!;
    expect(m.topic).toBe('projects/demo-shop-mlops/topics/shopify-webhooks');
    expect(m.attributes['route']).toBe('quarantine');
    const row = JSON.parse(m.data.toString('utf8')) as Record<string, unknown>;
    expect(row).toMatchObject({ shop: 'demo-store.myshopify.com', topic: 'shop/redact', webhook_id: 'wh-q', reason: 'invalid_json: Unexpected end', body: bad.toString('utf8'), body_encoding: 'utf8', quarantined_at: '2026-01-02T03:04:06.123Z' });
    expect(row['quarantine_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(row).not.toHaveProperty('payload');
  });

  test('a body that is not UTF-8 is quarantined as base64', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    await bus.publish(envelope({ body: bytes }), { quarantineReason: 'invalid_json: body is not UTF-8' });
    const row = JSON.parse(fake.messages[0]!.data.toString('utf8')) as Record<string, unknown>;
    expect(row['body_encoding']).toBe('base64');
    expect(Buffer.from(row['body'] as string, 'base64').equals(bytes)).toBe(true);
  });

  test('a rejected publish rejects with a retryable UNAVAILABLE error, and the next publish of the shop goes through', async () => {
    fake.failNext(grpc.status.PERMISSION_DENIED);
    const err = await bus.publish(envelope()).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ShopMlopsError);
    expect((err as ShopMlopsError).code).toBe('UNAVAILABLE');
    expect((err as ShopMlopsError).retryable).toBe(true);
    expect(fake.messages).toHaveLength(0);
    await bus.publish(envelope({ webhookId: 'wh-after' }));
    expect(fake.messages.map((m) => m.attributes['webhook_id'])).toEqual(['wh-after']);
  });

  test('a server that stays UNAVAILABLE is retried by the client until the publish deadline, then rejects retryably', async () => {
    fake.failNext(grpc.status.UNAVAILABLE, 1000);
    const started = Date.now();
    const err = await bus.publish(envelope()).then(() => null, (e: unknown) => e);
    expect((err as ShopMlopsError).retryable).toBe(true);
    expect(fake.calls()).toBeGreaterThan(1);
    // The client's own default would keep retrying for 600 s; the adapter's deadline (1.5 s here) ends it. Generous bound for loaded CI machines.
    expect(Date.now() - started).toBeLessThan(30_000);
    fake.clear();
    await bus.publish(envelope({ webhookId: 'wh-recovered' }));
    expect(fake.messages).toHaveLength(1);
  });
});
