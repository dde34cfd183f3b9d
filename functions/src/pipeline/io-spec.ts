// Typed step inputs/outputs: parameter specs (string, number, integer, boolean, JSON object, list) and artifact specs (Dataset, Model, Metrics, Artifact).
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';

export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'list';
export type ArtifactType = 'Dataset' | 'Model' | 'Metrics' | 'Artifact';
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
export type ParamValue = string | number | boolean | JsonObject | JsonValue[];

/** A parameter: a small typed value passed by value. `D` records at the type level whether it has a default (then binding it is optional). */
export interface ParamSpec<T = unknown, D extends boolean = boolean> {
  readonly kind: 'param';
  readonly type: ParamType;
  readonly default?: T;
  readonly description?: string;
  /** Type-level only. */
  readonly __value?: T;
  /** Type-level only. */
  readonly __hasDefault?: D;
}

/** An artifact: a blob passed by URI (a key of the ArtifactStore locally, a gs:// URI in the cloud). */
export interface ArtifactSpec {
  readonly kind: 'artifact';
  readonly type: ArtifactType;
  readonly description?: string;
}

export type IoSpec = ParamSpec | ArtifactSpec;
export type IoMap = Record<string, IoSpec>;

interface Opts { description?: string }
interface WithDefault<T> extends Opts { default: T }

function param<T>(type: ParamType, o?: Opts & { default?: T }): ParamSpec<T, boolean> {
  const spec: { kind: 'param'; type: ParamType; default?: T; description?: string } = { kind: 'param', type };
  if (o?.description !== undefined) spec.description = o.description;
  if (o && 'default' in o && o.default !== undefined) {
    checkParamValue(type, o.default, 'default value');
    spec.default = o.default;
  }
  return Object.freeze(spec);
}

/** Parameter spec constructors. A spec with `default` is optional to bind. */
export const p = {
  string: ((o?: Opts & { default?: string }) => param<string>('string', o)) as {
    (o: WithDefault<string>): ParamSpec<string, true>;
    (o?: Opts): ParamSpec<string, false>;
  },
  /** A double (NUMBER_DOUBLE in KFP). */
  number: ((o?: Opts & { default?: number }) => param<number>('number', o)) as {
    (o: WithDefault<number>): ParamSpec<number, true>;
    (o?: Opts): ParamSpec<number, false>;
  },
  /** A whole number (NUMBER_INTEGER in KFP). */
  integer: ((o?: Opts & { default?: number }) => param<number>('integer', o)) as {
    (o: WithDefault<number>): ParamSpec<number, true>;
    (o?: Opts): ParamSpec<number, false>;
  },
  boolean: ((o?: Opts & { default?: boolean }) => param<boolean>('boolean', o)) as {
    (o: WithDefault<boolean>): ParamSpec<boolean, true>;
    (o?: Opts): ParamSpec<boolean, false>;
  },
  /** A JSON object (STRUCT in KFP). */
  json: (<T extends JsonObject = JsonObject>(o?: Opts & { default?: T }) => param<T>('json', o)) as {
    <T extends JsonObject = JsonObject>(o: WithDefault<T>): ParamSpec<T, true>;
    <T extends JsonObject = JsonObject>(o?: Opts): ParamSpec<T, false>;
  },
  /** A JSON array (LIST in KFP). */
  list: (<T extends JsonValue = JsonValue>(o?: Opts & { default?: T[] }) => param<T[]>('list', o)) as {
    <T extends JsonValue = JsonValue>(o: WithDefault<T[]>): ParamSpec<T[], true>;
    <T extends JsonValue = JsonValue>(o?: Opts): ParamSpec<T[], false>;
  },
};

function artifact(type: ArtifactType, o?: Opts): ArtifactSpec {
  return Object.freeze({ kind: 'artifact' as const, type, ...(o?.description !== undefined ? { description: o.description } : {}) });
}

/** Artifact spec constructors (KFP system.Dataset, system.Model, system.Metrics, system.Artifact). */
export const a = {
  dataset: (o?: Opts) => artifact('Dataset', o),
  model: (o?: Opts) => artifact('Model', o),
  /** Metrics recorded with ctx.metric() are folded into every Metrics output (its metadata, and its content if the step wrote none). */
  metrics: (o?: Opts) => artifact('Metrics', o),
  artifact: (o?: Opts) => artifact('Artifact', o),
};

const SCHEMAS: Record<ParamType, z.ZodType> = {
  string: z.string(),
  number: z.number().finite(),
  integer: z.number().int(),
  boolean: z.boolean(),
  json: z.record(z.string(), z.unknown()).refine((v) => !Array.isArray(v), 'expected an object'),
  list: z.array(z.unknown()),
};

const describe = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`);

/** Throws BAD_REQUEST naming `what` when `value` is not a `type` parameter value. */
export function checkParamValue(type: ParamType, value: unknown, what: string): asserts value is ParamValue {
  const r = SCHEMAS[type].safeParse(value);
  if (!r.success) throw new ShopMlopsError('BAD_REQUEST', `${what} must be ${type === 'integer' ? 'an integer' : type === 'json' ? 'a JSON object' : type === 'list' ? 'a JSON array' : `a ${type}`}, got ${describe(value)}`);
}

/** Parses a parameter from text (CLI flags, KFP placeholders): strings as they are, numbers and booleans by their spelling, JSON by JSON.parse. */
export function parseParamText(type: ParamType, text: string, what: string): ParamValue {
  let value: unknown = text;
  if (type === 'number' || type === 'integer') value = text.trim() === '' ? NaN : Number(text);
  else if (type === 'boolean') value = text === 'true' ? true : text === 'false' ? false : text;
  else if (type === 'json' || type === 'list') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ShopMlopsError('BAD_REQUEST', `${what} must be JSON, got ${JSON.stringify(text.slice(0, 80))}`);
    }
  }
  checkParamValue(type, value, what);
  return value;
}

/** The text form KFP expects in an output parameter file. */
export function formatParamText(type: ParamType, value: ParamValue): string {
  if (type === 'json' || type === 'list') return JSON.stringify(value);
  return String(value);
}

/** Whether a value of type `from` may feed an input of type `to` (an integer is a number; not the other way). */
export function paramTypeAccepts(to: ParamType, from: ParamType): boolean {
  return to === from || (to === 'number' && from === 'integer');
}

/** The parameter type of a constant written in a pipeline definition. */
export function constantType(value: unknown): ParamType | undefined {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (Array.isArray(value)) return 'list';
  if (value !== null && typeof value === 'object') return 'json';
  return undefined;
}

export const isParamSpec = (s: unknown): s is ParamSpec => typeof s === 'object' && s !== null && (s as { kind?: unknown }).kind === 'param';
export const isArtifactSpec = (s: unknown): s is ArtifactSpec => typeof s === 'object' && s !== null && (s as { kind?: unknown }).kind === 'artifact';
