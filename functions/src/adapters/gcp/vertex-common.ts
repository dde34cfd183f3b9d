// Shared by the Vertex AI adapters: lazy client loading, protobuf Struct <-> JSON, timestamps, gRPC errors → ShopMlopsError.
import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/aiplatform';
import type { EndpointServiceClient } from '@google-cloud/aiplatform/build/src/v1/endpoint_service_client';
import type { MetadataServiceClient } from '@google-cloud/aiplatform/build/src/v1/metadata_service_client';
import type { ModelServiceClient } from '@google-cloud/aiplatform/build/src/v1/model_service_client';
import { ShopMlopsError } from '../../core/errors';

export type { EndpointServiceClient, MetadataServiceClient, ModelServiceClient };
/** What the generated clients accept: apiEndpoint, port, sslCreds, projectId, credentials, ... */
export type VertexClientOptions = ConstructorParameters<typeof ModelServiceClient>[0];

/** Loads only the one generated client (the package index loads every service, which takes seconds). */
export function newModelServiceClient(opts: VertexClientOptions): ModelServiceClient {
  const mod = require('@google-cloud/aiplatform/build/src/v1/model_service_client') as { ModelServiceClient: typeof ModelServiceClient };
  return new mod.ModelServiceClient(opts);
}

export function newMetadataServiceClient(opts: VertexClientOptions): MetadataServiceClient {
  const mod = require('@google-cloud/aiplatform/build/src/v1/metadata_service_client') as { MetadataServiceClient: typeof MetadataServiceClient };
  return new mod.MetadataServiceClient(opts);
}

export function newEndpointServiceClient(opts: VertexClientOptions): EndpointServiceClient {
  const mod = require('@google-cloud/aiplatform/build/src/v1/endpoint_service_client') as { EndpointServiceClient: typeof EndpointServiceClient };
  return new mod.EndpointServiceClient(opts);
}

/** The regional endpoint Vertex AI answers on, e.g. `us-central1-aiplatform.googleapis.com`. */
export const regionalEndpoint = (location: string): string => `${location}-aiplatform.googleapis.com`;

// ---- google.protobuf.Struct ----

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function toValue(v: unknown): protos.google.protobuf.IValue {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  if (typeof v === 'object') return { structValue: toStruct(v as Record<string, unknown>) };
  return { stringValue: String(v) };
}

export function toStruct(o: Record<string, unknown>): protos.google.protobuf.IStruct {
  const fields: Record<string, protos.google.protobuf.IValue> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) fields[k] = toValue(v);
  return { fields };
}

export function fromValue(v: protos.google.protobuf.IValue | null | undefined): Json {
  if (!v) return null;
  if (v.structValue) return fromStruct(v.structValue);
  if (v.listValue) return (v.listValue.values ?? []).map(fromValue);
  if (v.stringValue !== undefined && v.stringValue !== null) return v.stringValue;
  if (v.numberValue !== undefined && v.numberValue !== null) return Number(v.numberValue);
  if (v.boolValue !== undefined && v.boolValue !== null) return v.boolValue;
  return null;
}

export function fromStruct(s: protos.google.protobuf.IStruct | null | undefined): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(s?.fields ?? {})) out[k] = fromValue(v);
  return out;
}

export const asObject = (v: Json | undefined): { [k: string]: Json } => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});

// ---- misc ----

export function timestampToIso(ts: protos.google.protobuf.ITimestamp | null | undefined): string | null {
  if (!ts || ts.seconds === null || ts.seconds === undefined) return null;
  return new Date(Number(ts.seconds) * 1000 + Math.round(Number(ts.nanos ?? 0) / 1e6)).toISOString();
}

/** The last path segment of a resource name (`.../contexts/abc` → `abc`). */
export const lastSegment = (name: string | null | undefined): string => (name ?? '').slice((name ?? '').lastIndexOf('/') + 1);

/** gRPC status codes the adapters act on. */
export const Code = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

export const grpcCode = (err: unknown): number | undefined => {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : undefined;
};

/** Maps a failed Vertex call onto the product's error codes (retryable for outages and quota). */
export function vertexError(err: unknown, what: string): ShopMlopsError {
  if (err instanceof ShopMlopsError) return err;
  const code = grpcCode(err);
  const msg = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  if (code === Code.INVALID_ARGUMENT || code === Code.FAILED_PRECONDITION) return new ShopMlopsError('BAD_REQUEST', msg, { cause: err });
  if (code === Code.NOT_FOUND) return new ShopMlopsError('NOT_FOUND', msg, { cause: err });
  if (code === Code.PERMISSION_DENIED || code === Code.UNAUTHENTICATED) return new ShopMlopsError('UNAUTHORIZED', msg, { cause: err });
  return new ShopMlopsError('UNAVAILABLE', msg, { cause: err, retryable: code === undefined || code === Code.UNAVAILABLE || code === Code.DEADLINE_EXCEEDED || code === Code.RESOURCE_EXHAUSTED || code === Code.ABORTED });
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
