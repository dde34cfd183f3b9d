// Shared by the Vertex AI adapters: the regional endpoint, REST timestamps, google.rpc codes → ShopMlopsError, the shops' model ids.
import { createHash } from 'node:crypto';
import { ShopMlopsError } from '../../core/errors';
import type { Json, VertexRestOptions } from './vertex-rest';

export type { Json };
/** How an adapter builds its own REST transport when none is given (apiEndpoint, auth, fetch, poll): everything but the location. */
export type VertexClientOptions = Omit<VertexRestOptions, 'location'>;

/** The regional endpoint Vertex AI answers on, e.g. `us-central1-aiplatform.googleapis.com`. */
export const regionalEndpoint = (location: string): string => `${location}-aiplatform.googleapis.com`;

export const asObject = (v: Json | undefined): { [k: string]: Json } => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});

/** A google.protobuf.Timestamp in JSON (RFC 3339, up to nanoseconds) as an ISO string with milliseconds; null when absent or unreadable. */
export function timestampToIso(ts: string | null | undefined): string | null {
  if (!ts) return null;
  const d = new Date(ts.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The last path segment of a resource name (`.../contexts/abc` → `abc`). */
export const lastSegment = (name: string | null | undefined): string => (name ?? '').slice((name ?? '').lastIndexOf('/') + 1);

/** google.rpc status codes the adapters act on (a gRPC error's `code`, a REST error's `status` by name). */
export const Code = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

export const grpcCode = (err: unknown): number | undefined => {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : undefined;
};

/** The HTTP status of a failed REST call (VertexApiError), if it was one. */
const httpStatusOf = (err: unknown): number | undefined => {
  const s = (err as { httpStatus?: unknown } | null)?.httpStatus;
  return typeof s === 'number' && s > 0 ? s : undefined;
};

/** Maps a failed Vertex call (gRPC or REST) onto the product's error codes (retryable for outages, 5xx and quota). */
export function vertexError(err: unknown, what: string): ShopMlopsError {
  if (err instanceof ShopMlopsError) return err;
  const code = grpcCode(err);
  const msg = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  if (code === Code.INVALID_ARGUMENT || code === Code.FAILED_PRECONDITION) return new ShopMlopsError('BAD_REQUEST', msg, { cause: err });
  if (code === Code.NOT_FOUND) return new ShopMlopsError('NOT_FOUND', msg, { cause: err });
  if (code === Code.PERMISSION_DENIED || code === Code.UNAUTHENTICATED) return new ShopMlopsError('UNAUTHORIZED', msg, { cause: err });
  return new ShopMlopsError('UNAVAILABLE', msg, { cause: err, retryable: code === undefined || (httpStatusOf(err) ?? 0) >= 500 || httpStatusOf(err) === 429 || code === Code.UNAVAILABLE || code === Code.DEADLINE_EXCEEDED || code === Code.RESOURCE_EXHAUSTED || code === Code.ABORTED });
}

/**
 * The Vertex model id of a shop's model: `m<12 hex of sha256(shop)>-<model>` (ids are [a-z0-9_-], at most 63
 * characters, so the domain itself cannot be part of it). The registry and the endpoints name models the same way.
 */
export function vertexModelId(shop: string, model: string): string {
  return `${vertexShopKey(shop)}-${model}`;
}

/** A shop as a Vertex label value (and the model ids' prefix): `m` + 12 hex of sha256(shop). */
export function vertexShopKey(shop: string): string {
  return `m${createHash('sha256').update(shop).digest('hex').slice(0, 12)}`;
}
