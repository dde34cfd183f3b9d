// The acknowledgement path: hand a verified delivery to the event bus (optionally classifying it first, in the cloud).
import { classifyEnvelope } from './classify';
import type { WebhookEnvelope } from './envelope';
import type { EventBus } from '../ports/event-bus';

export interface AcceptorOptions {
  bus: EventBus;
  /**
   * Classify (parse + schema) before publishing so the message is routed to events or quarantine.
   * The cloud does this (one delivery per invocation, and BigQuery subscriptions route by attribute);
   * the embedded runtime does not (it classifies in the loader, off the ack path, for throughput).
   */
  classifyOnAck: boolean;
}

export function createAcceptor(opts: AcceptorOptions): (envelope: WebhookEnvelope) => Promise<void> {
  return async (envelope) => {
    if (!opts.classifyOnAck) return opts.bus.publish(envelope);
    const c = classifyEnvelope(envelope);
    return opts.bus.publish(envelope, c.kind === 'quarantine' ? { quarantineReason: c.record.reason } : {});
  };
}
