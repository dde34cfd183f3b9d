// Bridges the Cloud Functions (Express) request/response to the Web Request/Response the Hono app speaks, keeping the raw body bytes.
import type { IncomingHttpHeaders } from 'node:http';

/** The parts of the Functions request the bridge reads (firebase-functions' Request has them all). */
export interface FunctionsRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Exactly the bytes the client sent: the HMAC is computed over these. */
  rawBody?: Buffer;
}

export interface FunctionsResponse {
  status(code: number): unknown;
  setHeader(name: string, value: string | string[]): unknown;
  end(body?: Buffer): unknown;
}

/**
 * The function is reached at its own URL (path '/') or through the Hosting rewrite (path '/webhooks');
 * both mean the webhook route.
 */
export function appPath(url: string): string {
  const u = new URL(url, 'http://function.invalid');
  const path = u.pathname === '/' || u.pathname === '' ? '/webhooks' : u.pathname;
  return path + u.search;
}

export function toWebRequest(req: FunctionsRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const host = headers.get('x-forwarded-host') ?? headers.get('host') ?? 'localhost';
  const method = req.method.toUpperCase();
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const body = hasBody ? (req.rawBody ?? Buffer.alloc(0)) : undefined;
  return new Request(`https://${host}${appPath(req.url)}`, { method, headers, ...(body ? { body: new Uint8Array(body) } : {}) });
}

export async function sendWebResponse(res: FunctionsResponse, response: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => {
    if (name !== 'content-length' && name !== 'transfer-encoding') res.setHeader(name, value);
  });
  const body = Buffer.from(await response.arrayBuffer());
  res.setHeader('content-length', String(body.length));
  res.end(body);
}
