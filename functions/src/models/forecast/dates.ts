// Calendar days as integers for daily series: ISO date (YYYY-MM-DD) ↔ days since 1970-01-01 (core/shop-days.ts does the arithmetic).
import { dateOfDayNumber, dayNumberOf } from '../../core/shop-days';

/** Days since 1970-01-01 of an ISO date, or NaN when the text is not a real calendar date. */
export const parseIsoDay = dayNumberOf;

export const isoDay = dateOfDayNumber;

/** The ISO dates of `count` consecutive days starting at `day`. */
export function isoDays(day: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(isoDay(day + i));
  return out;
}
