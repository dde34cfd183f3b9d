// Sticky arm assignment: hash(shop, endpoint, unit) → one of 10,000 buckets; arms own contiguous bucket ranges of a split.
import { sha256 } from '../core/hmac-sha256';
import { ShopMlopsError } from '../core/errors';
import type { Split, ArmName } from '../ports/endpoints';

/** Buckets per endpoint: one percent is 100 buckets, so every integer split is exact. */
export const BUCKETS = 10_000;

export interface AssignmentUnit {
  kind: 'customer' | 'visitor';
  id: string;
}

/** The unit is the customer when logged in (stable across devices), else the visitor id. */
export function assignmentUnit(ids: { customerId?: string | null; visitorId?: string | null }): AssignmentUnit {
  const c = ids.customerId?.trim();
  if (c) return { kind: 'customer', id: c };
  const v = ids.visitorId?.trim();
  if (v) return { kind: 'visitor', id: v };
  throw new ShopMlopsError('BAD_REQUEST', 'assignment needs a customer id or a visitor id');
}

/**
 * The unit's bucket in [0, 10000): the first 8 bytes of SHA-256 over `shop \n endpoint \n kind:id`, as an unsigned
 * 64-bit integer, modulo 10,000 (the modulo bias is below 1e-15). Fields are newline-separated, and neither a shop
 * domain nor an endpoint (model) name can hold a newline, so different triples never hash the same input. The endpoint
 * is part of the input, so a unit's buckets on two endpoints are independent (a challenger on one model does not pick
 * the same customers as a challenger on another).
 */
export function bucketOf(shop: string, endpoint: string, unit: AssignmentUnit): number {
  const d = sha256(`${shop}\n${endpoint}\n${unit.kind}:${unit.id}`);
  return Number(d.readBigUInt64BE(0) % BigInt(BUCKETS));
}

export interface ArmRange {
  arm: ArmName;
  /** The version serving the arm; null for the holdout (no model: the fallback experience). */
  version: number | null;
  /** Buckets [from, to). */
  from: number;
  to: number;
}

/**
 * Bucket ranges of a split, laid out as
 *
 *     0 ── challenger ──▶ c │ c ── champion ──▶ 10000 − h │ 10000 − h ── holdout ──▶ 10000
 *
 * Ramping the challenger (c grows, the champion shrinks by as much, h fixed) only moves the boundary c to the right:
 * the buckets that change arm go from champion to challenger, never back, and the holdout range is untouched. Empty
 * arms are left out.
 */
export function armRanges(split: Split): ArmRange[] {
  const c = (split.challenger?.percent ?? 0) * (BUCKETS / 100);
  const h = split.holdout * (BUCKETS / 100);
  const ranges: ArmRange[] = [];
  if (split.challenger && c > 0) ranges.push({ arm: 'challenger', version: split.challenger.version, from: 0, to: c });
  if (BUCKETS - h > c) ranges.push({ arm: 'champion', version: split.champion.version, from: c, to: BUCKETS - h });
  if (h > 0) ranges.push({ arm: 'holdout', version: null, from: BUCKETS - h, to: BUCKETS });
  return ranges;
}

export interface Assignment {
  arm: ArmName;
  version: number | null;
  bucket: number;
}

/** The arm a bucket falls in. */
export function armOfBucket(split: Split, bucket: number): Assignment {
  for (const r of armRanges(split)) if (bucket >= r.from && bucket < r.to) return { arm: r.arm, version: r.version, bucket };
  throw new ShopMlopsError('INTERNAL', `bucket ${bucket} is outside every arm of the split`);
}

/** The unit's arm on an endpoint (shop + model) under a split: the same answer every time for the same split. */
export function assignArm(split: Split, shop: string, endpoint: string, unit: AssignmentUnit): Assignment {
  return armOfBucket(split, bucketOf(shop, endpoint, unit));
}
