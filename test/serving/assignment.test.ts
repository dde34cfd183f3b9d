// Sticky assignment: stable well-mixed buckets, arm ranges, a 95/5 split within binomial tolerance, and ramps that only move units champion → challenger.
import { ShopMlopsError } from '../../functions/src/core/errors';
import type { Split } from '../../functions/src/ports/endpoints';
import { BUCKETS, armOfBucket, armRanges, assignArm, assignmentUnit, bucketOf, type AssignmentUnit } from '../../functions/src/serving/assignment';
import { nextRampPercent } from '../../functions/src/serving/rollout-plan';
import { Prng } from '../../functions/src/simulator/prng';

const SHOP = 'demo-store.myshopify.com';
/** 99.9 % two-sided normal quantile. */
const Z999 = 3.2905;
const customer = (i: number): AssignmentUnit => ({ kind: 'customer', id: String(7_000_000_000_000 + i) });
const split = (champion: number, challenger: number, holdout = 0): Split => ({ champion: { version: 1, percent: champion }, challenger: { version: 2, percent: challenger }, holdout });

test('the unit is the customer id when there is one, else the visitor id; neither is a bad request', () => {
  expect(assignmentUnit({ customerId: '42', visitorId: 'v-1' })).toEqual({ kind: 'customer', id: '42' });
  expect(assignmentUnit({ customerId: null, visitorId: 'v-1' })).toEqual({ kind: 'visitor', id: 'v-1' });
  expect(assignmentUnit({ customerId: ' ', visitorId: 'v-1' })).toEqual({ kind: 'visitor', id: 'v-1' });
  expect(() => assignmentUnit({})).toThrow(ShopMlopsError);
});

test('a bucket is SHA-256 of shop, endpoint and unit: the same every time, in [0, 10000), and independent per endpoint, shop and unit kind', () => {
  const u = customer(1);
  const b = bucketOf(SHOP, 'recommend', u);
  expect(bucketOf(SHOP, 'recommend', { ...u })).toBe(b);
  expect(Number.isInteger(b) && b >= 0 && b < BUCKETS).toBe(true);
  // Pinned value: changing the hash would reshuffle every running experiment.
  expect(b).toBe(Number(BigInt('0x' + require('node:crypto').createHash('sha256').update(`${SHOP}\nrecommend\ncustomer:7000000000001`).digest('hex').slice(0, 16)) % 10000n));
  let sameEndpoint = 0;
  let sameShop = 0;
  let sameKind = 0;
  for (let i = 0; i < 2000; i++) {
    const c = customer(i);
    if (bucketOf(SHOP, 'recommend', c) === bucketOf(SHOP, 'forecast', c)) sameEndpoint++;
    if (bucketOf(SHOP, 'recommend', c) === bucketOf('other.myshopify.com', 'recommend', c)) sameShop++;
    if (bucketOf(SHOP, 'recommend', c) === bucketOf(SHOP, 'recommend', { kind: 'visitor', id: c.id })) sameKind++;
  }
  // Independent buckets coincide with probability 1/10000: a handful at most in 2000 units.
  expect(Math.max(sameEndpoint, sameShop, sameKind)).toBeLessThan(5);
});

test('buckets are well mixed: 100,000 sequential customer ids spread over 100 bins pass a chi-square test at 99.9 %', () => {
  const bins = new Array<number>(100).fill(0);
  for (let i = 0; i < 100_000; i++) bins[Math.floor(bucketOf(SHOP, 'recommend', customer(i)) / 100)]!++;
  const chi2 = bins.reduce((s, n) => s + (n - 1000) ** 2 / 1000, 0);
  expect(chi2).toBeLessThan(148.23); // chi-square 0.999 quantile, 99 degrees of freedom
});

test('arms own contiguous ranges: challenger from 0, champion next, holdout at the top; empty arms left out', () => {
  expect(armRanges(split(90, 5, 5))).toEqual([
    { arm: 'challenger', version: 2, from: 0, to: 500 },
    { arm: 'champion', version: 1, from: 500, to: 9500 },
    { arm: 'holdout', version: null, from: 9500, to: 10000 },
  ]);
  expect(armRanges({ champion: { version: 3, percent: 100 }, challenger: null, holdout: 0 })).toEqual([{ arm: 'champion', version: 3, from: 0, to: 10000 }]);
  expect(armRanges(split(0, 100))).toEqual([{ arm: 'challenger', version: 2, from: 0, to: 10000 }]);
});

test('a 95/5 split over 10,000 customers lands within the 99.9 % binomial tolerance, and so does 90/5/5 with a holdout', () => {
  for (const [s, expected] of [
    [split(95, 5), { champion: 0.95, challenger: 0.05, holdout: 0 }],
    [split(90, 5, 5), { champion: 0.9, challenger: 0.05, holdout: 0.05 }],
  ] as const) {
    const n = 10_000;
    const counts = { champion: 0, challenger: 0, holdout: 0 };
    for (let i = 0; i < n; i++) counts[assignArm(s, SHOP, 'recommend', customer(i)).arm]++;
    for (const arm of ['champion', 'challenger', 'holdout'] as const) {
      const p = expected[arm];
      const tol = Z999 * Math.sqrt(n * p * (1 - p));
      expect(Math.abs(counts[arm] - n * p)).toBeLessThanOrEqual(tol);
    }
  }
});

test('sticky: a unit gets the same arm and version every time for the same split, visitors included', () => {
  const s = split(50, 25, 25);
  const rng = new Prng('sticky');
  for (let i = 0; i < 2000; i++) {
    const u: AssignmentUnit = i % 2 ? customer(i) : { kind: 'visitor', id: rng.uuid() };
    const a = assignArm(s, SHOP, 'recommend', u);
    expect(assignArm(JSON.parse(JSON.stringify(s)) as Split, SHOP, 'recommend', { ...u })).toEqual(a);
  }
});

test('property: over many units and random ramp sequences, a unit only ever moves champion → challenger, and holdout units never move', () => {
  const rng = new Prng('ramps');
  const units = Array.from({ length: 5000 }, (_, i) => (i % 3 ? customer(i) : ({ kind: 'visitor', id: rng.uuid() } as AssignmentUnit)));
  const buckets = units.map((u) => bucketOf(SHOP, 'recommend', u));
  const violations: string[] = [];
  let moved = 0;
  for (let trial = 0; trial < 200; trial++) {
    const holdout = [0, 5, 10, 20][rng.int(4)]!;
    // A random increasing policy ending at 100, e.g. 5 → 25 → 50 → 100 or 1 → 2 → 40 → 100.
    const steps = new Set<number>([100]);
    for (let k = rng.int(5); k > 0; k--) steps.add(1 + rng.int(99));
    const policy = [...steps].sort((a, b) => a - b);
    const start = rng.int(Math.min(policy[0]!, 100 - holdout));
    let s: Split = { champion: { version: 1, percent: 100 - holdout - start }, challenger: { version: 2, percent: start }, holdout };
    const arms = (sp: Split) => buckets.map((b) => armOfBucket(sp, b).arm);
    const history: string[][] = arms(s).map((a) => [a]);
    for (let to = nextRampPercent(s, policy); to !== null; to = nextRampPercent(s, policy)) {
      s = { champion: { version: 1, percent: 100 - holdout - to }, challenger: { version: 2, percent: to }, holdout };
      arms(s).forEach((a, i) => history[i]!.push(a));
    }
    expect(s.challenger!.percent).toBe(100 - holdout);
    for (const seq of history) {
      const firstChallenger = seq.indexOf('challenger');
      // holdout* alone, or champion* challenger*: once on the challenger, never back; the holdout never changes.
      const ok = seq[0] === 'holdout' ? seq.every((a) => a === 'holdout') : !seq.includes('holdout') && (firstChallenger < 0 || seq.slice(firstChallenger).every((a) => a === 'challenger'));
      if (!ok) violations.push(seq.join(' → '));
      if (firstChallenger > 0) moved++;
    }
  }
  expect(violations.slice(0, 5)).toEqual([]);
  expect(moved).toBeGreaterThan(1000);
});
