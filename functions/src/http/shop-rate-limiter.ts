// Per-shop token buckets for the prediction routes, in bounded memory: only verified shops are ever passed in.

export interface RateLimitOptions {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the burst a shop may send at once. */
  burst: number;
  /** Most buckets held at once; past it, buckets that have refilled (equal to no bucket) go first, then the least recently used. */
  maxShops: number;
  /** Clock in ms (tests pass their own). */
  now?: () => number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface ShopRateLimiter {
  /** Takes one token from the shop's bucket. Call only with a shop whose request was verified. */
  take(shop: string): RateDecision;
  /** Buckets held (for tests and metrics). */
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createShopRateLimiter(opts: RateLimitOptions): ShopRateLimiter {
  const now = opts.now ?? Date.now;
  const perMs = opts.perSecond / 1000;
  // Map iteration order is insertion order; re-inserting on use keeps it least recently used first.
  const buckets = new Map<string, Bucket>();

  const level = (b: Bucket, t: number) => Math.min(opts.burst, b.tokens + Math.max(0, t - b.at) * perMs);

  function makeRoom(t: number): void {
    for (const [shop, b] of buckets) if (level(b, t) >= opts.burst) buckets.delete(shop);
    // Still full of active shops: drop the least recently used (it starts again with a full bucket).
    while (buckets.size >= opts.maxShops) buckets.delete(buckets.keys().next().value as string);
  }

  return {
    take(shop) {
      const t = now();
      let b = buckets.get(shop);
      if (b) {
        buckets.delete(shop);
        b.tokens = level(b, t);
        b.at = t;
      } else {
        if (buckets.size >= opts.maxShops) makeRoom(t);
        b = { tokens: opts.burst, at: t };
      }
      buckets.set(shop, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / opts.perSecond)) };
    },
    size: () => buckets.size,
  };
}
