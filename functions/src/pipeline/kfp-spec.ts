// The subset of the KFP pipeline IR (pipeline_spec.proto, schema 2.1.0, JSON field names) that the compiler emits.
import type { JsonValue } from './io-spec';

export type KfpParameterType = 'STRING' | 'NUMBER_DOUBLE' | 'NUMBER_INTEGER' | 'BOOLEAN' | 'STRUCT' | 'LIST';
export interface KfpArtifactType { schemaTitle: string; schemaVersion: string }

export interface KfpInputDefinitions {
  parameters?: Record<string, { parameterType: KfpParameterType; defaultValue?: JsonValue; isOptional?: boolean; description?: string }>;
  artifacts?: Record<string, { artifactType: KfpArtifactType; description?: string }>;
}
export interface KfpOutputDefinitions {
  parameters?: Record<string, { parameterType: KfpParameterType; description?: string }>;
  artifacts?: Record<string, { artifactType: KfpArtifactType; description?: string }>;
}

export type KfpInputParameter =
  | { componentInputParameter: string }
  | { taskOutputParameter: { producerTask: string; outputParameterKey: string } }
  | { runtimeValue: { constant: JsonValue } };
export type KfpInputArtifact = { componentInputArtifact: string } | { taskOutputArtifact: { producerTask: string; outputArtifactKey: string } };

export interface KfpTask {
  taskInfo: { name: string };
  componentRef: { name: string };
  inputs?: { parameters?: Record<string, KfpInputParameter>; artifacts?: Record<string, KfpInputArtifact> };
  dependentTasks?: string[];
  cachingOptions?: { enableCache?: boolean };
  triggerPolicy?: { condition: string };
  retryPolicy?: { maxRetryCount: number };
}

export interface KfpComponent {
  executorLabel?: string;
  dag?: { tasks: Record<string, KfpTask> };
  inputDefinitions?: KfpInputDefinitions;
  outputDefinitions?: KfpOutputDefinitions;
}

export interface KfpContainer {
  image: string;
  command: string[];
  args: string[];
  env?: Array<{ name: string; value: string }>;
  resources?: { cpuLimit?: number; memoryLimit?: number; resourceCpuLimit?: string; resourceMemoryLimit?: string };
}

export interface KfpPipelineSpec {
  pipelineInfo: { name: string; description?: string };
  sdkVersion: string;
  schemaVersion: '2.1.0';
  components: Record<string, KfpComponent>;
  root: { dag: { tasks: Record<string, KfpTask> }; inputDefinitions?: KfpInputDefinitions };
  deploymentSpec: { executors: Record<string, { container: KfpContainer }> };
  defaultPipelineRoot?: string;
}
