// Calendar days for the CLV summaries: a transaction's date text → days since 1970-01-01, and back.
import { dateOfDayNumber, dayNumberOf } from '../../core/shop-days';

const DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;

/**
 * The calendar date a transaction was written with, as days since 1970-01-01: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`,
 * `YYYY-MM-DDTHH:MM[:SS][zone]` (the date as written; the time and any offset are ignored) or `YYYYMMDD`.
 * NaN when the text is not one of these or not a real date.
 */
export function parseDay(text: string): number {
  const t = text.trim();
  const m = DATE_PREFIX.exec(t) ?? COMPACT.exec(t);
  if (!m) return NaN;
  return dayNumberOf(`${m[1]}-${m[2]}-${m[3]}`);
}

/** `YYYY-MM-DD` of a day number. */
export const formatDay = dateOfDayNumber;
