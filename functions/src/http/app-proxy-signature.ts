// The App Proxy query signature on node:crypto: the same answer as @shopify/shopify-api's utils.validateHmac(query, {signator: 'appProxy'}) (test/serving/app-proxy-differential.test.ts holds it to the library on 10,000+ cases), without a WebCrypto key import per call.
import { timingSafeEqual } from 'node:crypto';
import { hmacSha256, type HmacSha256 } from '../core/hmac-sha256';

/** The library's permitted clock difference between the signed `timestamp` and now. */
export const APP_PROXY_TOLERANCE_SECONDS = 90;
/** Parameters the library refuses to see twice in an App Proxy query. */
const SINGLE_VALUE = new Set(['hmac', 'shop', 'signature', 'timestamp']);

export type AppProxySignatureFailure = 'duplicate_parameter' | 'signature_missing' | 'timestamp_missing' | 'timestamp_out_of_window' | 'mismatch';
export type AppProxySignature = { ok: true; secretIndex: number } | { ok: false; reason: AppProxySignatureFailure };

/** Keyed HMACs by secret (a handful: the current and previous secrets), so the key blocks are computed once. */
const keyed = new Map<string, HmacSha256>();
const macFor = (secret: string): HmacSha256 => {
  let mac = keyed.get(secret);
  if (!mac) {
    if (keyed.size >= 16) keyed.clear();
    mac = hmacSha256(secret);
    keyed.set(secret, mac);
  }
  return mac;
};

const fail = (reason: AppProxySignatureFailure): AppProxySignature => ({ ok: false, reason });

/**
 * Checks a proxied query's `signature` against each secret in order (current, then previous while rotating). As the
 * library does: repeated keys are joined with ',' (hmac, shop, signature, timestamp may not repeat); `signature` must
 * be non-empty; `timestamp` must be an integer (by `Number`) within 90 s of now; the message is every other key but
 * `hmac` and `signature`, sorted with `localeCompare`, as `key=value` with no separator; HMAC-SHA256 in lower-case hex,
 * compared in constant time when the lengths agree.
 */
export function checkAppProxySignature(query: URLSearchParams, secrets: readonly string[], nowSeconds: number = Math.trunc(Date.now() / 1000)): AppProxySignature {
  // A null-prototype object like the library's, so the key order handed to the sort is the same (integer-like keys first).
  const q: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of query) {
    const existing = q[key];
    if (existing === undefined) q[key] = value;
    else if (SINGLE_VALUE.has(key)) return fail('duplicate_parameter');
    else q[key] = `${existing},${value}`;
  }
  const signature = q['signature'];
  if (!signature) return fail('signature_missing');
  const timestamp = q['timestamp'];
  if (timestamp === undefined) return fail('timestamp_missing');
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds)) return fail('timestamp_missing');
  if (Math.abs(nowSeconds - seconds) > APP_PROXY_TOLERANCE_SECONDS) return fail('timestamp_out_of_window');
  let message = '';
  for (const [key, value] of Object.entries(q)
    .filter(([key]) => key !== 'hmac' && key !== 'signature')
    .sort(([a], [b]) => a.localeCompare(b))) {
    message += `${key}=${value}`;
  }
  const given = Buffer.from(signature, 'utf8');
  for (let i = 0; i < secrets.length; i++) {
    const expected = Buffer.from(macFor(secrets[i]!)(message).toString('hex'), 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, secretIndex: i };
  }
  return fail('mismatch');
}
