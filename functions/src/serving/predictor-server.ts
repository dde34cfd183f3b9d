// Vertex AI custom-container contract over node:http: GET health (503 until loaded), POST predict {instances, parameters} → {predictions}, JSON errors.
import * as http from 'node:http';
import { z } from 'zod';
import { ShopMlopsError, type ErrorCode } from '../core/errors';
import { parseExact } from '../core/json';
import type { Logger } from '../core/log';
import type { Predictor } from './predictor';

export interface PredictorServerOptions {
  predictor: Predictor;
  healthRoute: string;
  predictRoute: string;
  /** Largest request body; larger → 413. */
  maxBodyBytes: number;
  log: Logger;
}

export interface PredictorServer {
  readonly server: http.Server;
  /** Resolves with the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** Loads the predictor; the health route turns 200 once this resolves (a failure leaves it 503 and rejects). */
  load(): Promise<void>;
  close(): Promise<void>;
}

export const predictRequestSchema = z.object({
  instances: z.array(z.unknown()).min(1, 'at least one instance'),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function sendError(res: http.ServerResponse, code: ErrorCode, message: string, details?: Record<string, unknown>, headers: Record<string, string> = {}): void {
  const err = new ShopMlopsError(code, message, details ? { details } : {});
  send(res, err.status, err.toJSON(), headers);
}

/** Reads at most `limit` bytes; null when the body is longer (the rest is drained, not buffered). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  return new Promise((resolve, reject) => {
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      req.on('end', () => resolve(null));
      req.on('error', reject);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

export function createPredictorServer(opts: PredictorServerOptions): PredictorServer {
  const { predictor, log } = opts;
  let loaded = false;
  const isHealthy = () => loaded && (predictor.healthy?.() ?? true);

  const predict = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = await readBody(req, opts.maxBodyBytes);
    if (body === null) return sendError(res, 'PAYLOAD_TOO_LARGE', `request body larger than ${opts.maxBodyBytes} bytes`, { limit: opts.maxBodyBytes });
    if (!loaded) return sendError(res, 'UNAVAILABLE', 'the model is still loading', undefined, { 'retry-after': '1' });
    let json: unknown;
    try {
      json = parseExact(body.toString('utf8'));
    } catch {
      return sendError(res, 'BAD_REQUEST', 'the body is not JSON');
    }
    const parsed = predictRequestSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      return sendError(res, 'BAD_REQUEST', `expected {"instances": [...], "parameters": {...}}: ${problems.join('; ')}`, { problems });
    }
    const { instances, parameters = {} } = parsed.data;
    const predictions = await predictor.predict(instances, parameters);
    if (!Array.isArray(predictions) || predictions.length !== instances.length) {
      throw new ShopMlopsError('INTERNAL', `the predictor answered ${Array.isArray(predictions) ? predictions.length : 'no'} predictions for ${instances.length} instances`);
    }
    send(res, 200, { predictions });
  };

  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const handle = async () => {
      if (url === opts.healthRoute) {
        if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'METHOD_NOT_ALLOWED', `${req.method} ${url}: use GET`, undefined, { allow: 'GET' });
        return isHealthy() ? send(res, 200, { status: 'ok' }) : sendError(res, 'UNAVAILABLE', loaded ? 'the predictor reports unhealthy' : 'the model is still loading');
      }
      if (url === opts.predictRoute) {
        if (req.method !== 'POST') return sendError(res, 'METHOD_NOT_ALLOWED', `${req.method} ${url}: use POST`, undefined, { allow: 'POST' });
        return predict(req, res);
      }
      return sendError(res, 'NOT_FOUND', `no route ${req.method} ${url}`);
    };
    handle().catch((err: unknown) => {
      const e = ShopMlopsError.fromUnknown(err, 'INTERNAL');
      if (e.status >= 500) log.error('prediction failed', { code: e.code, message: e.message });
      if (!res.headersSent) send(res, e.status, e.toJSON());
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000; // longer than the front end's idle timeout, so it never reuses a closed connection

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as { port: number }).port));
      }),
    async load() {
      const t0 = performance.now();
      await predictor.load();
      loaded = true;
      log.info('model loaded', { seconds: (performance.now() - t0) / 1000 });
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
