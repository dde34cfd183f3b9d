// The Flow action's queue: each accepted "Retrain models" run asks the retrainer (trigger 'external') once, one at a time, and its outcome is recorded; a restart resumes runs accepted but not handled.
import { ShopMlopsError } from '../core/errors';
import { silentLogger, type Logger } from '../core/log';
import type { FlowActionRun, FlowActionRuns } from '../ports/flow-action-runs';
import type { RequestRetrain } from '../ports/monitoring-store';

export interface FlowRetrainWorker {
  enqueue(run: FlowActionRun): void;
  /** Queues every claimed run not handled yet (at start). */
  resume(): Promise<number>;
  /** Resolves when the queue is empty. */
  idle(): Promise<void>;
}

export function createFlowRetrainWorker(deps: { runs: FlowActionRuns; requestRetrain: RequestRetrain; clock: { now(): Date }; logger?: Logger }): FlowRetrainWorker {
  const log = deps.logger ?? silentLogger;
  let tail: Promise<void> = Promise.resolve();
  const queued = new Set<string>();
  const handle = async (run: FlowActionRun) => {
    try {
      const r = await deps.requestRetrain({ shop: run.shop, models: run.models, trigger: 'external', reason: run.reason });
      await deps.runs.complete(run.action_run_id, { status: r.status === 'failed' ? 'failed' : 'requested', request_id: r.request_id, error: r.error ?? null, finished_at: deps.clock.now().toISOString() });
      log.info('flow action handled', { shop: run.shop, actionRunId: run.action_run_id, requestId: r.request_id, status: r.status });
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err);
      log.error('flow action not handled', { shop: run.shop, actionRunId: run.action_run_id, error: e.message });
      // A request that cannot succeed (bad input) is closed; a transient failure stays pending for the next start.
      if (!e.retryable) await deps.runs.complete(run.action_run_id, { status: 'failed', request_id: null, error: e.message, finished_at: deps.clock.now().toISOString() }).catch(() => undefined);
    } finally {
      queued.delete(run.action_run_id);
    }
  };
  const enqueue = (run: FlowActionRun) => {
    if (queued.has(run.action_run_id)) return;
    queued.add(run.action_run_id);
    tail = tail.then(() => handle(run));
  };
  return {
    enqueue,
    async resume() {
      const pending = await deps.runs.pending();
      for (const run of pending) enqueue(run);
      return pending.length;
    },
    async idle() {
      let seen: Promise<void> | undefined;
      while (seen !== tail) {
        seen = tail;
        await seen;
      }
    },
  };
}
