// Test support: every durable record's payload of a log, as text, in order.
import type { DurableLog } from '../../../functions/src/adapters/embedded/durable-log';

export async function readAll(log: DurableLog): Promise<string[]> {
  const out: string[] = [];
  let off = 0;
  for (;;) {
    const recs = await log.read(off, 1 << 16);
    if (!recs.length) return out;
    out.push(...recs.map((r) => r.payload.toString()));
    off = recs[recs.length - 1]!.next;
  }
}
