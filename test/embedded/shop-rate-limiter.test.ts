// The per-shop token bucket on its own clock: refill, Retry-After, shops independent, memory bounded (refilled buckets dropped first).
import { createShopRateLimiter } from '../../functions/src/http/shop-rate-limiter';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('a burst, then one request per refilled token; Retry-After is the wait for the next token, rounded up', () => {
  const c = clock();
  const l = createShopRateLimiter({ perSecond: 2, burst: 4, maxShops: 10, now: c.now });
  for (let i = 0; i < 4; i++) expect(l.take('a.myshopify.com')).toEqual({ ok: true });
  expect(l.take('a.myshopify.com')).toEqual({ ok: false, retryAfterSeconds: 1 });
  c.advance(499);
  expect(l.take('a.myshopify.com').ok).toBe(false);
  c.advance(1);
  expect(l.take('a.myshopify.com')).toEqual({ ok: true });
  // Never more than the burst, however long the shop was idle.
  c.advance(3_600_000);
  for (let i = 0; i < 4; i++) expect(l.take('a.myshopify.com').ok).toBe(true);
  expect(l.take('a.myshopify.com').ok).toBe(false);
});

test('a slow refill gives a long Retry-After; refused requests do not push it further', () => {
  const c = clock();
  const l = createShopRateLimiter({ perSecond: 0.1, burst: 1, maxShops: 10, now: c.now });
  expect(l.take('a.myshopify.com').ok).toBe(true);
  expect(l.take('a.myshopify.com')).toEqual({ ok: false, retryAfterSeconds: 10 });
  c.advance(4_000);
  expect(l.take('a.myshopify.com')).toEqual({ ok: false, retryAfterSeconds: 6 });
  c.advance(6_000);
  expect(l.take('a.myshopify.com').ok).toBe(true);
});

test('one shop emptying its bucket leaves every other shop its whole burst', () => {
  const c = clock();
  const l = createShopRateLimiter({ perSecond: 1, burst: 3, maxShops: 10, now: c.now });
  for (let i = 0; i < 50; i++) l.take('busy.myshopify.com');
  for (let i = 0; i < 3; i++) expect(l.take('quiet.myshopify.com').ok).toBe(true);
});

test('memory stays within maxShops: refilled buckets go first (even recently used ones), then the least recently used', () => {
  const c = clock();
  const l = createShopRateLimiter({ perSecond: 1, burst: 2, maxShops: 2, now: c.now });
  l.take('a.myshopify.com');
  l.take('a.myshopify.com'); // a is empty, and the least recently used
  l.take('refilled.myshopify.com');
  c.advance(1_000); // refilled is full again (the same as no bucket); a has 1 token
  l.take('b.myshopify.com'); // at the cap: refilled is dropped, not a
  expect(l.size()).toBe(2);
  expect(l.take('a.myshopify.com').ok).toBe(true);
  expect(l.take('a.myshopify.com').ok).toBe(false);
  for (let i = 0; i < 100; i++) l.take(`shop-${i}.myshopify.com`);
  expect(l.size()).toBe(2);
});
