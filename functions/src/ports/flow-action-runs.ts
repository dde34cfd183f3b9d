// Port: the Shopify Flow action runs we accepted, keyed by action_run_id (durable deduplication and the queue of their work).
import { z } from 'zod';
import { SHOP_DOMAIN } from './endpoints';

export const flowActionRunSchema = z.strictObject({
  action_run_id: z.string().min(1).max(200),
  shop: z.string().regex(SHOP_DOMAIN),
  handle: z.string().min(1).max(100),
  models: z.array(z.string().min(1)).min(1),
  reason: z.string().min(1).max(2000),
  received_at: z.string().min(1),
});
export type FlowActionRun = z.output<typeof flowActionRunSchema>;

export const flowActionOutcomeSchema = z.strictObject({
  status: z.enum(['requested', 'failed']),
  /** The retraining request it made (started or coalesced into a run), when it made one. */
  request_id: z.string().nullable(),
  error: z.string().nullable(),
  finished_at: z.string().min(1),
});
export type FlowActionOutcome = z.output<typeof flowActionOutcomeSchema>;

export interface FlowActionRuns {
  /** Records the run unless its action_run_id is already recorded; true when this call recorded it. Durable before it resolves. */
  claim(run: FlowActionRun): Promise<boolean>;
  /** Records what handling the run did (durable); a run is handled once. */
  complete(actionRunId: string, outcome: FlowActionOutcome): Promise<void>;
  /** Claimed runs not completed yet, oldest first (a restart resumes them). */
  pending(): Promise<FlowActionRun[]>;
  /** A run and its outcome, if recorded. */
  get(actionRunId: string): Promise<{ run: FlowActionRun; outcome: FlowActionOutcome | null } | null>;
}
