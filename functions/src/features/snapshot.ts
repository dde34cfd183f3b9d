// The default snapshot: the last complete day (in the shop's time zone) of the landed order data.
import type { DuckDbWarehouse } from '../adapters/embedded/duckdb-warehouse';

/** YYYY-MM-DD of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The day before the latest order's day: that day may still be receiving orders. Null when no order landed. */
export async function defaultSnapshotDate(w: DuckDbWarehouse, timeZone: string): Promise<string | null> {
  const r = await w.execute(
    "SELECT strftime(max(CAST(json_extract_string(payload, '$.created_at') AS TIMESTAMPTZ)), '%Y-%m-%dT%H:%M:%SZ') AS latest FROM shop_raw.events WHERE topic LIKE 'orders/%'",
  );
  const latest = r[0]?.['latest'];
  if (typeof latest !== 'string') return null;
  return addDays(localDate(new Date(latest), timeZone), -1);
}
