// Strict decoding of protobuf JSON against a .proto with protobufjs: walks the descriptor itself (Type.fromObject drops unknown fields silently), then encodes, decodes and compares.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

export const KFP_PROTO = path.resolve(__dirname, '../../../../shared/protos/kfp/pipeline_spec.proto');

/** google-gax's bundled protos (google/rpc/status.proto), found from a package that depends on it. */
function gaxProtos(): string {
  let dir = path.dirname(require.resolve('google-gax', { paths: [path.dirname(require.resolve('@google-cloud/aiplatform'))] }));
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== 'google-gax') dir = path.dirname(dir);
  return path.join(dir, 'build/protos');
}

export function loadKfpRoot(): protobuf.Root {
  const root = new protobuf.Root();
  const gax = gaxProtos();
  root.resolvePath = (origin, target) => {
    if (target.startsWith('google/protobuf/')) return target; // bundled with protobufjs (common)
    if (target.startsWith('google/')) return path.join(gax, target);
    return path.isAbsolute(target) ? target : path.resolve(path.dirname(origin), target);
  };
  root.loadSync(KFP_PROTO);
  root.resolveAll();
  return root;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface StrictOptions {
  /** Struct-typed fields to check against a message type instead, by '<Type full name>.<field>' (e.g. PipelineSpec.deploymentSpec). */
  structAs?: Record<string, protobuf.Type>;
}

const INT = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const LONG = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** Every problem with `value` as the JSON form of `type`: unknown fields (recursively, through maps, repeated fields, oneofs and Struct overrides), wrong scalar types, unknown enum names. */
export function strictErrors(type: protobuf.Type, value: unknown, opts: StrictOptions = {}, at = type.name): string[] {
  const errors: string[] = [];
  const checkMessage = (t: protobuf.Type, v: unknown, where: string): void => {
    switch (t.fullName) {
      case '.google.protobuf.Struct':
        if (!isObject(v)) errors.push(`${where}: expected a JSON object (Struct)`);
        return;
      case '.google.protobuf.Value':
        return;
      case '.google.protobuf.ListValue':
        if (!Array.isArray(v)) errors.push(`${where}: expected a JSON array (ListValue)`);
        return;
      case '.google.protobuf.Duration':
        if (typeof v !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(v)) errors.push(`${where}: expected a duration like "30s"`);
        return;
      case '.google.protobuf.Timestamp':
        if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(v)) errors.push(`${where}: expected an RFC 3339 timestamp`);
        return;
      case '.google.protobuf.FieldMask':
        if (typeof v !== 'string' || !/^([a-zA-Z][a-zA-Z0-9_.]*)?(,[a-zA-Z][a-zA-Z0-9_.]*)*$/.test(v)) errors.push(`${where}: expected a field mask like "a,b.c"`);
        return;
    }
    if (!isObject(v)) {
      errors.push(`${where}: expected an object (${t.fullName.slice(1)})`);
      return;
    }
    for (const [k, fv] of Object.entries(v)) {
      const f = t.fields[k];
      if (!f) {
        errors.push(`${where}.${k}: unknown field of ${t.fullName.slice(1)}`);
        continue;
      }
      f.resolve();
      const override = opts.structAs?.[`${t.fullName.slice(1)}.${k}`];
      const checkOne = (x: unknown, w: string) => {
        if (override) return checkMessage(override, x, w);
        if (f.resolvedType instanceof protobuf.Type) return checkMessage(f.resolvedType, x, w);
        if (f.resolvedType instanceof protobuf.Enum) {
          if (!(typeof x === 'string' && x in f.resolvedType.values) && !(typeof x === 'number' && Object.values(f.resolvedType.values).includes(x))) errors.push(`${w}: ${JSON.stringify(x)} is not a value of ${f.resolvedType.fullName.slice(1)}`);
          return;
        }
        const ok =
          f.type === 'string' ? typeof x === 'string'
          : f.type === 'bool' ? typeof x === 'boolean'
          : f.type === 'double' || f.type === 'float' ? typeof x === 'number'
          : INT.has(f.type) ? Number.isInteger(x)
          : LONG.has(f.type) ? Number.isInteger(x) || (typeof x === 'string' && /^-?\d+$/.test(x))
          : f.type === 'bytes' ? typeof x === 'string'
          : false;
        if (!ok) errors.push(`${w}: ${JSON.stringify(x)} is not a ${f.type}`);
      };
      if (f.map) {
        if (!isObject(fv)) errors.push(`${where}.${k}: expected a map object`);
        else for (const [mk, mv] of Object.entries(fv)) checkOne(mv, `${where}.${k}[${JSON.stringify(mk)}]`);
      } else if (f.repeated) {
        if (!Array.isArray(fv)) errors.push(`${where}.${k}: expected an array`);
        else fv.forEach((x, i) => checkOne(x, `${where}.${k}[${i}]`));
      } else checkOne(fv, `${where}.${k}`);
    }
    for (const o of t.oneofsArray) {
      const set = o.fieldsArray.filter((f) => v[f.name] !== undefined).map((f) => f.name);
      if (set.length > 1) errors.push(`${where}: oneof ${o.name} has ${set.join(' and ')} set`);
    }
  };
  checkMessage(type, value, at);
  return errors;
}

// JSON ↔ protobufjs object form (Struct/Value as {fields}/{kind} messages), so the message can be encoded and decoded.
const toValue = (v: Json): Record<string, unknown> =>
  v === null ? { nullValue: 'NULL_VALUE' }
  : typeof v === 'number' ? { numberValue: v }
  : typeof v === 'string' ? { stringValue: v }
  : typeof v === 'boolean' ? { boolValue: v }
  : Array.isArray(v) ? { listValue: { values: v.map(toValue) } }
  : { structValue: { fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toValue(x)])) } };
const fromValue = (v: Record<string, unknown>): Json => {
  if ('structValue' in v) return Object.fromEntries(Object.entries(((v['structValue'] as { fields?: Record<string, Record<string, unknown>> }).fields ?? {})).map(([k, x]) => [k, fromValue(x)]));
  if ('listValue' in v) return ((v['listValue'] as { values?: Record<string, unknown>[] }).values ?? []).map(fromValue);
  if ('stringValue' in v) return v['stringValue'] as string;
  if ('numberValue' in v) return v['numberValue'] as number;
  if ('boolValue' in v) return v['boolValue'] as boolean;
  return null;
};

function convert(t: protobuf.Type, v: Json, dir: 'in' | 'out'): unknown {
  if (t.fullName === '.google.protobuf.Value') return dir === 'in' ? toValue(v) : fromValue(v as Record<string, unknown>);
  if (t.fullName === '.google.protobuf.Struct') return dir === 'in' ? (toValue(v) as { structValue: unknown }).structValue : fromValue({ structValue: v });
  if (t.fullName === '.google.protobuf.ListValue') return dir === 'in' ? (toValue(v) as { listValue: unknown }).listValue : fromValue({ listValue: v });
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, fv] of Object.entries(v)) {
    const f = t.fields[k];
    if (!f) continue;
    const one = (x: Json) => (f.resolvedType instanceof protobuf.Type ? convert(f.resolvedType, x, dir) : x);
    out[k] = f.map ? Object.fromEntries(Object.entries(fv as Record<string, Json>).map(([mk, mv]) => [mk, one(mv)])) : f.repeated ? (fv as Json[]).map(one) : one(fv);
  }
  return out;
}

/** Encodes the JSON as `type`, decodes the bytes and returns the decoded message as JSON again (what a reader of the wire sees). */
export function wireRoundTrip(type: protobuf.Type, json: unknown): unknown {
  const obj = convert(type, json as Json, 'in') as Record<string, unknown>;
  const message = type.fromObject(obj);
  const problem = type.verify(message);
  if (problem) throw new Error(`${type.name}: ${problem}`);
  const bytes = type.encode(message).finish();
  const decoded = type.toObject(type.decode(bytes), { enums: String, longs: Number, arrays: false, objects: false, defaults: false, oneofs: false });
  return convert(type, decoded as Json, 'out');
}
