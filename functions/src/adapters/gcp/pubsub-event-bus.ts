// EventBus on Cloud Pub/Sub: one message per delivery whose data is a row of the BigQuery table its route lands in.
import { deliveryColumns, quarantineRecordOf } from '../../core/classify';
import { randomUUID } from 'node:crypto';
import { PubSub, type Topic } from '@google-cloud/pubsub';
import type { WebhookEnvelope } from '../../core/envelope';
import { ShopMlopsError } from '../../core/errors';
import type { Logger } from '../../core/log';
import { PRIVACY_WORKER_TOPICS } from './privacy-message';
import type { EventBus, PublishRouting } from '../../ports/event-bus';

/** Values of the `route` attribute; the BigQuery subscriptions filter on them (infra/pubsub.tf). */
export const ROUTES = { events: 'events', quarantine: 'quarantine' } as const;
export type Route = (typeof ROUTES)[keyof typeof ROUTES];

export interface PubSubEventBusOptions {
  pubsub?: PubSub;
  projectId: string;
  topic: string;
  privacyTopic: string;
  log: Logger;
  /** Longest a publish may take, retries included (the function itself times out at 30 s). */
  publishTimeoutMs?: number;
}

/**
 * No ordering key: no subscription reads in order (the BigQuery subscriptions and the privacy worker's push do not), and
 * a key caps publishing per key (one shop) at 1 MB/s and pauses the key after a failed publish.
 */
export interface BusMessage {
  data: Buffer;
  attributes: Record<string, string>;
  route: Route;
}

/** The message for a delivery: an events row, or a quarantine row when routing says so. Pure, for tests. */
export function buildBusMessage(env: WebhookEnvelope, routing: PublishRouting = {}, newId: () => string = randomUUID): BusMessage {
  const route: Route = routing.quarantineReason !== undefined ? ROUTES.quarantine : ROUTES.events;
  let row: Record<string, unknown>;
  if (route === ROUTES.quarantine) {
    row = { quarantine_id: newId(), quarantined_at: env.receivedAt, ...quarantineRecordOf(env, routing.quarantineReason ?? '') };
  } else {
    // The payload travels as the exact text Shopify sent: ids beyond 2^53 are never re-serialised.
    row = { ...deliveryColumns(env), payload: env.body.toString('utf8') };
  }
  const attributes: Record<string, string> = { shop: env.shop, topic: env.topic, webhook_id: env.webhookId, route };
  if (env.eventId) attributes['event_id'] = env.eventId;
  return { data: Buffer.from(JSON.stringify(row), 'utf8'), attributes, route };
}

export function createPubSubEventBus(opts: PubSubEventBusOptions): EventBus {
  const pubsub = opts.pubsub ?? new PubSub({ projectId: opts.projectId });
  const publishOptions = {
    batching: { maxMessages: 100, maxMilliseconds: 5 },
    gaxOpts: { timeout: opts.publishTimeoutMs ?? 20_000 },
  };
  const main = pubsub.topic(opts.topic, publishOptions);
  const privacy = pubsub.topic(opts.privacyTopic, publishOptions);

  const send = (topic: Topic, m: BusMessage): Promise<string> => topic.publishMessage({ data: m.data, attributes: m.attributes });

  return {
    async publish(envelope, routing = {}) {
      const m = buildBusMessage(envelope, routing);
      // The privacy worker acts on privacy requests and app/uninstalled; quarantined deliveries are never acted on.
      const toPrivacy = m.route === ROUTES.events && (PRIVACY_WORKER_TOPICS as readonly string[]).includes(envelope.topic);
      try {
        const ids = await Promise.all([send(main, m), ...(toPrivacy ? [send(privacy, m)] : [])]);
        opts.log.debug('published', { webhookId: envelope.webhookId, topic: envelope.topic, route: m.route, messageIds: ids });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new ShopMlopsError('UNAVAILABLE', `Pub/Sub publish failed: ${message}`, { cause: err, retryable: true, details: { topic: opts.topic } });
      }
    },
    async close() {
      await Promise.all([main.flush(), privacy.flush()]);
      if (!opts.pubsub) await pubsub.close();
    },
  };
}
