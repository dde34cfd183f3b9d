// The REST/JSON face of a proto-defined service, for in-process fakes: routes from the methods' google.api.http annotations, the proto3 JSON mapping both ways (strict: an unknown field is an error), google.rpc errors as HTTP.
import * as protobuf from 'protobufjs';
import { strictErrors } from '../../pipeline/support/strict-proto';

/* eslint-disable @typescript-eslint/no-explicit-any -- message objects are whatever protobufjs makes of the descriptor */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface RestRoute {
  /** e.g. 'UpdateEndpoint' */
  method: string;
  httpMethod: string;
  /** The annotation's path template, e.g. `/v1/{endpoint.name=projects/*\/locations/*\/endpoints/*}`. */
  template: string;
  /** The annotation's body: '*', a field name (snake_case), or undefined (no body). */
  body: string | undefined;
  regex: RegExp;
  /** The template's variables in order: field paths (snake_case, dotted). */
  vars: string[];
  requestType: protobuf.Type;
  responseType: protobuf.Type;
}

const VERBS = ['get', 'post', 'patch', 'put', 'delete'] as const;
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `/v1/{name=projects/*\/models/*}:listVersions` → a regex over the (still percent-encoded) path, one group per variable. */
export function compileTemplate(template: string): { regex: RegExp; vars: string[] } {
  const vars: string[] = [];
  const segmentPattern = (p: string) => p.split('/').map((s) => (s === '**' ? '.+' : s === '*' ? '[^/:]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  let re = '';
  let rest = template;
  while (rest) {
    const open = rest.indexOf('{');
    if (open < 0) {
      re += segmentPattern(rest);
      break;
    }
    re += segmentPattern(rest.slice(0, open));
    const close = rest.indexOf('}', open);
    const [field, pattern = '*'] = rest.slice(open + 1, close).split('=');
    vars.push(field!);
    re += `(${segmentPattern(pattern)})`;
    rest = rest.slice(close + 1);
  }
  return { regex: new RegExp(`^${re}$`), vars };
}

/** Every method of the services with a google.api.http rule (additional bindings included). */
export function httpRoutes(root: protobuf.Root, services: string[]): RestRoute[] {
  const routes: RestRoute[] = [];
  for (const s of services) {
    const service = root.lookupService(s);
    for (const m of service.methodsArray) {
      m.resolve();
      const rules = (m.parsedOptions ?? []).map((o: Record<string, any>) => o['(google.api.http)']).filter(Boolean) as Array<Record<string, any>>;
      for (const rule of rules.flatMap((r) => [r, ...(r['additional_bindings'] ? [].concat(r['additional_bindings']) : [])])) {
        const verb = VERBS.find((v) => typeof rule[v] === 'string');
        if (!verb) continue;
        routes.push({ method: m.name, httpMethod: verb.toUpperCase(), template: rule[verb], body: rule['body'], ...compileTemplate(rule[verb]), requestType: m.resolvedRequestType!, responseType: m.resolvedResponseType! });
      }
    }
  }
  return routes;
}

export function matchRoute(routes: RestRoute[], httpMethod: string, pathname: string): { route: RestRoute; vars: Record<string, string> } | null {
  for (const route of routes) {
    if (route.httpMethod !== httpMethod) continue;
    const m = route.regex.exec(pathname);
    if (m) return { route, vars: Object.fromEntries(route.vars.map((v, i) => [v, decodeURIComponent(m[i + 1]!)])) };
  }
  return null;
}

/** Sets a dotted snake_case field path on a JSON object (camelCase keys, as the JSON mapping names them). */
function setPath(obj: Record<string, Json>, fieldPath: string, value: Json): void {
  const parts = fieldPath.split('.').map(camel);
  let o = obj;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, Json>;
  o[parts.at(-1)!] = value;
}

/** A query parameter's text as the JSON value its field takes (numbers for 32-bit ints and doubles, booleans). */
function queryValue(type: protobuf.Type, fieldPath: string, text: string): Json {
  let t: protobuf.Type = type;
  let f: protobuf.Field | undefined;
  for (const p of fieldPath.split('.').map(camel)) {
    f = t.fields[p];
    if (!f) return text;
    f.resolve();
    if (f.resolvedType instanceof protobuf.Type) t = f.resolvedType;
  }
  if (!f) return text;
  if (['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'double', 'float'].includes(f.type)) return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  if (f.type === 'bool') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/**
 * The request message a REST call stands for, in JSON: the body (all of it for `body: "*"`, else one field), the path's
 * variables, then the query parameters (field paths, as in the http rule's spec). Returns the problems, if any, with it
 * as JSON of the request type (unknown fields, wrong types: what Vertex refuses with 400).
 */
export function restRequestJson(route: RestRoute, vars: Record<string, string>, query: URLSearchParams, body: unknown): { json: Record<string, Json>; errors: string[] } {
  const errors: string[] = [];
  let json: Record<string, Json> = {};
  if (route.body === '*') {
    if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) errors.push(`${route.method}: the body must be a JSON object`);
    else json = { ...(body as Record<string, Json>) };
  } else if (route.body) {
    if (body === undefined) errors.push(`${route.method}: the body (${route.body}) is missing`);
    else setPath(json, route.body, body as Json);
  } else if (body !== undefined) errors.push(`${route.method}: takes no body`);
  for (const [field, value] of Object.entries(vars)) setPath(json, field, value);
  for (const [k, v] of query) {
    if (route.vars.includes(snake(k)) || route.vars.includes(k)) errors.push(`${route.method}: query parameter ${k} repeats a path variable`);
    setPath(json, snake(k), queryValue(route.requestType, k, v));
  }
  errors.push(...strictErrors(route.requestType, json));
  return { json, errors };
}

// ---- proto3 JSON mapping ↔ protobufjs object form ----

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

function valueFromJson(v: Json): any {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(valueFromJson) } };
  return { structValue: { fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, valueFromJson(x)])) } };
}
function valueToJson(v: any): Json {
  if (!v) return null;
  if (v.structValue) return Object.fromEntries(Object.entries((v.structValue.fields ?? {}) as Record<string, any>).map(([k, x]) => [k, valueToJson(x)]));
  if (v.listValue) return ((v.listValue.values ?? []) as any[]).map(valueToJson);
  if (v.stringValue !== undefined && v.stringValue !== null) return v.stringValue as string;
  if (v.numberValue !== undefined && v.numberValue !== null) return Number(v.numberValue);
  if (v.boolValue !== undefined && v.boolValue !== null) return Boolean(v.boolValue);
  return null;
}
function secondsFromText(text: string): { seconds: string; nanos: number } {
  const ms = Date.parse(text.replace(/\.\d+/, ''));
  const frac = /\.(\d+)/.exec(text)?.[1] ?? '';
  return { seconds: String(Math.floor(ms / 1000)), nanos: Number(frac.padEnd(9, '0').slice(0, 9)) };
}

/** JSON (proto3 mapping) → the object form protobufjs' fromObject takes. */
export function fromProtoJson(type: protobuf.Type, v: Json): any {
  switch (type.fullName) {
    case '.google.protobuf.Value':
      return valueFromJson(v);
    case '.google.protobuf.Struct':
      return valueFromJson(v).structValue;
    case '.google.protobuf.ListValue':
      return valueFromJson(v).listValue;
    case '.google.protobuf.Timestamp':
      return secondsFromText(String(v));
    case '.google.protobuf.Duration': {
      const [s, f = ''] = String(v).replace(/s$/, '').split('.');
      return { seconds: s, nanos: Number(f.padEnd(9, '0').slice(0, 9)) };
    }
    case '.google.protobuf.FieldMask':
      return { paths: String(v).split(',').filter(Boolean).map(snake) };
  }
  if (!isObject(v)) return v;
  const out: Record<string, any> = {};
  for (const [k, fv] of Object.entries(v)) {
    const f = type.fields[k];
    if (!f) continue;
    f.resolve();
    const one = (x: Json) => (f.resolvedType instanceof protobuf.Type ? fromProtoJson(f.resolvedType, x) : x);
    out[k] = f.map ? Object.fromEntries(Object.entries(fv as Record<string, Json>).map(([mk, mv]) => [mk, one(mv)])) : f.repeated ? (fv as Json[]).map(one) : one(fv);
  }
  return out;
}

/** protobufjs' toObject form ({longs: String, enums: String, bytes: String}) → JSON (proto3 mapping); Any is unpacked with the root's types. */
export function toProtoJson(root: protobuf.Root, type: protobuf.Type, v: any): Json {
  switch (type.fullName) {
    case '.google.protobuf.Value':
      return valueToJson(v);
    case '.google.protobuf.Struct':
      return valueToJson({ structValue: v });
    case '.google.protobuf.ListValue':
      return valueToJson({ listValue: v });
    case '.google.protobuf.Timestamp': {
      const iso = new Date(Number(v.seconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, '');
      const nanos = Number(v.nanos ?? 0);
      return `${iso}${nanos ? `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}` : ''}Z`;
    }
    case '.google.protobuf.Duration':
      return `${Number(v.seconds ?? 0) + Number(v.nanos ?? 0) / 1e9}s`;
    case '.google.protobuf.FieldMask':
      return ((v.paths ?? []) as string[]).map(camel).join(',');
    case '.google.protobuf.Any': {
      // protobufjs' bundled Any keeps the proto's field name, type_url.
      const url = String(v.type_url ?? v.typeUrl);
      const t = root.lookupType(url.slice(url.lastIndexOf('/') + 1));
      const inner = toProtoJson(root, t, t.toObject(t.decode(Buffer.from(String(v.value ?? ''), 'base64')), { longs: String, enums: String, bytes: String }));
      return isObject(inner) ? { '@type': url, ...inner } : { '@type': url, value: inner };
    }
  }
  const out: Record<string, Json> = {};
  for (const [k, fv] of Object.entries(v as Record<string, any>)) {
    const f = type.fields[k];
    if (!f || fv === undefined || fv === null) continue;
    f.resolve();
    const one = (x: any): Json => (f.resolvedType instanceof protobuf.Type ? toProtoJson(root, f.resolvedType, x) : x);
    out[k] = f.map ? Object.fromEntries(Object.entries(fv as Record<string, any>).map(([mk, mv]) => [mk, one(mv)])) : f.repeated ? (fv as any[]).map(one) : one(fv);
  }
  return out;
}

/** A request in JSON → the decoded message as a gRPC server saw it (proto-loader's options: defaults, oneof names, longs and enums as strings). */
export function toServerObject(type: protobuf.Type, json: Record<string, Json>): any {
  const message = type.fromObject(fromProtoJson(type, json));
  const problem = type.verify(message);
  if (problem) throw new Error(`${type.name}: ${problem}`);
  return type.toObject(type.decode(type.encode(message).finish()), { longs: String, enums: String, defaults: true, oneofs: true });
}

/** A handler's answer (proto-loader object form) → JSON as it leaves the server: encoded and decoded (defaults dropped), then the JSON mapping. */
export function toResponseJson(root: protobuf.Root, type: protobuf.Type, obj: unknown): Json {
  const message = type.fromObject(obj as Record<string, unknown>);
  const decoded = type.decode(type.encode(message).finish());
  return toProtoJson(root, type, type.toObject(decoded, { longs: String, enums: String, bytes: String }));
}

/** google.rpc.Code → HTTP status, as Google's REST front ends map them. */
export const HTTP_STATUS: Record<number, number> = { 1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401 };
export const CODE_NAME: Record<number, string> = { 1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND', 6: 'ALREADY_EXISTS', 7: 'PERMISSION_DENIED', 8: 'RESOURCE_EXHAUSTED', 9: 'FAILED_PRECONDITION', 10: 'ABORTED', 11: 'OUT_OF_RANGE', 12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE', 15: 'DATA_LOSS', 16: 'UNAUTHENTICATED' };
