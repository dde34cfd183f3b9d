// The training pipeline compiled for Vertex AI Pipelines: decodes strictly with the KFP proto, has the DAG we mean, and matches its golden file.
// Regenerate the golden file after an intended change with: UPDATE_GOLDEN=1 npx jest test/training/compile
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as protobuf from 'protobufjs';
import { compilePipeline, loadPipeline } from '../../functions/src/pipeline';
import { training } from '../../functions/src/training/pipeline';
import '../../functions/src/pipelines'; // registers the product's pipelines, as the entry points do
import { KFP_PROTO, loadKfpRoot, strictErrors, wireRoundTrip } from '../pipeline/support/strict-proto';
import { testNeedingShared } from '../helpers/shared';

const GOLDEN = path.join(__dirname, '../pipeline/golden/training.json');
const IMAGE = 'us-central1-docker.pkg.dev/demo-shop-mlops/shop-mlops/pipeline:0123456789abcdef';
const update = process.env['UPDATE_GOLDEN'] === '1';
const maybe = testNeedingShared(KFP_PROTO, 'the KFP proto checks');

const spec = compilePipeline(training, { image: IMAGE, env: { SHOP_MLOPS_MODE: 'gcp' } });
const sortDeep = (v: unknown): unknown => (Array.isArray(v) ? v.map(sortDeep) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])])) : v);

maybe('the compiled spec decodes strictly with pipeline_spec.proto (deploymentSpec as PipelineDeploymentConfig) and survives a wire round trip', () => {
  const root = loadKfpRoot();
  const PipelineSpec: protobuf.Type = root.lookupType('ml_pipelines.PipelineSpec');
  const Deployment: protobuf.Type = root.lookupType('ml_pipelines.PipelineDeploymentConfig');
  expect(strictErrors(PipelineSpec, spec, { structAs: { 'ml_pipelines.PipelineSpec.deploymentSpec': Deployment } })).toEqual([]);
  expect(strictErrors(Deployment, spec.deploymentSpec)).toEqual([]);
  expect(sortDeep(wireRoundTrip(PipelineSpec, spec))).toEqual(sortDeep(spec));
});

test('the DAG: extract → validate → four independent model chains; register steps run only under a not-losing compare verdict; score after all of them', () => {
  expect(loadPipeline('training')).toBe(training);
  const t = spec.root.dag.tasks;
  const models = ['clv', 'propensity', 'forecast', 'recommend'];
  expect(Object.keys(t).filter((k) => !k.startsWith('condition-')).sort()).toEqual(['extract', 'validate', 'score', ...models.flatMap((m) => [`train-${m}`, `evaluate-${m}`, `compare-${m}`])].sort());
  const inCondition = Object.fromEntries(Object.entries(spec.components).filter(([k]) => k.startsWith('comp-condition-')).flatMap(([, c]) => Object.entries((c as { dag: { tasks: Record<string, unknown> } }).dag.tasks)));
  expect(Object.keys(inCondition).sort()).toEqual(models.map((m) => `register-${m}`).sort());
  expect(t['validate']!.dependentTasks).toEqual(['extract']);
  for (const m of models) {
    // Train steps depend on extract and validate only: they run concurrently (locally and on Vertex).
    expect([m, t[`train-${m}`]!.dependentTasks]).toEqual([m, ['extract', 'validate']]);
    expect(t[`compare-${m}`]!.dependentTasks).toEqual(['evaluate-' + m, 'extract', 'train-' + m].sort());
  }
  const conditions = Object.entries(t).filter(([k]) => k.startsWith('condition-'));
  expect(conditions.length).toBe(4);
  // score runs after every register step, registered or not: it waits for the four condition groups (and reads extract's shop and snapshot).
  expect(t['score']!.dependentTasks).toEqual(['condition-1', 'condition-2', 'condition-3', 'condition-4', 'extract']);
  expect(t['score']!.triggerPolicy).toBeUndefined();
  const cel = conditions.map(([, c]) => c.triggerPolicy!.condition).sort();
  expect(cel).toEqual(models.map((m) => `inputs.parameter_values['pipelinechannel--compare-${m}-promote'] == true`).sort());
  // Resources: the train steps ask for more than the default.
  const trainExec = spec.deploymentSpec.executors['exec-train-forecast']!.container as { resources?: unknown; env?: unknown };
  expect(trainExec.resources).toBeDefined();
  expect(trainExec.env).toEqual([{ name: 'SHOP_MLOPS_MODE', value: 'gcp' }]);
  expect(spec.root.inputDefinitions!.parameters!['snapshot_date']).toMatchObject({ defaultValue: '', isOptional: true, parameterType: 'STRING' });
  expect(spec.root.inputDefinitions!.parameters!['service_level']).toMatchObject({ defaultValue: 0.95, isOptional: true, parameterType: 'NUMBER_DOUBLE' });
});

test('the compiled spec matches its golden file', () => {
  const text = JSON.stringify(spec, null, 2) + '\n';
  if (update || !existsSync(GOLDEN)) {
    mkdirSync(path.dirname(GOLDEN), { recursive: true });
    writeFileSync(GOLDEN, text);
    if (!update) throw new Error(`wrote the missing golden file ${GOLDEN}; check it and run again`);
  }
  expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
});
