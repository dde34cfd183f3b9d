// Replays quarantined deliveries through the current schemas: what now passes lands (exactly once), the rest stays.
import { classifyEnvelope, envelopeFromQuarantine, type LandedEvent } from './classify';
import { isPrivacyTopic } from './topics';
import type { Warehouse } from '../ports/warehouse';
import { loadRedactedIndex } from './late-redaction';

export interface ReplayOutcome {
  quarantineId: string;
  webhookId: string;
  topic: string;
  /** `redacted`: about a customer already redacted, a record of theirs: not landed (an order of theirs lands scrubbed, as `landed`). */
  result: 'landed' | 'duplicate' | 'still_quarantined' | 'redacted';
  reason?: string;
}

export async function replayQuarantine(
  warehouse: Warehouse,
  opts: { ids?: string[]; privacy?: { handle(e: LandedEvent): Promise<unknown> }; now?: () => Date },
): Promise<ReplayOutcome[]> {
  const items = await warehouse.listQuarantine(opts.ids && opts.ids.length ? { ids: opts.ids } : {});
  // A delivery quarantined after its customer was redacted (the cloud's subscription stores it as sent) lands as a late
  // delivery would: scrubbed, or not at all.
  const redacted = items.length ? await loadRedactedIndex(warehouse) : null;
  const out: ReplayOutcome[] = [];
  const replayed: string[] = [];
  for (const q of items) {
    const c = classifyEnvelope(envelopeFromQuarantine(q));
    if (c.kind === 'quarantine') {
      out.push({ quarantineId: q.quarantine_id, webhookId: q.webhook_id, topic: q.topic, result: 'still_quarantined', reason: c.record.reason });
      continue;
    }
    const event = redacted ? redacted.apply(c.event) : c.event;
    if (!event) {
      replayed.push(q.quarantine_id);
      out.push({ quarantineId: q.quarantine_id, webhookId: q.webhook_id, topic: q.topic, result: 'redacted' });
      continue;
    }
    const r = await warehouse.landEvents([event]);
    if (r.inserted && isPrivacyTopic(event.topic)) await opts.privacy?.handle(event);
    replayed.push(q.quarantine_id);
    out.push({ quarantineId: q.quarantine_id, webhookId: q.webhook_id, topic: q.topic, result: r.inserted ? 'landed' : 'duplicate' });
  }
  await warehouse.markReplayed(replayed, (opts.now ?? (() => new Date()))().toISOString());
  return out;
}
