// The compiled PipelineSpec decodes strictly with the KFP proto (deploymentSpec as PipelineDeploymentConfig), has the shape of the compiled KFP examples, and matches its golden file.
// Regenerate the golden file after an intended change with: UPDATE_GOLDEN=1 npx jest test/pipeline/compile-kfp
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as protobuf from 'protobufjs';
import { parse as parseYaml } from 'yaml';
import { a, compilePipeline, definePipeline, defineStep, p, SDK_VERSION, when, type KfpPipelineSpec } from '../../functions/src/pipeline';
import { celCondition } from '../../functions/src/pipeline/compile-kfp';
import { KFP_PROTO, loadKfpRoot, strictErrors, wireRoundTrip } from './support/strict-proto';
import { orderStats } from './support/order-stats';
import { testNeedingShared } from '../helpers/shared';

const EXAMPLES = path.join(path.dirname(KFP_PROTO), 'examples');
const GOLDEN = path.join(__dirname, 'golden', 'order-stats.json');
const IMAGE = 'us-central1-docker.pkg.dev/demo-shop-mlops/shop-mlops/pipeline:0123456789abcdef';
const update = process.env['UPDATE_GOLDEN'] === '1';
const maybe = testNeedingShared(KFP_PROTO, 'the KFP proto checks');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
let PipelineSpec: protobuf.Type;
let DeploymentConfig: protobuf.Type;
let examples: Array<[string, Record<string, Json>]>;
const spec = compilePipeline(orderStats, { image: IMAGE });
const strict = (s: unknown) => strictErrors(PipelineSpec, s, { structAs: { 'ml_pipelines.PipelineSpec.deploymentSpec': DeploymentConfig } });

beforeAll(() => {
  if (maybe === test.skip) return;
  const root = loadKfpRoot();
  PipelineSpec = root.lookupType('ml_pipelines.PipelineSpec');
  DeploymentConfig = root.lookupType('ml_pipelines.PipelineDeploymentConfig');
  examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort().map((f) => [f, parseYaml(readFileSync(path.join(EXAMPLES, f), 'utf8')) as Record<string, Json>]);
});

const sortDeep = (v: unknown): unknown => (Array.isArray(v) ? v.map(sortDeep) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])])) : v);

describe('strict decoding with pipeline_spec.proto', () => {
  maybe('the compiled spec has no field the proto does not declare (deploymentSpec checked as PipelineDeploymentConfig)', () => {
    expect(strict(spec)).toEqual([]);
    expect(strictErrors(DeploymentConfig, spec.deploymentSpec)).toEqual([]);
  });

  maybe('it survives encode → decode unchanged, the deploymentSpec Struct included', () => {
    expect(sortDeep(wireRoundTrip(PipelineSpec, spec))).toEqual(sortDeep(spec));
    expect(sortDeep(wireRoundTrip(DeploymentConfig, spec.deploymentSpec))).toEqual(sortDeep(spec.deploymentSpec));
  });

  maybe('the KFP examples themselves decode strictly (the checker is not stricter than the proto)', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const [name, ex] of examples) expect([name, strict(ex)]).toEqual([name, []]);
  });

  maybe('the checker rejects unknown fields at any depth, a doubly-set oneof and an unknown enum name, where fromObject drops them silently', () => {
    const mutate = (f: (s: Record<string, any>) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const s = JSON.parse(JSON.stringify(spec)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      f(s);
      return strict(s);
    };
    expect(mutate((s) => (s['pipelineName'] = 'x'))).toEqual(['PipelineSpec.pipelineName: unknown field of ml_pipelines.PipelineSpec']);
    expect(mutate((s) => (s['root'].dag.tasks.extract.taskInfo.taskName = 'extract'))).toEqual(['PipelineSpec.root.dag.tasks["extract"].taskInfo.taskName: unknown field of ml_pipelines.PipelineTaskInfo']);
    expect(mutate((s) => (s['deploymentSpec'].executors['exec-extract'].container.imagePullPolicy = 'Always'))).toEqual(['PipelineSpec.deploymentSpec.executors["exec-extract"].container.imagePullPolicy: unknown field of ml_pipelines.PipelineDeploymentConfig.PipelineContainerSpec']);
    expect(mutate((s) => (s['deploymentSpec'].executors['exec-extract'].container.resources = { cpuLimt: 1 }))).toEqual(['PipelineSpec.deploymentSpec.executors["exec-extract"].container.resources.cpuLimt: unknown field of ml_pipelines.PipelineDeploymentConfig.PipelineContainerSpec.ResourceSpec']);
    expect(mutate((s) => (s['components']['comp-extract'].inputDefinitions.parameters.db_path.optional = true))).toEqual(['PipelineSpec.components["comp-extract"].inputDefinitions.parameters["db_path"].optional: unknown field of ml_pipelines.ComponentInputsSpec.ParameterSpec']);
    expect(mutate((s) => (s['components']['comp-extract'].inputDefinitions.parameters.db_path.parameterType = 'FLOAT'))).toEqual(['PipelineSpec.components["comp-extract"].inputDefinitions.parameters["db_path"].parameterType: "FLOAT" is not a value of ml_pipelines.ParameterType.ParameterTypeEnum']);
    expect(mutate((s) => (s['root'].dag.tasks.compare.inputs.parameters.registry_dir.runtimeValue = { constant: 'x' }))).toEqual(['PipelineSpec.root.dag.tasks["compare"].inputs.parameters["registry_dir"]: oneof kind has runtimeValue and componentInputParameter set']);
    expect(mutate((s) => (s['components']['comp-extract'].dag = { tasks: {} }))).toEqual(['PipelineSpec.components["comp-extract"]: oneof implementation has dag and executorLabel set']);
    // What the brief warns about: protobufjs drops the unknown field without a word.
    const dropped = PipelineSpec.toObject(PipelineSpec.fromObject({ sdkVersion: 'x', pipelineName: 'y' })) as Record<string, unknown>;
    expect(dropped).toEqual({ sdkVersion: 'x' });
  });
});

/** Field paths through the descriptor with map keys as {} (e.g. root.dag.tasks{}.inputs.parameters{}.taskOutputParameter.producerTask). */
function shapePaths(t: protobuf.Type, v: Json, prefix: string, out: Set<string>, structAs: Record<string, protobuf.Type>): Set<string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return out;
  if (t.fullName === '.google.protobuf.Struct' || t.fullName === '.google.protobuf.Value') return out;
  for (const [k, fv] of Object.entries(v)) {
    const f = t.fields[k];
    if (!f) continue;
    f.resolve();
    const p = prefix ? `${prefix}.${k}` : k;
    out.add(p);
    const sub = structAs[`${t.fullName.slice(1)}.${k}`] ?? (f.resolvedType && 'fields' in f.resolvedType ? (f.resolvedType as protobuf.Type) : undefined);
    if (!sub) continue;
    if (f.map) for (const mv of Object.values(fv as Record<string, Json>)) shapePaths(sub, mv, `${p}{}`, out, structAs);
    else if (f.repeated) for (const x of fv as Json[]) shapePaths(sub, x, `${p}[]`, out, structAs);
    else shapePaths(sub, fv, p, out, structAs);
  }
  return out;
}

/** Reference integrity both we and the examples must have. */
function invariants(s: Record<string, Json>): string[] {
  const bad: string[] = [];
  const components = s['components'] as Record<string, { dag?: { tasks: Record<string, Json> }; executorLabel?: string }>;
  const executors = (s['deploymentSpec'] as { executors: Record<string, Json> }).executors;
  const dags: Array<[string, Record<string, Record<string, Json>>]> = [['root', (s['root'] as { dag: { tasks: Record<string, Record<string, Json>> } }).dag.tasks]];
  for (const [n, c] of Object.entries(components)) {
    if (c.dag) dags.push([n, c.dag.tasks as Record<string, Record<string, Json>>]);
    if (c.executorLabel && !executors[c.executorLabel]) bad.push(`${n}: executor ${c.executorLabel} missing`);
  }
  for (const [n, tasks] of dags) {
    for (const [tn, t] of Object.entries(tasks)) {
      const ref = (t['componentRef'] as { name: string }).name;
      if (!components[ref]) bad.push(`${n}/${tn}: component ${ref} missing`);
      if ((t['taskInfo'] as { name: string }).name !== tn) bad.push(`${n}/${tn}: taskInfo.name differs`);
      const deps = (t['dependentTasks'] as string[] | undefined) ?? [];
      for (const d of deps) if (!tasks[d]) bad.push(`${n}/${tn}: dependent task ${d} is not a sibling`);
      const inputs = (t['inputs'] ?? {}) as { parameters?: Record<string, Record<string, { producerTask?: string }>>; artifacts?: Record<string, Record<string, { producerTask?: string }>> };
      for (const i of [...Object.values(inputs.parameters ?? {}), ...Object.values(inputs.artifacts ?? {})]) {
        const producer = i['taskOutputParameter']?.producerTask ?? i['taskOutputArtifact']?.producerTask;
        if (producer && !deps.includes(producer)) bad.push(`${n}/${tn}: consumes ${producer} without depending on it`);
      }
    }
  }
  return bad;
}

const placeholderForms = (texts: string[]): Set<string> => new Set(texts.flatMap((t) => t.match(/\{\{\$[^}]*\}\}/g) ?? []).map((ph) => ph.replace(/\['[^']*'\]/g, "['*']").replace(/\[''[^']*''\]/g, "['*']")));
const containerTexts = (s: Record<string, Json>): string[] => Object.values((s['deploymentSpec'] as { executors: Record<string, { container?: { command?: string[]; args?: string[] } }> }).executors).flatMap((e) => [...(e.container?.command ?? []), ...(e.container?.args ?? [])]);

describe('shape of the compiled KFP examples', () => {
  maybe('the same top-level keys, schemaVersion 2.1.0 and an sdkVersion naming the compiler', () => {
    for (const [name, ex] of examples) expect([name, Object.keys(ex).sort()]).toEqual([name, Object.keys(spec).sort()]);
    expect(spec.schemaVersion).toBe('2.1.0');
    for (const [, ex] of examples) expect(ex['schemaVersion']).toBe('2.1.0');
    expect(spec.sdkVersion).toBe(SDK_VERSION);
    expect(SDK_VERSION).toMatch(/^shop-mlops-pipeline-\d+\.\d+\.\d+$/);
    expect(spec.pipelineInfo).toEqual({ name: 'order-stats', description: 'Test pipeline: order amount models from DuckDB, champion/challenger registration.' });
  });

  maybe('every field path we use occurs in the examples, except the condition/artifact wiring they happen not to contain', () => {
    const structAs = { 'ml_pipelines.PipelineSpec.deploymentSpec': DeploymentConfig };
    // root is a ComponentSpec like every entry of components: compare them as one kind.
    const paths = (s: Json) => new Set([...shapePaths(PipelineSpec, s, '', new Set(), structAs)].map((x) => x.replace(/^root(\.|$)/, 'components{}$1')));
    const theirs = new Set(examples.flatMap(([, ex]) => [...paths(ex)]));
    const ours = paths(spec as unknown as Json);
    // Fields of the proto the five examples do not exercise; each is the KFP SDK's own form (if/else and artifact pipelines of kubeflow/pipelines' test data).
    const beyond = [
      'components{}.dag.tasks{}.triggerPolicy',
      'components{}.dag.tasks{}.triggerPolicy.condition',
      'components{}.dag.tasks{}.inputs.artifacts{}.componentInputArtifact',
      'components{}.inputDefinitions.artifacts{}.artifactType',
      'components{}.inputDefinitions.artifacts{}.artifactType.schemaTitle',
      'components{}.inputDefinitions.artifacts{}.artifactType.schemaVersion',
      'pipelineInfo.description',
    ];
    expect([...ours].filter((x) => !theirs.has(x) && !beyond.includes(x)).sort()).toEqual([]);
    for (const x of beyond) expect([x, ours.has(x)]).toEqual([x, true]);
    // And the core structure is there: executor components, DAGs of tasks wired by task outputs, containers.
    for (const x of ['components{}.executorLabel', 'components{}.dag.tasks{}.componentRef.name', 'components{}.dag.tasks{}.dependentTasks', 'components{}.dag.tasks{}.inputs.parameters{}.taskOutputParameter.producerTask', 'components{}.dag.tasks{}.inputs.artifacts{}.taskOutputArtifact.outputArtifactKey', 'components{}.dag.tasks{}.inputs.parameters{}.componentInputParameter', 'components{}.dag.tasks{}.inputs.parameters{}.runtimeValue.constant', 'components{}.inputDefinitions.parameters{}.defaultValue', 'components{}.outputDefinitions.artifacts{}.artifactType.schemaTitle', 'deploymentSpec.executors{}.container.image', 'deploymentSpec.executors{}.container.command', 'deploymentSpec.executors{}.container.args']) {
      expect([x, ours.has(x), theirs.has(x)]).toEqual([x, true, true]);
    }
  });

  maybe('references hold as in the examples: components and executors exist, consumers depend on producers', () => {
    for (const [name, ex] of examples) expect([name, invariants(ex)]).toEqual([name, []]);
    expect(invariants(spec as unknown as Record<string, Json>)).toEqual([]);
  });

  maybe('container placeholders have the forms of the examples and of the ExecutorInput documentation in the proto', () => {
    const theirs = placeholderForms(examples.flatMap(([, ex]) => containerTexts(ex)));
    const documented = placeholderForms(readFileSync(KFP_PROTO, 'utf8').split('\n').filter((l) => l.trim().startsWith('//')));
    const ours = placeholderForms(containerTexts(spec as unknown as Record<string, Json>));
    expect([...ours].sort()).toEqual(["{{$.inputs.artifacts['*'].uri}}", "{{$.inputs.parameters['*']}}", "{{$.outputs.artifacts['*'].uri}}", "{{$.outputs.output_file}}", "{{$.outputs.parameters['*'].output_file}}"]);
    for (const f of ours) expect([f, theirs.has(f) || documented.has(f)]).toEqual([f, true]);
    for (const f of ["{{$.inputs.parameters['*']}}", "{{$.outputs.artifacts['*'].uri}}", "{{$.outputs.parameters['*'].output_file}}"]) expect(theirs.has(f)).toBe(true);
    // Each placeholder is a whole argument, as in the examples.
    for (const arg of containerTexts(spec as unknown as Record<string, Json>)) if (arg.includes('{{')) expect(arg).toMatch(/^\{\{\$[^}]*\}\}$/);
  });
});

describe('what the compiler emits', () => {
  test('one container component per step; the executor runs the step entry point with every input and output placeholder', () => {
    expect(Object.keys(spec.components).sort()).toEqual(['comp-compare', 'comp-condition-1', 'comp-evaluate', 'comp-extract', 'comp-register', 'comp-train-mean', 'comp-train-median', 'comp-validate']);
    expect(spec.deploymentSpec.executors['exec-train-mean']!.container).toEqual({
      image: IMAGE,
      command: ['node', 'functions/lib/pipeline/step-entry.js'],
      args: ['--pipeline', 'order-stats', '--step', 'train_mean', '--run-id', "{{$.inputs.parameters['pipeline_job_name']}}", '--param', 'last_day', "{{$.inputs.parameters['last_day']}}", '--param', 'holdout_days', "{{$.inputs.parameters['holdout_days']}}", '--artifact', 'dataset', "{{$.inputs.artifacts['dataset'].uri}}", '--output-param', 'train_rows', "{{$.outputs.parameters['train_rows'].output_file}}", '--output-artifact', 'model', "{{$.outputs.artifacts['model'].uri}}", '--executor-output', '{{$.outputs.output_file}}'],
    });
    expect(spec.components['comp-extract']).toEqual({
      executorLabel: 'exec-extract',
      inputDefinitions: { parameters: { db_path: { parameterType: 'STRING' }, pipeline_job_name: { parameterType: 'STRING' }, table: { defaultValue: 'shop.orders', isOptional: true, parameterType: 'STRING' } } },
      outputDefinitions: { artifacts: { dataset: { artifactType: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' } } }, parameters: { last_day: { parameterType: 'STRING' }, rows: { parameterType: 'NUMBER_INTEGER' } } },
    });
    expect(spec.root.inputDefinitions).toEqual({ parameters: { db_path: { parameterType: 'STRING' }, holdout_days: { defaultValue: 14, isOptional: true, parameterType: 'NUMBER_INTEGER' }, min_rows: { defaultValue: 10, isOptional: true, parameterType: 'NUMBER_INTEGER' }, registry_dir: { parameterType: 'STRING' } } });
  });

  test('dependentTasks come from data flow and after; the run id is the pipeline job name', () => {
    const t = spec.root.dag.tasks;
    expect(t['train-mean']!.dependentTasks).toEqual(['extract', 'validate']);
    expect(t['evaluate']!.dependentTasks).toEqual(['extract', 'train-mean', 'train-median']);
    expect(t['extract']!.dependentTasks).toBeUndefined();
    expect(t['evaluate']!.inputs!.artifacts!['median_model']).toEqual({ taskOutputArtifact: { producerTask: 'train-median', outputArtifactKey: 'model' } });
    expect(t['validate']!.inputs!.parameters!['min_rows']).toEqual({ componentInputParameter: 'min_rows' });
    for (const task of Object.values(t).filter((x) => x.componentRef.name !== 'comp-condition-1')) expect(task.inputs!.parameters!['pipeline_job_name']).toEqual({ runtimeValue: { constant: '{{$.pipeline_job_name}}' } });
    expect(Object.values(t).every((x) => x.cachingOptions === undefined || JSON.stringify(x.cachingOptions) === '{}')).toBe(true);
  });

  test('the conditional step sits in a condition sub-DAG whose task carries the trigger policy, fed through pipelinechannel inputs', () => {
    const cond = spec.root.dag.tasks['condition-1']!;
    expect(cond.triggerPolicy).toEqual({ condition: "inputs.parameter_values['pipelinechannel--compare-verdict'] != 'lose'" });
    expect(cond.dependentTasks).toEqual(['compare', 'evaluate']);
    expect(cond.inputs!.parameters!['pipelinechannel--compare-verdict']).toEqual({ taskOutputParameter: { producerTask: 'compare', outputParameterKey: 'verdict' } });
    expect(cond.inputs!.parameters!['pipelinechannel--registry_dir']).toEqual({ componentInputParameter: 'registry_dir' });
    expect(cond.inputs!.artifacts!['pipelinechannel--evaluate-best_model']).toEqual({ taskOutputArtifact: { producerTask: 'evaluate', outputArtifactKey: 'best_model' } });
    const inner = spec.components['comp-condition-1']!;
    expect(Object.keys(inner.dag!.tasks)).toEqual(['register']);
    expect(inner.dag!.tasks['register']!.inputs).toEqual({
      artifacts: { model: { componentInputArtifact: 'pipelinechannel--evaluate-best_model' } },
      parameters: { best_mae: { componentInputParameter: 'pipelinechannel--evaluate-best_mae' }, pipeline_job_name: { runtimeValue: { constant: '{{$.pipeline_job_name}}' } }, registry_dir: { componentInputParameter: 'pipelinechannel--registry_dir' } },
    });
    expect(Object.keys(inner.inputDefinitions!.parameters!).sort()).toEqual(['pipelinechannel--compare-verdict', 'pipelinechannel--evaluate-best_mae', 'pipelinechannel--registry_dir']);
    expect(spec.root.dag.tasks['register']).toBeUndefined();
  });

  test('conditions become CEL typed as the KFP SDK types them', () => {
    const s = defineStep({ inputs: {}, outputs: { n: p.integer(), x: p.number(), ok: p.boolean(), v: p.string() }, run: () => ({ n: 1, x: 1, ok: true, v: 'a' }) });
    let h!: { outputs: { n: never; x: never; ok: never; v: never } };
    definePipeline({ name: 'cel', params: { limit: p.integer({ default: 3 }) }, steps: (b) => void (h = b.add('s', s, {}) as never) });
    const typeOf = (src: { from: string; output?: string; name?: string }) => ({ n: 'integer', x: 'number', ok: 'boolean', v: 'string', limit: 'integer' })[(src.output ?? src.name) as 'n'] as never;
    const cel = (c: Parameters<typeof celCondition>[0]) => celCondition(c, typeOf);
    const ch = (o: string) => `inputs.parameter_values['pipelinechannel--s-${o}']`;
    expect(cel(when.eq(h.outputs.v, "it's"))).toBe(`${ch('v')} == 'it\\'s'`);
    expect(cel(when.gt(h.outputs.n, 5))).toBe(`int(${ch('n')}) > 5`);
    expect(cel(when.ge(h.outputs.n, 0.5))).toBe(`double(int(${ch('n')})) >= 0.5`);
    expect(cel(when.lt(h.outputs.x, 2))).toBe(`${ch('x')} < double(2)`);
    expect(cel(when.le(h.outputs.x, 2.5))).toBe(`${ch('x')} <= 2.5`);
    expect(cel(when.eq(h.outputs.ok, true))).toBe(`${ch('ok')} == true`);
    expect(cel(when.and(when.ne(h.outputs.v, 'lose'), when.not(when.eq(h.outputs.ok, false))))).toBe(`(${ch('v')} != 'lose') && (!(${ch('ok')} == false))`);
    expect(cel(when.or(when.gt(h.outputs.n, 1), when.lt(h.outputs.x, 0)))).toBe(`(int(${ch('n')}) > 1) || (${ch('x')} < double(0))`);
  });

  maybe('compile options: module, env, resources, retries, caching, pipeline root — and the result still decodes strictly', () => {
    const s = defineStep({ inputs: { m: a.model() }, outputs: {}, run: () => undefined });
    const make = defineStep({ inputs: {}, outputs: { m: a.model() }, run: () => undefined });
    const pl = definePipeline({ name: 'opts', steps: (b) => { const x = b.add('make', make, {}, { cache: true, retries: 2, resources: { cpu: 4, memoryGiB: 16 } }); b.add('use', s, { m: x.outputs.m }); } });
    const out: KfpPipelineSpec = compilePipeline(pl, { image: IMAGE, module: 'functions/lib/training/pipeline.js', env: { SHOP_MLOPS_MODE: 'gcp', GOOGLE_CLOUD_PROJECT: 'demo' }, defaultPipelineRoot: 'gs://b/pipeline-root' });
    expect(strict(out)).toEqual([]);
    const c = out.deploymentSpec.executors['exec-make']!.container;
    expect(c.args.slice(0, 6)).toEqual(['--pipeline', 'opts', '--module', 'functions/lib/training/pipeline.js', '--step', 'make']);
    expect(c.env).toEqual([{ name: 'GOOGLE_CLOUD_PROJECT', value: 'demo' }, { name: 'SHOP_MLOPS_MODE', value: 'gcp' }]);
    expect(c.resources).toEqual({ cpuLimit: 4, resourceCpuLimit: '4', memoryLimit: 17.179869184, resourceMemoryLimit: '16Gi' });
    expect(out.root.dag.tasks['make']).toMatchObject({ cachingOptions: { enableCache: true }, retryPolicy: { maxRetryCount: 2 } });
    expect(out.defaultPipelineRoot).toBe('gs://b/pipeline-root');
    expect(() => compilePipeline(pl, { image: '' })).toThrow('compile: image must be a container image reference');
  });

  test('matches the golden file', () => {
    const text = JSON.stringify(spec, null, 2) + '\n';
    if (update) {
      mkdirSync(path.dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, text);
    }
    expect(existsSync(GOLDEN)).toBe(true);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
