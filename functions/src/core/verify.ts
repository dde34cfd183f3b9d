// Webhook verification on the acknowledgement path: node:crypto HMAC-SHA256 of the raw bytes, decided as @shopify/shopify-api's webhooks.validate decides.
import { isUtf8 } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { hmacSha256, type HmacSha256 } from './hmac-sha256';
import type { Logger } from './log';
import { normaliseTimestamp, type WebhookEnvelope } from './envelope';

// test/embedded/verify-differential.test.ts holds this module to webhooks.validate (15.x) on generated cases:
// same verdict, same failure class, same missing header names, same shop / webhook id / API version.

export type VerifyFailure =
  | { ok: false; reason: 'invalid_hmac'; message: string }
  | { ok: false; reason: 'missing_hmac'; message: string }
  | { ok: false; reason: 'missing_headers'; message: string; missingHeaders: string[] }
  | { ok: false; reason: 'invalid_body'; message: string };
/** Which accepted secret signed the delivery: its position, never its value. */
export type SecretLabel = 'current' | `previous[${number}]`;
export type VerifyResult = { ok: true; envelope: WebhookEnvelope; signedWith: SecretLabel } | VerifyFailure;

/** Request headers as Node gives them (lower-case names); build one from a Web Request with headersOf(). */
export type HeaderMap = Record<string, string | string[] | undefined>;

export function headersOf(request: Request): HeaderMap {
  const out: HeaderMap = {};
  request.headers.forEach((v, k) => (out[k] = v));
  return out;
}

/** The library's header-name canonicalisation ("x-shopify-api-version" → "X-Shopify-Api-Version"). */
const canonicalName = (name: string) => name.replace(/(^|-)(\w+)/g, (_m, start: string, w: string) => start + w.slice(0, 1).toUpperCase() + w.slice(1).toLowerCase());

/** Headers read, in the library's spelling (used in missingHeaders) and its order of checks. */
const NAMES = ['X-Shopify-Hmac-Sha256', 'X-Shopify-Topic', 'X-Shopify-Shop-Domain', 'X-Shopify-API-Version', 'X-Shopify-Webhook-Id', 'X-Shopify-Event-Id', 'X-Shopify-Triggered-At'] as const;
const [HMAC, TOPIC, DOMAIN, API_VERSION, WEBHOOK_ID, EVENT_ID, TRIGGERED_AT] = [0, 1, 2, 3, 4, 5, 6] as const;
const REQUIRED = [TOPIC, DOMAIN, API_VERSION, WEBHOOK_ID] as const;
const LOWER = NAMES.map((n) => n.toLowerCase());
const CANONICAL = NAMES.map(canonicalName);

/** ASCII case-insensitive equality with a lower-case name: exactly when the library's canonical forms are equal. */
function sameName(key: string, lower: string): boolean {
  if (key.length !== lower.length) return false;
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The first value of each header, as the library's node adapter finds it: names match case-insensitively; the values
 * under the canonically spelled name come first (an empty one is dropped), then other spellings in insertion order,
 * arrays contributing their elements. Node's own maps (one lower-case key per header) take the plain path.
 */
function readHeaders(headers: HeaderMap): (string | undefined)[] {
  const canonical: (string | string[] | undefined)[] = new Array<undefined>(NAMES.length);
  const other: (string | undefined)[] = new Array<undefined>(NAMES.length);
  const otherSeen: boolean[] = new Array<boolean>(NAMES.length).fill(false);
  for (const key of Object.keys(headers)) {
    for (let i = 0; i < NAMES.length; i++) {
      if (!sameName(key, LOWER[i]!)) continue;
      const v = headers[key];
      if (key === CANONICAL[i]) canonical[i] = v;
      else if (!otherSeen[i] && !(Array.isArray(v) && v.length === 0)) {
        otherSeen[i] = true;
        other[i] = Array.isArray(v) ? v[0] : v;
      }
      break;
    }
  }
  return NAMES.map((_, i) => {
    const c = canonical[i];
    if (Array.isArray(c) ? c.length > 0 : c) return Array.isArray(c) ? c[0] : c;
    return other[i];
  });
}

/** The 32 bytes a signature header carries, or null unless it is the canonical (padded, standard-alphabet) base64 the library compares to. */
function decodeSignature(header: string): Buffer | null {
  if (typeof header !== 'string' || header.length !== 44) return null;
  const bytes = Buffer.from(header, 'base64');
  // Node's decoder is lenient (no padding, url-safe letters, skipped junk); the library compares strings, so only the canonical spelling can match.
  return bytes.length === 32 && bytes.toString('base64') === header ? bytes : null;
}

export interface WebhookVerifier {
  verify(headers: HeaderMap, rawBody: Buffer, receivedAt?: Date): Promise<VerifyResult>;
}

export interface VerifierOptions {
  /** The current secret (SHOPIFY_API_SECRET), tried first. */
  apiSecret: string;
  /** Secrets still accepted during a rotation, tried in order after the current one. */
  previousSecrets?: readonly string[];
  /** Notes (at most once a minute per secret) that a previous secret is still signing deliveries, naming it by position. */
  log?: Logger;
}

const PREVIOUS_NOTE_MS = 60_000;

export function createWebhookVerifier(opts: VerifierOptions): WebhookVerifier {
  // The library keys its HMAC with the secret's UTF-8 bytes; so does Buffer.from.
  const keys: { label: SecretLabel; mac: HmacSha256 }[] = [opts.apiSecret, ...(opts.previousSecrets ?? [])].map((s, i) => ({
    label: i === 0 ? 'current' : `previous[${i - 1}]`,
    mac: hmacSha256(Buffer.from(s, 'utf8')),
  }));
  const lastNoted = new Map<SecretLabel, number>();

  function matchingSecret(signature: Buffer, rawBody: Buffer): SecretLabel | null {
    for (const { label, mac } of keys) {
      if (timingSafeEqual(mac(rawBody), signature)) return label;
    }
    return null;
  }

  function verifySync(headers: HeaderMap, rawBody: Buffer, receivedAt: Date): VerifyResult {
    // The library's order: body, signature header, signature, then the other required headers.
    if (rawBody.length === 0) return { ok: false, reason: 'invalid_body', message: 'body is empty' };
    const h = readHeaders(headers);
    const hmac = h[HMAC];
    if (!hmac) return { ok: false, reason: 'missing_hmac', message: 'X-Shopify-Hmac-Sha256 header is missing' };
    // Shopify signs UTF-8 JSON; the library only ever sees the body as text, so bytes that are not UTF-8 cannot carry a valid signature.
    if (!isUtf8(rawBody)) return { ok: false, reason: 'invalid_hmac', message: 'body is not UTF-8, so its signature cannot match' };
    const signature = decodeSignature(hmac);
    const signedWith = signature && matchingSecret(signature, rawBody);
    if (!signedWith) return { ok: false, reason: 'invalid_hmac', message: 'HMAC signature does not match the body' };
    const missing = REQUIRED.filter((i) => !h[i]).map((i) => NAMES[i]);
    if (missing.length) return { ok: false, reason: 'missing_headers', message: `missing headers: ${missing.join(', ')}`, missingHeaders: missing };
    if (signedWith !== 'current' && opts.log) {
      const now = Date.now();
      if (now - (lastNoted.get(signedWith) ?? -Infinity) >= PREVIOUS_NOTE_MS) {
        lastNoted.set(signedWith, now);
        opts.log.notice('webhook signed with a previous secret: keep it until Shopify signs with the current one', { signedWith });
      }
    }
    return {
      ok: true,
      signedWith,
      envelope: {
        shop: h[DOMAIN]!,
        // Keep Shopify's header spelling of the topic ('orders/create'), trimmed.
        topic: h[TOPIC]!.trim(),
        webhookId: h[WEBHOOK_ID]!,
        eventId: h[EVENT_ID] || null,
        apiVersion: h[API_VERSION]!,
        triggeredAt: normaliseTimestamp(h[TRIGGERED_AT]),
        receivedAt: receivedAt.toISOString(),
        body: rawBody,
      },
    };
  }

  return {
    verify: (headers, rawBody, receivedAt = new Date()) => Promise.resolve(verifySync(headers, rawBody, receivedAt)),
  };
}
