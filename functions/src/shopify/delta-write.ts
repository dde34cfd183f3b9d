// Small deltas: metafieldsSet, 25 per call, only values that differ from what the journal says is written; an intent journaled before each call, and calls left in doubt by a crash reconciled by reading the values back.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/log';
import type { AdminGraphql } from './admin-graphql';
import { METAFIELD_NAMESPACE, type MetafieldInput } from './metafield-contract';
import { READ_METAFIELDS, SET_METAFIELDS, readAnswer, setAnswer } from './admin-operations';
import { slotOf } from './metafield-values';
import type { WriteJournal } from './write-journal';

/** metafieldsSet takes at most 25 metafields per call. */
export const SET_BATCH = 25;

export interface DeltaResult {
  calls: number;
  written: number;
  rejected: Array<{ slot: string; message: string }>;
  /** In-doubt calls found already applied (read back) after a crash. */
  reconciled: number;
}

/** The desired values the journal does not record as written (value or type differs, or never written). */
export function changedMetafields(desired: readonly MetafieldInput[], journal: WriteJournal): MetafieldInput[] {
  return desired.filter((d) => {
    const w = journal.state.written.get(slotOf(d));
    return !w || w.value !== d.value || w.type !== d.type;
  });
}

/** Calls sent before a crash with no answer recorded: read the owners' values; those already equal are recorded as written (never resent). */
export async function reconcileIntents(api: AdminGraphql, journal: WriteJournal): Promise<number> {
  let found = 0;
  for (const [id, items] of [...journal.state.openIntents]) {
    const owners = [...new Set(items.map((m) => m.ownerId))];
    const current = new Map<string, string>();
    for (let i = 0; i < owners.length; i += 250) {
      const ans = readAnswer.parse(await api.request(READ_METAFIELDS, { ids: owners.slice(i, i + 250), namespace: METAFIELD_NAMESPACE }));
      for (const n of ans.nodes) for (const m of n?.metafields?.nodes ?? []) current.set(`${n!.id}|${m.key}`, `${m.type}\u0000${m.value}`);
    }
    const written = items.filter((m) => current.get(slotOf(m)) === `${m.type}\u0000${m.value}`);
    found += written.length;
    await journal.append({ t: 'set_done', id, written, rejected: [] });
  }
  return found;
}

/** Writes `items` with metafieldsSet (atomic per call: a call with user errors writes nothing, so it is resent once without the rejected ones). */
export async function writeDelta(api: AdminGraphql, journal: WriteJournal, items: readonly MetafieldInput[], logger?: Logger): Promise<DeltaResult> {
  const out: DeltaResult = { calls: 0, written: 0, rejected: [], reconciled: 0 };
  const send = async (group: MetafieldInput[], retry: boolean): Promise<void> => {
    if (!group.length) return;
    const id = randomUUID();
    await journal.append({ t: 'set_intent', id, items: group });
    out.calls++;
    const ans = setAnswer.parse(await api.request(SET_METAFIELDS, { metafields: group }));
    const errors = ans.metafieldsSet.userErrors;
    if (!errors.length) {
      await journal.append({ t: 'set_done', id, written: group, rejected: [] });
      out.written += group.length;
      return;
    }
    const bad = new Set(errors.map((e) => e.elementIndex ?? (e.field && /^\d+$/.test(e.field[1] ?? '') ? Number(e.field[1]) : -1)));
    const rejected = group.flatMap((m, i) => (bad.has(i) ? [{ slot: slotOf(m), message: errors.find((e) => (e.elementIndex ?? Number(e.field?.[1])) === i)?.message ?? 'rejected' }] : []));
    await journal.append({ t: 'set_done', id, written: [], rejected });
    out.rejected.push(...rejected);
    logger?.warn('metafieldsSet refused values', { rejected: rejected.length, first: rejected[0]?.message });
    // Nothing of the call was written; the others go again once (no duplicate: the first call applied none).
    if (retry && !bad.has(-1)) await send(group.filter((_, i) => !bad.has(i)), false);
  };
  for (let i = 0; i < items.length; i += SET_BATCH) await send(items.slice(i, i + SET_BATCH), true);
  return out;
}
