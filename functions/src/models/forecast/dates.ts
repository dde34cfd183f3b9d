// Calendar days as integers: ISO date (YYYY-MM-DD) ↔ days since 1970-01-01 (UTC), for daily series.

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of an ISO date, or NaN when the text is not a real calendar date. */
export function parseIsoDay(text: string): number {
  const m = ISO_DATE.exec(text);
  if (!m) return NaN;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return NaN;
  return Math.round(ms / DAY_MS);
}

export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The ISO dates of `count` consecutive days starting at `day`. */
export function isoDays(day: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(isoDay(day + i));
  return out;
}
