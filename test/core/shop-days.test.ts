// One module does shop-local day arithmetic (core/shop-days.ts): its days across DST and date lines, and no other module keeps its own.
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { addDays, dateOfDayNumber, dayNumberOf, daysBetween, localDate } from '../../functions/src/core/shop-days';
import { parseIsoDay } from '../../functions/src/models/forecast/dates';
import { formatDay, parseDay } from '../../functions/src/models/clv/days';
import { dayNumber, dayString } from '../../functions/src/models/propensity/rfm-snapshot';

const SRC = path.resolve(__dirname, '../../functions/src');

test('shop-local days: the same instant is a different day in different shops, DST days are 23 and 25 hours', () => {
  const instant = new Date('2026-03-08T04:30:00Z'); // 23:30 on the 7th in New York, 10:00 on the 8th in Kolkata
  expect([localDate(instant, 'America/New_York'), localDate(instant, 'Asia/Kolkata'), localDate(instant, 'Pacific/Kiritimati')]).toEqual(['2026-03-07', '2026-03-08', '2026-03-08']);
  expect(localDate(new Date('2026-03-09T03:59:59Z'), 'America/New_York')).toBe('2026-03-08'); // the 23-hour day ends at 04:00Z
  expect(localDate(new Date('2026-03-09T04:00:00Z'), 'America/New_York')).toBe('2026-03-09');
  expect([addDays('2024-02-28', 1), addDays('2025-12-31', 1), daysBetween('2026-01-01', '2026-12-31')]).toEqual(['2024-02-29', '2026-01-01', 364]);
  expect([dayNumberOf('1970-01-02'), dayNumberOf('2026-02-30'), dateOfDayNumber(20_000)]).toEqual([1, NaN, '2024-10-04']);
});

test('the models read calendar days through it: the same numbers for the same dates, the same refusals', () => {
  for (const d of ['2011-12-09', '2024-02-29', '1997-01-01']) expect([parseIsoDay(d), parseDay(d), dayNumber(d)]).toEqual(Array(3).fill(dayNumberOf(d)));
  expect([formatDay(15_000), dayString(15_000)]).toEqual([dateOfDayNumber(15_000), dateOfDayNumber(15_000)]);
  expect(parseIsoDay('2026-02-30')).toBeNaN();
  expect(parseDay('2026-02-30 10:00')).toBeNaN();
  expect(() => dayNumber('2026-02-30', 'snapshot_date')).toThrow('snapshot_date: not a calendar date');
});

/** Every TypeScript source under functions/src. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

test('no other module reads a time zone or converts calendar days by itself', () => {
  // Instant arithmetic in milliseconds is fine (the simulator's delays, the recommender's recency decay and product ages, drift's last 24 hours, the exports' TTL, the dashboard's look-back window); calendar days are not.
  const INSTANT_ONLY = new Set(['simulator/plan-store.ts', 'models/recommend/recommender.ts', 'models/recommend/synthetic.ts', 'monitoring/drift-job.ts', 'models/recommend/model.ts', 'core/privacy-artifacts.ts', 'http/dashboard-routes.ts']);
  const found: string[] = [];
  for (const file of sources(SRC)) {
    const rel = path.relative(SRC, file);
    if (rel === 'core/shop-days.ts') continue;
    const text = readFileSync(file, 'utf8');
    if (/new Intl\.DateTimeFormat\(/.test(text)) found.push(`${rel}: Intl.DateTimeFormat`);
    if (/\b(86_?400_?000|864e5)\b/.test(text) && !INSTANT_ONLY.has(rel)) found.push(`${rel}: a day in milliseconds`);
    if (/from '[./]+\/simulator\/zoned-time'/.test(text) && !rel.startsWith('simulator/')) found.push(`${rel}: imports simulator/zoned-time (use core/shop-days)`);
  }
  expect(found).toEqual([]);
});
