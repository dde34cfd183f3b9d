// The training-pipeline framework: define a DAG once, run it in-process, compile it for Vertex AI Pipelines (the gcp submission is adapters/gcp/vertex-pipeline-submit; the entry points wire the product's pipelines, functions/src/pipelines.ts).
export { p, a, type ParamType, type ArtifactType, type ParamSpec, type ArtifactSpec, type IoMap, type JsonValue, type JsonObject, type ParamValue } from './io-spec';
export { when, describeCondition, type Condition } from './condition';
export type { ParamRef, ArtifactRef } from './refs';
export type { StepContext, StepDefinition, StepResult, InputValues } from './step';
export type { InputArtifact, OutputArtifact } from './artifacts';
export { createPipelineKit, defineStep, definePipeline, isPipeline, type Pipeline, type AnyPipeline, type PipelineBuilder, type TaskHandle, type TaskOptions, type ServiceEnv, type Task } from './define';
export type { PipelineHooks, RunReport, StepReport, StepStatus, ArtifactRecord, RunStartedEvent, StepStartedEvent, MetricEvent, StepProgressEvent } from './hooks';
export { runPipeline, resolveRunParams, newRunId, PipelineRunError, type LocalRunOptions } from './local-runner';
export { createProgressReporter, type ProgressMode } from './progress';
export { compilePipeline, SDK_VERSION, SCHEMA_VERSION, COMPILER_VERSION, kfpTaskName, type CompileOptions } from './compile-kfp';
export type { KfpPipelineSpec } from './kfp-spec';
export { ENTRY_COMMAND } from './step-args';
export { exported, loadPipeline, registerPipeline, registeredPipelines } from './registry';
