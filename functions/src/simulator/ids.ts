// 64-bit Shopify-looking ids as exact decimal strings: random (unique per generator) or derived from a key by hashing.
import { createHash } from 'node:crypto';
import type { Prng } from './prng';

/** Ids fall in [2^59, 2^63): always beyond 2^53 (a JS number cannot hold them) and below the signed 64-bit limit. */
const ID_MIN = 1n << 59n;
const ID_SPAN = (1n << 63n) - ID_MIN;

function fromWords(hi: number, lo: number): string {
  const raw = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return (ID_MIN + (raw % ID_SPAN)).toString();
}

/** Draws unique random ids from a seeded stream (never through a JS number). */
export class IdGenerator {
  private readonly used = new Set<string>();
  constructor(private readonly prng: Prng) {}

  next(): string {
    for (;;) {
      const id = fromWords(this.prng.nextU32(), this.prng.nextU32());
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }
}

/** A stable id for a key within a namespace (SHA-256 → 64 bits → [2^59, 2^63)). Same key, same id, in every run. */
export function idFromKey(namespace: string, key: string): string {
  const digest = createHash('sha256').update(`${namespace}\u0000${key}`).digest();
  return fromWords(digest.readUInt32BE(0), digest.readUInt32BE(4));
}

/** Shopify's GraphQL global id for a REST id. */
export function gid(kind: string, id: string): string {
  return `gid://shopify/${kind}/${id}`;
}

/** A stable UUID-shaped id for a key (webhook and event ids of replayed deliveries). */
export function uuidFromKey(namespace: string, key: string): string {
  const h = createHash('sha256').update(`${namespace}\u0000${key}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
