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
  /** The name's UTF-8 bytes, compared with an unescaped key's bytes. */
  readonly bytes: Uint8Array;
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
      const fields = Object.entries(shape).map(([name, s]) => ({ name, bytes: Buffer.from(name, 'utf8'), hash: hashOf(name), shape: shapeOfSchema(s) }));
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

// The reader's state: one document at a time (reading is synchronous). Kept in one object: V8 reads and writes
// its fields faster than module-level `let` bindings (measured: 18 → 14 µs for the fixture order).
const EMPTY = Buffer.alloc(0);
const st = {
  /** The document's bytes (UTF-8, checked). */
  b: EMPTY as Buffer,
  /** Its text when every byte is ASCII (then byte and character offsets agree), else null. */
  asciiText: null as string | null,
  pos: 0,
  len: 0,
  /** How many containers are open. */
  level: 0,
  /** Keys of the objects being read (a stack): hash, start and end of each. */
  keyHash: new Int32Array(256),
  keyStart: new Int32Array(256),
  keyEnd: new Int32Array(256),
  keyTop: 0,
  /** Set by readKey: the key's text has escapes (compare it decoded). */
  keyEscaped: false,
};
/** The path to the current value: per level a key's [start, end) in the bytes, or start -1 and an array index in end. */
const pathStart = new Int32Array(MAX_DEPTH + 1);
const pathEnd = new Int32Array(MAX_DEPTH + 1);
/** A 256-bit filter of the key hashes of each open object. */
const filter = new Int32Array((MAX_DEPTH + 1) * 8);
/** 1 for the bytes that end a run of plain string content: '"', '\\' and control characters. */
const STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STOP[c] = 1;
STOP[0x22] = 1;
STOP[0x5c] = 1;
/** 1 for JSON whitespace. */
const WS = new Uint8Array(256);
WS[0x20] = WS[0x0a] = WS[0x0d] = WS[0x09] = 1;

function describe(i: number): string {
  if (i >= st.len) return 'end of input';
  const c = st.b[i]!;
  return `${c >= 0x20 && c < 0x7f ? JSON.stringify(String.fromCharCode(c)) : `byte 0x${c.toString(16).padStart(2, '0')}`} at byte ${i}`;
}

/** The text of bytes [start, end). */
function text(start: number, end: number): string {
  return st.asciiText !== null ? st.asciiText.slice(start, end) : st.b.toString('utf8', start, end);
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
  const at = pathText(st.level);
  throw new JsonRejected(`${message} (at ${at.length > 200 ? `${at.slice(0, 100)}…${at.slice(-99)}` : at})`);
}

function keyText(start: number, end: number): string {
  const raw = text(start, end);
  return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
}

/** The unescaped key at [start, end) has exactly these bytes. */
function sameBytes(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (st.b[start + i] !== bytes[i]) return false;
  return true;
}

/** The first position at or after p that is not JSON whitespace. */
function skipWs(s: Uint8Array, p: number, n: number): number {
  while (p < n && WS[s[p]!] === 1) p++;
  return p;
}

function ws(): void {
  st.pos = skipWs(st.b, st.pos, st.len);
}

function hex(at: number): number {
  let v = 0;
  for (let i = at; i < at + 4; i++) {
    const c = i < st.len ? st.b[i]! : -1;
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else fail(`invalid \\u escape in string: ${describe(i)}`);
    v = v * 16 + d;
  }
  return v;
}

/** Checks one escape at st.pos (the backslash); a \u escape of a surrogate must be a high-low pair. */
function escape(): void {
  const c = st.pos + 1 < st.len ? st.b[st.pos + 1]! : -1;
  if (c === 0x75) {
    const u = hex(st.pos + 2);
    if (u >= 0xdc00 && u <= 0xdfff) fail(`lone surrogate escape \\u${text(st.pos + 2, st.pos + 6)} in string`);
    if (u >= 0xd800 && u <= 0xdbff) {
      if (st.pos + 7 >= st.len || st.b[st.pos + 6] !== 0x5c || st.b[st.pos + 7] !== 0x75) fail(`lone surrogate escape \\u${text(st.pos + 2, st.pos + 6)} in string`);
      const low = hex(st.pos + 8);
      if (low < 0xdc00 || low > 0xdfff) fail(`lone surrogate escape \\u${text(st.pos + 2, st.pos + 6)} in string`);
      st.pos += 12;
      return;
    }
    st.pos += 6;
    return;
  }
  if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
    st.pos += 2;
    return;
  }
  fail(`invalid escape in string: ${describe(st.pos + 1)}`);
}

/** Reads a string whose opening quote is at st.pos; returns whether it has escapes. st.pos ends past the closing quote. */
function skipString(): boolean {
  let escaped = false;
  const s = st.b;
  const n = st.len;
  let p = st.pos + 1;
  for (;;) {
    // The hot loop: plain characters, on locals (module state is slower to read and write).
    let c = 0;
    while (p < n && STOP[(c = s[p]!)] === 0) p++;
    if (p >= n) {
      st.pos = p;
      fail('unterminated string');
    }
    if (c === 0x22) break;
    if (c === 0x5c) {
      escaped = true;
      st.pos = p;
      escape();
      p = st.pos;
      continue;
    }
    st.pos = p;
    fail(`control character U+${c.toString(16).padStart(4, '0')} in string`);
  }
  st.pos = p + 1;
  return escaped;
}

/** Reads a key (opening quote at st.pos) and returns the hash of its decoded text; sets st.keyEscaped. */
function readKey(): number {
  const s = st.b;
  const n = st.len;
  const start = st.pos + 1;
  let p = start;
  let c = 0;
  while (p < n && STOP[(c = s[p]!)] === 0) p++;
  if (p < n && c === 0x22) {
    st.pos = p + 1;
    st.keyEscaped = false;
    return hashBytes(s, start, p);
  }
  // Escapes, errors or the end of input: the general reader decides.
  skipString();
  st.keyEscaped = true;
  return hashOf(keyText(start, st.pos - 1));
}

function readString(build: boolean): string | undefined {
  const start = st.pos + 1;
  const escaped = skipString();
  if (!build) return undefined;
  return escaped ? (JSON.parse(text(start - 1, st.pos)) as string) : text(start, st.pos - 1);
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
 * Reads a number at st.pos. Integers within 64 bits (signed or unsigned) are stored exactly by both warehouses;
 * any other number must survive a round trip through a double unchanged, as BigQuery's PARSE_JSON
 * (wide_number_mode 'exact') requires, or it is refused. Built integers beyond 2^53 are exact decimal strings.
 */
function readNumber(build: boolean): number | string | undefined {
  const s = st.b;
  const n = st.len;
  const start = st.pos;
  let p = start;
  const neg = s[p] === 0x2d;
  if (neg) p++;
  let c = p < n ? s[p]! : -1;
  if (c === 0x30) {
    c = ++p < n ? s[p]! : -1;
    if (c >= 0x30 && c <= 0x39) {
      st.pos = p;
      fail('number with a leading zero');
    }
  } else if (c >= 0x31 && c <= 0x39) {
    do c = ++p < n ? s[p]! : -1;
    while (c >= 0x30 && c <= 0x39);
  } else {
    st.pos = p;
    fail(`invalid number: ${describe(p)}`);
  }
  let integer = true;
  if (c === 0x2e) {
    integer = false;
    c = ++p < n ? s[p]! : -1;
    if (!(c >= 0x30 && c <= 0x39)) {
      st.pos = p;
      fail(`invalid number: ${describe(p)}`);
    }
    do c = ++p < n ? s[p]! : -1;
    while (c >= 0x30 && c <= 0x39);
  }
  if (c === 0x65 || c === 0x45) {
    integer = false;
    c = ++p < n ? s[p]! : -1;
    if (c === 0x2b || c === 0x2d) c = ++p < n ? s[p]! : -1;
    if (!(c >= 0x30 && c <= 0x39)) {
      st.pos = p;
      fail(`invalid number: ${describe(p)}`);
    }
    do c = ++p < n ? s[p]! : -1;
    while (c >= 0x30 && c <= 0x39);
  }
  st.pos = p;
  const digits = st.pos - start - (neg ? 1 : 0);
  if (integer && (digits <= 15 || (!build && digits < 19))) return build ? Number(text(start, st.pos)) : undefined;
  const t = text(start, st.pos);
  if (integer) {
    const abs = neg ? t.slice(1) : t;
    const fits = digits < 19 || (neg ? digits === 19 && abs <= I64_MIN_ABS : digits === 19 || (digits === 20 && abs <= U64_MAX));
    if (!fits) exactAsDouble(t);
    if (!build) return undefined;
    const v = Number(t);
    return Number.isSafeInteger(v) ? v : t;
  }
  const v = exactAsDouble(t);
  return build ? v : undefined;
}

function exactAsDouble(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || normalDecimal(text) !== normalDecimal(String(n))) fail(`number ${text.length > 40 ? text.slice(0, 40) + '…' : text} cannot be stored exactly`);
  return n;
}

/** Reads `true`, `false` or `null` (its first byte already seen) at st.pos. */
function literal(word: string, value: boolean | null): boolean | null {
  const s = st.b;
  const p = st.pos;
  for (let i = 1; i < word.length; i++) {
    if (s[p + i] !== word.charCodeAt(i)) {
      st.pos = p + i;
      fail(`unexpected ${describe(p + i)}`);
    }
  }
  st.pos = p + word.length;
  return value;
}

function growKeys(): void {
  const n = st.keyHash.length * 2;
  const grow = (a: Int32Array) => {
    const g = new Int32Array(n);
    g.set(a);
    return g;
  };
  st.keyHash = grow(st.keyHash);
  st.keyStart = grow(st.keyStart);
  st.keyEnd = grow(st.keyEnd);
}

/** Two keys' decoded texts are equal (only asked when their hashes are). */
function sameKey(a0: number, a1: number, b0: number, b1: number): boolean {
  return keyText(a0, a1) === keyText(b0, b1);
}

/** Opens a container at st.pos ('{' or '['): checks the depth, clears its path slot and key filter; returns its slot. */
function open(): number {
  st.pos++;
  if (st.level >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
  const slot = st.level++;
  pathStart[slot] = -1;
  pathEnd[slot] = -2;
  ws();
  return slot;
}

/** Clears the key filter of the object open in `slot`. */
function clearFilter(slot: number): void {
  const f = slot * 8;
  for (let i = f; i < f + 8; i++) filter[i] = 0;
}

/** True (st.pos past it) when the container's closing byte is next. */
function closes(close: number): boolean {
  if (st.pos < st.len && st.b[st.pos] === close) {
    st.pos++;
    return true;
  }
  return false;
}

/**
 * Reads the key at st.pos of the object in `slot` (keys from `base` on the key stack), refuses it if the object
 * already has it, and leaves st.pos at its value. Returns its hash; its text is [keyStart, keyEnd) of the stack top.
 */
function member(slot: number, base: number): number {
  if (st.pos >= st.len || st.b[st.pos] !== 0x22) fail(`expected a key, found ${describe(st.pos)}`);
  const start = st.pos + 1;
  const h = readKey();
  const end = st.pos - 1;
  pathStart[slot] = start;
  pathEnd[slot] = end;
  const bit = 1 << (h & 31);
  const word = slot * 8 + ((h >>> 5) & 7);
  if (filter[word]! & bit) {
    for (let k = base; k < st.keyTop; k++) if (st.keyHash[k] === h && sameKey(start, end, st.keyStart[k]!, st.keyEnd[k]!)) fail('duplicate key');
  } else filter[word] = filter[word]! | bit;
  if (st.keyTop === st.keyHash.length) growKeys();
  st.keyHash[st.keyTop] = h;
  st.keyStart[st.keyTop] = start;
  st.keyEnd[st.keyTop++] = end;
  const bytes = st.b;
  const n = st.len;
  const p = skipWs(bytes, st.pos, n);
  if (p >= n || bytes[p] !== 0x3a) {
    st.pos = p;
    fail(`expected ':', found ${describe(p)}`);
  }
  st.pos = skipWs(bytes, p + 1, n);
  return h;
}

/** After a member or element: true when another follows (st.pos at it), false after the closing byte. */
function more(close: number): boolean {
  const bytes = st.b;
  const n = st.len;
  const p = skipWs(bytes, st.pos, n);
  const c = p < n ? bytes[p]! : -1;
  if (c === 0x2c) {
    st.pos = skipWs(bytes, p + 1, n);
    return true;
  }
  st.pos = p;
  if (c === close) {
    st.pos++;
    return false;
  }
  return fail(`expected ',' or '${String.fromCharCode(close)}', found ${describe(p)}`);
}

function readObject(shape: JsonShape): Record<string, unknown> {
  const slot = open();
  clearFilter(slot);
  const out: Record<string, unknown> = {};
  if (closes(0x7d)) return (st.level--, out);
  const fields = shape.kind === 'fields' ? shape.fields : null;
  const mask = shape.kind === 'fields' ? shape.mask : 0;
  const base = st.keyTop;
  do {
    const h = member(slot, base);
    const start = st.keyStart[st.keyTop - 1]!;
    const end = st.keyEnd[st.keyTop - 1]!;
    let sub: JsonShape | null = null;
    let name: string | null = null;
    if (!fields) {
      sub = ALL;
      name = keyText(start, end);
    } else if (mask & (1 << (h & 31))) {
      for (const fs of fields) {
        if (fs.hash === h && (st.keyEscaped ? keyText(start, end) === fs.name : sameBytes(fs.bytes, start, end))) {
          sub = fs.shape;
          name = fs.name;
          break;
        }
      }
    }
    if (sub === null || name === null) skipValue();
    else {
      const v = readValue(sub);
      if (name === '__proto__') Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
      else out[name] = v;
    }
  } while (more(0x7d));
  st.keyTop = base;
  st.level--;
  return out;
}

function readArray(shape: JsonShape): unknown[] {
  const slot = open();
  const out: unknown[] = [];
  if (closes(0x5d)) return (st.level--, out);
  const item = shape.kind === 'items' ? shape.items : ALL;
  let i = 0;
  do {
    pathEnd[slot] = i++;
    out.push(readValue(item));
  } while (more(0x5d));
  st.level--;
  return out;
}

/** Builds the value at st.pos as `shape` asks (a value of another kind than the shape expects is built whole). */
function readValue(shape: JsonShape): unknown {
  const c = st.pos < st.len ? st.b[st.pos]! : -1;
  if (c === 0x22) return readString(true);
  if (c === 0x7b) return readObject(shape.kind === 'items' ? ALL : shape);
  if (c === 0x5b) return readArray(shape.kind === 'fields' ? ALL : shape);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return readNumber(true);
  return literalAt(c);
}

// Checking without building: most of a payload is read by no schema, and this path does only the checks.

function skipObject(): void {
  const slot = open();
  clearFilter(slot);
  if (closes(0x7d)) return void st.level--;
  const base = st.keyTop;
  do {
    member(slot, base);
    skipValue();
  } while (more(0x7d));
  st.keyTop = base;
  st.level--;
}

function skipArray(): void {
  const slot = open();
  if (closes(0x5d)) return void st.level--;
  let i = 0;
  do {
    pathEnd[slot] = i++;
    skipValue();
  } while (more(0x5d));
  st.level--;
}

function skipValue(): void {
  const c = st.pos < st.len ? st.b[st.pos]! : -1;
  if (c === 0x22) skipString();
  else if (c === 0x7b) skipObject();
  else if (c === 0x5b) skipArray();
  else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) readNumber(false);
  else literalAt(c);
}

function literalAt(c: number): boolean | null {
  const s = st.b;
  const p = st.pos;
  // The common, valid spellings in one comparison each; anything else gets the precise error below.
  if (c === 0x6e && s[p + 1] === 0x75 && s[p + 2] === 0x6c && s[p + 3] === 0x6c) return ((st.pos = p + 4), null);
  if (c === 0x74 && s[p + 1] === 0x72 && s[p + 2] === 0x75 && s[p + 3] === 0x65) return ((st.pos = p + 4), true);
  if (c === 0x74) return literal('true', true);
  if (c === 0x66) return literal('false', false);
  if (c === 0x6e) return literal('null', null);
  return fail(`unexpected ${describe(st.pos)}`);
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
  st.b = bytes;
  st.len = bytes.length;
  // Offsets are byte offsets; an all-ASCII body's text is sliced directly (the common case, and fastest).
  st.asciiText = t !== null && t.length === st.len ? t : null;
  st.pos = 0;
  st.level = 0;
  st.keyTop = 0;
  try {
    ws();
    if (st.pos >= st.len) fail('empty document');
    const value = readValue(shape);
    ws();
    if (st.pos < st.len) fail(`unexpected ${describe(st.pos)} after the document`);
    return value;
  } finally {
    st.b = EMPTY;
    st.asciiText = null;
  }
}
