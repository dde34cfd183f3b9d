// The default snapshot: the last complete day (in the shop's time zone) of the landed order data.
import type { FeatureWarehouse } from './feature-warehouse';
import { addDays, localDate } from '../core/shop-days';

/** The day before the latest order's day: that day may still be receiving orders. Null when no order landed. */
export async function defaultSnapshotDate(w: Pick<FeatureWarehouse, 'execute'>, timeZone: string): Promise<string | null> {
  const r = await w.execute(
    "SELECT strftime(max(CAST(json_extract_string(payload, '$.created_at') AS TIMESTAMPTZ)), '%Y-%m-%dT%H:%M:%SZ') AS latest FROM shop_raw.events WHERE topic LIKE 'orders/%'",
  );
  const latest = r[0]?.['latest'];
  if (typeof latest !== 'string') return null;
  return addDays(localDate(new Date(latest), timeZone), -1);
}
