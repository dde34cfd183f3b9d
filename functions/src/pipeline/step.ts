// What a step is: typed inputs/outputs, the context its run() receives (inputs, output artifacts, services, metrics, progress) and what it returns.
import type { Logger } from '../core/log';
import type { InputArtifact, OutputArtifact } from './artifacts';
import type { ArtifactSpec, IoMap, ParamSpec } from './io-spec';

/** The value a step receives for each declared input. */
export type InputValues<I extends IoMap> = { [K in keyof I]: I[K] extends ArtifactSpec ? InputArtifact : I[K] extends ParamSpec<infer T, boolean> ? T : never };

type ParamKeys<O extends IoMap> = { [K in keyof O]: O[K] extends ParamSpec<unknown, boolean> ? K : never }[keyof O];
type ArtifactKeys<O extends IoMap> = { [K in keyof O]: O[K] extends ArtifactSpec ? K : never }[keyof O];

/** Handles for the step's artifact outputs. */
export type OutputArtifacts<O extends IoMap> = { [K in ArtifactKeys<O>]: OutputArtifact };

/** The parameter outputs run() returns. */
export type ParamOutputs<O extends IoMap> = { [K in ParamKeys<O>]: O[K] extends ParamSpec<infer T, boolean> ? T : never };

export type StepResult<O extends IoMap> = [ParamKeys<O>] extends [never] ? void | Record<string, never> : ParamOutputs<O>;

export interface StepRunInfo {
  /** The run id (locally generated, or the Vertex pipeline job name). */
  id: string;
  pipeline: string;
  step: string;
  attempt: number;
  where: 'local' | 'container';
}

export interface StepContext<I extends IoMap, O extends IoMap, S> {
  readonly inputs: InputValues<I>;
  readonly outputs: OutputArtifacts<O>;
  /** What the pipeline's services factory built (warehouse, stores, clocks...), or what the local runner was handed. */
  readonly services: S;
  readonly run: StepRunInfo;
  readonly log: Logger;
  /** Aborted when the run is cancelled or another step failed: long steps should stop early. */
  readonly signal: AbortSignal;
  /** Records a metric (run tracker hooks locally; Metrics artifacts' metadata everywhere). */
  metric(name: string, value: number): void;
  /** Reports progress within the step (the progress bar locally). */
  progress(done: number, total: number, note?: string): void;
}

export interface StepDefinition<I extends IoMap = IoMap, O extends IoMap = IoMap, S = unknown> {
  readonly inputs: I;
  readonly outputs: O;
  readonly description?: string;
  run(ctx: StepContext<I, O, S>): Promise<StepResult<O>> | StepResult<O>;
}

/** A step definition with its types erased, as the runners handle it. */
export interface AnyStep {
  readonly inputs: IoMap;
  readonly outputs: IoMap;
  readonly description?: string;
  run(ctx: StepContext<IoMap, IoMap, unknown>): Promise<unknown> | unknown;
}
