// Webhook verification with @shopify/shopify-api over the raw bytes; returns a discriminated union, never throws for bad input.
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import '@shopify/shopify-api/adapters/node';
import { shopifyApi, LogSeverity, ApiVersion } from '@shopify/shopify-api';
import { normaliseTimestamp, type WebhookEnvelope } from './envelope';

export type VerifyFailure =
  | { ok: false; reason: 'invalid_hmac'; message: string }
  | { ok: false; reason: 'missing_hmac'; message: string }
  | { ok: false; reason: 'missing_headers'; message: string; missingHeaders: string[] }
  | { ok: false; reason: 'invalid_body'; message: string };
export type VerifyResult = { ok: true; envelope: WebhookEnvelope } | VerifyFailure;

/** Request headers as Node gives them (lower-case names); build one from a Web Request with headersOf(). */
export type HeaderMap = Record<string, string | string[] | undefined>;

export function headersOf(request: Request): HeaderMap {
  const out: HeaderMap = {};
  request.headers.forEach((v, k) => (out[k] = v));
  return out;
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** The headers webhooks.validate requires (its canonical spelling → Node's lower-case name); we read the rest ourselves. */
const LIBRARY_HEADERS: [string, string][] = ['X-Shopify-Hmac-Sha256', 'X-Shopify-Topic', 'X-Shopify-Shop-Domain', 'X-Shopify-Api-Version', 'X-Shopify-Webhook-Id'].map(
  (canonical) => [canonical, canonical.toLowerCase()],
);

export interface WebhookVerifier {
  verify(headers: HeaderMap, rawBody: Buffer, receivedAt?: Date): Promise<VerifyResult>;
}

export function createWebhookVerifier(opts: { apiSecret: string; apiKey?: string; hostName?: string }): WebhookVerifier {
  const shopify = shopifyApi({
    apiSecretKey: opts.apiSecret,
    apiKey: opts.apiKey ?? 'shop-mlops',
    hostName: opts.hostName ?? 'localhost',
    apiVersion: ApiVersion.October25,
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error, log: async () => undefined },
  });

  return {
    async verify(headers, rawBody, receivedAt = new Date()) {
      if (!one(headers['x-shopify-hmac-sha256'])) {
        return { ok: false, reason: 'missing_hmac', message: 'X-Shopify-Hmac-Sha256 header is missing' };
      }
      // Shopify signs UTF-8 JSON; bytes that are not UTF-8 cannot carry a valid signature.
      if (!isUtf8(rawBody)) return { ok: false, reason: 'invalid_hmac', message: 'body is not UTF-8, so its signature cannot match' };
      // The library's node adapter re-canonicalises every header name on each of its ~13 lookups, so it gets
      // exactly the headers it checks, already in canonical spelling (halves its CPU cost per delivery).
      const shopifyHeaders: HeaderMap = {};
      for (const [canonical, name] of LIBRARY_HEADERS) {
        const v = headers[name];
        if (v !== undefined) shopifyHeaders[canonical] = v;
      }
      const rawRequest = { headers: shopifyHeaders, method: 'POST', url: '/webhooks' } as unknown as IncomingMessage;
      const result = await shopify.webhooks.validate({ rawBody: rawBody.toString('utf8'), rawRequest, rawResponse: undefined as unknown as ServerResponse });
      if (!result.valid) {
        if (result.reason === 'missing_headers') {
          const missing = 'missingHeaders' in result ? result.missingHeaders : [];
          return { ok: false, reason: 'missing_headers', message: `missing headers: ${missing.join(', ')}`, missingHeaders: missing };
        }
        if (result.reason === 'missing_hmac') return { ok: false, reason: 'missing_hmac', message: 'X-Shopify-Hmac-Sha256 header is missing' };
        return { ok: false, reason: 'invalid_hmac', message: 'HMAC signature does not match the body' };
      }
      return {
        ok: true,
        envelope: {
          shop: result.domain,
          // The library maps 'orders/create' to storage form 'ORDERS_CREATE'; keep Shopify's header spelling.
          topic: (one(headers['x-shopify-topic']) ?? '').trim(),
          webhookId: result.webhookId,
          eventId: one(headers['x-shopify-event-id']) || null,
          apiVersion: result.apiVersion,
          triggeredAt: normaliseTimestamp(one(headers['x-shopify-triggered-at'])),
          receivedAt: receivedAt.toISOString(),
          body: rawBody,
        },
      };
    },
  };
}
