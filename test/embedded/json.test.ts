// Exact JSON: big integers survive as strings, everything else equals JSON.parse; checked against lossless-json.
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { isSafeNumber, parse } from 'lossless-json';
import { parseExact, quoteUnsafeIntegers } from '../../functions/src/core/json';
import { FIXTURES } from '../helpers/runtime';

/** The reference: lossless-json with unsafe numbers kept as their text. */
const reference = (text: string) => parse(text, null, (v: string) => (isSafeNumber(v) ? Number(v) : /^-?\d+$/.test(v) ? v : Number(v)));

test('64-bit ids stay exact; decimals, exponents, negatives and strings are untouched', () => {
  const text = '{"id": 820982911946154508, "neg": -9007199254740993, "safe": 9007199254740991, "f": 1.5, "e": 1e21, "big_f": 12345678901234567.5, "s": "820982911946154508 in a \\"string\\"", "a": [18446744073709551615, 0, -1]}';
  expect(parseExact(text)).toEqual({ id: '820982911946154508', neg: '-9007199254740993', safe: 9007199254740991, f: 1.5, e: 1e21, big_f: 12345678901234567.5, s: '820982911946154508 in a "string"', a: ['18446744073709551615', 0, -1] });
});

test('agrees with lossless-json on every Shopify fixture', () => {
  for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.json'))) {
    const text = readFileSync(path.join(FIXTURES, f), 'utf8');
    expect(parseExact(text)).toEqual(reference(text));
  }
});

test('agrees with lossless-json on random documents with ids at the 2^53 boundary', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const num = () => {
    const r = rnd();
    if (r < 0.3) return String(2n ** 53n + BigInt(Math.floor(rnd() * 1e6)) - 500000n);
    if (r < 0.5) return '-' + String(2n ** 60n + BigInt(Math.floor(rnd() * 1e9)));
    if (r < 0.7) return (rnd() * 1000).toFixed(2);
    return String(Math.floor(rnd() * 1e6));
  };
  for (let k = 0; k < 300; k++) {
    const parts = Array.from({ length: 8 }, (_, i) => `"k${i}": ${rnd() < 0.2 ? JSON.stringify('x ' + num() + ' \\ "y"') : num()}`);
    const text = `{${parts.join(', ')}, "arr": [${num()}, ${num()}, {"n": ${num()}}]}`;
    expect(parseExact(text)).toEqual(reference(text));
  }
});

test('invalid JSON still fails, and text without big integers is returned unchanged', () => {
  expect(() => parseExact('{"id": 820982911946154508, ')).toThrow();
  const plain = '{"a": 1, "b": [2.5, "3"]}';
  expect(quoteUnsafeIntegers(plain)).toBe(plain);
});
