// Shop-local days, the one place they are computed: an instant's calendar day and wall clock in the shop's IANA zone, the instant of a local time,
// Shopify timestamps with the zone's offset, and calendar-date arithmetic (YYYY-MM-DD ± days, day numbers since 1970-01-01).

export interface LocalDateTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function assertTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown IANA time zone: ${JSON.stringify(timeZone)} (e.g. America/New_York, Europe/London, UTC)`);
}

/** Wall-clock reading straight from Intl (slow path, used to learn offsets). */
function intlLocal(instant: Date, timeZone: string): LocalDateTime {
  const out: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour! % 24, minute: out.minute!, second: out.second! };
}

const BUCKET_MS = 15 * 60000; // every zone transition since 1970 falls on a quarter-hour of UTC
const offsetCache = new Map<string, Map<number, number>>();

/** Offset of the zone at an instant, in minutes east of UTC (cached per quarter-hour, so planning stays fast). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  let cache = offsetCache.get(timeZone);
  if (!cache) {
    cache = new Map();
    offsetCache.set(timeZone, cache);
  }
  const bucket = Math.floor(instant.getTime() / BUCKET_MS);
  let off = cache.get(bucket);
  if (off === undefined) {
    const at = new Date(bucket * BUCKET_MS);
    const l = intlLocal(at, timeZone);
    off = Math.round((Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - at.getTime()) / 60000);
    if (cache.size > 200_000) cache.clear();
    cache.set(bucket, off);
  }
  return off;
}

/** The wall-clock reading of an instant in a zone. */
export function toLocal(instant: Date, timeZone: string): LocalDateTime {
  const shifted = new Date(instant.getTime() + offsetMinutes(instant, timeZone) * 60000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
  };
}

/**
 * The instant a wall-clock time names in a zone. In a spring-forward gap the time is read with the offset before the
 * change (02:30 → 03:30 local); in a fall-back overlap the earlier instant wins.
 */
export function fromLocal(l: LocalDateTime, timeZone: string): Date {
  const naive = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  const off1 = offsetMinutes(new Date(naive), timeZone);
  const first = naive - off1 * 60000;
  const off2 = offsetMinutes(new Date(first), timeZone);
  if (off2 === off1) return new Date(first);
  const candidates = [first, naive - off2 * 60000].filter((c) => offsetMinutes(new Date(c), timeZone) * 60000 === naive - c);
  const t = candidates.length > 0 ? Math.min(...candidates) : first;
  return new Date(t);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Shopify's timestamp form: local time with the zone offset, e.g. 2026-03-05T14:03:11-05:00 (UTC → +00:00). */
export function formatShopifyTime(instant: Date, timeZone: string): string {
  const l = toLocal(instant, timeZone);
  const off = offsetMinutes(instant, timeZone);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** The shop-local calendar date of an instant, YYYY-MM-DD. */
export function localDate(instant: Date, timeZone: string): string {
  const l = toLocal(instant, timeZone);
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}`;
}

/** A calendar date (YYYY-MM-DD) plus n days, as a calendar date (no zone involved). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = parseDate(date);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Day of week of a calendar date, 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  const [y, m, d] = parseDate(date);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** Day of year, 1-based. */
export function dayOfYear(date: string): number {
  const [y, m, d] = parseDate(date);
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(y, 0, 1)) / 86400000) + 1;
}

export function parseDate(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) throw new RangeError(`no such date: ${date}`);
  return [y, mo, d];
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a calendar date (YYYY-MM-DD); NaN when the text is not a real calendar date. */
export function dayNumberOf(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return NaN;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms);
  if (back.getUTCFullYear() !== Number(m[1]) || back.getUTCMonth() !== Number(m[2]) - 1 || back.getUTCDate() !== Number(m[3])) return NaN;
  return Math.round(ms / DAY_MS);
}

/** The calendar date (YYYY-MM-DD) of a day number (days since 1970-01-01). */
export function dateOfDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from calendar date a to b (b − a). */
export function daysBetween(a: string, b: string): number {
  return dayNumberOf(b) - dayNumberOf(a);
}
