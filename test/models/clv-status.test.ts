// Uncertainty and status: seeded 50/200-customer CDNOW subsamples are flagged, full data is ok, decisions follow the intervals.
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { MAX_RELATIVE_CI_WIDTH, fitClv, predictClv, readSummaryCsv, type ClvCustomer, type ClvFit, type SubmodelFit } from '../../functions/src/models/clv';
import { CDNOW_BGNBD, syntheticCustomers } from '../../functions/src/models/clv/synthetic';
import { Prng } from '../../functions/src/simulator/prng';
import { testNeedingShared } from '../helpers/shared';

const FILE = path.resolve(__dirname, '../../../shared/data/cdnow/cdnow_customers_summary_with_transactions.csv');
const maybe = testNeedingShared(FILE, 'the CDNOW status tests');

let all: ClvCustomer[] = [];
beforeAll(async () => {
  if (maybe !== test.skip) all = (await readSummaryCsv(createReadStream(FILE), FILE)).customers;
});

/** A seeded random subsample (Fisher–Yates on indices). */
function subsample(n: number, seed: string): ClvCustomer[] {
  const rng = new Prng(seed);
  const idx = all.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, n).map((i) => all[i]!);
}

/** What the status rules must decide, recomputed from the reported numbers. */
function expectedStatus<P>(m: SubmodelFit<P>): 'ok' | 'insufficient_data' {
  if (!m.params || !m.converged || !m.intervals) return 'insufficient_data';
  const widest = Math.max(...Object.values<{ relativeWidth: number }>(m.intervals).map((i) => i.relativeWidth));
  return widest <= MAX_RELATIVE_CI_WIDTH ? 'ok' : 'insufficient_data';
}

function checkConsistent(fit: ClvFit): void {
  for (const [name, m] of [['BG/NBD', fit.bgnbd], ['Gamma-Gamma', fit.gammagamma!]] as const) {
    expect(m.status).toBe(expectedStatus(m as SubmodelFit<unknown>));
    // Every parameter over the bound is named in the reasons, and an unusable information matrix is said.
    if (m.intervals) {
      for (const [k, iv] of Object.entries<{ relativeWidth: number }>(m.intervals)) {
        if (!(iv.relativeWidth <= MAX_RELATIVE_CI_WIDTH)) expect(fit.reasons.some((r) => r.startsWith(`${name}: ${k}: the 95% interval`))).toBe(true);
      }
    } else if (m.params) expect(fit.reasons.some((r) => r.startsWith(`${name}: the information matrix is not positive definite`))).toBe(true);
  }
  expect(fit.status).toBe(fit.bgnbd.status === 'ok' && fit.gammagamma!.status === 'ok' ? 'ok' : 'insufficient_data');
  expect(fit.status === 'ok').toBe(fit.reasons.length === 0);
}

const widest = (m: SubmodelFit<unknown>) => (m.intervals ? Math.max(...Object.values<{ relativeWidth: number }>(m.intervals as Record<string, { relativeWidth: number }>).map((i) => i.relativeWidth)) : Infinity);

maybe('full CDNOW is ok; every seeded 50- and 200-customer subsample is insufficient_data, each decision following its intervals', () => {
  const full = fitClv(all, { unit: 'week' });
  checkConsistent(full);
  expect(full.status).toBe('ok');
  expect(widest(full.bgnbd as SubmodelFit<unknown>)).toBeLessThan(MAX_RELATIVE_CI_WIDTH);
  expect(widest(full.gammagamma! as SubmodelFit<unknown>)).toBeLessThan(MAX_RELATIVE_CI_WIDTH);

  const widestBySize: Record<number, number[]> = { 50: [], 200: [] };
  for (const n of [50, 200]) {
    for (let s = 0; s < 5; s++) {
      const fit = fitClv(subsample(n, `clv-subsample-${n}-${s}`), { unit: 'week' });
      checkConsistent(fit);
      expect(fit.status).toBe('insufficient_data');
      // BG/NBD's dropout parameters a, b are what small stores cannot pin down.
      expect(fit.bgnbd.status).toBe('insufficient_data');
      widestBySize[n]!.push(widest(fit.bgnbd as SubmodelFit<unknown>));
    }
  }
  // More customers, narrower intervals: the median widest BG/NBD interval shrinks from 50 to 200 to all 2,357 customers.
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  expect(median(widestBySize[50]!)).toBeGreaterThan(median(widestBySize[200]!));
  expect(median(widestBySize[200]!)).toBeGreaterThan(widest(full.bgnbd as SubmodelFit<unknown>));
}, 60_000);

maybe('per-customer CLV intervals are seeded, contain the point estimate, and are wider when fitted on 200 customers than on all', () => {
  const small = subsample(200, 'clv-subsample-200-1');
  const fullFit = fitClv(all, { unit: 'week' });
  const smallFit = fitClv(small, { unit: 'week' });
  const opts = { horizon: 52, draws: 200, seed: 7 };
  const a = predictClv(fullFit, small, opts);
  const b = predictClv(smallFit, small, opts);
  expect(predictClv(fullFit, small, opts)).toEqual(a); // same seed, same numbers
  expect(predictClv(fullFit, small, { ...opts, seed: 8 }).customers[0]!.clvLow).not.toBe(a.customers[0]!.clvLow);
  expect(a.status).toBe('ok');
  expect(b.status).toBe('insufficient_data');
  const relWidth = (p: typeof a) => {
    let s = 0;
    for (const c of p.customers) {
      expect(c.clvLow!).toBeLessThanOrEqual(c.clv! * (1 + 1e-9));
      expect(c.clvHigh!).toBeGreaterThanOrEqual(c.clv! * (1 - 1e-9));
      s += (c.clvHigh! - c.clvLow!) / c.clv!;
    }
    return s / p.customers.length;
  };
  const wFull = relWidth(a);
  const wSmall = relWidth(b);
  expect(wSmall).toBeGreaterThan(2 * wFull);
}, 60_000);

test('95 % parameter intervals cover the true BG/NBD parameters in about 95 % of 30 synthetic stores of 1,000 customers', () => {
  const cover = { r: 0, alpha: 0, a: 0, b: 0 };
  for (let rep = 0; rep < 30; rep++) {
    const fit = fitClv(syntheticCustomers({ customers: 1000, seed: `coverage-${rep}` }), { unit: 'week' });
    const iv = fit.bgnbd.intervals!;
    for (const k of ['r', 'alpha', 'a', 'b'] as const) if (iv[k].lower <= CDNOW_BGNBD[k] && CDNOW_BGNBD[k] <= iv[k].upper) cover[k]++;
  }
  // Binomial(30, 0.95): P(≤ 24) ≈ 0.016 per parameter.
  for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(cover[k]).toBeGreaterThanOrEqual(25);
}, 60_000);

test('degenerate data: no repeat purchases, or every customer identical, give insufficient_data rather than confident numbers', () => {
  const none: ClvCustomer[] = Array.from({ length: 300 }, (_, i) => ({ id: String(i), frequency: 0, recency: 0, T: 10 + (i % 30) }));
  const f1 = fitClv(none, { unit: 'week' });
  expect(f1.status).toBe('insufficient_data');
  expect(f1.reasons).toContain('BG/NBD: no customer has a repeat purchase');
  const same: ClvCustomer[] = Array.from({ length: 300 }, (_, i) => ({ id: String(i), frequency: 1, recency: 5, T: 10 }));
  expect(fitClv(same, { unit: 'week' }).status).toBe('insufficient_data');
});
