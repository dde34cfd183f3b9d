// The HTTP app (Hono, Web Request/Response) served locally by the runtime and inside the Cloud Function.
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ShopMlopsError, type ErrorCode } from '../core/errors';
import type { Logger } from '../core/log';
import { OTHER_TOPIC, topicLabel, type IngestMetrics } from '../core/metrics';
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
  /** A body must arrive within this many ms once the handler reads it (slower → 408). */
  bodyTimeoutMs: number;
  /** Deliveries verified and made durable at once (bodies still arriving do not count); above → 503. */
  maxInFlight: number;
  retryAfterSeconds: number;
  /** Extra health facts (backlog, warehouse state) for GET /healthz. */
  health?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Why deliveries must wait (backlog over its high-water mark, disk nearly full), or null: 503 with Retry-After. */
  backpressure?: () => string | null;
  /** Why the service is unhealthy (e.g. a stalled loader), or null: GET /healthz answers 503 with it. */
  unhealthy?: () => string | null;
  /**
   * Serve GET /healthz and /metrics (default true: the local runtime, bound to loopback unless configured otherwise).
   * The `webhooks` Cloud Function is public (Shopify must reach it) and passes false: its health and metrics are not
   * anyone's business, and the platform watches the function itself.
   */
  opsRoutes?: boolean;
}

export function errorResponse(code: ErrorCode, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  const err = new ShopMlopsError(code, message, { details: Object.keys(extra).length ? extra : undefined });
  return new Response(JSON.stringify(err.toJSON()), { status: err.status, headers: { 'content-type': 'application/json', ...headers } });
}

/** How a body may arrive: at most `maxBytes`, complete within `timeoutMs` of the handler starting to read it. */
interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}
type BodyRead = { ok: true; body: Buffer } | { ok: false; outcome: 'too_large' | 'body_timeout' };
const TOO_LARGE: BodyRead = { ok: false, outcome: 'too_large' };
const TIMED_OUT: BodyRead = { ok: false, outcome: 'body_timeout' };

function declaredTooLarge(contentLength: string | null | undefined, limit: number): boolean {
  const declared = Number(contentLength ?? NaN);
  return Number.isFinite(declared) && declared > limit;
}

/** Web Request path (Cloud Function): stops at the first byte over the limit or at the deadline. */
async function readBody(req: Request, limits: BodyLimits): Promise<BodyRead> {
  if (declaredTooLarge(req.headers.get('content-length'), limits.maxBytes)) return TOO_LARGE;
  if (!req.body) return { ok: true, body: Buffer.alloc(0) };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limits.timeoutMs)));
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === 'timeout') {
        void reader.cancel().catch(() => undefined);
        return TIMED_OUT;
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > limits.maxBytes) {
        void reader.cancel().catch(() => undefined);
        return TOO_LARGE;
      }
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  const body = chunks.length === 1 ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength) : Buffer.concat(chunks, size);
  return { ok: true, body };
}

/** Node's request when served by @hono/node-server (local runtime): read headers and body without Web-stream overhead. */
function nodeIncoming(env: unknown): IncomingMessage | undefined {
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming && typeof incoming.on === 'function' ? incoming : undefined;
}

/**
 * Node path (local runtime): stops reading at the first byte over the limit or at the deadline and leaves the rest
 * unread; the caller answers with `Connection: close`, so the connection ends instead of the body being read to its end.
 */
function readNodeBody(req: IncomingMessage, limits: BodyLimits): Promise<BodyRead> {
  if (declaredTooLarge(req.headers['content-length'], limits.maxBytes)) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (r: BodyRead | Error) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (r instanceof Error) return reject(r);
      if (!r.ok) req.pause();
      resolve(r);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limits.maxBytes) finish(TOO_LARGE);
      else chunks.push(c);
    };
    const onEnd = () => finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    const onError = (err: Error) => finish(err);
    const timer = setTimeout(() => finish(TIMED_OUT), limits.timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** A body refused part-way: the answer, and (Node path) the connection ends after it instead of reading the rest. */
function refusedBody(read: Extract<BodyRead, { ok: false }>, limits: BodyLimits, incoming: IncomingMessage | undefined): Response {
  const close: Record<string, string> = incoming ? { connection: 'close' } : {};
  return read.outcome === 'too_large'
    ? errorResponse('PAYLOAD_TOO_LARGE', `body exceeds ${limits.maxBytes} bytes`, {}, close)
    : errorResponse('REQUEST_TIMEOUT', `body not received within ${limits.timeoutMs} ms`, {}, close);
}

export function createWebhookApp(deps: WebhookAppDeps, app: Hono = new Hono()): Hono {
  let inFlight = 0;
  const { metrics, log } = deps;

  const limits: BodyLimits = { maxBytes: deps.maxBodyBytes, timeoutMs: deps.bodyTimeoutMs };

  app.post('/webhooks', async (c) => {
    const started = process.hrtime.bigint();
    let topic = OTHER_TOPIC; // labelled only once the delivery is verified: unsigned headers cannot add series
    const done = (outcome: string, res: Response): Response => {
      metrics.received.inc({ topic, outcome });
      metrics.ackSeconds.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      return res;
    };
    // 1. The body, bounded in size and time. Bodies still arriving hold no admission slot, so slow senders
    //    cannot crowd out real deliveries.
    const incoming = nodeIncoming(c.env);
    const read = incoming ? await readNodeBody(incoming, limits) : await readBody(c.req.raw, limits);
    if (!read.ok) return done(read.outcome, refusedBody(read, limits, incoming));
    // 2. Admission: a backlog above its high-water mark, or too many deliveries being verified and made durable at once.
    const held = deps.backpressure?.() ?? null;
    if (held) return done('overloaded', errorResponse('OVERLOADED', held, {}, { 'retry-after': String(deps.retryAfterSeconds) }));
    if (inFlight >= deps.maxInFlight) {
      return done('overloaded', errorResponse('OVERLOADED', `more than ${deps.maxInFlight} deliveries in flight; retry later`, {}, { 'retry-after': String(deps.retryAfterSeconds) }));
    }
    inFlight++;
    metrics.inFlight.set(inFlight);
    try {
      // 3. Verification, then 4. durability before the 2xx.
      const verified = await deps.verifier.verify(incoming ? incoming.headers : headersOf(c.req.raw), read.body);
      if (!verified.ok) {
        if (verified.reason === 'missing_headers') return done('bad_request', errorResponse('UNAUTHORIZED', verified.message, { reason: verified.reason, missingHeaders: verified.missingHeaders }));
        return done('unauthorized', errorResponse('UNAUTHORIZED', verified.message, { reason: verified.reason }));
      }
      topic = topicLabel(verified.envelope.topic);
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

  if (deps.opsRoutes ?? true) {
    app.get('/healthz', async (c) => {
      const problem = deps.unhealthy?.() ?? null;
      return c.json({ status: problem ? 'unhealthy' : 'ok', ...(problem ? { problem } : {}), inFlight, ...(deps.health ? await deps.health() : {}) }, problem ? 503 : 200);
    });
    app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  }

  app.notFound((c) => errorResponse('NOT_FOUND', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((err) => {
    const e = ShopMlopsError.fromUnknown(err, 'INTERNAL');
    log.error('request failed', { error: e.message, code: e.code });
    return new Response(JSON.stringify(e.toJSON()), { status: e.status as ContentfulStatusCode, headers: { 'content-type': 'application/json' } });
  });
  return app;
}
