// Poison input is quarantined by classification before landing: what DuckDB or BigQuery would refuse, and what readers would read differently.
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { classifyEnvelope } from '../../functions/src/core/classify';
import type { WebhookEnvelope } from '../../functions/src/core/envelope';
import { parseExact } from '../../functions/src/core/json';
import { ALL, MAX_DEPTH, readLandingJson } from '../../functions/src/core/strict-json';
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { FIXTURES, SECRET, fixture, startTestRuntime } from '../helpers/runtime';

const envelope = (body: string | Buffer, topic = 'orders/create'): WebhookEnvelope => ({
  shop: 'poison.myshopify.com',
  topic,
  webhookId: 'wh-poison',
  eventId: null,
  apiVersion: '2026-10',
  triggeredAt: null,
  receivedAt: '2026-01-02T03:04:05.000Z',
  body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
});
const reasonOf = (body: string | Buffer, topic = 'orders/create') => {
  const c = classifyEnvelope(envelope(body, topic));
  return c.kind === 'quarantine' ? c.record.reason : null;
};

const ORDER = fixture('orders_create.json').toString('utf8');
/** The fixture order with `text` inserted right after the opening brace of the object at `anchor`. */
const orderWith = (anchor: string, text: string) => ORDER.replace(anchor, `${anchor}${text}`);

/*
 * What DuckDB 1.5 (@duckdb/node-api, `$1::JSON`) does, tried for real (the first test below re-checks it):
 *   refuses: "\ud800" (no low surrogate), "\udc00" (invalid high surrogate), raw control characters in strings,
 *     a BOM, comments, leading zeros, trailing garbage, empty input;
 *   accepts: duplicate keys (json_extract returns the FIRST value, JSON.parse the LAST: readers disagree),
 *     1e400, integers beyond 64 bits, NaN, Infinity, trailing commas, nesting 2,000 deep.
 * BigQuery's PARSE_JSON (wide_number_mode 'exact', as the cloud adapter lands) refuses numbers it cannot store
 * exactly (1e400, 123456789012345678901, 12345678901234567.5) and JSON nested deeper than 500 levels.
 * Classification refuses the union, plus anything JSON.parse refuses (NaN, trailing commas), so every reader
 * of a landed payload agrees on every value.
 */
describe('the warehouse really behaves as the comment above says', () => {
  let db: DuckDBInstance;
  let con: DuckDBConnection;
  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:');
    con = await db.connect();
  });
  afterAll(() => {
    con.closeSync();
    db.closeSync();
  });
  const duck = async (text: string) => {
    try {
      const rows = await (await con.run("SELECT json_extract_string($1::JSON, '$.a') AS a", [text])).getRows();
      return { ok: true, a: rows[0]![0] };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  };

  test('DuckDB refuses lone surrogate escapes', async () => {
    expect(await duck('{"a":"\\ud800"}')).toMatchObject({ ok: false, error: expect.stringMatching(/no low surrogate/) });
    expect(await duck('{"a":"\\udc00"}')).toMatchObject({ ok: false, error: expect.stringMatching(/invalid high surrogate/) });
    expect(await duck('{"a":"\\ud83d\\ude00"}')).toMatchObject({ ok: true, a: '😀' });
  });

  test('DuckDB accepts duplicate keys and reads the first value where JSON.parse reads the last', async () => {
    expect(await duck('{"a":"first","a":"last"}')).toEqual({ ok: true, a: 'first' });
    expect((JSON.parse('{"a":"first","a":"last"}') as { a: string }).a).toBe('last');
  });

  test('DuckDB accepts numbers BigQuery cannot store exactly, NaN and trailing commas', async () => {
    for (const text of ['{"a":1e400}', '{"a":123456789012345678901}', '{"a":NaN}', '{"a":1,}']) expect(await duck(text)).toMatchObject({ ok: true });
  });
});

describe('classification quarantines poison with a reason naming where it is', () => {
  test.each([
    ['a lone high surrogate escape', orderWith('"customer": {', '"x_note": "\\ud800",'), /^invalid_json: lone surrogate escape \\ud800 in string \(at \$\.customer\.x_note\)$/],
    ['a lone low surrogate escape', orderWith('"customer": {', '"x_note": "x\\uDC00y",'), /^invalid_json: lone surrogate escape \\uDC00 in string \(at \$\.customer\.x_note\)$/],
    ['a high surrogate followed by a non-surrogate escape', '{"a":"\\ud800\\u0041"}', /lone surrogate escape \\ud800 in string \(at \$\.a\)/],
    ['surrogates in the wrong order', '{"a":"\\udc00\\ud800"}', /lone surrogate escape \\udc00/],
    ['a lone surrogate escape in a key', '{"\\ud800":1}', /lone surrogate escape \\ud800 in string/],
    ['a duplicate top-level key', ORDER.replace('{', '{"currency": "EUR",'), /^invalid_json: duplicate key \(at \$\.currency\)$/],
    ['a duplicate key deep inside', ORDER.replace('"sku": "IPOD2008PINK",', '"sku": "IPOD2008PINK", "sku": "OTHER",'), /^invalid_json: duplicate key \(at \$\.line_items\[0\]\.sku\)$/],
    ['a duplicate key in a part no schema reads', orderWith('"current_total_price_set": {\n    "shop_money": {', '"x": 1, "x": 2,'), /^invalid_json: duplicate key \(at \$\.current_total_price_set\.shop_money\.x\)$/],
    ['a duplicate key spelled with an escape', '{"id":1,"\\u0069d":2}', /duplicate key \(at \$\.id\)/],
    ['a number no warehouse stores exactly', orderWith('"customer": {', '"score": 1e400,'), /^invalid_json: number 1e400 cannot be stored exactly \(at \$\.customer\.score\)$/],
    ['an integer beyond 64 bits', '{"id":123456789012345678901}', /number 123456789012345678901 cannot be stored exactly/],
    ['a decimal a double cannot hold', '{"n":12345678901234567.5}', /cannot be stored exactly/],
    ['NaN', '{"a":NaN}', /^invalid_json: unexpected "N"/],
    ['a trailing comma', '{"a":1,}', /^invalid_json: expected a key/],
    ['a raw control character in a string', '{"a":"x\ty"}', /control character U\+0009 in string \(at \$\.a\)/],
    ['a byte order mark', '\ufeff{}', /^invalid_json: unexpected byte 0xef/],
    ['a second document', '{} {}', /after the document/],
    ['nesting deeper than BigQuery takes', `{"a":${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}}`, /nested deeper than 500 levels/],
    ['an empty body', '', /^invalid_json: empty document/],
  ])('%s', (_name, body, reason) => {
    expect(reasonOf(body)).toMatch(reason);
  });

  test('non-UTF-8 bytes are quarantined as base64', () => {
    const c = classifyEnvelope(envelope(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])));
    expect(c).toMatchObject({ kind: 'quarantine', record: { reason: 'invalid_json: body is not UTF-8', body_encoding: 'base64' } });
  });

  test('what every reader agrees on still lands: surrogate pairs, escaped backslashes, 64-bit integers, exact decimals', () => {
    const fine = orderWith('"customer": {', '"x_note": "\\ud83d\\ude00 \\\\ud800 \\u00e9 é", "x_n": [18446744073709551615, -9223372036854775808, 0.1, 1.10, 1e20, -0, 5e-324],');
    expect(classifyEnvelope(envelope(fine)).kind).toBe('event');
  });
});

describe('exactness', () => {
  test('the whole-document reading equals parseExact on every fixture (ids beyond 2^53 as exact strings)', () => {
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.json'))) {
      const text = readFileSync(path.join(FIXTURES, f), 'utf8');
      expect(readLandingJson(text, ALL)).toEqual(parseExact(text));
      const compact = JSON.stringify(JSON.parse(text));
      expect(readLandingJson(Buffer.from(compact), ALL)).toEqual(parseExact(compact)); // non-ASCII-text path (no decoded text given)
    }
  });

  test('classification outputs the fixture ids exactly, and lands the original text byte for byte', () => {
    const c = classifyEnvelope(envelope(ORDER));
    if (c.kind !== 'event') throw new Error(c.record.reason);
    const parsed = c.parsed as { id: string; customer: { id: string }; line_items: { id: string; variant_id: string }[] };
    expect(parsed.id).toBe('820982911946154508');
    expect(parsed.customer.id).toBe('115310627314723954');
    expect(parsed.line_items[0]!.id).toBe('866550311766439020');
    expect(c.event.payload).toBe(ORDER);
  });
});

test('end to end: a poison delivery lands in quarantine with its reason and does not delay the next good one', async () => {
  const rt = await startTestRuntime();
  try {
    const post = async (body: string, webhookId: string) =>
      expect((await postWebhook(`${rt.url}/webhooks`, forgeWebhook({ secret: SECRET, topic: 'orders/create', body, webhookId }))).status).toBe(200);
    await post(ORDER.replace('820982911946154508', '820982911946154509'), 'wh-warm'); // the classifier worker starts
    expect(await rt.loader.drain()).toBe(true);
    await post(orderWith('"customer": {', '"x_note": "\\ud800",'), 'wh-poison-surrogate');
    await post(ORDER.replace('{', '{"currency": "EUR",'), 'wh-poison-dup');
    const sent = Date.now();
    await post(ORDER, 'wh-good');
    // Poison costs the loader no failed transaction and no backoff (before, a lone surrogate failed the batch in
    // DuckDB five times before it was isolated). The rest of the wait is the loader's own pacing (about 1 s here
    // with or without poison, measured), so the bound is generous.
    expect(await rt.loader.drain(5000)).toBe(true);
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(rt.loader.stats()).toMatchObject({ failures: 0, lastError: null });
    const q = await rt.warehouse.query("SELECT webhook_id, reason FROM shop_raw.quarantine ORDER BY webhook_id");
    expect(q).toEqual([
      { webhook_id: 'wh-poison-dup', reason: 'invalid_json: duplicate key (at $.currency)' },
      { webhook_id: 'wh-poison-surrogate', reason: 'invalid_json: lone surrogate escape \\ud800 in string (at $.customer.x_note)' },
    ]);
    const landed = await rt.warehouse.query("SELECT webhook_id, json_extract_string(payload, '$.id') AS id FROM shop_raw.events ORDER BY webhook_id");
    expect(landed).toEqual([
      { webhook_id: 'wh-good', id: '820982911946154508' },
      { webhook_id: 'wh-warm', id: '820982911946154509' },
    ]);
  } finally {
    await rt.close();
  }
});
