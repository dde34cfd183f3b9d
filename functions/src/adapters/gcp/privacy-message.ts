// Decodes a privacy-topic Pub/Sub message (an events row as JSON) into a LandedEvent, and decides retry vs. drop for failures.
import { z } from 'zod';
import type { LandedEvent } from '../../core/classify';
import { ShopMlopsError } from '../../core/errors';
import { PRIVACY_TOPICS } from '../../core/topics';

const rowSchema = z.object({
  shop: z.string().min(1),
  topic: z.enum(PRIVACY_TOPICS),
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
