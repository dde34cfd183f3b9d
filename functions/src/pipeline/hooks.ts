// Run events for observers: a run tracker records params, metrics, durations and artifacts through these hooks; progress reporters use them too.
import type { ArtifactType, JsonValue, ParamValue } from './io-spec';

export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'not_run';

export interface ArtifactRecord {
  uri: string;
  type: ArtifactType;
  metadata: Record<string, JsonValue>;
}

export interface StepReport {
  name: string;
  status: StepStatus;
  /** Wall time of the step (all attempts); 0 when it did not run. */
  seconds: number;
  attempts: number;
  /** Parameter outputs. */
  outputs: Record<string, ParamValue>;
  artifacts: Record<string, ArtifactRecord>;
  metrics: Record<string, number>;
  /** Why it failed (the step's error message). */
  error?: string;
  /** Why it was skipped or not run. */
  reason?: string;
}

export interface RunReport {
  runId: string;
  pipeline: string;
  ok: boolean;
  params: Record<string, ParamValue>;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  /** In dependency order. */
  steps: StepReport[];
  /** The first failing step, when the run failed. */
  failedStep?: string;
  error?: string;
}

export interface RunStartedEvent {
  runId: string;
  pipeline: string;
  params: Record<string, ParamValue>;
  steps: string[];
  startedAt: string;
}

export interface StepStartedEvent {
  runId: string;
  pipeline: string;
  step: string;
  attempt: number;
  /** Resolved parameter inputs. */
  params: Record<string, ParamValue>;
  /** Input artifact URIs. */
  artifacts: Record<string, string>;
}

export interface MetricEvent {
  runId: string;
  pipeline: string;
  step: string;
  name: string;
  value: number;
}

export interface StepProgressEvent {
  runId: string;
  pipeline: string;
  step: string;
  done: number;
  total: number;
  note?: string;
}

/** Every hook is optional and awaited; a hook that throws fails the run with an error naming the hook. */
export interface PipelineHooks {
  runStarted?(e: RunStartedEvent): void | Promise<void>;
  stepStarted?(e: StepStartedEvent): void | Promise<void>;
  metric?(e: MetricEvent): void | Promise<void>;
  stepProgress?(e: StepProgressEvent): void | Promise<void>;
  stepFinished?(e: StepReport & { runId: string; pipeline: string }): void | Promise<void>;
  runFinished?(e: RunReport): void | Promise<void>;
}
