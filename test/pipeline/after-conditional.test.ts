// A step placed `after` conditional steps (the training pipeline's score after register_*): it waits for them and runs whether or not they ran; KFP gets a dependency on the condition group.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { compilePipeline, definePipeline, defineStep, p, runPipeline, when, type TaskHandle } from '../../functions/src/pipeline';

const order: string[] = [];
const decide = defineStep({ inputs: { go: p.boolean() }, outputs: { go: p.boolean() }, run: ({ inputs }) => ({ go: inputs.go }) });
const register = defineStep({
  inputs: {},
  outputs: {},
  run: async () => {
    await new Promise((r) => setTimeout(r, 50));
    order.push('register');
  },
});
const score = defineStep({
  inputs: {},
  outputs: {},
  run: () => void order.push('score'),
});

const pipeline = definePipeline({
  name: 'after-conditional',
  params: { go: p.boolean({ default: true }) },
  steps: (b) => {
    const d = b.add('decide', decide, { go: b.params.go });
    const reg = b.add('register', register, {}, { when: when.eq(d.outputs.go, true) }) as TaskHandle;
    b.add('score', score, {}, { after: [reg] });
  },
});

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'after-conditional-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  [true, ['register', 'score'], 'succeeded'],
  [false, ['score'], 'skipped'],
])('go=%s: score runs after register (%j), register %s', async (go, ran, registerStatus) => {
  order.length = 0;
  const report = await runPipeline(pipeline, { params: { go }, artifacts: createFileArtifactStore(dir) });
  expect(order).toEqual(ran);
  expect(report.steps.map((s) => [s.name, s.status])).toEqual([['decide', 'succeeded'], ['register', registerStatus], ['score', 'succeeded']]);
});

test('compiled for KFP, score depends on the condition group that holds register', () => {
  const spec = compilePipeline(pipeline, { image: 'example/image:1' });
  expect(spec.root.dag.tasks['score']!.dependentTasks).toEqual(['condition-1']);
  expect(Object.keys((spec.components['comp-condition-1'] as { dag: { tasks: object } }).dag.tasks)).toEqual(['register']);
});

test('consuming a conditional step\'s output, or running after it under another condition, is still refused', () => {
  const withData = defineStep({ inputs: { go: p.boolean() }, outputs: {}, run: () => undefined });
  expect(() =>
    definePipeline({
      name: 'bad',
      steps: (b) => {
        const d = b.add('decide', decide, { go: true });
        const c = b.add('c', decide, { go: true }, { when: when.eq(d.outputs.go, true) });
        b.add('d', withData, { go: c.outputs.go }, { after: [c] });
      },
    }),
  ).toThrow("step 'd' depends on 'c', which runs only when decide.go == true");
  expect(() =>
    definePipeline({
      name: 'bad',
      steps: (b) => {
        const d = b.add('decide', decide, { go: true });
        const c = b.add('c', decide, { go: true }, { when: when.eq(d.outputs.go, true) });
        b.add('d', score, {}, { after: [c], when: when.eq(d.outputs.go, false) });
      },
    }),
  ).toThrow("step 'd' depends on 'c'");
});
