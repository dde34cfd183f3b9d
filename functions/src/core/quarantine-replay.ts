// Replays quarantined deliveries through the current schemas: what now passes lands (exactly once), the rest stays.
import { classifyEnvelope, envelopeFromQuarantine, type LandedEvent } from './classify';
import { isPrivacyTopic } from './topics';
import type { Warehouse } from '../ports/warehouse';

export interface ReplayOutcome {
  quarantineId: string;
  webhookId: string;
  topic: string;
  result: 'landed' | 'duplicate' | 'still_quarantined';
  reason?: string;
}

export async function replayQuarantine(
  warehouse: Warehouse,
  opts: { ids?: string[]; privacy?: { handle(e: LandedEvent): Promise<unknown> }; now?: () => Date },
): Promise<ReplayOutcome[]> {
  const items = await warehouse.listQuarantine(opts.ids && opts.ids.length ? { ids: opts.ids } : {});
  const out: ReplayOutcome[] = [];
  const replayed: string[] = [];
  for (const q of items) {
    const c = classifyEnvelope(envelopeFromQuarantine(q));
    if (c.kind === 'quarantine') {
      out.push({ quarantineId: q.quarantine_id, webhookId: q.webhook_id, topic: q.topic, result: 'still_quarantined', reason: c.record.reason });
      continue;
    }
    const r = await warehouse.landEvents([c.event]);
    if (r.inserted && isPrivacyTopic(c.event.topic)) await opts.privacy?.handle(c.event);
    replayed.push(q.quarantine_id);
    out.push({ quarantineId: q.quarantine_id, webhookId: q.webhook_id, topic: q.topic, result: r.inserted ? 'landed' : 'duplicate' });
  }
  await warehouse.markReplayed(replayed, (opts.now ?? (() => new Date()))().toISOString());
  return out;
}
