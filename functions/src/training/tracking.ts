// Pipeline hooks → RunTracker: one tracked run per pipeline run with params, metrics, the extracted data snapshot, code version, step durations and artifacts.
import * as path from 'node:path';
import { detectCodeVersion } from '../adapters/embedded/code-version';
import type { PipelineHooks, RunReport, StepReport } from '../pipeline';
import { snapshotHasher, type CodeVersion, type DataSnapshot, type ParamValue, type RunHandle, type RunRecord, type RunTracker } from '../ports/run-tracker';

export interface TrackingOptions {
  tracker: RunTracker;
  /** Experiment name (default: the pipeline's name). The pipeline run id must be `<experiment>-<name>` (what runPipeline generates). */
  experiment?: string;
  /** The step whose parameter output `snapshotOutput` holds the DataSnapshot; the tracked run starts when it finishes. */
  snapshotStep?: string;
  snapshotOutput?: string;
  codeVersion?: () => Promise<CodeVersion>;
}

export interface TrackingHooks extends PipelineHooks {
  /** The tracked run once it ended. */
  readonly record: RunRecord | null;
}

/** Tracker params are scalars: JSON parameters are recorded as their JSON text. */
export function scalarParams(params: Record<string, unknown>, prefix = ''): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) {
    const key = prefix + k;
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[key] = typeof v === 'string' ? v.slice(0, 1024) : v;
    else if (v !== undefined) out[key] = JSON.stringify(v).slice(0, 1024);
  }
  return out;
}

const isSnapshot = (v: unknown): v is DataSnapshot => !!v && typeof v === 'object' && typeof (v as DataSnapshot).contentHash === 'string' && typeof (v as DataSnapshot).rows === 'object';

/**
 * The tracked run starts when the snapshot step has finished (the data snapshot is known only then); until then params,
 * metrics, durations and artifacts are buffered. A run that fails before that is still recorded (empty snapshot, FAILED).
 */
export function createRunTrackingHooks(opts: TrackingOptions): TrackingHooks {
  const snapshotStep = opts.snapshotStep ?? 'extract';
  const snapshotOutput = opts.snapshotOutput ?? 'data_snapshot';
  let experiment = opts.experiment;
  let runId = '';
  let params: Record<string, ParamValue> = {};
  let code: Promise<CodeVersion> | undefined;
  let handle: RunHandle | undefined;
  let record: RunRecord | null = null;
  const pending: Array<(run: RunHandle) => Promise<unknown>> = [];
  // Hooks are awaited one at a time per event, but metric events of concurrent steps interleave: serialise tracker calls.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn);
    tail = next.catch(() => undefined);
    return next;
  };
  const withRun = (fn: (run: RunHandle) => Promise<unknown>) =>
    serial(async () => {
      if (handle) await fn(handle);
      else pending.push(fn);
    });

  const start = (snapshot: DataSnapshot) =>
    serial(async () => {
      if (handle) return;
      const prefix = `${experiment}-`;
      const name = runId.startsWith(prefix) ? runId.slice(prefix.length) : runId;
      handle = await opts.tracker.startRun({ experiment: experiment!, name, params, dataSnapshot: snapshot, codeVersion: await code! });
      for (const fn of pending.splice(0)) await fn(handle);
    });

  const artifactsOf = (r: StepReport) =>
    Object.entries(r.artifacts).map(([output, a]) => ({ name: `${r.name}.${output}`, uri: /^[a-z]+:\/\//.test(a.uri) ? a.uri : path.resolve(a.uri) }));

  return {
    get record() {
      return record;
    },
    runStarted(e) {
      experiment ??= e.pipeline;
      runId = e.runId;
      params = scalarParams(e.params);
      code = (opts.codeVersion ?? (() => detectCodeVersion()))();
    },
    metric(e) {
      return withRun((run) => run.logMetrics({ [e.name]: e.value }));
    },
    async stepFinished(e) {
      if (e.status === 'succeeded' || e.status === 'failed') await withRun((run) => run.logStepDuration(e.name, e.seconds));
      for (const a of artifactsOf(e)) await withRun((run) => run.logArtifact(a));
      if (e.name === snapshotStep && e.status === 'succeeded') {
        const { [snapshotOutput]: snapshot, ...rest } = e.outputs;
        // What the step resolved (e.g. the default snapshot date) is a parameter of the run too.
        await withRun((run) => run.logParams(scalarParams(rest, `${snapshotStep}.`)));
        await start(isSnapshot(snapshot) ? snapshot : snapshotHasher().result());
      }
    },
    async runFinished(e: RunReport) {
      if (!handle) await start(snapshotHasher().result());
      await serial(async () => {
        await handle!.logStepDuration('total', e.seconds);
        record = await handle!.end(e.ok ? 'COMPLETE' : 'FAILED');
      });
    },
  };
}
