// One holder of a shop's write-back journal at a time in this process: the write-back job and the privacy redaction of the journal queue behind each other.
import { ShopMlopsError } from '../core/errors';

const holders = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` once every earlier holder of `shop`'s journal in this process has finished (failed or not). With `waitMs`,
 * waits at most that long for a holder (a bulk run can hold the journal for a long time) and then gives up with a
 * non-retryable error, `fn` not run: the caller's own schedule tries again (a privacy request stays pending).
 */
export async function withShopJournal<T>(shop: string, fn: () => Promise<T>, o: { waitMs?: number } = {}): Promise<T> {
  if (o.waitMs !== undefined) {
    const deadline = Date.now() + o.waitMs;
    for (let held = holders.get(shop); held; held = holders.get(shop)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new ShopMlopsError('UNAVAILABLE', `the metafields write-back of ${shop} holds its journal; left to the next attempt`, { retryable: false });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([held.catch(() => null), new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
  }
  const prev = holders.get(shop) ?? Promise.resolve(null);
  const next = prev.catch(() => null).then(fn);
  holders.set(shop, next);
  void next.finally(() => holders.get(shop) === next && holders.delete(shop)).catch(() => undefined);
  return next;
}
