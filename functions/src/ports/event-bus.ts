// Port: where an accepted webhook goes before the 2xx. publish() resolves only once the delivery is durable.
import type { WebhookEnvelope } from '../core/envelope';

export interface PublishRouting {
  /** Set when the delivery was classified on the ack path (cloud) and must go to quarantine. */
  quarantineReason?: string;
}

export interface EventBus {
  /** Resolves when the envelope is durable: fsync'd to the local log, or acknowledged by Pub/Sub. Rejects with a retryable ShopMlopsError otherwise. */
  publish(envelope: WebhookEnvelope, routing?: PublishRouting): Promise<void>;
  close(): Promise<void>;
}
