// FlowActionRuns on a JSON-lines journal in the data directory (<data-dir>/flow-actions.jsonl): each claim and outcome fdatasync'd before it resolves; read back at start.
import * as path from 'node:path';
import { flowActionOutcomeSchema, flowActionRunSchema, type FlowActionOutcome, type FlowActionRun, type FlowActionRuns } from '../../ports/flow-action-runs';
import { appendRecords, readRecords } from './jsonl-journal';

type Entry = { kind: 'claim'; run: FlowActionRun } | { kind: 'outcome'; action_run_id: string; outcome: FlowActionOutcome };

export const FLOW_ACTIONS_FILE = 'flow-actions.jsonl';

/** One process owns the journal (the runtime, which holds the data directory's log lock); claims are serialised in it. */
export async function openJournalFlowActionRuns(dataDir: string): Promise<FlowActionRuns> {
  const file = path.join(dataDir, FLOW_ACTIONS_FILE);
  const runs = new Map<string, { run: FlowActionRun; outcome: FlowActionOutcome | null }>();
  for (const r of (await readRecords<Entry>(file))?.records ?? []) {
    if (r.kind === 'claim') {
      const run = flowActionRunSchema.safeParse(r.run);
      if (run.success && !runs.has(run.data.action_run_id)) runs.set(run.data.action_run_id, { run: run.data, outcome: null });
    } else if (r.kind === 'outcome') {
      const o = flowActionOutcomeSchema.safeParse(r.outcome);
      const known = runs.get(r.action_run_id);
      if (o.success && known && !known.outcome) known.outcome = o.data;
    }
  }
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = tail.then(fn);
    tail = p.catch(() => undefined);
    return p;
  };
  return {
    claim: (input) =>
      serial(async () => {
        const run = flowActionRunSchema.parse(input);
        if (runs.has(run.action_run_id)) return false;
        await appendRecords(file, [{ kind: 'claim', run } satisfies Entry]);
        runs.set(run.action_run_id, { run, outcome: null });
        return true;
      }),
    complete: (actionRunId, input) =>
      serial(async () => {
        const outcome = flowActionOutcomeSchema.parse(input);
        const known = runs.get(actionRunId);
        if (!known || known.outcome) return;
        await appendRecords(file, [{ kind: 'outcome', action_run_id: actionRunId, outcome } satisfies Entry]);
        known.outcome = outcome;
      }),
    pending: async () => [...runs.values()].filter((r) => !r.outcome).map((r) => r.run),
    get: async (id) => runs.get(id) ?? null,
  };
}
