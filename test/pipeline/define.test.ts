// Definition-time validation of the DAG: duplicate names, missing/unknown inputs, unknown references, type mismatches, cycles, condition rules; dependency order from data flow.
import { a, definePipeline, defineStep, p, when, type PipelineBuilder } from '../../functions/src/pipeline';
import { orderStats } from './support/order-stats';

const produce = defineStep({ inputs: { n: p.integer({ default: 1 }) }, outputs: { count: p.integer(), label: p.string(), data: a.dataset(), rate: p.number(), cfg: p.json() }, run: () => ({ count: 1, label: 'x', rate: 0.5, cfg: {} }) });
const consumeInt = defineStep({ inputs: { count: p.integer() }, outputs: { out: p.integer() }, run: ({ inputs }) => ({ out: inputs.count }) });
const consumeNum = defineStep({ inputs: { x: p.number() }, outputs: {}, run: () => undefined });
const consumeData = defineStep({ inputs: { data: a.dataset() }, outputs: {}, run: () => undefined });
const consumeModel = defineStep({ inputs: { m: a.model() }, outputs: {}, run: () => undefined });
const consumeAny = defineStep({ inputs: { m: a.artifact() }, outputs: {}, run: () => undefined });

const build = (steps: (b: PipelineBuilder<Record<string, never>, unknown>) => void) => () => definePipeline({ name: 'demo', steps });

test('the training-shaped pipeline is ordered by data flow, after and conditions', () => {
  expect(orderStats.tasks.map((t) => [t.name, t.deps])).toEqual([
    ['extract', []],
    ['validate', ['extract']],
    ['train_mean', ['extract', 'validate']],
    ['train_median', ['extract', 'validate']],
    ['evaluate', ['extract', 'train_mean', 'train_median']],
    ['compare', ['evaluate']],
    ['register', ['compare', 'evaluate']],
  ]);
  expect(orderStats.task('register').conditionKey).toBe("compare.verdict != 'lose'");
});

test('steps placed in any order (by-name references) are sorted by their dependencies', () => {
  const pl = definePipeline({
    name: 'late',
    steps: (b) => {
      b.add('last', consumeInt, { count: b.output('mid', 'out') });
      b.add('mid', consumeInt, { count: b.output('first', 'count') });
      b.add('first', produce, {});
    },
  });
  expect(pl.tasks.map((t) => t.name)).toEqual(['first', 'mid', 'last']);
});

describe('clear errors at definition time', () => {
  test.each<[string, (b: PipelineBuilder<Record<string, never>, unknown>) => void, string]>([
    ['duplicate step names', (b) => { b.add('a', produce, {}); b.add('a', produce, {}); }, "pipeline 'demo': duplicate step name 'a'"],
    ['a missing required input', (b) => { b.add('c', consumeInt, {} as never); }, "pipeline 'demo': step 'c' is missing input 'count' (parameter integer)"],
    ['a missing artifact input', (b) => { b.add('c', consumeData, {} as never); }, "pipeline 'demo': step 'c' is missing input 'data' (artifact Dataset)"],
    ['an unknown input', (b) => { b.add('c', consumeInt, { count: 1, cuont: 2 } as never); }, "pipeline 'demo': step 'c' binds unknown input 'cuont'; its inputs are count"],
    ['a reference to a step not in the pipeline', (b) => { b.add('c', consumeInt, { count: b.output('nope', 'count') }); }, "pipeline 'demo': step 'c' input 'count' refers to step 'nope', which is not in the pipeline; steps are c"],
    ['a reference to an output the step does not declare', (b) => { b.add('p', produce, {}); b.add('c', consumeInt, { count: b.output('p', 'cnt') }); }, "pipeline 'demo': step 'c' input 'count' refers to 'p.cnt', but step 'p' has no output 'cnt'; its outputs are count, label, data, rate, cfg"],
    ['a parameter type mismatch', (b) => { const x = b.add('p', produce, {}); b.add('c', consumeInt, { count: x.outputs.label as never }); }, "pipeline 'demo': step 'c' input 'count' is parameter integer but p.label is parameter string"],
    ['a number into an integer input', (b) => { const x = b.add('p', produce, {}); b.add('c', consumeInt, { count: x.outputs.rate }); }, "pipeline 'demo': step 'c' input 'count' is parameter integer but p.rate is parameter number"],
    ['an artifact into a parameter', (b) => { const x = b.add('p', produce, {}); b.add('c', consumeInt, { count: x.outputs.data as never }); }, "pipeline 'demo': step 'c' input 'count' is parameter integer but p.data is artifact Dataset"],
    ['a Dataset into a Model input', (b) => { const x = b.add('p', produce, {}); b.add('c', consumeModel, { m: x.outputs.data }); }, "pipeline 'demo': step 'c' input 'm' is artifact Model but p.data is artifact Dataset"],
    ['a constant for an artifact', (b) => { b.add('c', consumeData, { data: 'gs://x' as never }); }, "pipeline 'demo': step 'c' input 'data' is artifact Dataset: bind it to a step output, not a constant"],
    ['a constant of the wrong type', (b) => { b.add('c', consumeInt, { count: 'three' as never }); }, "pipeline 'demo': step 'c' input 'count' must be an integer, got \"three\""],
    ['a two-step cycle', (b) => { b.add('x', consumeInt, { count: b.output('y', 'out') }); b.add('y', consumeInt, { count: b.output('x', 'out') }); }, "pipeline 'demo': dependency cycle: x → y → x"],
    ['a three-step cycle', (b) => { b.add('x', consumeInt, { count: b.output('z', 'out') }); b.add('y', consumeInt, { count: b.output('x', 'out') }); b.add('z', consumeInt, { count: b.output('y', 'out') }); }, "pipeline 'demo': dependency cycle: x → y → z → x"],
    ['a step reading its own output', (b) => { b.add('x', consumeInt, { count: b.output('x', 'out') }); }, "pipeline 'demo': dependency cycle: x → x"],
    ['after an unknown step', (b) => { b.add('x', produce, {}, { after: ['ghost'] }); }, "pipeline 'demo': step 'x' runs after 'ghost', which is not in the pipeline; steps are x"],
    ['a bad step name', (b) => { b.add('Train-CLV', produce, {}); }, 'pipeline \'demo\': step name "Train-CLV" must match /^[a-z][a-z0-9_]{0,62}$/'],
    ['a condition on a JSON output', (b) => { const x = b.add('p', produce, {}); b.add('c', consumeNum, { x: 1 }, { when: when.eq(x.outputs.cfg as never, 'a') }); }, "pipeline 'demo': step 'c' condition reads p.cfg, which is parameter json; conditions compare string, number or boolean parameters"],
    ['a condition comparing a string with a number', (b) => { const x = b.add('p', produce, {}); b.add('c', consumeNum, { x: 1 }, { when: when.eq(x.outputs.label as never, 3) }); }, "pipeline 'demo': step 'c' condition: compares a string with a number in p.label == 3"],
    ['an ordering comparison of strings', (b) => { const x = b.add('p', produce, {}); b.add('c', consumeNum, { x: 1 }, { when: when.gt(x.outputs.label, 'a') }); }, "pipeline 'demo': step 'c' condition: > compares numbers; p.label > 'a' compares strings"],
    ['an unconditional step consuming a conditional one', (b) => {
      const x = b.add('p', produce, {});
      const c = b.add('c', consumeInt, { count: x.outputs.count }, { when: when.gt(x.outputs.rate, 0.1) });
      b.add('d', consumeInt, { count: c.outputs.out });
    }, "pipeline 'demo': step 'd' depends on 'c', which runs only when p.rate > 0.1; give 'd' the same condition (when) or drop the dependency"],
    ['a condition reading a conditional step', (b) => {
      const x = b.add('p', produce, {});
      const c = b.add('c', consumeInt, { count: x.outputs.count }, { when: when.gt(x.outputs.rate, 0.1) });
      b.add('d', consumeNum, { x: 1 }, { when: when.eq(c.outputs.out, 2) });
    }, "pipeline 'demo': step 'd' condition reads c.out, but step 'c' is itself conditional; nest conditions by combining them with when.and(...)"],
  ])('%s', (_what, steps, message) => {
    expect(build(steps)).toThrow(message);
  });

  test('an empty pipeline, a bad pipeline name and reserved or malformed io names', () => {
    expect(build(() => undefined)).toThrow("pipeline 'demo' has no steps");
    expect(() => definePipeline({ name: 'Demo_1', steps: (b) => void b.add('x', produce, {}) })).toThrow('must match');
    expect(() => defineStep({ inputs: { pipeline_job_name: p.string() }, outputs: {}, run: () => undefined })).toThrow('step inputs: pipeline_job_name is reserved');
    expect(() => defineStep({ inputs: { 'bad-name': p.string() }, outputs: {}, run: () => undefined })).toThrow('step inputs: name "bad-name" must match');
    expect(() => p.integer({ default: 1.5 })).toThrow('default value must be an integer, got number 1.5');
  });

  test('steps that share a condition may feed each other; a generic Artifact input takes any artifact', () => {
    const cond = (x: { outputs: { rate: unknown } }) => when.and(when.gt(x.outputs.rate as never, 0.1), when.ne('a', 'b'));
    const pl = definePipeline({
      name: 'ok',
      steps: (b) => {
        const x = b.add('p', produce, {});
        const c = b.add('c', consumeInt, { count: x.outputs.count }, { when: cond(x) });
        b.add('d', consumeInt, { count: c.outputs.out }, { when: cond(x) });
        b.add('e', consumeAny, { m: x.outputs.data });
      },
    });
    expect(pl.tasks.map((t) => [t.name, t.conditionKey ?? null])).toEqual([['p', null], ['c', "(p.rate > 0.1) && ('a' != 'b')"], ['d', "(p.rate > 0.1) && ('a' != 'b')"], ['e', null]]);
  });
});
