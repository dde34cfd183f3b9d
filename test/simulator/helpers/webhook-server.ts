// A tiny in-process webhook receiver for sender tests: verifies each delivery with the product's real verifier.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookVerifier } from '../../../functions/src/core/verify';

export interface Received {
  webhookId: string;
  eventId: string | null;
  topic: string;
  shop: string;
  body: Buffer;
  at: number;
}

export interface ReceiverOptions {
  secret: string;
  /** Decide per attempt: return a status (and optional Retry-After) to refuse, or null to accept. */
  refuse?: (webhookId: string, attempt: number) => { status: number; retryAfter?: string } | 'drop' | null;
}

export interface Receiver {
  url: string;
  accepted: Received[];
  attempts: Map<string, number[]>;
  invalid: number;
  close: () => Promise<void>;
}

export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const verifier = createWebhookVerifier({ apiSecret: opts.secret });
  const accepted: Received[] = [];
  const attempts = new Map<string, number[]>();
  const state = { invalid: 0 };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.end('ok');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const webhookId = String(req.headers['x-shopify-webhook-id'] ?? '');
        const times = attempts.get(webhookId) ?? [];
        times.push(Date.now());
        attempts.set(webhookId, times);
        const decision = opts.refuse?.(webhookId, times.length) ?? null;
        if (decision === 'drop') {
          req.socket.destroy();
          return;
        }
        if (decision) {
          res.writeHead(decision.status, decision.retryAfter ? { 'Retry-After': decision.retryAfter } : {});
          res.end();
          return;
        }
        const result = await verifier.verify(req.headers, body);
        if (!result.ok) {
          state.invalid++;
          res.writeHead(401);
          res.end(result.reason);
          return;
        }
        accepted.push({ webhookId: result.envelope.webhookId, eventId: result.envelope.eventId, topic: result.envelope.topic, shop: result.envelope.shop, body, at: Date.now() });
        res.writeHead(200);
        res.end();
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    accepted,
    attempts,
    get invalid() {
      return state.invalid;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port with nothing listening on it (bound, then released). */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
