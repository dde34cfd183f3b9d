// Off the ack path: turns a verified envelope into a landed event or a quarantine record with the reason.
import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import type { WebhookEnvelope } from './envelope';
import { JsonRejected, readLandingJson, shapeOfSchema, type JsonShape } from './strict-json';
import { TOPIC_SCHEMAS, TOPICS, isTopic, shopHeaderProblem, shopProblem, type Topic } from './topics';

/** A row of `shop_raw.events`: the delivery's headers and the payload as the exact text Shopify sent. */
export interface LandedEvent {
  shop: string;
  topic: Topic;
  webhook_id: string;
  event_id: string | null;
  api_version: string;
  triggered_at: string | null;
  received_at: string;
  payload: string;
}

/** A row of `shop_raw.quarantine`: an authentic delivery we could not accept, kept byte for byte for replay. */
export interface QuarantineRecord {
  shop: string;
  topic: string;
  webhook_id: string;
  event_id: string | null;
  api_version: string;
  triggered_at: string | null;
  received_at: string;
  reason: string;
  /** The body as text when it is UTF-8 (always, for authentic deliveries), else base64 with body_encoding 'base64'. */
  body: string;
  body_encoding: 'utf8' | 'base64';
}

export type Classification =
  /** `parsed`: the schema's output, holding only the fields the topic's schema names (ids as exact decimal strings). */
  | { kind: 'event'; event: LandedEvent; parsed: unknown }
  | { kind: 'quarantine'; record: QuarantineRecord };

export function describeZodError(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** The delivery's header columns, shared by the events and quarantine rows. */
export function deliveryColumns(env: WebhookEnvelope) {
  return {
    shop: env.shop,
    topic: env.topic,
    webhook_id: env.webhookId,
    event_id: env.eventId,
    api_version: env.apiVersion,
    triggered_at: env.triggeredAt,
    received_at: env.receivedAt,
  };
}

/** The quarantine row of a delivery: its headers, the reason, and the body byte for byte (base64 if not UTF-8). */
export function quarantineRecordOf(env: WebhookEnvelope, reason: string): QuarantineRecord {
  const utf8 = isUtf8(env.body);
  return { ...deliveryColumns(env), reason, body: env.body.toString(utf8 ? 'utf8' : 'base64'), body_encoding: utf8 ? 'utf8' : 'base64' };
}

/** Per topic, the parts of a payload its schema reads: only these are built; the rest is checked, never copied. */
const TOPIC_SHAPES = Object.fromEntries(TOPICS.map((t) => [t, shapeOfSchema(TOPIC_SCHEMAS[t])])) as Record<Topic, JsonShape>;

/**
 * Lands a delivery only if every reader will read it the same way: strict JSON the warehouses accept (no duplicate
 * keys, lone surrogates or inexact numbers: core/strict-json), valid for its topic's schema, and (privacy topics,
 * payloads naming their shop) consistent with the unsigned shop header. Anything else is quarantined with its reason.
 */
export function classifyEnvelope(env: WebhookEnvelope): Classification {
  const quarantine = (reason: string): Classification => ({ kind: 'quarantine', record: quarantineRecordOf(env, reason) });
  if (!isTopic(env.topic)) return quarantine(`unknown_topic: ${env.topic}`);
  const header = shopHeaderProblem(env.topic, env.shop);
  if (header) return quarantine(`shop_header: ${header}`);
  if (!isUtf8(env.body)) return quarantine('invalid_json: body is not UTF-8');
  const text = env.body.toString('utf8');
  let value: unknown;
  try {
    value = readLandingJson(env.body, TOPIC_SHAPES[env.topic], text);
  } catch (err) {
    if (!(err instanceof JsonRejected)) throw err;
    return quarantine(`invalid_json: ${err.message}`);
  }
  const parsed = TOPIC_SCHEMAS[env.topic].safeParse(value);
  if (!parsed.success) return quarantine(`schema: ${describeZodError(parsed.error)}`);
  const shop = shopProblem(env.topic, env.shop, parsed.data);
  if (shop) return quarantine(`shop_mismatch: ${shop}`);
  return {
    kind: 'event',
    parsed: parsed.data,
    event: { ...deliveryColumns(env), topic: env.topic, payload: text },
  };
}

/** Rebuilds the envelope of a quarantined delivery so a fixed schema can classify it again. */
export function envelopeFromQuarantine(q: QuarantineRecord): WebhookEnvelope {
  return {
    shop: q.shop,
    topic: q.topic,
    webhookId: q.webhook_id,
    eventId: q.event_id,
    apiVersion: q.api_version,
    triggeredAt: q.triggered_at,
    receivedAt: q.received_at,
    body: Buffer.from(q.body, q.body_encoding === 'base64' ? 'base64' : 'utf8'),
  };
}
