// Posts planned deliveries as signed Shopify webhooks over keep-alive HTTP, retrying 503/429 (Retry-After) and network errors.
import http from 'node:http';
import https from 'node:https';
import { ShopMlopsError } from '../core/errors';
import { forgeWebhook } from '../testing/forge';
import type { PlannedDelivery } from './delivery';

export interface SendProgress {
  /** Deliveries known so far (the final total for arrays; grows while a stream is being read). */
  total: number;
  done: number;
  delivered: number;
  failed: number;
  retries: number;
}

export interface SendOptions {
  secret: string;
  concurrency?: number;
  onProgress?: (p: SendProgress) => void;
  /** Attempts per delivery, first one included (Shopify makes 1 + 8). Default 9. */
  maxAttempts?: number;
  /** Per-attempt timeout. Default 30 s. */
  timeoutMs?: number;
  /** Longest wait honoured from Retry-After. Default 60 s. */
  maxRetryAfterMs?: number;
  /** First backoff after a network error or 5xx without Retry-After (doubles each time, capped at 10 s). Default 250 ms. */
  backoffMs?: number;
  apiVersion?: string;
  /** Check that something listens at the URL first. Default true. */
  checkListening?: boolean;
}

export interface SendFailure {
  webhookId: string;
  topic: string;
  status: number | null;
  error: string;
  attempts: number;
}

export interface SendResult {
  total: number;
  delivered: number;
  failed: number;
  /** Final outcome per delivery: HTTP status, or 'network' when no response came. */
  byStatus: Record<string, number>;
  /** Every response seen, retried ones included. */
  responses: Record<string, number>;
  attempts: number;
  retries: number;
  failures: SendFailure[];
  elapsedMs: number;
  perSecond: number;
}

const RETRY_WITH_AFTER = new Set([429, 503]);
const RETRY_WITH_BACKOFF = new Set([408, 500, 502, 504]);

export function nothingListeningMessage(url: string): string {
  return `nothing is listening at ${url} — start the runtime with \`npx shop-mlops up\``;
}

/** Resolves when anything answers HTTP at the URL's origin (GET /healthz); throws a clear error when nothing listens. */
export async function assertListening(url: string, timeoutMs = 3000): Promise<void> {
  const target = new URL('/healthz', url);
  const mod = target.protocol === 'https:' ? https : http;
  await new Promise<void>((resolve, reject) => {
    const req = mod.request(target, { method: 'GET', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve());
      res.on('error', () => resolve());
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => reject(new ShopMlopsError('UNAVAILABLE', nothingListeningMessage(url), { cause: e, details: { url, cause: e.message } })));
    req.end();
  });
}

/** Seconds or an HTTP date → milliseconds to wait (null when absent or unreadable). */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

interface Answer {
  status: number;
  retryAfter: string | string[] | undefined;
}

function post(url: URL, agent: http.Agent, headers: Record<string, string>, body: Buffer, timeoutMs: number): Promise<Answer> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sends every delivery (array or stream) with `concurrency` keep-alive workers; never throws for individual failures. */
export async function sendDeliveries(url: string, deliveries: Iterable<PlannedDelivery> | AsyncIterable<PlannedDelivery>, opts: SendOptions): Promise<SendResult> {
  const target = new URL(url);
  if (opts.checkListening !== false) await assertListening(url);
  const concurrency = Math.max(1, opts.concurrency ?? 16);
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 9);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const backoffMs = opts.backoffMs ?? 250;
  const agent = new (target.protocol === 'https:' ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: concurrency });

  const knownTotal = Array.isArray(deliveries) ? deliveries.length : null;
  const result: SendResult = { total: 0, delivered: 0, failed: 0, byStatus: {}, responses: {}, attempts: 0, retries: 0, failures: [], elapsedMs: 0, perSecond: 0 };
  const started = Date.now();
  const progress = () => opts.onProgress?.({ total: knownTotal ?? result.total, done: result.delivered + result.failed, delivered: result.delivered, failed: result.failed, retries: result.retries });

  const iterator: Iterator<PlannedDelivery> | AsyncIterator<PlannedDelivery> =
    Symbol.asyncIterator in deliveries ? (deliveries as AsyncIterable<PlannedDelivery>)[Symbol.asyncIterator]() : (deliveries as Iterable<PlannedDelivery>)[Symbol.iterator]();
  let exhausted = false;
  const nextDelivery = async (): Promise<PlannedDelivery | null> => {
    if (exhausted) return null;
    const r = await iterator.next();
    if (r.done) {
      exhausted = true;
      return null;
    }
    result.total++;
    return r.value;
  };

  const sendOne = async (d: PlannedDelivery) => {
    const forged = forgeWebhook({ secret: opts.secret, topic: d.topic, shop: d.shop, body: d.body, webhookId: d.webhookId, eventId: d.eventId, triggeredAt: d.triggeredAt, ...(opts.apiVersion ? { apiVersion: opts.apiVersion } : {}) });
    let lastStatus: number | null = null;
    let lastError = '';
    let attempts = 0;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      attempts++;
      result.attempts++;
      if (attempt > 1) result.retries++;
      let wait: number | null = null;
      try {
        const a = await post(target, agent, forged.headers, forged.body, timeoutMs);
        lastStatus = a.status;
        result.responses[String(a.status)] = (result.responses[String(a.status)] ?? 0) + 1;
        if (a.status >= 200 && a.status < 300) {
          result.delivered++;
          result.byStatus[String(a.status)] = (result.byStatus[String(a.status)] ?? 0) + 1;
          return;
        }
        lastError = `HTTP ${a.status}`;
        if (RETRY_WITH_AFTER.has(a.status)) wait = Math.min(maxRetryAfterMs, parseRetryAfter(a.retryAfter) ?? backoff(backoffMs, attempt));
        else if (RETRY_WITH_BACKOFF.has(a.status)) wait = backoff(backoffMs, attempt);
        else break; // other statuses will not change on a retry (e.g. 401: wrong secret)
      } catch (e) {
        lastStatus = null;
        lastError = e instanceof Error ? e.message : String(e);
        wait = backoff(backoffMs, attempt);
      }
      if (attempt < maxAttempts) await sleep(wait);
    }
    result.failed++;
    const key = lastStatus === null ? 'network' : String(lastStatus);
    result.byStatus[key] = (result.byStatus[key] ?? 0) + 1;
    if (result.failures.length < 1000) result.failures.push({ webhookId: d.webhookId, topic: d.topic, status: lastStatus, error: lastError, attempts });
  };

  const worker = async () => {
    for (let d = await nextDelivery(); d; d = await nextDelivery()) {
      await sendOne(d);
      progress();
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  result.elapsedMs = Date.now() - started;
  result.perSecond = result.elapsedMs > 0 ? Math.round((result.total / result.elapsedMs) * 1000) : result.total;
  return result;
}

function backoff(base: number, attempt: number): number {
  const ms = Math.min(10_000, base * 2 ** (attempt - 1));
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}
