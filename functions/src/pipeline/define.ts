// The declarative DAG: steps defined once (createPipelineKit), wired into a pipeline whose dependencies come from data flow, validated when defined.
import type { Logger } from '../core/log';
import { ShopMlopsError } from '../core/errors';
import { conditionSources, describeCondition, type Condition } from './condition';
import { checkParamValue, constantType, isArtifactSpec, isParamSpec, paramTypeAccepts, type ArtifactSpec, type ArtifactType, type IoMap, type IoSpec, type JsonValue, type ParamSpec, type ParamType } from './io-spec';
import { describeSource, isRef, makeRef, refData, type ArtifactRef, type ParamRef, type RefData, type RefSource } from './refs';
import type { AnyStep, StepDefinition } from './step';

export const PIPELINE = Symbol.for('shop-mlops.pipeline');
/** Added by the compiler to every container component: the run id (Vertex's pipeline job name). Steps cannot declare it. */
export const RESERVED_INPUT = 'pipeline_job_name';

const STEP_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const IO_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PIPELINE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export type ParamValues<P extends Record<string, ParamSpec>> = { [K in keyof P]: P[K] extends ParamSpec<infer T, boolean> ? T : never };
type RequiredKeys<I extends IoMap> = { [K in keyof I]: I[K] extends ParamSpec<unknown, true> ? never : K }[keyof I];
type Binding<X> = X extends ArtifactSpec ? ArtifactRef : X extends ParamSpec<infer T, boolean> ? ParamRef<T> | T : never;
/** Inputs to wire when adding a step: required ones must be bound, inputs with a default may be. */
export type InputBindings<I extends IoMap> = { [K in RequiredKeys<I>]: Binding<I[K]> } & { [K in Exclude<keyof I, RequiredKeys<I>>]?: Binding<I[K]> };
export type OutputRefs<O extends IoMap> = { readonly [K in keyof O]: O[K] extends ArtifactSpec ? ArtifactRef : O[K] extends ParamSpec<infer T, boolean> ? ParamRef<T> : never };

export interface TaskHandle<O extends IoMap = IoMap> {
  readonly name: string;
  readonly outputs: OutputRefs<O>;
}

export interface TaskOptions {
  /** Run only when this holds; otherwise the step (and the steps that consume its outputs, which must share the condition) is skipped. */
  when?: Condition;
  /**
   * Ordering without data flow. An unconditional step may run after a conditional one: it waits for it and runs whether
   * or not its condition held (KFP: it depends on the condition group's task).
   */
  after?: Array<TaskHandle | string>;
  /** KFP execution caching (off by default: a training run must read today's data). */
  cache?: boolean;
  /** Attempts after the first on failure (local runner and KFP retryPolicy). */
  retries?: number;
  /** Container resources in the cloud. */
  resources?: { cpu?: number; memoryGiB?: number };
  description?: string;
}

export type Bound = { kind: 'ref'; ref: RefData } | { kind: 'const'; value: JsonValue };

/** A step placed in a pipeline: a resolved, validated node of the DAG. */
export interface Task {
  readonly name: string;
  readonly step: AnyStep;
  readonly bindings: Readonly<Record<string, Bound>>;
  readonly when?: Condition;
  /** describeCondition(when): steps with equal keys form one condition group. */
  readonly conditionKey?: string;
  readonly after: readonly string[];
  /** Every task this one waits for (data, condition operands, after), sorted. */
  readonly deps: readonly string[];
  readonly cache: boolean;
  readonly retries: number;
  readonly resources?: { cpu?: number; memoryGiB?: number };
  readonly description?: string;
}

export interface ServiceEnv {
  where: 'local' | 'container';
  env: NodeJS.ProcessEnv;
  log: Logger;
}

/** What a pipeline's services factory returns; close() is called when the run (or the container step) ends. */
export type Services<S> = S & { close?: () => Promise<void> | void };

export interface Pipeline<P extends Record<string, ParamSpec> = Record<string, ParamSpec>, S = unknown> {
  readonly [PIPELINE]: true;
  readonly name: string;
  readonly description?: string;
  readonly params: P;
  readonly services?: (env: ServiceEnv) => Promise<Services<S>> | Services<S>;
  /** Tasks in a deterministic dependency order (definition order among independent ones). */
  readonly tasks: readonly Task[];
  task(name: string): Task;
}

export type AnyPipeline = Pipeline<Record<string, ParamSpec>, never> | Pipeline<Record<string, ParamSpec>, unknown>;

export interface PipelineBuilder<P extends Record<string, ParamSpec>, S> {
  /** References to the pipeline's parameters. */
  readonly params: { readonly [K in keyof P]: P[K] extends ParamSpec<infer T, boolean> ? ParamRef<T> : never };
  /** Places a step; its dependencies are the steps whose outputs it consumes (plus `after` and its condition's operands). */
  add<I extends IoMap, O extends IoMap>(name: string, step: StepDefinition<I, O, S>, inputs: InputBindings<I>, options?: TaskOptions): TaskHandle<O>;
  /** A reference to a step's output by name, for steps placed later (validated with the rest of the pipeline). */
  output<T = unknown>(step: string, output: string): ParamRef<T> & ArtifactRef;
}

export interface PipelineDefinition<P extends Record<string, ParamSpec>, S> {
  name: string;
  description?: string;
  params?: P;
  /** Builds what steps receive as ctx.services, once per local run and once per container step. */
  services?: (env: ServiceEnv) => Promise<Services<S>> | Services<S>;
  steps: (b: PipelineBuilder<P, S>) => void;
}

export const isPipeline = (x: unknown): x is AnyPipeline => typeof x === 'object' && x !== null && (x as { [PIPELINE]?: unknown })[PIPELINE] === true;

/** Steps and pipelines sharing one services type: `const kit = createPipelineKit<TrainingServices>()`. */
export function createPipelineKit<S = unknown>() {
  return {
    step<I extends IoMap, O extends IoMap>(def: StepDefinition<I, O, S>): StepDefinition<I, O, S> {
      validateStepDefinition(def as unknown as AnyStep);
      return Object.freeze({ ...def });
    },
    pipeline<P extends Record<string, ParamSpec> = Record<string, never>>(def: PipelineDefinition<P, S>): Pipeline<P, S> {
      return definePipelineImpl(def);
    },
  };
}

export const defineStep = <I extends IoMap, O extends IoMap>(def: StepDefinition<I, O, unknown>) => createPipelineKit<unknown>().step(def);
export const definePipeline = <P extends Record<string, ParamSpec> = Record<string, never>>(def: PipelineDefinition<P, unknown>) => createPipelineKit<unknown>().pipeline(def);

const bad = (message: string) => new ShopMlopsError('BAD_REQUEST', message);
const list = (xs: Iterable<string>) => [...xs].join(', ') || '(none)';

function validateIoMap(map: unknown, what: string): void {
  if (typeof map !== 'object' || map === null) throw bad(`${what} must be an object of p.*/a.* specs`);
  for (const [k, spec] of Object.entries(map)) {
    if (!IO_NAME.test(k)) throw bad(`${what}: name ${JSON.stringify(k)} must match ${IO_NAME}`);
    if (k === RESERVED_INPUT) throw bad(`${what}: ${k} is reserved (the compiler passes the run id under that name)`);
    if (!isParamSpec(spec) && !isArtifactSpec(spec)) throw bad(`${what}: ${k} is not a p.*/a.* spec`);
  }
}

function validateStepDefinition(def: AnyStep): void {
  validateIoMap(def.inputs, 'step inputs');
  validateIoMap(def.outputs, 'step outputs');
  if (typeof def.run !== 'function') throw bad('a step needs a run(ctx) function');
}

const specText = (s: IoSpec) => (s.kind === 'param' ? `parameter ${s.type}` : `artifact ${s.type}`);

interface Draft {
  name: string;
  step: AnyStep;
  inputs: Record<string, unknown>;
  options: TaskOptions;
}

function definePipelineImpl<P extends Record<string, ParamSpec>, S>(def: PipelineDefinition<P, S>): Pipeline<P, S> {
  const where = `pipeline '${def.name}'`;
  if (!PIPELINE_NAME.test(def.name)) throw bad(`${where}: the name must match ${PIPELINE_NAME} (it becomes the Vertex pipeline name)`);
  const params = (def.params ?? {}) as P;
  validateIoMap(params, `${where} params`);
  for (const [k, s] of Object.entries(params)) if (!isParamSpec(s)) throw bad(`${where}: pipeline parameter ${k} must be a p.* spec`);

  const drafts: Draft[] = [];
  const builder: PipelineBuilder<P, S> = {
    params: Object.freeze(Object.fromEntries(Object.entries(params).map(([k, s]) => [k, makeRef({ source: { from: 'param', name: k }, kind: 'param', paramType: s.type })]))) as unknown as PipelineBuilder<P, S>['params'],
    add(name, step, inputs, options = {}) {
      if (!STEP_NAME.test(name)) throw bad(`${where}: step name ${JSON.stringify(name)} must match ${STEP_NAME}`);
      if (drafts.some((d) => d.name === name)) throw bad(`${where}: duplicate step name '${name}'`);
      if (!step || typeof (step as AnyStep).run !== 'function') throw bad(`${where}: step '${name}' is not a step definition`);
      drafts.push({ name, step: step as unknown as AnyStep, inputs: { ...(inputs as Record<string, unknown>) }, options });
      const outputs = Object.fromEntries(
        Object.entries(step.outputs as IoMap).map(([k, s]) => [k, makeRef({ source: { from: 'step', step: name, output: k }, kind: s.kind, ...(s.kind === 'param' ? { paramType: s.type } : { artifactType: s.type }) })]),
      );
      return Object.freeze({ name, outputs: Object.freeze(outputs) }) as TaskHandle<never>;
    },
    output: (step, output) => makeRef({ source: { from: 'step', step, output } }),
  };
  def.steps(builder);
  if (drafts.length === 0) throw bad(`${where} has no steps`);

  const byName = new Map(drafts.map((d) => [d.name, d]));
  /** The declared spec a reference points at, or a clear error. */
  const specOf = (src: RefSource, user: string): IoSpec => {
    if (src.from === 'param') {
      const s = params[src.name];
      if (!s) throw bad(`${where}: ${user} refers to pipeline parameter '${src.name}', which is not declared; parameters are ${list(Object.keys(params))}`);
      return s;
    }
    const d = byName.get(src.step);
    if (!d) throw bad(`${where}: ${user} refers to step '${src.step}', which is not in the pipeline; steps are ${list(byName.keys())}`);
    const s = d.step.outputs[src.output];
    if (!s) throw bad(`${where}: ${user} refers to '${src.step}.${src.output}', but step '${src.step}' has no output '${src.output}'; its outputs are ${list(Object.keys(d.step.outputs))}`);
    return s;
  };

  const tasks = new Map<string, Omit<Task, 'deps'> & { deps: Set<string> }>();
  for (const d of drafts) {
    const at = `step '${d.name}'`;
    const bindings: Record<string, Bound> = {};
    const deps = new Set<string>();
    for (const k of Object.keys(d.inputs)) {
      if (!(k in d.step.inputs)) throw bad(`${where}: ${at} binds unknown input '${k}'; its inputs are ${list(Object.keys(d.step.inputs))}`);
    }
    for (const [k, spec] of Object.entries(d.step.inputs)) {
      const v = d.inputs[k];
      const user = `${at} input '${k}'`;
      if (v === undefined) {
        if (spec.kind === 'param' && spec.default !== undefined) continue;
        throw bad(`${where}: ${at} is missing input '${k}' (${specText(spec)})`);
      }
      if (isRef(v)) {
        const src = refData(v).source;
        const from = specOf(src, user);
        if (spec.kind !== from.kind) throw bad(`${where}: ${user} is ${specText(spec)} but ${describeSource(src)} is ${specText(from)}`);
        if (spec.kind === 'param' && !paramTypeAccepts(spec.type, (from as ParamSpec).type)) throw bad(`${where}: ${user} is ${specText(spec)} but ${describeSource(src)} is ${specText(from)}`);
        if (spec.kind === 'artifact' && spec.type !== 'Artifact' && spec.type !== (from as ArtifactSpec).type) throw bad(`${where}: ${user} is ${specText(spec)} but ${describeSource(src)} is ${specText(from)}`);
        bindings[k] = { kind: 'ref', ref: { source: src, kind: from.kind, ...(from.kind === 'param' ? { paramType: from.type } : { artifactType: from.type }) } };
        if (src.from === 'step') deps.add(src.step);
      } else {
        if (spec.kind === 'artifact') throw bad(`${where}: ${user} is ${specText(spec)}: bind it to a step output, not a constant`);
        checkParamValue(spec.type, v, `${where}: ${user}`);
        bindings[k] = { kind: 'const', value: v as JsonValue };
      }
    }
    const o = d.options;
    let conditionKey: string | undefined;
    if (o.when) {
      for (const src of conditionSources(o.when)) {
        const s = specOf(src, `${at} condition`);
        if (s.kind !== 'param' || !['string', 'number', 'integer', 'boolean'].includes(s.type)) throw bad(`${where}: ${at} condition reads ${describeSource(src)}, which is ${specText(s)}; conditions compare string, number or boolean parameters`);
        if (src.from === 'step') deps.add(src.step);
      }
      checkConditionTypes(o.when, (src) => (specOf(src, `${at} condition`) as ParamSpec).type, `${where}: ${at} condition`);
      conditionKey = describeCondition(o.when);
    }
    const after = (o.after ?? []).map((h) => (typeof h === 'string' ? h : h.name));
    for (const a of after) {
      if (!byName.has(a)) throw bad(`${where}: ${at} runs after '${a}', which is not in the pipeline; steps are ${list(byName.keys())}`);
      deps.add(a);
    }
    if (o.retries !== undefined && (!Number.isInteger(o.retries) || o.retries < 0 || o.retries > 10)) throw bad(`${where}: ${at} retries must be an integer from 0 to 10`);
    tasks.set(d.name, {
      name: d.name,
      step: d.step,
      bindings: Object.freeze(bindings),
      ...(o.when ? { when: o.when, conditionKey } : {}),
      after: Object.freeze(after),
      deps,
      cache: o.cache ?? false,
      retries: o.retries ?? 0,
      ...(o.resources ? { resources: o.resources } : {}),
      ...(o.description ?? d.step.description ? { description: o.description ?? d.step.description } : {}),
    });
  }

  const order = topoOrder(drafts.map((d) => d.name), (n) => tasks.get(n)!.deps, where);

  // Conditions: one level (operands come from unconditional steps), and nothing outside a condition depends on a step inside it.
  for (const t of tasks.values()) {
    if (t.when) {
      for (const src of conditionSources(t.when)) {
        if (src.from === 'step' && tasks.get(src.step)!.conditionKey !== undefined) throw bad(`${where}: step '${t.name}' condition reads ${describeSource(src)}, but step '${src.step}' is itself conditional; nest conditions by combining them with when.and(...)`);
      }
    }
    // Data and condition operands only: an `after` on a conditional step is ordering (it runs whether or not that step ran).
    const dataDeps = new Set<string>(t.when ? conditionSources(t.when).flatMap((src) => (src.from === 'step' ? [src.step] : [])) : []);
    for (const b of Object.values(t.bindings)) if (b.kind === 'ref' && b.ref.source.from === 'step') dataDeps.add(b.ref.source.step);
    for (const dep of t.deps) {
      const key = tasks.get(dep)!.conditionKey;
      if (key !== undefined && key !== t.conditionKey && (dataDeps.has(dep) || t.conditionKey !== undefined)) {
        throw bad(`${where}: step '${t.name}' depends on '${dep}', which runs only when ${key}; give '${t.name}' the same condition (when) or drop the dependency`);
      }
    }
  }

  const ordered: Task[] = order.map((n) => {
    const t = tasks.get(n)!;
    return Object.freeze({ ...t, deps: Object.freeze([...t.deps].sort()) });
  });
  const index = new Map(ordered.map((t) => [t.name, t]));
  return Object.freeze({
    [PIPELINE]: true as const,
    name: def.name,
    ...(def.description !== undefined ? { description: def.description } : {}),
    params,
    ...(def.services ? { services: def.services } : {}),
    tasks: Object.freeze(ordered),
    task(name: string): Task {
      const t = index.get(name);
      if (!t) throw bad(`pipeline '${def.name}' has no step '${name}'; steps are ${list(index.keys())}`);
      return t;
    },
  });
}

function checkConditionTypes(c: Condition, typeOf: (s: RefSource) => ParamType, what: string): void {
  if (c.op === 'and' || c.op === 'or') {
    if (c.terms.length === 0) throw bad(`${what}: ${c.op}() needs at least one term`);
    for (const t of c.terms) checkConditionTypes(t, typeOf, what);
    return;
  }
  if (c.op === 'not') return checkConditionTypes(c.term, typeOf, what);
  const kindOf = (o: unknown): string => {
    const t = isRef(o) ? typeOf(refData(o).source) : constantType(o);
    if (t === undefined || t === 'json' || t === 'list') throw bad(`${what}: operand ${JSON.stringify(o)} is not a string, number or boolean`);
    return t === 'integer' ? 'number' : t;
  };
  const l = kindOf(c.left);
  const r = kindOf(c.right);
  if (l !== r) throw bad(`${what}: compares a ${l} with a ${r} in ${describeCondition(c)}`);
  if (l !== 'number' && !['==', '!='].includes(c.op)) throw bad(`${what}: ${c.op} compares numbers; ${describeCondition(c)} compares ${l}s`);
}

/** Kahn's algorithm, definition order among ready nodes; a cycle is reported as a path. */
export function topoOrder(names: string[], depsOf: (n: string) => Iterable<string>, where: string): string[] {
  const pending = new Map(names.map((n) => [n, new Set(depsOf(n))]));
  const out: string[] = [];
  while (pending.size) {
    const ready = names.find((n) => pending.has(n) && [...pending.get(n)!].every((d) => !pending.has(d)));
    if (ready === undefined) throw bad(`${where}: dependency cycle: ${findCycle([...pending.keys()], depsOf).join(' → ')}`);
    out.push(ready);
    pending.delete(ready);
  }
  return out;
}

function findCycle(nodes: string[], depsOf: (n: string) => Iterable<string>): string[] {
  const inSet = new Set(nodes);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of depsOf(n)) {
      if (!inSet.has(d)) continue;
      if (state.get(d) === 'open') return [...stack.slice(stack.indexOf(d)), d].reverse();
      if (!state.has(d)) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of nodes) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return nodes;
}

/** The artifact/param spec of a task's output. */
export function outputSpec(p: AnyPipeline, step: string, output: string): IoSpec {
  const s = p.task(step).step.outputs[output];
  if (!s) throw bad(`step '${step}' has no output '${output}'`);
  return s;
}

export type { ArtifactType };
