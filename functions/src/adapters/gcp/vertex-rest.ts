// Vertex AI over its documented REST API (https://{location}-aiplatform.googleapis.com/v1/...): authenticated JSON requests, google.rpc errors, long-running operations polled to the end.
import { GoogleAuth } from 'google-auth-library';
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import { regionalEndpoint } from './vertex-common';

/**
 * JSON as the REST surface speaks it (the proto3 JSON mapping): camelCase field names, int64 as strings, enums by
 * name, Timestamp as RFC 3339 text, google.protobuf.Struct / Value as plain JSON.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** What supplies the Authorization header (google-auth-library's GoogleAuth and its clients have this method). */
export interface RequestHeaderSource {
  getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>;
}

export interface VertexRestOptions {
  /** Vertex region, e.g. us-central1: requests go to `https://<location>-aiplatform.googleapis.com`. */
  location: string;
  /** Replaces the regional host, as the gRPC clients' apiEndpoint did: a host (`example.com`, https) or an origin (`http://127.0.0.1:PORT`). */
  apiEndpoint?: string;
  /** Default: GoogleAuth with the cloud-platform scope (Application Default Credentials). null: no Authorization header (a local fake). */
  auth?: RequestHeaderSource | null;
  fetch?: typeof fetch;
  /** One request's time limit (ms). Default 60 s. */
  timeoutMs?: number;
  /** Long-running operations: first poll after initialMs, then ×1.5 up to maxMs between polls, given up after timeoutMs. */
  poll?: { initialMs?: number; maxMs?: number; timeoutMs?: number };
}

/** google.rpc.Code by name (the `status` of a REST error body). */
export const RPC_CODES: Record<string, number> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/** The google.rpc code a bare HTTP status stands for (a body without `status`: a proxy, a load balancer). */
function codeOfHttpStatus(s: number): number {
  if (s === 400) return RPC_CODES['INVALID_ARGUMENT']!;
  if (s === 401) return RPC_CODES['UNAUTHENTICATED']!;
  if (s === 403) return RPC_CODES['PERMISSION_DENIED']!;
  if (s === 404) return RPC_CODES['NOT_FOUND']!;
  if (s === 409) return RPC_CODES['ABORTED']!;
  if (s === 429) return RPC_CODES['RESOURCE_EXHAUSTED']!;
  if (s === 501) return RPC_CODES['UNIMPLEMENTED']!;
  if (s === 504) return RPC_CODES['DEADLINE_EXCEEDED']!;
  if (s >= 500) return RPC_CODES['UNAVAILABLE']!;
  return RPC_CODES['UNKNOWN']!;
}

/** A failed Vertex call: `code` is the google.rpc code (what the gRPC clients' errors carried), `httpStatus` the HTTP one (0: no answer). */
export class VertexApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    readonly httpStatus: number,
    /** The service's own message. */
    readonly details: string,
  ) {
    super(`${status}: ${details}`);
    this.name = 'VertexApiError';
  }
}

const errorBody = z.object({ error: z.object({ code: z.number().optional(), message: z.string().optional(), status: z.string().optional() }) });
const rpcStatus = z.object({ code: z.number().optional(), message: z.string().optional() });
/** google.longrunning.Operation in JSON. */
export const operationSchema = z.object({ name: z.string(), done: z.boolean().optional(), error: rpcStatus.optional(), response: z.record(z.string(), z.unknown()).optional() });
export type Operation = z.infer<typeof operationSchema>;

export interface RequestOptions<T> {
  /** A REST custom verb: `POST v1/{endpoint}:deployModel`. */
  verb?: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** The answer's shape; a mismatch is an UNAVAILABLE ShopMlopsError (Vertex answered something else). */
  schema?: z.ZodType<T>;
}

export interface VertexRest {
  readonly origin: string;
  request<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', resource: string, opts?: RequestOptions<T>): Promise<T>;
  /** Polls `GET v1/{operation.name}` until done; the operation's error is thrown as a VertexApiError, its response parsed with the schema. */
  wait<T = unknown>(op: Operation, schema?: z.ZodType<T>): Promise<T>;
}

/** `projects/p/locations/l/models/m@3` → each segment escaped, the slashes kept (the templates' `*` match one segment each). */
const encodeResource = (resource: string): string => resource.split('/').map((s) => encodeURIComponent(s).replace(/%40/g, '@')).join('/');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createVertexRest(opts: VertexRestOptions): VertexRest {
  const host = opts.apiEndpoint ?? regionalEndpoint(opts.location);
  const origin = /^https?:\/\//.test(host) ? host.replace(/\/+$/, '') : `https://${host}`;
  const doFetch = opts.fetch ?? fetch;
  const auth: RequestHeaderSource | null = opts.auth === undefined ? new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }) : opts.auth;
  const timeoutMs = opts.timeoutMs ?? 60_000;

  const parse = <T>(schema: z.ZodType<T> | undefined, value: unknown, what: string): T => {
    if (!schema) return value as T;
    const r = schema.safeParse(value);
    if (!r.success) throw new ShopMlopsError('UNAVAILABLE', `${what}: unexpected answer from Vertex AI: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return r.data;
  };

  const request = async <T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', resource: string, o: RequestOptions<T> = {}): Promise<T> => {
    const query = Object.entries(o.query ?? {}).filter((e): e is [string, string | number] => e[1] !== undefined);
    const url = `${origin}/v1/${encodeResource(resource)}${o.verb ? `:${o.verb}` : ''}${query.length ? `?${new URLSearchParams(query.map(([k, v]) => [k, String(v)])).toString()}` : ''}`;
    const what = `${method} ${resource}${o.verb ? `:${o.verb}` : ''}`;
    const headers = new Headers(auth ? await auth.getRequestHeaders(url) : undefined);
    headers.set('accept', 'application/json');
    if (o.body !== undefined) headers.set('content-type', 'application/json');
    let res: Response;
    try {
      res = await doFetch(url, { method, headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}), signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const timedOut = (err as { name?: string } | null)?.name === 'TimeoutError';
      throw new VertexApiError(RPC_CODES[timedOut ? 'DEADLINE_EXCEEDED' : 'UNAVAILABLE']!, timedOut ? 'DEADLINE_EXCEEDED' : 'UNAVAILABLE', 0, `${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = null;
    }
    if (!res.ok) {
      const e = errorBody.safeParse(body);
      const status = e.success && e.data.error.status && e.data.error.status in RPC_CODES ? e.data.error.status : undefined;
      const code = status ? RPC_CODES[status]! : codeOfHttpStatus(res.status);
      const message = e.success ? (e.data.error.message ?? '') : text.slice(0, 200);
      throw new VertexApiError(code, status ?? `HTTP ${res.status}`, res.status, message);
    }
    if (body === null) throw new ShopMlopsError('UNAVAILABLE', `${what}: Vertex AI answered ${res.status} with a body that is not JSON`);
    return parse(o.schema, body, what);
  };

  const wait = async <T>(first: Operation, schema?: z.ZodType<T>): Promise<T> => {
    let op = first;
    let delay = opts.poll?.initialMs ?? 1000;
    const deadline = Date.now() + (opts.poll?.timeoutMs ?? 60 * 60_000);
    while (!op.done) {
      if (Date.now() > deadline) throw new ShopMlopsError('UNAVAILABLE', `operation ${op.name} is still running; gave up waiting`, { retryable: true });
      await sleep(delay);
      delay = Math.min(Math.max(delay, 100) * 1.5, opts.poll?.maxMs ?? 10_000);
      op = await request('GET', op.name, { schema: operationSchema });
    }
    if (op.error) {
      const code = op.error.code ?? RPC_CODES['UNKNOWN']!;
      throw new VertexApiError(code, Object.keys(RPC_CODES).find((k) => RPC_CODES[k] === code) ?? 'UNKNOWN', 0, `operation ${op.name} failed: ${op.error.message ?? ''}`);
    }
    const { ['@type']: _type, ...response } = op.response ?? {};
    return parse(schema, response, `operation ${op.name}`);
  };

  return { origin, request, wait };
}
