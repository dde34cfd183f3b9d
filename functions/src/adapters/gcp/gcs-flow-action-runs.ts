// FlowActionRuns on Cloud Storage: one object per accepted run and one per outcome under flow-actions/, each created with ifGenerationMatch=0, so a replayed action_run_id is refused by the store itself (no read-then-write race between instances).
import { createHash } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { ShopMlopsError } from '../../core/errors';
import { flowActionOutcomeSchema, flowActionRunSchema, type FlowActionOutcome, type FlowActionRun, type FlowActionRuns } from '../../ports/flow-action-runs';

export interface GcsFlowActionRunsOptions {
  storage?: Storage;
  bucket: string;
  /** Folder of the objects (default flow-actions). */
  prefix?: string;
}

const isStatus = (err: unknown, code: number): boolean => (err as { code?: unknown }).code === code;

export function createGcsFlowActionRuns(opts: GcsFlowActionRunsOptions): FlowActionRuns {
  const bucket = (opts.storage ?? new Storage()).bucket(opts.bucket);
  const prefix = (opts.prefix ?? 'flow-actions').replace(/^\/+|\/+$/g, '');
  // action_run_id is Flow's text: hashed into the object name.
  const base = (id: string) => `${prefix}/${createHash('sha256').update(id).digest('hex')}`;
  const createOnly = async (name: string, value: unknown): Promise<boolean> => {
    try {
      await bucket.file(name).save(JSON.stringify(value), { resumable: false, contentType: 'application/json', preconditionOpts: { ifGenerationMatch: 0 } });
      return true;
    } catch (err) {
      if (isStatus(err, 412)) return false;
      throw new ShopMlopsError('UNAVAILABLE', `flow action store: ${(err as Error).message}`, { cause: err });
    }
  };
  const read = async <T>(name: string, parse: (v: unknown) => T): Promise<T | null> => {
    try {
      const [data] = await bucket.file(name).download();
      return parse(JSON.parse(data.toString('utf8')));
    } catch (err) {
      if (isStatus(err, 404)) return null;
      throw new ShopMlopsError('UNAVAILABLE', `flow action store: ${(err as Error).message}`, { cause: err });
    }
  };
  const runOf = (v: unknown) => flowActionRunSchema.parse(v);
  const outcomeOf = (v: unknown) => flowActionOutcomeSchema.parse(v);
  return {
    async claim(run: FlowActionRun) {
      const checked = flowActionRunSchema.parse(run);
      return createOnly(`${base(checked.action_run_id)}.run.json`, checked);
    },
    async complete(actionRunId: string, outcome: FlowActionOutcome) {
      await createOnly(`${base(actionRunId)}.outcome.json`, flowActionOutcomeSchema.parse(outcome)); // the first outcome stays
    },
    async pending() {
      const [files] = await bucket.getFiles({ prefix: `${prefix}/` });
      const names = new Set(files.map((f) => f.name));
      const open = [...names].filter((n) => n.endsWith('.run.json') && !names.has(n.replace(/\.run\.json$/, '.outcome.json')));
      const runs = (await Promise.all(open.map((n) => read(n, runOf)))).filter((r): r is FlowActionRun => r !== null);
      return runs.sort((a, b) => a.received_at.localeCompare(b.received_at) || a.action_run_id.localeCompare(b.action_run_id));
    },
    async get(id: string) {
      const run = await read(`${base(id)}.run.json`, runOf);
      return run ? { run, outcome: await read(`${base(id)}.outcome.json`, outcomeOf) } : null;
    },
  };
}
