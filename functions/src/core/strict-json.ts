// Landing JSON: one pass rejects what a warehouse would refuse or read ambiguously, and builds only the fields a schema reads.
import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';

/**
 * Which parts of a document to build: `all` (the whole value, ids beyond 2^53 as exact decimal strings),
 * `fields` (an object: only these keys; other keys are still checked, never built) or `items` (an array of).
 * A value of another kind than its shape expects is built whole, so the schema reports the mismatch.
 */
export type JsonShape =
  | { readonly kind: 'all' }
  | { readonly kind: 'fields'; readonly fields: readonly FieldShape[]; /** bit (hash & 31) set per field: most other keys skip the lookup */ readonly mask: number }
  | { readonly kind: 'items'; readonly items: JsonShape };

export interface FieldShape {
  readonly name: string;
  readonly hash: number;
  readonly shape: JsonShape;
}

export const ALL: JsonShape = { kind: 'all' };

/** Why a body was refused, with the JSON path of the problem (e.g. `$.line_items[0].id`). */
export class JsonRejected extends Error {}

/**
 * BigQuery's JSON type nests at most 500 levels (DuckDB's yyjson takes more); deeper bodies are refused
 * here, which also bounds this reader's recursion.
 */
export const MAX_DEPTH = 500;

/**
 * A cheap hash of a key's UTF-8 bytes [start, end): its length and a few bytes, not every byte (keys that share
 * it are compared in full). Reading every byte of every key cost more than the rest of a key's handling.
 */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n === 0) return 0;
  let h = Math.imul(n ^ bytes[start]!, 0x9e3779b1);
  h = Math.imul(h ^ bytes[end - 1]!, 0x85ebca6b);
  h = Math.imul(h ^ bytes[start + (n >> 1)]!, 0xc2b2ae35);
  if (n > 3) h = Math.imul(h ^ bytes[start + 1]! ^ (bytes[end - 2]! << 8), 0x27d4eb2f);
  return h ^ (h >>> 15);
}

function hashOf(s: string): number {
  const bytes = Buffer.from(s, 'utf8');
  return hashBytes(bytes, 0, bytes.length);
}

/** The shape of what a zod schema reads: loose/stripping objects → their declared fields; strict objects and leaves → all. */
export function shapeOfSchema(schema: z.ZodType): JsonShape {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case 'object': {
      const catchall = def['catchall'] as z.ZodType | undefined;
      if (catchall && shapeKind(catchall) === 'never') return ALL; // strict: the schema must see every key
      const shape = def['shape'] as Record<string, z.ZodType>;
      const fields = Object.entries(shape).map(([name, s]) => ({ name, hash: hashOf(name), shape: shapeOfSchema(s) }));
      return { kind: 'fields', fields, mask: fields.reduce((m, f) => m | (1 << (f.hash & 31)), 0) };
    }
    case 'array':
      return { kind: 'items', items: shapeOfSchema(def['element'] as z.ZodType) };
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return shapeOfSchema(def['innerType'] as z.ZodType);
    case 'pipe':
      return shapeOfSchema(def['in'] as z.ZodType);
    default:
      return ALL;
  }
}

function shapeKind(schema: z.ZodType): string {
  return (schema as unknown as { _zod: { def: { type: string } } })._zod.def.type;
}

// The reader's state: one document at a time (synchronous, so module state is safe and fastest).
const EMPTY = Buffer.alloc(0);
/** The document's bytes (UTF-8, checked), and its text when every byte is ASCII (then byte and character offsets agree). */
let b: Buffer = EMPTY;
let asciiText: string | null = null;
let pos = 0;
let len = 0;
let level = 0;
/** The path to the current value: per level a key's [start, end) in the bytes, or start -1 and an array index in end. */
const pathStart = new Int32Array(MAX_DEPTH + 1);
const pathEnd = new Int32Array(MAX_DEPTH + 1);
/** Keys of the objects being read (a stack): hash, start, end; and a 256-bit filter of hashes per open object. */
let keyHash = new Int32Array(256);
let keyStart = new Int32Array(256);
let keyEnd = new Int32Array(256);
let keyTop = 0;
const filter = new Int32Array((MAX_DEPTH + 1) * 8);
/** 1 for the bytes that end a run of plain string content: '"', '\\' and control characters. */
const STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STOP[c] = 1;
STOP[0x22] = 1;
STOP[0x5c] = 1;
/** Set by readKey: the key's text has escapes (compare it decoded). */
let keyEscaped = false;

function describe(i: number): string {
  if (i >= len) return 'end of input';
  const c = b[i]!;
  return `${c >= 0x20 && c < 0x7f ? JSON.stringify(String.fromCharCode(c)) : `byte 0x${c.toString(16).padStart(2, '0')}`} at byte ${i}`;
}

/** The text of bytes [start, end). */
function text(start: number, end: number): string {
  return asciiText !== null ? asciiText.slice(start, end) : b.toString('utf8', start, end);
}

function pathText(upTo: number): string {
  let out = '$';
  for (let d = 0; d < upTo; d++) {
    const s = pathStart[d]!;
    const e = pathEnd[d]!;
    if (s === -1) {
      if (e < 0) break;
      out += `[${e}]`;
    } else {
      const k = keyText(s, e);
      out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
    }
  }
  return out;
}

function fail(message: string): never {
  throw new JsonRejected(`${message} (at ${pathText(level)})`);
}

function keyText(start: number, end: number): string {
  const raw = text(start, end);
  return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
}

function at(i: number): number {
  return i < len ? b[i]! : -1;
}

/** The unescaped key at [start, end) is `name`. */
function sameBytes(name: string, start: number, end: number): boolean {
  if (end - start !== name.length) return name.length < end - start && keyText(start, end) === name; // non-ASCII: compare text
  for (let i = 0; i < name.length; i++) if (b[start + i] !== name.charCodeAt(i)) return keyText(start, end) === name && name.charCodeAt(i) > 0x7f;
  return true;
}

function ws(): void {
  const s = b;
  const n = len;
  let p = pos;
  while (p < n) {
    const c = s[p]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
    else break;
  }
  pos = p;
}

function hex(at: number): number {
  let v = 0;
  for (let i = at; i < at + 4; i++) {
    const c = i < len ? b[i]! : -1;
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else fail(`invalid \\u escape in string: ${describe(i)}`);
    v = v * 16 + d;
  }
  return v;
}

/** Checks one escape at pos (the backslash); a \u escape of a surrogate must be a high-low pair. */
function escape(): void {
  const c = pos + 1 < len ? b[pos + 1]! : -1;
  if (c === 0x75) {
    const u = hex(pos + 2);
    if (u >= 0xdc00 && u <= 0xdfff) fail(`lone surrogate escape \\u${text(pos + 2, pos + 6)} in string`);
    if (u >= 0xd800 && u <= 0xdbff) {
      if (pos + 7 >= len || b[pos + 6] !== 0x5c || b[pos + 7] !== 0x75) fail(`lone surrogate escape \\u${text(pos + 2, pos + 6)} in string`);
      const low = hex(pos + 8);
      if (low < 0xdc00 || low > 0xdfff) fail(`lone surrogate escape \\u${text(pos + 2, pos + 6)} in string`);
      pos += 12;
      return;
    }
    pos += 6;
    return;
  }
  if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
    pos += 2;
    return;
  }
  fail(`invalid escape in string: ${describe(pos + 1)}`);
}

/** Reads a string whose opening quote is at pos; returns whether it has escapes. pos ends past the closing quote. */
function skipString(): boolean {
  let escaped = false;
  const s = b;
  const n = len;
  let p = pos + 1;
  for (;;) {
    // The hot loop: plain characters, on locals (module state is slower to read and write).
    let c = 0;
    while (p < n && STOP[(c = s[p]!)] === 0) p++;
    if (p >= n) {
      pos = p;
      fail('unterminated string');
    }
    if (c === 0x22) break;
    if (c === 0x5c) {
      escaped = true;
      pos = p;
      escape();
      p = pos;
      continue;
    }
    pos = p;
    fail(`control character U+${c.toString(16).padStart(4, '0')} in string`);
  }
  pos = p + 1;
  return escaped;
}

/** Reads a key (opening quote at pos) and returns the hash of its decoded text; sets keyEscaped. */
function readKey(): number {
  const s = b;
  const n = len;
  const start = pos + 1;
  let p = start;
  let c = 0;
  while (p < n && STOP[(c = s[p]!)] === 0) p++;
  if (p < n && c === 0x22) {
    pos = p + 1;
    keyEscaped = false;
    return hashBytes(s, start, p);
  }
  // Escapes, errors or the end of input: the general reader decides.
  skipString();
  keyEscaped = true;
  return hashOf(keyText(start, pos - 1));
}

function readString(build: boolean): string | undefined {
  const start = pos + 1;
  const escaped = skipString();
  if (!build) return undefined;
  return escaped ? (JSON.parse(text(start - 1, pos)) as string) : text(start, pos - 1);
}

const I64_MIN_ABS = '9223372036854775808';
const U64_MAX = '18446744073709551615';

/** A decimal's value as sign, significant digits and exponent, for comparing two spellings of one number. */
function normalDecimal(text: string): string {
  let s = text;
  let sign = '';
  if (s[0] === '-') {
    sign = '-';
    s = s.slice(1);
  }
  let exp = 0;
  const e = s.search(/[eE]/);
  if (e >= 0) {
    exp = Number(s.slice(e + 1));
    s = s.slice(0, e);
  }
  const dot = s.indexOf('.');
  if (dot >= 0) {
    exp -= s.length - dot - 1;
    s = s.slice(0, dot) + s.slice(dot + 1);
  }
  s = s.replace(/^0+/, '');
  const trimmed = s.replace(/0+$/, '');
  exp += s.length - trimmed.length;
  return trimmed === '' ? '0' : `${sign}${trimmed}e${exp}`;
}

/**
 * Reads a number at pos. Integers within 64 bits (signed or unsigned) are stored exactly by both warehouses;
 * any other number must survive a round trip through a double unchanged, as BigQuery's PARSE_JSON
 * (wide_number_mode 'exact') requires, or it is refused. Built integers beyond 2^53 are exact decimal strings.
 */
function readNumber(build: boolean): number | string | undefined {
  const start = pos;
  const neg = at(pos) === 0x2d;
  if (neg) pos++;
  let c = at(pos);
  if (c === 0x30) {
    pos++;
    c = at(pos);
    if (c >= 0x30 && c <= 0x39) fail('number with a leading zero');
  } else if (c >= 0x31 && c <= 0x39) {
    do c = at(++pos);
    while (c >= 0x30 && c <= 0x39);
  } else fail(`invalid number: ${describe(pos)}`);
  let integer = true;
  if (c === 0x2e) {
    integer = false;
    c = at(++pos);
    if (!(c >= 0x30 && c <= 0x39)) fail(`invalid number: ${describe(pos)}`);
    do c = at(++pos);
    while (c >= 0x30 && c <= 0x39);
  }
  if (c === 0x65 || c === 0x45) {
    integer = false;
    c = at(++pos);
    if (c === 0x2b || c === 0x2d) c = at(++pos);
    if (!(c >= 0x30 && c <= 0x39)) fail(`invalid number: ${describe(pos)}`);
    do c = at(++pos);
    while (c >= 0x30 && c <= 0x39);
  }
  const digits = pos - start - (neg ? 1 : 0);
  if (integer && (digits <= 15 || (!build && digits < 19))) return build ? Number(text(start, pos)) : undefined;
  const t = text(start, pos);
  if (integer) {
    const abs = neg ? t.slice(1) : t;
    const fits = digits < 19 || (neg ? digits === 19 && abs <= I64_MIN_ABS : digits === 19 || (digits === 20 && abs <= U64_MAX));
    if (!fits) exactAsDouble(t);
    if (!build) return undefined;
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : t;
  }
  const n = exactAsDouble(t);
  return build ? n : undefined;
}

function exactAsDouble(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || normalDecimal(text) !== normalDecimal(String(n))) fail(`number ${text.length > 40 ? text.slice(0, 40) + '…' : text} cannot be stored exactly`);
  return n;
}

function literal(word: string, value: boolean | null): boolean | null {
  for (let i = 0; i < word.length; i++) if (at(pos + i) !== word.charCodeAt(i)) fail(`unexpected ${describe(pos + i)}`);
  pos += word.length;
  return value;
}

function growKeys(): void {
  const n = keyHash.length * 2;
  const grow = (a: Int32Array) => {
    const b = new Int32Array(n);
    b.set(a);
    return b;
  };
  keyHash = grow(keyHash);
  keyStart = grow(keyStart);
  keyEnd = grow(keyEnd);
}

/** Two keys' decoded texts are equal (only asked when their hashes are). */
function sameKey(a0: number, a1: number, b0: number, b1: number): boolean {
  return keyText(a0, a1) === keyText(b0, b1);
}

function readObject(shape: JsonShape | null): Record<string, unknown> | undefined {
  pos++;
  if (level >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
  const slot = level++;
  pathStart[slot] = -1;
  pathEnd[slot] = -2;
  const out: Record<string, unknown> | undefined = shape ? {} : undefined;
  const fields = shape && shape.kind === 'fields' ? shape.fields : null;
  const mask = shape && shape.kind === 'fields' ? shape.mask : 0;
  const base = keyTop;
  const f = slot * 8;
  for (let i = f; i < f + 8; i++) filter[i] = 0;
  ws();
  if (at(pos) === 0x7d) {
    pos++;
    level--;
    return out;
  }
  for (;;) {
    if (at(pos) !== 0x22) fail(`expected a key, found ${describe(pos)}`);
    const start = pos + 1;
    const h = readKey();
    const end = pos - 1;
    pathStart[slot] = start;
    pathEnd[slot] = end;
    const bit = 1 << (h & 31);
    const word = f + ((h >>> 5) & 7);
    if (filter[word]! & bit) {
      for (let k = base; k < keyTop; k++) if (keyHash[k] === h && sameKey(start, end, keyStart[k]!, keyEnd[k]!)) fail('duplicate key');
    } else filter[word] = filter[word]! | bit;
    if (keyTop === keyHash.length) growKeys();
    keyHash[keyTop] = h;
    keyStart[keyTop] = start;
    keyEnd[keyTop++] = end;
    ws();
    if (at(pos) !== 0x3a) fail(`expected ':', found ${describe(pos)}`);
    pos++;
    ws();
    let sub: JsonShape | null = null;
    let name: string | null = null;
    if (fields) {
      if (mask & bit) {
        for (const fs of fields) {
          if (fs.hash === h && (keyEscaped ? keyText(start, end) === fs.name : sameBytes(fs.name, start, end))) {
            sub = fs.shape;
            name = fs.name;
            break;
          }
        }
      }
    } else if (shape) {
      sub = ALL;
      name = keyText(start, end);
    }
    const v = readValue(sub);
    if (name !== null) {
      if (name === '__proto__') Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
      else out![name] = v;
    }
    ws();
    const c = at(pos);
    if (c === 0x2c) {
      pos++;
      ws();
      continue;
    }
    if (c === 0x7d) {
      pos++;
      break;
    }
    fail(`expected ',' or '}', found ${describe(pos)}`);
  }
  keyTop = base;
  level--;
  return out;
}

function readArray(shape: JsonShape | null): unknown[] | undefined {
  pos++;
  if (level >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
  const slot = level++;
  pathStart[slot] = -1;
  pathEnd[slot] = -2;
  const out: unknown[] | undefined = shape ? [] : undefined;
  const item = shape ? (shape.kind === 'items' ? shape.items : ALL) : null;
  ws();
  if (at(pos) === 0x5d) {
    pos++;
    level--;
    return out;
  }
  for (let i = 0; ; i++) {
    pathEnd[slot] = i;
    const v = readValue(item);
    if (out) out.push(v);
    ws();
    const c = at(pos);
    if (c === 0x2c) {
      pos++;
      ws();
      continue;
    }
    if (c === 0x5d) {
      pos++;
      break;
    }
    fail(`expected ',' or ']', found ${describe(pos)}`);
  }
  level--;
  return out;
}

function readValue(shape: JsonShape | null): unknown {
  const c = at(pos);
  if (c === 0x22) return readString(shape !== null);
  if (c === 0x7b) return readObject(shape && shape.kind === 'items' ? ALL : shape);
  if (c === 0x5b) return readArray(shape && shape.kind === 'fields' ? ALL : shape);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return readNumber(shape !== null);
  if (c === 0x74) return literal('true', true);
  if (c === 0x66) return literal('false', false);
  if (c === 0x6e) return literal('null', null);
  return fail(`unexpected ${describe(pos)}`);
}

/**
 * Reads a whole JSON text strictly (RFC 8259: no comments, trailing commas, NaN, BOM or leading zeros) and
 * refuses, with the path of the problem, what a warehouse would refuse or readers would disagree on:
 * lone surrogates (escaped or raw), duplicate keys in any object, numbers no warehouse stores exactly,
 * nesting beyond MAX_DEPTH. Returns the parts `shape` asks for (ids beyond 2^53 as exact decimal strings).
 */
export function readLandingJson(body: Buffer | string, shape: JsonShape = ALL, decoded?: string): unknown {
  if (typeof body === 'string' && !(body as string & { isWellFormed(): boolean }).isWellFormed()) throw new JsonRejected('lone surrogate in text (at $)');
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (!isUtf8(bytes)) throw new JsonRejected('body is not UTF-8 (at $)');
  const t = typeof body === 'string' ? body : (decoded ?? null);
  b = bytes;
  len = bytes.length;
  // Offsets are byte offsets; an all-ASCII body's text is sliced directly (the common case, and fastest).
  asciiText = t !== null && t.length === len ? t : null;
  pos = 0;
  level = 0;
  keyTop = 0;
  try {
    ws();
    if (pos >= len) fail('empty document');
    const value = readValue(shape);
    ws();
    if (pos < len) fail(`unexpected ${describe(pos)} after the document`);
    return value;
  } finally {
    b = EMPTY;
    asciiText = null;
  }
}
