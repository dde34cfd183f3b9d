// PredictionLog on Cloud Pub/Sub: one message per served prediction whose data is a shop_predictions.prediction_log row; a BigQuery subscription (infra/serving-log.tf) writes it.
import { PubSub } from '@google-cloud/pubsub';
import type { Logger } from '../../core/log';
import type { PredictionLog, PredictionLogEntry } from '../../ports/prediction-log';

export interface PubSubPredictionLogOptions {
  pubsub?: PubSub;
  projectId: string;
  topic: string;
  log: Logger;
  /** Publishes in flight before new entries are dropped (and counted). */
  maxPending?: number;
  /** Longest a publish may take, retries included. */
  publishTimeoutMs?: number;
}

/** The message of an entry: the row as JSON (column names = fields), attributes for subscription filters. */
export function predictionLogMessage(e: PredictionLogEntry): { data: Buffer; attributes: Record<string, string> } {
  return { data: Buffer.from(JSON.stringify(e), 'utf8'), attributes: { shop: e.shop, model: e.model, arm: e.arm } };
}

/**
 * record() hands the message to the client's batcher (a few ms, then one Publish call) and returns at once; flush()
 * resolves when every entry recorded so far is acknowledged by Pub/Sub (durable) or counted as dropped. The api
 * function awaits flush() before it finishes (Cloud Run gives an instance no CPU once its response is done).
 */
export function createPubSubPredictionLog(opts: PubSubPredictionLogOptions): PredictionLog {
  const pubsub = opts.pubsub ?? new PubSub({ projectId: opts.projectId });
  const topic = pubsub.topic(opts.topic, { batching: { maxMessages: 500, maxMilliseconds: 10 }, gaxOpts: { timeout: opts.publishTimeoutMs ?? 10_000 } });
  const maxPending = opts.maxPending ?? 10_000;
  const inFlight = new Set<Promise<void>>();
  let written = 0;
  let dropped = 0;
  let closed = false;
  return {
    record(entry) {
      if (closed || inFlight.size >= maxPending) {
        dropped++;
        return;
      }
      const p: Promise<void> = topic.publishMessage(predictionLogMessage(entry)).then(
        () => {
          written++;
        },
        (err: Error) => {
          dropped++;
          opts.log.warn('prediction log publish failed; entry lost', { error: err.message, shop: entry.shop, model: entry.model });
        },
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async flush() {
      await Promise.all([...inFlight]);
    },
    stats: () => ({ pending: inFlight.size, written, dropped }),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...inFlight]);
      await topic.flush().catch(() => undefined);
      if (!opts.pubsub) await pubsub.close();
    },
  };
}
