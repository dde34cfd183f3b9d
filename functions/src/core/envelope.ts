// The webhook envelope: a delivery's headers plus its raw body bytes, and its compact binary encoding for durable logs.
import { z } from 'zod';

export interface WebhookEnvelope {
  shop: string;
  topic: string;
  webhookId: string;
  /** X-Shopify-Event-Id: shared by all deliveries of one merchant action (null when Shopify did not send it). */
  eventId: string | null;
  apiVersion: string;
  /** X-Shopify-Triggered-At, normalised to ISO-8601 (null when absent or unparsable). */
  triggeredAt: string | null;
  /** When this process accepted the delivery (ISO-8601, UTC). */
  receivedAt: string;
  /** The exact bytes Shopify signed. */
  body: Buffer;
}

const headerSchema = z.object({
  s: z.string(),
  t: z.string(),
  w: z.string(),
  e: z.string().nullable(),
  v: z.string(),
  ta: z.string().nullable(),
  ra: z.string(),
});

/**
 * The encoding `<header JSON>\n<raw body>` as its two parts (the body is the received buffer, not a copy): a durable
 * log frames them in place. The header never contains a newline (JSON.stringify escapes them).
 */
export function envelopeParts(env: WebhookEnvelope): [Buffer, Buffer] {
  const header = JSON.stringify({ s: env.shop, t: env.topic, w: env.webhookId, e: env.eventId, v: env.apiVersion, ta: env.triggeredAt, ra: env.receivedAt });
  return [Buffer.from(header + '\n', 'utf8'), env.body];
}

/** Encodes as `<header JSON>\n<raw body>` in one buffer. */
export function encodeEnvelope(env: WebhookEnvelope): Buffer {
  return Buffer.concat(envelopeParts(env));
}

/** The raw body inside an encoded envelope (a view, no copy). */
export function bodyOf(buf: Buffer): Buffer {
  return buf.subarray(buf.indexOf(0x0a) + 1);
}

/**
 * Decodes an encoded envelope. The body is a copy unless `view` is set: then it is a view into `buf`, for a caller that
 * only reads it while `buf` is unchanged (the classifier worker: a copy out of shared memory costs more than the parse).
 */
export function decodeEnvelope(buf: Buffer, o: { view?: boolean } = {}): WebhookEnvelope {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) throw new Error('envelope has no header line');
  const h = headerSchema.parse(JSON.parse(buf.subarray(0, nl).toString('utf8')));
  const body = buf.subarray(nl + 1);
  return { shop: h.s, topic: h.t, webhookId: h.w, eventId: h.e, apiVersion: h.v, triggeredAt: h.ta, receivedAt: h.ra, body: o.view ? body : Buffer.from(body) };
}

export function normaliseTimestamp(value: string | null | undefined): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
