// The local runner: executes a pipeline in-process in dependency order (independent steps concurrently), artifacts in an ArtifactStore, events to hooks.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ShopMlopsError, type ErrorCode } from '../core/errors';
import { silentLogger, type Logger } from '../core/log';
import type { ArtifactStore } from '../ports/artifact-store';
import type { ArtifactLocation } from './artifacts';
import { conditionValues, describeCondition, evaluateCondition } from './condition';
import type { AnyPipeline, Task } from './define';
import { executeStep, withDefaults } from './execute-step';
import type { PipelineHooks, RunReport, StepReport } from './hooks';
import { checkParamValue, type ParamValue } from './io-spec';
import type { RefSource } from './refs';

export interface LocalRunOptions<S = unknown> {
  /** Pipeline parameter values; defaults fill the rest. */
  params?: Record<string, unknown>;
  /** Where artifacts are written: `<artifactPrefix>/<pipeline>/<runId>/<step>/<output>`. */
  artifacts: ArtifactStore;
  artifactPrefix?: string;
  /** ctx.services for every step; when absent the pipeline's services factory builds them (and they are closed after the run). */
  services?: S;
  runId?: string;
  /** Steps running at once (default: the machine's parallelism). */
  concurrency?: number;
  hooks?: PipelineHooks | PipelineHooks[];
  log?: Logger;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** A failed run: the message names the failing step; the report has every step's status. */
export class PipelineRunError extends ShopMlopsError {
  readonly report: RunReport;
  readonly step: string | undefined;
  constructor(code: ErrorCode, message: string, report: RunReport, cause?: unknown) {
    super(code, message, { cause, details: { runId: report.runId, pipeline: report.pipeline, ...(report.failedStep ? { step: report.failedStep } : {}) } });
    this.name = 'PipelineRunError';
    this.report = report;
    this.step = report.failedStep;
  }
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function newRunId(pipeline: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').replace('T', '-');
  return `${pipeline}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Checks run parameters against the pipeline's declarations and applies defaults. */
export function resolveRunParams(p: AnyPipeline, given: Record<string, unknown> = {}): Record<string, ParamValue> {
  const names = Object.keys(p.params);
  for (const k of Object.keys(given)) {
    if (!(k in p.params)) throw new ShopMlopsError('BAD_REQUEST', `pipeline '${p.name}' has no parameter '${k}'; its parameters are ${names.join(', ') || '(none)'}`);
  }
  const out: Record<string, ParamValue> = {};
  for (const [k, spec] of Object.entries(p.params)) {
    const v = given[k] ?? spec.default;
    if (v === undefined) throw new ShopMlopsError('BAD_REQUEST', `pipeline '${p.name}' needs parameter '${k}' (${spec.type})`);
    checkParamValue(spec.type, v, `pipeline parameter '${k}'`);
    out[k] = v;
  }
  return out;
}

export async function runPipeline<S>(pipeline: AnyPipeline, opts: LocalRunOptions<S>): Promise<RunReport> {
  const runId = opts.runId ?? newRunId(pipeline.name);
  if (!RUN_ID.test(runId)) throw new ShopMlopsError('BAD_REQUEST', `run id must match ${RUN_ID}, got ${JSON.stringify(runId)}`);
  const params = resolveRunParams(pipeline, opts.params);
  const hooks = opts.hooks === undefined ? [] : Array.isArray(opts.hooks) ? opts.hooks : [opts.hooks];
  const log = (opts.log ?? silentLogger).child({ pipeline: pipeline.name, runId });
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? availableParallelism()));
  const prefix = (opts.artifactPrefix ?? 'pipeline-runs').replace(/^\/+|\/+$/g, '');

  const call = async <K extends keyof PipelineHooks>(name: K, event: Parameters<NonNullable<PipelineHooks[K]>>[0]): Promise<void> => {
    for (const h of hooks) {
      const fn = h[name] as ((e: unknown) => void | Promise<void>) | undefined;
      if (!fn) continue;
      try {
        await fn.call(h, event);
      } catch (err) {
        throw new ShopMlopsError('INTERNAL', `pipeline hook ${name} failed: ${(err as Error).message ?? String(err)}`, { cause: err });
      }
    }
  };

  const startedAt = new Date();
  const t0 = performance.now();
  await call('runStarted', { runId, pipeline: pipeline.name, params: { ...params }, steps: pipeline.tasks.map((t) => t.name), startedAt: startedAt.toISOString() });

  let services: unknown = opts.services;
  let ownServices: { close?: () => Promise<void> | void } | undefined;
  if (services === undefined && pipeline.services) {
    ownServices = (await pipeline.services({ where: 'local', env: opts.env ?? process.env, log })) as { close?: () => Promise<void> | void };
    services = ownServices;
  }

  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(new ShopMlopsError('UNAVAILABLE', 'run aborted'));
  if (opts.signal?.aborted) onOuterAbort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const reports = new Map<string, StepReport>();
  const paramOutputs = new Map<string, Record<string, ParamValue>>();
  const artifactOutputs = new Map<string, Record<string, ArtifactLocation>>();
  let failure: { step: string; error: unknown } | undefined;

  const valueOf = (s: RefSource): ParamValue => (s.from === 'param' ? params[s.name]! : paramOutputs.get(s.step)![s.output]!);

  const finish = async (r: StepReport): Promise<void> => {
    reports.set(r.name, r);
    await call('stepFinished', { ...r, runId, pipeline: pipeline.name });
  };

  const runTask = async (t: Task): Promise<void> => {
    const inputParams: Record<string, ParamValue> = {};
    const inputArtifacts: Record<string, ArtifactLocation> = {};
    for (const [k, b] of Object.entries(t.bindings)) {
      if (b.kind === 'const') inputParams[k] = b.value as ParamValue;
      else if (b.ref.kind === 'param') inputParams[k] = valueOf(b.ref.source);
      else if (b.ref.source.from === 'step') inputArtifacts[k] = artifactOutputs.get(b.ref.source.step)![b.ref.source.output]!;
    }
    const resolved = withDefaults(t, inputParams);
    const outputLocations: Record<string, ArtifactLocation> = {};
    for (const [k, s] of Object.entries(t.step.outputs)) {
      if (s.kind !== 'artifact') continue;
      const key = `${prefix}/${pipeline.name}/${runId}/${t.name}/${k}`;
      outputLocations[k] = { store: opts.artifacts, key, uri: opts.artifacts.uri(key) };
    }
    const s0 = performance.now();
    let attempt = 0;
    for (;;) {
      attempt++;
      const sideHooks: Promise<void>[] = [];
      try {
        await call('stepStarted', { runId, pipeline: pipeline.name, step: t.name, attempt, params: { ...resolved }, artifacts: Object.fromEntries(Object.entries(inputArtifacts).map(([k, l]) => [k, l.uri])) });
        const outcome = await executeStep({
          pipeline,
          task: t,
          params: resolved,
          inputArtifacts,
          outputArtifacts: outputLocations,
          services,
          run: { id: runId, pipeline: pipeline.name, step: t.name, attempt, where: 'local' },
          log: log.child({ step: t.name, attempt }),
          signal: abort.signal,
          onMetric: (name, value) => sideHooks.push(call('metric', { runId, pipeline: pipeline.name, step: t.name, name, value })),
          onProgress: (done, total, note) => sideHooks.push(call('stepProgress', { runId, pipeline: pipeline.name, step: t.name, done, total, ...(note !== undefined ? { note } : {}) })),
        });
        await Promise.all(sideHooks);
        paramOutputs.set(t.name, outcome.outputs);
        artifactOutputs.set(t.name, outputLocations);
        await finish({ name: t.name, status: 'succeeded', seconds: (performance.now() - s0) / 1000, attempts: attempt, ...outcome });
        return;
      } catch (err) {
        await Promise.allSettled(sideHooks);
        const message = (err as Error)?.message ?? String(err);
        if (attempt <= t.retries && !abort.signal.aborted) {
          log.warn('step failed; retrying', { step: t.name, attempt, error: message });
          continue;
        }
        failure ??= { step: t.name, error: err };
        abort.abort(err);
        await finish({ name: t.name, status: 'failed', seconds: (performance.now() - s0) / 1000, attempts: attempt, outputs: {}, artifacts: {}, metrics: {}, error: message }).catch(() => undefined);
        return;
      }
    }
  };

  const pending = [...pipeline.tasks];
  const running = new Map<string, Promise<void>>();
  try {
    while (pending.length || running.size) {
      if (!abort.signal.aborted) {
        for (let i = 0; i < pending.length && running.size < concurrency; ) {
          const t = pending[i]!;
          if (!t.deps.every((d) => reports.has(d))) {
            i++;
            continue;
          }
          pending.splice(i, 1);
          // A step placed only `after` a conditional step waits for it but is not skipped with it.
          const orderingOnly = (d: string) => t.after.includes(d) && !t.when && pipeline.task(d).conditionKey !== undefined && !Object.values(t.bindings).some((b) => b.kind === 'ref' && b.ref.source.from === 'step' && b.ref.source.step === d);
          const skippedDep = t.deps.find((d) => reports.get(d)!.status === 'skipped' && !orderingOnly(d));
          if (skippedDep) {
            await finish({ name: t.name, status: 'skipped', seconds: 0, attempts: 0, outputs: {}, artifacts: {}, metrics: {}, reason: `'${skippedDep}' was skipped` });
            i = 0;
            continue;
          }
          if (t.when && !evaluateCondition(t.when, valueOf)) {
            await finish({ name: t.name, status: 'skipped', seconds: 0, attempts: 0, outputs: {}, artifacts: {}, metrics: {}, reason: `condition not met: ${describeCondition(t.when)} (${conditionValues(t.when, valueOf)})` });
            i = 0;
            continue;
          }
          running.set(t.name, runTask(t).finally(() => running.delete(t.name)));
        }
      }
      if (!running.size) break;
      await Promise.race(running.values());
    }
  } catch (err) {
    // A hook failed outside a step: wait for running steps, then report it as the run's failure.
    abort.abort(err);
    await Promise.allSettled(running.values());
    failure ??= { step: '', error: err };
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }

  const aborted = abort.signal.aborted && !failure;
  for (const t of pipeline.tasks) {
    if (!reports.has(t.name)) reports.set(t.name, { name: t.name, status: 'not_run', seconds: 0, attempts: 0, outputs: {}, artifacts: {}, metrics: {}, reason: failure?.step ? `step '${failure.step}' failed` : aborted ? 'run aborted' : 'run failed' });
  }
  if (ownServices?.close) await ownServices.close();

  const finishedAt = new Date();
  const errorMessage = failure ? ((failure.error as Error)?.message ?? String(failure.error)) : aborted ? 'run aborted' : undefined;
  const report: RunReport = {
    runId,
    pipeline: pipeline.name,
    ok: !failure && !aborted,
    params,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: (performance.now() - t0) / 1000,
    steps: pipeline.tasks.map((t) => reports.get(t.name)!),
    ...(failure?.step ? { failedStep: failure.step } : {}),
    ...(errorMessage ? { error: errorMessage } : {}),
  };
  await call('runFinished', report);
  if (!report.ok) {
    const code: ErrorCode = failure?.error instanceof ShopMlopsError ? failure.error.code : aborted ? 'UNAVAILABLE' : 'INTERNAL';
    const what = failure?.step ? `step '${failure.step}' failed: ${errorMessage}` : errorMessage;
    throw new PipelineRunError(code, `pipeline '${pipeline.name}' run ${runId}: ${what}`, report, failure?.error);
  }
  return report;
}
