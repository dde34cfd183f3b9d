// The simulator's small parts: PRNG, ids, exact JSON text, money, zoned time, CSV records and demand classes.
import { parseExact } from '../../functions/src/core/json';
import { csvRecords, parseCsvRecord } from '../../functions/src/simulator/csv-records';
import { classifyDemand } from '../../functions/src/simulator/demand-class';
import { IdGenerator, idFromKey, uuidFromKey } from '../../functions/src/simulator/ids';
import { jsonId, toJsonText } from '../../functions/src/simulator/json-text';
import { formatCents, parseCents } from '../../functions/src/simulator/money';
import { Prng } from '../../functions/src/simulator/prng';
import { addDays, dayOfWeek, formatShopifyTime, fromLocal, localDate } from '../../functions/src/simulator/zoned-time';

describe('Prng', () => {
  test('same seed, same stream; different seeds differ; numbers and strings are distinct seeds', () => {
    const a = new Prng(1);
    const b = new Prng(1);
    const xs = Array.from({ length: 100 }, () => a.nextU32());
    expect(Array.from({ length: 100 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => new Prng(2).nextU32())).not.toEqual(xs);
    expect(new Prng('1').nextU32()).not.toBe(new Prng(1).nextU32());
  });

  test('samplers have the right means', () => {
    const r = new Prng('means');
    const n = 40_000;
    const mean = (f: () => number) => Array.from({ length: n }, f).reduce((s, x) => s + x, 0) / n;
    expect(mean(() => r.next())).toBeCloseTo(0.5, 1);
    expect(mean(() => r.gamma(0.8, 24))).toBeCloseTo(0.8 / 24, 2);
    expect(mean(() => r.gamma(3, 2))).toBeCloseTo(1.5, 1);
    expect(mean(() => r.beta(1.5, 3))).toBeCloseTo(1.5 / 4.5, 1);
    expect(mean(() => r.poisson(3.2))).toBeCloseTo(3.2, 1);
    expect(mean(() => r.poisson(50))).toBeCloseTo(50, 0);
    expect(mean(() => r.geometric(0.25))).toBeCloseTo(3, 0);
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) counts[r.weightedIndex([1, 2, 7])]!++;
    expect(counts[2]! / n).toBeCloseTo(0.7, 1);
    expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('ids and exact JSON', () => {
  test('random ids are unique decimal strings beyond 2^53 and below 2^63', () => {
    const g = new IdGenerator(new Prng('ids'));
    const ids = Array.from({ length: 20_000 }, () => g.next());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 500)) {
      expect(id).toMatch(/^\d+$/);
      expect(BigInt(id) > 2n ** 53n && BigInt(id) < 2n ** 63n).toBe(true);
    }
  });

  test('ids from keys are stable and distinct per namespace', () => {
    expect(idFromKey('order', '536365')).toBe(idFromKey('order', '536365'));
    expect(idFromKey('order', '536365')).not.toBe(idFromKey('customer', '536365'));
    expect(uuidFromKey('webhook', 'x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
  });

  test('toJsonText writes ids as bare numbers that parseExact reads back exactly', () => {
    const text = toJsonText({ id: jsonId('820982911946154508'), nested: [{ id: jsonId('115310627314723954') }], s: 'plain', n: 1.5 });
    expect(text).toBe('{"id":820982911946154508,"nested":[{"id":115310627314723954}],"s":"plain","n":1.5}');
    expect(parseExact(text)).toEqual({ id: '820982911946154508', nested: [{ id: '115310627314723954' }], s: 'plain', n: 1.5 });
    expect(() => jsonId('12a')).toThrow();
  });
});

test('money: exact decimal parsing to cents', () => {
  expect(parseCents('2.55')).toBe(255);
  expect(parseCents('0.001')).toBe(0);
  expect(parseCents('1.005')).toBe(101);
  expect(parseCents('-11062.06')).toBe(-1106206);
  expect(parseCents('17')).toBe(1700);
  expect(parseCents('.5')).toBe(50);
  expect(() => parseCents('abc')).toThrow();
  expect(formatCents(4503)).toBe('45.03');
  expect(formatCents(-5)).toBe('-0.05');
  expect(formatCents(0)).toBe('0.00');
});

describe('zoned time', () => {
  test('Shopify timestamps carry the zone offset, across DST', () => {
    expect(formatShopifyTime(new Date('2026-03-05T19:03:11Z'), 'America/New_York')).toBe('2026-03-05T14:03:11-05:00');
    expect(formatShopifyTime(new Date('2026-07-05T18:03:11Z'), 'America/New_York')).toBe('2026-07-05T14:03:11-04:00');
    expect(formatShopifyTime(new Date('2026-07-05T18:03:11Z'), 'UTC')).toBe('2026-07-05T18:03:11+00:00');
    expect(formatShopifyTime(new Date('2026-07-05T18:03:11Z'), 'Asia/Kolkata')).toBe('2026-07-05T23:33:11+05:30');
    expect(localDate(new Date('2026-03-06T03:00:00Z'), 'America/New_York')).toBe('2026-03-05');
  });

  test('local wall time → instant, including the spring gap and the autumn overlap', () => {
    const at = (s: string) => fromLocal({ year: +s.slice(0, 4), month: +s.slice(5, 7), day: +s.slice(8, 10), hour: +s.slice(11, 13), minute: +s.slice(14, 16), second: 0 }, 'America/New_York').toISOString();
    expect(at('2026-01-10 09:00')).toBe('2026-01-10T14:00:00.000Z');
    expect(at('2026-03-08 02:30')).toBe('2026-03-08T07:30:00.000Z'); // does not exist: read with the offset before (03:30 EDT)
    expect(at('2026-11-01 01:30')).toBe('2026-11-01T05:30:00.000Z'); // happens twice: the earlier one (EDT)
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01');
    expect(dayOfWeek('2026-01-05')).toBe(1);
  });
});

test('CSV records: quotes, doubled quotes, CRLF, newline inside quotes, chunk boundaries', async () => {
  expect(parseCsvRecord('a,"b, c","say ""hi""",')).toEqual(['a', 'b, c', 'say "hi"', '']);
  const text = 'h1,h2\r\n1,"multi\nline"\r\n2,"x"\n\n3,é\n';
  const chunks = Array.from(Buffer.from(text, 'utf8')).map((b) => Buffer.from([b])); // one byte at a time (é is split)
  const records: string[][] = [];
  for await (const r of csvRecords(chunks)) records.push(r);
  expect(records).toEqual([['h1', 'h2'], ['1', 'multi\nline'], ['2', 'x'], ['3', 'é']]);
});

test('demand classes follow Syntetos–Boylan cut-offs', () => {
  expect(classifyDemand([3, 4, 3, 5, 4, 3, 4]).cls).toBe('smooth');
  expect(classifyDemand([1, 0, 0, 1, 0, 0, 1, 0, 1, 0]).cls).toBe('intermittent');
  expect(classifyDemand([1, 0, 0, 12, 0, 0, 1, 0, 0, 0]).cls).toBe('lumpy');
  expect(classifyDemand([1, 9, 2, 15, 1, 8]).cls).toBe('erratic');
  expect(classifyDemand([0, 0]).cls).toBe('none');
  const p = classifyDemand([2, 0, 2, 0]);
  expect([p.adi, p.cv2]).toEqual([2, 0]);
});
