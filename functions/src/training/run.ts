// Runs the training pipeline in-process on one world's services with run tracking, and summarises the outcome per model (metrics, verdicts, versions, aliases).
import * as path from 'node:path';
import type { Logger } from '../core/log';
import { PipelineRunError, createProgressReporter, resolveRunParams, runPipeline, type PipelineHooks, type ProgressMode, type RunReport } from '../pipeline';
import type { ModelRegistries } from '../ports/model-registry';
import type { DataSnapshot, RunRecord } from '../ports/run-tracker';
import { createFileArtifactStore } from '../adapters/embedded/file-artifact-store';
import type { EvaluationOutput } from './model-steps';
import { checkOptions } from './options';
import { MODELS, training } from './pipeline';
import { createTrainingServices, type TrainingWorld } from './services';
import { createRunTrackingHooks } from './tracking';

export interface TrainingRunOptions {
  world: TrainingWorld;
  /** Pipeline parameters (snapshot_date, holdout_days, ...); defaults fill the rest. */
  params?: Record<string, unknown>;
  /** Progress on stderr (default 'silent'). */
  progress?: ProgressMode;
  progressStream?: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  hooks?: PipelineHooks[];
  runId?: string;
  concurrency?: number;
  log?: Logger;
  signal?: AbortSignal;
}

export interface ModelOutcome {
  model: string;
  trained: boolean;
  metric: string;
  better: 'lower' | 'higher';
  /** The challenger's primary holdout metric. */
  score: number | null;
  /** The champion's on the same holdout (when there was a comparable one). */
  championScore: number | null;
  verdict: string;
  reason: string;
  /** Version registered by this run (null when nothing was registered). */
  version: number | null;
  promoted: boolean;
  /** The registry's aliases after the run. */
  champion: number | null;
  challenger: number | null;
}

export interface TrainingSummary {
  runId: string;
  ok: boolean;
  snapshotDate: string | null;
  shop: string | null;
  seconds: number;
  dataSnapshot: DataSnapshot | null;
  models: ModelOutcome[];
  failedStep?: string;
  error?: string;
  /** The tracked run (null when tracking did not start). */
  trackedRunId: string | null;
}

/** Per-model outcome from the run report's step outputs, plus the aliases as they stand now. */
export async function summariseTraining(report: RunReport, registries: ModelRegistries, tracked: RunRecord | null = null): Promise<TrainingSummary> {
  const step = (n: string) => report.steps.find((s) => s.name === n);
  const ex = step('extract')?.outputs ?? {};
  // The aliases of the shop the run trained for (none when extraction did not get that far).
  const registry = typeof ex['shop'] === 'string' ? registries.forShop(ex['shop']) : null;
  const models: ModelOutcome[] = [];
  for (const m of MODELS) {
    const ev = step(`evaluate_${m.name}`)?.outputs['evaluation'] as unknown as EvaluationOutput | undefined;
    const cmp = step(`compare_${m.name}`);
    const reg = step(`register_${m.name}`);
    const version = reg?.status === 'succeeded' ? Number(reg.outputs['version']) : 0;
    const [champion, challenger] = registry ? await Promise.all([registry.getVersion(m.name, 'champion'), registry.getVersion(m.name, 'challenger')]) : [null, null];
    models.push({
      model: m.name,
      trained: step(`train_${m.name}`)?.outputs['trained'] === true,
      metric: m.primary.metric,
      better: m.primary.better,
      score: ev?.score ?? null,
      championScore: cmp?.metrics[`${m.primary.metric}.champion`] ?? null,
      verdict: typeof cmp?.outputs['verdict'] === 'string' ? cmp.outputs['verdict'] : cmp?.status ?? 'not_run',
      reason: typeof cmp?.outputs['reason'] === 'string' ? cmp.outputs['reason'] : (cmp?.error ?? cmp?.reason ?? ''),
      version: version > 0 ? version : null,
      promoted: version > 0,
      champion: champion?.version ?? null,
      challenger: challenger?.version ?? null,
    });
  }
  return {
    runId: report.runId,
    ok: report.ok,
    snapshotDate: typeof ex['snapshot_date'] === 'string' ? ex['snapshot_date'] : null,
    shop: typeof ex['shop'] === 'string' ? ex['shop'] : null,
    seconds: report.seconds,
    dataSnapshot: (ex['data_snapshot'] as unknown as DataSnapshot | undefined) ?? null,
    models,
    ...(report.failedStep ? { failedStep: report.failedStep } : {}),
    ...(report.error ? { error: report.error } : {}),
    trackedRunId: tracked?.id ?? null,
  };
}

export interface TrainingResult {
  report: RunReport;
  summary: TrainingSummary;
  tracked: RunRecord | null;
}

/**
 * Runs the training pipeline locally on the world's services (embedded: DuckDB through the runtime or directly, files
 * under the data dir; gcp: BigQuery, GCS, Vertex AI), tracked as run `<pipeline run id>` of experiment 'training'.
 * A failed run throws PipelineRunError; its `.report` and `trainingResult` (summary and tracked run) are attached.
 */
export async function runTraining(opts: TrainingRunOptions): Promise<TrainingResult> {
  const params = resolveRunParams(training, opts.params ?? {});
  checkOptions(params);
  const services = createTrainingServices(opts.world, opts.log);
  const tracking = createRunTrackingHooks({ tracker: services.tracker, experiment: 'training' });
  // Pipeline artifacts (datasets, models, metrics of each run) live next to the registered versions: files, or the bucket.
  const artifacts = opts.world.mode === 'embedded' ? createFileArtifactStore(path.resolve(opts.world.dataDir, 'artifacts')) : services.artifacts;
  try {
    let report: RunReport;
    try {
      report = await runPipeline(training, {
        params,
        artifacts,
        services,
        hooks: [createProgressReporter({ mode: opts.progress ?? 'silent', ...(opts.progressStream ? { stream: opts.progressStream } : {}) }), tracking, ...(opts.hooks ?? [])],
        ...(opts.runId ? { runId: opts.runId } : {}),
        ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
        ...(opts.log ? { log: opts.log } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (err) {
      if (err instanceof PipelineRunError) {
        const summary = await summariseTraining(err.report, services.registries, tracking.record);
        Object.assign(err, { trainingResult: { report: err.report, summary, tracked: tracking.record } satisfies TrainingResult });
      }
      throw err;
    }
    return { report, summary: await summariseTraining(report, services.registries, tracking.record), tracked: tracking.record };
  } finally {
    await services.close();
  }
}

/** The result attached to a failed run's PipelineRunError by runTraining. */
export const trainingResultOf = (err: unknown): TrainingResult | undefined => (err as { trainingResult?: TrainingResult } | null)?.trainingResult;
