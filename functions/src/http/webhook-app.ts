// The HTTP app (Hono, Web Request/Response) served locally by the runtime and inside the Cloud Function.
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ShopMlopsError, type ErrorCode } from '../core/errors';
import type { Logger } from '../core/log';
import type { IngestMetrics } from '../core/metrics';
import type { IncomingMessage } from 'node:http';
import { headersOf, type WebhookVerifier } from '../core/verify';
import type { WebhookEnvelope } from '../core/envelope';

export interface WebhookAppDeps {
  verifier: WebhookVerifier;
  /** Makes the delivery durable; the 2xx is sent only after it resolves. */
  accept: (envelope: WebhookEnvelope) => Promise<void>;
  metrics: IngestMetrics;
  log: Logger;
  maxBodyBytes: number;
  maxInFlight: number;
  retryAfterSeconds: number;
  /** Extra health facts (backlog, warehouse state) for GET /healthz. */
  health?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Why deliveries must wait (backlog over its high-water mark, disk nearly full), or null: 503 with Retry-After. */
  backpressure?: () => string | null;
  /** Why the service is unhealthy (e.g. a stalled loader), or null: GET /healthz answers 503 with it. */
  unhealthy?: () => string | null;
}

export function errorResponse(code: ErrorCode, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  const err = new ShopMlopsError(code, message, { details: Object.keys(extra).length ? extra : undefined });
  return new Response(JSON.stringify(err.toJSON()), { status: err.status, headers: { 'content-type': 'application/json', ...headers } });
}

/** Reads at most `limit` bytes of the body; null when it is longer. */
async function readBody(req: Request, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength) : Buffer.concat(chunks, size);
}

/** Node's request when served by @hono/node-server (local runtime): read headers and body without Web-stream overhead. */
function nodeIncoming(env: unknown): IncomingMessage | undefined {
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming && typeof incoming.on === 'function' ? incoming : undefined;
}

function readNodeBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

export function createWebhookApp(deps: WebhookAppDeps, app: Hono = new Hono()): Hono {
  let inFlight = 0;
  const { metrics, log } = deps;

  app.post('/webhooks', async (c) => {
    const started = process.hrtime.bigint();
    const topicHeader = c.req.header('x-shopify-topic') ?? 'unknown';
    const done = (outcome: string, res: Response): Response => {
      metrics.received.inc({ topic: topicHeader, outcome });
      metrics.ackSeconds.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      return res;
    };
    const held = deps.backpressure?.() ?? null;
    if (held) return done('overloaded', errorResponse('OVERLOADED', held, {}, { 'retry-after': String(deps.retryAfterSeconds) }));
    if (inFlight >= deps.maxInFlight) {
      return done('overloaded', errorResponse('OVERLOADED', `more than ${deps.maxInFlight} deliveries in flight; retry later`, {}, { 'retry-after': String(deps.retryAfterSeconds) }));
    }
    inFlight++;
    metrics.inFlight.set(inFlight);
    try {
      const incoming = nodeIncoming(c.env);
      const body = incoming ? await readNodeBody(incoming, deps.maxBodyBytes) : await readBody(c.req.raw, deps.maxBodyBytes);
      if (body === null) return done('too_large', errorResponse('PAYLOAD_TOO_LARGE', `body exceeds ${deps.maxBodyBytes} bytes`));
      const verified = await deps.verifier.verify(incoming ? incoming.headers : headersOf(c.req.raw), body);
      if (!verified.ok) {
        if (verified.reason === 'missing_headers') return done('bad_request', errorResponse('UNAUTHORIZED', verified.message, { reason: verified.reason, missingHeaders: verified.missingHeaders }));
        return done('unauthorized', errorResponse('UNAUTHORIZED', verified.message, { reason: verified.reason }));
      }
      try {
        await deps.accept(verified.envelope);
      } catch (err) {
        const e = ShopMlopsError.fromUnknown(err);
        log.error('delivery not made durable', { webhookId: verified.envelope.webhookId, topic: verified.envelope.topic, error: e.message, code: e.code });
        return done('unavailable', errorResponse('UNAVAILABLE', 'could not store the delivery durably; retry later', {}, { 'retry-after': String(deps.retryAfterSeconds) }));
      }
      return done('accepted', c.json({ ok: true, webhookId: verified.envelope.webhookId }, 200));
    } finally {
      inFlight--;
      metrics.inFlight.set(inFlight);
    }
  });
  app.all('/webhooks', () => errorResponse('METHOD_NOT_ALLOWED', 'use POST for /webhooks', {}, { allow: 'POST' }));

  app.get('/healthz', async (c) => {
    const problem = deps.unhealthy?.() ?? null;
    return c.json({ status: problem ? 'unhealthy' : 'ok', ...(problem ? { problem } : {}), inFlight, ...(deps.health ? await deps.health() : {}) }, problem ? 503 : 200);
  });
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));

  app.notFound((c) => errorResponse('NOT_FOUND', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((err) => {
    const e = ShopMlopsError.fromUnknown(err, 'INTERNAL');
    log.error('request failed', { error: e.message, code: e.code });
    return new Response(JSON.stringify(e.toJSON()), { status: e.status as ContentfulStatusCode, headers: { 'content-type': 'application/json' } });
  });
  return app;
}
