// Compiles a pipeline to a Vertex AI PipelineSpec (KFP IR, schema 2.1.0): one container component per step running the step entry point, condition groups as sub-DAGs with trigger policies.
import { ShopMlopsError } from '../core/errors';
import { isRef, refData, type RefSource } from './refs';
import { RESERVED_INPUT, type AnyPipeline, type Task } from './define';
import { conditionSources, type Condition } from './condition';
import { constantType, type ArtifactType, type IoSpec, type ParamType } from './io-spec';
import type { KfpArtifactType, KfpComponent, KfpContainer, KfpInputArtifact, KfpInputDefinitions, KfpInputParameter, KfpOutputDefinitions, KfpParameterType, KfpPipelineSpec, KfpTask } from './kfp-spec';
import { ENTRY_COMMAND, placeholder, stepArgs } from './step-args';

/** Version of this compiler; `sdkVersion` of every spec is `shop-mlops-pipeline-<this>` (informational for Vertex, as kfp-x.y.z is for the KFP SDK). */
export const COMPILER_VERSION = '1.0.0';
export const SDK_VERSION = `shop-mlops-pipeline-${COMPILER_VERSION}`;
export const SCHEMA_VERSION = '2.1.0' as const;

export interface CompileOptions {
  /** The container image built from this repository (infra/cloudbuild.yaml), e.g. REGION-docker.pkg.dev/PROJECT/shop-mlops/pipeline:COMMIT. */
  image: string;
  /** The step entry command (default: the Dockerfile's ENTRYPOINT). */
  command?: readonly string[];
  /** A module exporting the pipeline, for the entry point to load (default: the pipeline registry finds it by name). */
  module?: string;
  /** Environment of every step container (e.g. SHOP_MLOPS_MODE=gcp, GOOGLE_CLOUD_PROJECT). */
  env?: Record<string, string>;
  /** PipelineSpec.defaultPipelineRoot (a gs:// folder); the PipelineJob's gcsOutputDirectory wins when set. */
  defaultPipelineRoot?: string;
}

const PARAM_TYPES: Record<ParamType, KfpParameterType> = { string: 'STRING', number: 'NUMBER_DOUBLE', integer: 'NUMBER_INTEGER', boolean: 'BOOLEAN', json: 'STRUCT', list: 'LIST' };
const artifactType = (t: ArtifactType): KfpArtifactType => ({ schemaTitle: `system.${t}`, schemaVersion: '0.0.1' });

/** KFP task names: the step name with dashes (Vertex task and component names are [a-z0-9-]). */
export const kfpTaskName = (step: string) => step.replace(/_/g, '-');
const channel = (s: RefSource) => (s.from === 'param' ? `pipelinechannel--${s.name}` : `pipelinechannel--${kfpTaskName(s.step)}-${s.output}`);

function inputDefinitions(specs: Record<string, IoSpec>, extra: Record<string, KfpParameterType> = {}): KfpInputDefinitions | undefined {
  const parameters: NonNullable<KfpInputDefinitions['parameters']> = {};
  const artifacts: NonNullable<KfpInputDefinitions['artifacts']> = {};
  for (const [k, s] of Object.entries(specs)) {
    if (s.kind === 'param') {
      parameters[k] = { parameterType: PARAM_TYPES[s.type], ...(s.default !== undefined ? { defaultValue: s.default as never, isOptional: true } : {}), ...(s.description ? { description: s.description } : {}) };
    } else artifacts[k] = { artifactType: artifactType(s.type), ...(s.description ? { description: s.description } : {}) };
  }
  for (const [k, t] of Object.entries(extra)) parameters[k] = { parameterType: t };
  const out: KfpInputDefinitions = {};
  if (Object.keys(artifacts).length) out.artifacts = artifacts;
  if (Object.keys(parameters).length) out.parameters = parameters;
  return Object.keys(out).length ? out : undefined;
}

function outputDefinitions(specs: Record<string, IoSpec>): KfpOutputDefinitions | undefined {
  const parameters: NonNullable<KfpOutputDefinitions['parameters']> = {};
  const artifacts: NonNullable<KfpOutputDefinitions['artifacts']> = {};
  for (const [k, s] of Object.entries(specs)) {
    if (s.kind === 'param') parameters[k] = { parameterType: PARAM_TYPES[s.type], ...(s.description ? { description: s.description } : {}) };
    else artifacts[k] = { artifactType: artifactType(s.type), ...(s.description ? { description: s.description } : {}) };
  }
  const out: KfpOutputDefinitions = {};
  if (Object.keys(artifacts).length) out.artifacts = artifacts;
  if (Object.keys(parameters).length) out.parameters = parameters;
  return Object.keys(out).length ? out : undefined;
}

const celString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The CEL form of a condition over the group task's inputs, typed as the KFP SDK does (int() for integers, double() when mixing). */
export function celCondition(c: Condition, typeOf: (s: RefSource) => ParamType): string {
  if (c.op === 'and' || c.op === 'or') return c.terms.map((t) => `(${celCondition(t, typeOf)})`).join(c.op === 'and' ? ' && ' : ' || ');
  if (c.op === 'not') return `!(${celCondition(c.term, typeOf)})`;
  const operand = (o: unknown) => {
    if (isRef(o)) {
      const src = refData(o).source;
      const t = typeOf(src);
      const v = `inputs.parameter_values['${channel(src)}']`;
      return { t, v: t === 'integer' ? `int(${v})` : v };
    }
    const t = constantType(o)!;
    return { t, v: typeof o === 'string' ? celString(o) : String(o) };
  };
  const l = operand(c.left);
  const r = operand(c.right);
  const mixed = l.t !== r.t && [l.t, r.t].every((t) => t === 'number' || t === 'integer');
  const promote = (x: { t: ParamType; v: string }) => (mixed && x.t === 'integer' ? `double(${x.v})` : x.v);
  return `${promote(l)} ${c.op} ${promote(r)}`;
}

function container(t: Task, p: AnyPipeline, o: CompileOptions): KfpContainer {
  const inv = {
    pipeline: p.name,
    ...(o.module ? { module: o.module } : {}),
    step: t.name,
    runId: placeholder.inputParam(RESERVED_INPUT),
    params: {} as Record<string, string>,
    artifacts: {} as Record<string, string>,
    outputParams: {} as Record<string, string>,
    outputArtifacts: {} as Record<string, string>,
    executorOutput: placeholder.executorOutput,
  };
  for (const [k, s] of Object.entries(t.step.inputs)) {
    if (s.kind === 'param') inv.params[k] = placeholder.inputParam(k);
    else inv.artifacts[k] = placeholder.inputArtifactUri(k);
  }
  for (const [k, s] of Object.entries(t.step.outputs)) {
    if (s.kind === 'param') inv.outputParams[k] = placeholder.outputParamFile(k);
    else inv.outputArtifacts[k] = placeholder.outputArtifactUri(k);
  }
  const c: KfpContainer = { image: o.image, command: [...(o.command ?? ENTRY_COMMAND)], args: stepArgs(inv) };
  if (o.env && Object.keys(o.env).length) c.env = Object.keys(o.env).sort().map((name) => ({ name, value: o.env![name]! }));
  if (t.resources) {
    const r: NonNullable<KfpContainer['resources']> = {};
    if (t.resources.cpu !== undefined) {
      r.cpuLimit = t.resources.cpu;
      r.resourceCpuLimit = String(t.resources.cpu);
    }
    if (t.resources.memoryGiB !== undefined) {
      r.memoryLimit = Math.round(t.resources.memoryGiB * 1.073741824 * 1e9) / 1e9;
      r.resourceMemoryLimit = `${t.resources.memoryGiB}Gi`;
    }
    c.resources = r;
  }
  return c;
}

/** A task spec; `inGroup` tasks take values from outside their group through the group's inputs. */
function taskSpec(t: Task, inGroup: Set<string> | undefined, groupOf: (step: string) => string | undefined = () => undefined): KfpTask {
  const local = (step: string) => (inGroup ? inGroup.has(step) : true);
  const parameters: Record<string, KfpInputParameter> = {};
  const artifacts: Record<string, KfpInputArtifact> = {};
  for (const [k, b] of Object.entries(t.bindings)) {
    if (b.kind === 'const') {
      parameters[k] = { runtimeValue: { constant: b.value } };
      continue;
    }
    const src = b.ref.source;
    if (b.ref.kind === 'param') {
      if (src.from === 'param') parameters[k] = { componentInputParameter: inGroup ? channel(src) : src.name };
      else parameters[k] = local(src.step) ? { taskOutputParameter: { producerTask: kfpTaskName(src.step), outputParameterKey: src.output } } : { componentInputParameter: channel(src) };
    } else if (src.from === 'step') {
      artifacts[k] = local(src.step) ? { taskOutputArtifact: { producerTask: kfpTaskName(src.step), outputArtifactKey: src.output } } : { componentInputArtifact: channel(src) };
    }
  }
  parameters[RESERVED_INPUT] = { runtimeValue: { constant: placeholder.pipelineJobName } };
  // A root step after a conditional step depends on its condition group's task (as the KFP SDK compiles .after() on a task inside dsl.If).
  const deps = [...new Set(t.deps.filter(local).map((d) => (inGroup ? undefined : groupOf(d)) ?? kfpTaskName(d)))].sort();
  const spec: KfpTask = {
    taskInfo: { name: kfpTaskName(t.name) },
    componentRef: { name: `comp-${kfpTaskName(t.name)}` },
    inputs: { ...(Object.keys(artifacts).length ? { artifacts } : {}), parameters },
    cachingOptions: t.cache ? { enableCache: true } : {},
  };
  if (deps.length) spec.dependentTasks = deps;
  if (t.retries > 0) spec.retryPolicy = { maxRetryCount: t.retries };
  return spec;
}

/** Sorts object keys recursively (arrays keep their order): stable, diff-friendly output like the KFP SDK's. */
function sortKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortKeys) as T;
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) as T;
}

export function compilePipeline(p: AnyPipeline, o: CompileOptions): KfpPipelineSpec {
  if (!o.image || /\s/.test(o.image)) throw new ShopMlopsError('BAD_REQUEST', `compile: image must be a container image reference, got ${JSON.stringify(o.image)}`);
  const components: Record<string, KfpComponent> = {};
  const executors: Record<string, { container: KfpContainer }> = {};
  const rootTasks: Record<string, KfpTask> = {};

  for (const t of p.tasks) {
    const tn = kfpTaskName(t.name);
    const comp: KfpComponent = { executorLabel: `exec-${tn}` };
    const ins = inputDefinitions(t.step.inputs, { [RESERVED_INPUT]: 'STRING' });
    const outs = outputDefinitions(t.step.outputs);
    if (ins) comp.inputDefinitions = ins;
    if (outs) comp.outputDefinitions = outs;
    components[`comp-${tn}`] = comp;
    executors[`exec-${tn}`] = { container: container(t, p, o) };
  }

  // Condition groups, numbered in the order their first step appears.
  const groups = new Map<string, { name: string; when: Condition; tasks: Task[] }>();
  for (const t of p.tasks) {
    if (!t.conditionKey || !t.when) continue;
    let g = groups.get(t.conditionKey);
    if (!g) groups.set(t.conditionKey, (g = { name: `condition-${groups.size + 1}`, when: t.when, tasks: [] }));
    g.tasks.push(t);
  }
  const typeOf = (s: RefSource): ParamType => {
    const spec = s.from === 'param' ? p.params[s.name] : p.task(s.step).step.outputs[s.output];
    if (!spec || spec.kind !== 'param') throw new ShopMlopsError('INTERNAL', `compile: ${JSON.stringify(s)} is not a parameter`);
    return spec.type;
  };

  const groupOf = (step: string) => {
    const key = p.task(step).conditionKey;
    return key === undefined ? undefined : groups.get(key)?.name;
  };
  for (const t of p.tasks) if (!t.conditionKey) rootTasks[kfpTaskName(t.name)] = taskSpec(t, undefined, groupOf);

  for (const g of groups.values()) {
    const members = new Set(g.tasks.map((t) => t.name));
    const tasks: Record<string, KfpTask> = {};
    for (const t of g.tasks) tasks[kfpTaskName(t.name)] = taskSpec(t, members);
    // Everything the group reads from outside: the condition's operands and its steps' outer inputs.
    const outside = new Map<string, { src: RefSource; kind: 'param' | 'artifact' }>();
    const addSource = (src: RefSource, kind: 'param' | 'artifact') => {
      if (src.from === 'step' && members.has(src.step)) return;
      outside.set(channel(src), { src, kind });
    };
    for (const src of conditionSources(g.when)) addSource(src, 'param');
    for (const t of g.tasks) for (const b of Object.values(t.bindings)) if (b.kind === 'ref') addSource(b.ref.source, b.ref.kind ?? 'param');
    const defs: KfpInputDefinitions = {};
    const wiring: NonNullable<KfpTask['inputs']> = {};
    for (const [name, { src, kind }] of [...outside].sort(([x], [y]) => x.localeCompare(y))) {
      if (kind === 'param') {
        (defs.parameters ??= {})[name] = { parameterType: PARAM_TYPES[typeOf(src)] };
        (wiring.parameters ??= {})[name] = src.from === 'param' ? { componentInputParameter: src.name } : { taskOutputParameter: { producerTask: kfpTaskName(src.step), outputParameterKey: src.output } };
      } else if (src.from === 'step') {
        const spec = p.task(src.step).step.outputs[src.output]!;
        (defs.artifacts ??= {})[name] = { artifactType: artifactType(spec.type as ArtifactType) };
        (wiring.artifacts ??= {})[name] = { taskOutputArtifact: { producerTask: kfpTaskName(src.step), outputArtifactKey: src.output } };
      }
    }
    const deps = new Set<string>();
    for (const t of g.tasks) for (const d of t.deps) if (!members.has(d)) deps.add(kfpTaskName(d));
    components[`comp-${g.name}`] = { dag: { tasks }, ...(Object.keys(defs).length ? { inputDefinitions: defs } : {}) };
    rootTasks[g.name] = {
      taskInfo: { name: g.name },
      componentRef: { name: `comp-${g.name}` },
      ...(Object.keys(wiring).length ? { inputs: wiring } : {}),
      ...(deps.size ? { dependentTasks: [...deps].sort() } : {}),
      triggerPolicy: { condition: celCondition(g.when, typeOf) },
    };
  }

  const rootInputs = inputDefinitions(p.params);
  const spec: KfpPipelineSpec = {
    pipelineInfo: { name: p.name, ...(p.description ? { description: p.description } : {}) },
    sdkVersion: SDK_VERSION,
    schemaVersion: SCHEMA_VERSION,
    components,
    root: { dag: { tasks: rootTasks }, ...(rootInputs ? { inputDefinitions: rootInputs } : {}) },
    deploymentSpec: { executors },
    ...(o.defaultPipelineRoot ? { defaultPipelineRoot: o.defaultPipelineRoot } : {}),
  };
  return sortKeys(spec);
}

