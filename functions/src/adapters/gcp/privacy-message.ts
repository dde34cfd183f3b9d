// Decodes a privacy-topic Pub/Sub message (an events row as JSON) into a LandedEvent, and decides what a failure means: redeliver now, leave to the scheduled retry, or drop.
import { z } from 'zod';
import type { LandedEvent } from '../../core/classify';
import { ShopMlopsError } from '../../core/errors';
import { PRIVACY_TOPICS } from '../../core/topics';

/** What the privacy topic carries: the privacy requests, and app/uninstalled (its shop's offline token is deleted). */
export const PRIVACY_WORKER_TOPICS = [...PRIVACY_TOPICS, 'app/uninstalled'] as const;

const rowSchema = z.object({
  shop: z.string().min(1),
  topic: z.enum(PRIVACY_WORKER_TOPICS),
  webhook_id: z.string().min(1),
  event_id: z.string().nullable(),
  api_version: z.string(),
  triggered_at: z.string().nullable(),
  received_at: z.string().min(1),
  /** The exact body text; ids inside it are never parsed by JSON.parse (the row's own fields hold no big numbers). */
  payload: z.string().min(1),
});

/** `data` is the message's base64 text as Pub/Sub delivers it. Throws a non-retryable BAD_REQUEST for anything else. */
export function decodePrivacyMessage(data: string | undefined): LandedEvent {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data ?? '', 'base64').toString('utf8'));
  } catch (err) {
    throw new ShopMlopsError('BAD_REQUEST', `privacy message is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = rowSchema.safeParse(value);
  if (!parsed.success) throw new ShopMlopsError('BAD_REQUEST', `privacy message is not an events row: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Retry (Pub/Sub redelivers) only what can succeed later: ShopMlopsErrors say so; validation errors never will; other throws are outages. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ShopMlopsError) return err.retryable;
  if (err instanceof Error && (err.name === 'ZodError' || err instanceof z.ZodError)) return false;
  return true;
}

/**
 * What the privacy worker does with a failure:
 *  - `drop`: the message is not a privacy request we may act on (not an events row, fails its topic's schema, names
 *    another shop): acting can never succeed;
 *  - `redeliver`: an outage (5xx, rate limit, network): Pub/Sub redelivers with backoff;
 *  - `schedule`: a real request that failed in a way redelivery in seconds will not fix: BigQuery refusing DML on rows
 *    still in the streaming buffer (about 30 minutes), or a 4xx (permissions, a bad statement): acknowledged and left
 *    to the scheduled retry (privacyRetry: the request stays in shop_raw.events without an audit row), an alarm.
 */
export function privacyFailureAction(err: unknown, decoded: boolean): 'drop' | 'redeliver' | 'schedule' {
  if (!decoded) return 'drop';
  if (err instanceof ShopMlopsError && err.details?.['streamingBuffer'] === true) return 'schedule';
  if (err instanceof ShopMlopsError && err.code === 'BAD_REQUEST') return 'drop';
  if (err instanceof Error && (err.name === 'ZodError' || err instanceof z.ZodError)) return 'drop';
  return isRetryable(err) ? 'redeliver' : 'schedule';
}
