// Embedded EventBus adapter: a delivery is acknowledged once its envelope is fsync'd to the durable log.
import { envelopeParts } from '../../core/envelope';
import { ShopMlopsError } from '../../core/errors';
import type { EventBus } from '../../ports/event-bus';
import type { DurableLog } from './durable-log';

export function createLogEventBus(log: DurableLog): EventBus {
  return {
    async publish(envelope) {
      try {
        await log.append(envelopeParts(envelope));
      } catch (err) {
        throw new ShopMlopsError('UNAVAILABLE', `local log write failed: ${(err as Error).message}`, { cause: err });
      }
    },
    async close() {
      await log.close();
    },
  };
}
