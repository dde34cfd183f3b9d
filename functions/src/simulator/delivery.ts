// A planned webhook delivery (what the simulator and the CSV replay produce and the sender posts), plus ordering helpers.

export interface PlannedDelivery {
  topic: string;
  /** Exact JSON text of the body; 64-bit ids are JSON numbers written from decimal strings. */
  body: string;
  triggeredAt: Date;
  /** X-Shopify-Webhook-Id: unique per delivery (a redelivery repeats it). */
  webhookId: string;
  /** X-Shopify-Event-Id: shared by every delivery of one merchant action (multi-subscription duplicates share it). */
  eventId: string;
  shop: string;
}

/** Sorts by triggeredAt, keeping the planning order for equal instants (stable). */
export function sortByTriggeredAt(deliveries: PlannedDelivery[]): PlannedDelivery[] {
  return deliveries
    .map((d, i) => ({ d, i }))
    .sort((x, y) => x.d.triggeredAt.getTime() - y.d.triggeredAt.getTime() || x.i - y.i)
    .map((x) => x.d);
}

export function countByTopic(deliveries: Iterable<PlannedDelivery>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of deliveries) out[d.topic] = (out[d.topic] ?? 0) + 1;
  return out;
}
