// One holder of a shop's write-back journal at a time in this process: the write-back job and the privacy redaction of the journal queue behind each other.
const holders = new Map<string, Promise<unknown>>();

/** Runs `fn` once every earlier holder of `shop`'s journal in this process has finished (failed or not). */
export function withShopJournal<T>(shop: string, fn: () => Promise<T>): Promise<T> {
  const prev = holders.get(shop) ?? Promise.resolve(null);
  const next = prev.catch(() => null).then(fn);
  holders.set(shop, next);
  void next.finally(() => holders.get(shop) === next && holders.delete(shop)).catch(() => undefined);
  return next;
}
