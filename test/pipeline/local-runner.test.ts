// Local runner on a real pipeline (DuckDB → dataset → two models → evaluation → champion/challenger → conditional register): results, conditions, failures, hooks, progress, concurrency.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { a, createPipelineKit, definePipeline, defineStep, p, PipelineRunError, runPipeline, createProgressReporter, type AnyPipeline, type IoMap, type PipelineHooks, type RunReport, type StepDefinition } from '../../functions/src/pipeline';
import { expectedResults, makeOrders, orderStats, writeOrdersDb, type Champion } from './support/order-stats';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pipeline-local-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Records every hook call, as a run tracker would. */
function recorder() {
  const events: Array<{ hook: string; e: Record<string, unknown> }> = [];
  const hooks: PipelineHooks = {};
  for (const h of ['runStarted', 'stepStarted', 'metric', 'stepProgress', 'stepFinished', 'runFinished'] as const) {
    (hooks as Record<string, unknown>)[h] = (e: Record<string, unknown>) => void events.push({ hook: h, e: JSON.parse(JSON.stringify(e)) as Record<string, unknown> });
  }
  return { events, hooks, of: (hook: string) => events.filter((x) => x.hook === hook).map((x) => x.e) };
}

describe('order-stats pipeline, run locally', () => {
  const rows = makeOrders(7, 60);
  const expected = expectedResults(rows, 14);
  let db: string;
  let registry: string;
  let store: ReturnType<typeof createFileArtifactStore>;
  let first: RunReport;
  const rec = recorder();

  beforeAll(async () => {
    db = path.join(dir, 'orders.duckdb');
    registry = path.join(dir, 'registry');
    store = createFileArtifactStore(path.join(dir, 'artifacts'));
    await writeOrdersDb(db, rows);
    first = await runPipeline(orderStats, { params: { db_path: db, registry_dir: registry }, artifacts: store, runId: 'run-1', hooks: rec.hooks });
  }, 60_000);

  test('every step succeeds in dependency order and the numbers are the ones computed directly from the rows', () => {
    expect(first.ok).toBe(true);
    expect(first.steps.map((s) => [s.name, s.status])).toEqual([
      ['extract', 'succeeded'], ['validate', 'succeeded'], ['train_mean', 'succeeded'], ['train_median', 'succeeded'], ['evaluate', 'succeeded'], ['compare', 'succeeded'], ['register', 'succeeded'],
    ]);
    const step = (n: string) => first.steps.find((s) => s.name === n)!;
    expect(step('extract').outputs).toEqual({ rows: rows.length, last_day: expected.lastDay });
    expect(step('validate').outputs).toEqual({ valid_rows: rows.length });
    expect(step('train_mean').outputs).toEqual({ train_rows: expected.trainRows });
    expect(expected.trainRows).toBeGreaterThan(100);
    expect(expected.testRows).toBeGreaterThan(20);
    expect(step('evaluate').outputs['best_kind']).toBe(expected.bestKind);
    expect(step('evaluate').outputs['best_mae']).toBeCloseTo(expected.bestMae, 12);
    expect(step('evaluate').metrics).toEqual({ mae_mean: expect.closeTo(expected.maeMean, 12), mae_median: expect.closeTo(expected.maeMedian, 12), test_rows: expected.testRows });
    expect(step('compare').outputs).toEqual({ verdict: 'win', champion_mae: -1 });
    expect(first.params).toEqual({ db_path: db, registry_dir: registry, holdout_days: 14, min_rows: 10 });
  });

  test('artifacts are in the ArtifactStore under pipeline-runs/<pipeline>/<run>/<step>/<output>, with their metadata', async () => {
    const ex = first.steps.find((s) => s.name === 'extract')!;
    expect(ex.artifacts['dataset']).toEqual({ uri: store.uri('pipeline-runs/order-stats/run-1/extract/dataset'), type: 'Dataset', metadata: { rows: rows.length } });
    const lines = (await store.get('pipeline-runs/order-stats/run-1/extract/dataset'))!.toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(rows.length);
    expect(JSON.parse(lines[0]!)).toEqual(rows[0]);
    expect(JSON.parse((await store.get('pipeline-runs/order-stats/run-1/train_mean/model'))!.toString())).toEqual({ kind: 'mean', value: expect.closeTo(expected.mean, 12) });
    expect(JSON.parse((await store.get('pipeline-runs/order-stats/run-1/train_median/model'))!.toString())).toEqual({ kind: 'median', value: expect.closeTo(expected.median, 12) });
    // Metrics outputs carry the step's metrics as metadata and content.
    const metrics = first.steps.find((s) => s.name === 'evaluate')!.artifacts['metrics']!;
    expect(metrics.metadata).toEqual({ mae_mean: expect.closeTo(expected.maeMean, 12), mae_median: expect.closeTo(expected.maeMedian, 12), test_rows: expected.testRows });
    expect(JSON.parse((await store.get('pipeline-runs/order-stats/run-1/evaluate/metrics'))!.toString())).toEqual(metrics.metadata);
  });

  test('register ran: the champion is the best model with its error and run id', () => {
    const champion = JSON.parse(readFileSync(path.join(registry, 'champion.json'), 'utf8')) as Champion;
    expect(champion).toEqual({ kind: expected.bestKind, value: expect.closeTo(expected.bestKind === 'mean' ? expected.mean : expected.median, 12), mae: expect.closeTo(expected.bestMae, 12), runId: 'run-1' });
  });

  test('hooks saw params, every step start and end with durations, metrics and artifact URIs, then the report', () => {
    expect(rec.of('runStarted')).toEqual([expect.objectContaining({ runId: 'run-1', pipeline: 'order-stats', params: first.params, steps: first.steps.map((s) => s.name) })]);
    expect(rec.of('stepStarted').map((e) => e['step'])).toHaveLength(7);
    const trainStart = rec.of('stepStarted').find((e) => e['step'] === 'train_mean')!;
    expect(trainStart['params']).toEqual({ last_day: expected.lastDay, holdout_days: 14 });
    expect(trainStart['artifacts']).toEqual({ dataset: store.uri('pipeline-runs/order-stats/run-1/extract/dataset') });
    expect(rec.of('metric').filter((e) => e['step'] === 'evaluate').map((e) => e['name']).sort()).toEqual(['mae_mean', 'mae_median', 'test_rows']);
    const finished = rec.of('stepFinished');
    expect(finished.map((e) => e['name']).sort()).toEqual(first.steps.map((s) => s.name).sort());
    for (const f of finished) expect(f['seconds']).toEqual(expect.any(Number));
    expect(rec.of('stepProgress')).toEqual([expect.objectContaining({ step: 'extract', done: rows.length, total: rows.length })]);
    expect(rec.of('runFinished')).toEqual([expect.objectContaining({ runId: 'run-1', ok: true })]);
    expect(rec.events.at(-1)!.hook).toBe('runFinished');
    expect(rec.events[0]!.hook).toBe('runStarted');
  });

  test('a second run on the same data ties with the champion and registers again (the challenger does not lose)', async () => {
    const r = await runPipeline(orderStats, { params: { db_path: db, registry_dir: registry }, artifacts: store, runId: 'run-2' });
    expect(r.steps.find((s) => s.name === 'compare')!.outputs).toEqual({ verdict: 'tie', champion_mae: expect.closeTo(expected.bestMae, 12) });
    expect(r.steps.find((s) => s.name === 'register')!.status).toBe('succeeded');
    expect((JSON.parse(readFileSync(path.join(registry, 'champion.json'), 'utf8')) as Champion).runId).toBe('run-2');
  }, 60_000);

  test('against a better champion the challenger loses and register is skipped with the reason', async () => {
    const better = path.join(dir, 'registry-better');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(better);
    const champion: Champion = { kind: 'mean', value: 1, mae: expected.bestMae / 2, runId: 'old' };
    writeFileSync(path.join(better, 'champion.json'), JSON.stringify(champion));
    const r = await runPipeline(orderStats, { params: { db_path: db, registry_dir: better }, artifacts: store, runId: 'run-3' });
    expect(r.ok).toBe(true);
    const reg = r.steps.find((s) => s.name === 'register')!;
    expect(reg.status).toBe('skipped');
    expect(reg.reason).toBe(`condition not met: compare.verdict != 'lose' (compare.verdict = "lose")`);
    expect(JSON.parse(readFileSync(path.join(better, 'champion.json'), 'utf8'))).toEqual(champion);
  }, 60_000);

  test('a failing step fails the run with an error naming it; its dependents do not run, the report says why', async () => {
    const badDb = path.join(dir, 'bad.duckdb');
    await writeOrdersDb(badDb, makeOrders(7, 60, { badLine: 5 }));
    const rec2 = recorder();
    const err = await runPipeline(orderStats, { params: { db_path: badDb, registry_dir: path.join(dir, 'reg-bad') }, artifacts: store, runId: 'run-bad', hooks: rec2.hooks }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineRunError);
    const e = err as PipelineRunError;
    expect(e.message).toBe(`pipeline 'order-stats' run run-bad: step 'validate' failed: dataset line 5: amount must be a number ≥ 0 (got -1)`);
    expect(e.code).toBe('UNPROCESSABLE');
    expect(e.step).toBe('validate');
    expect(e.report.steps.map((s) => [s.name, s.status, s.reason ?? s.error ?? ''])).toEqual([
      ['extract', 'succeeded', ''],
      ['validate', 'failed', 'dataset line 5: amount must be a number ≥ 0 (got -1)'],
      ['train_mean', 'not_run', "step 'validate' failed"],
      ['train_median', 'not_run', "step 'validate' failed"],
      ['evaluate', 'not_run', "step 'validate' failed"],
      ['compare', 'not_run', "step 'validate' failed"],
      ['register', 'not_run', "step 'validate' failed"],
    ]);
    expect(rec2.of('runFinished')).toEqual([expect.objectContaining({ ok: false, failedStep: 'validate' })]);
    expect(existsSync(path.join(dir, 'reg-bad'))).toBe(false);
  }, 60_000);

  test('parameters are checked before anything runs', async () => {
    await expect(runPipeline(orderStats, { params: { registry_dir: 'x' }, artifacts: store })).rejects.toThrow("pipeline 'order-stats' needs parameter 'db_path' (string)");
    await expect(runPipeline(orderStats, { params: { db_path: db, registry_dir: 'x', holdout: 3 }, artifacts: store })).rejects.toThrow("pipeline 'order-stats' has no parameter 'holdout'; its parameters are db_path, registry_dir, holdout_days, min_rows");
    await expect(runPipeline(orderStats, { params: { db_path: db, registry_dir: 'x', holdout_days: 2.5 }, artifacts: store })).rejects.toThrow("pipeline parameter 'holdout_days' must be an integer, got number 2.5");
  });
});

describe('runner mechanics', () => {
  const store = () => createFileArtifactStore(path.join(dir, 'mech'));

  test('independent steps run concurrently: each waits for the other to have started', async () => {
    const started = new Set<string>();
    const waiters: Array<() => void> = [];
    const barrier = (name: string) =>
      defineStep({
        inputs: {},
        outputs: { saw: p.boolean() },
        async run({ signal }) {
          started.add(name);
          for (const w of waiters.splice(0)) w();
          // Resolves when the other step has started; a runner that ran them one after the other would never get there.
          const saw = await new Promise<boolean>((resolve) => {
            const check = () => (started.size === 2 ? resolve(true) : undefined);
            waiters.push(check);
            check();
            signal.addEventListener('abort', () => resolve(false));
            setTimeout(() => resolve(false), 5000).unref();
          });
          return { saw };
        },
      });
    const pl = definePipeline({ name: 'pair', steps: (b) => { b.add('left', barrier('left'), {}); b.add('right', barrier('right'), {}); } });
    const r = await runPipeline(pl, { artifacts: store(), concurrency: 2 });
    expect(r.steps.map((s) => s.outputs['saw'])).toEqual([true, true]);
  });

  test('concurrency 1 runs steps one at a time, in dependency order', async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const s = (name: string) => defineStep({ inputs: { x: p.integer({ default: 0 }) }, outputs: { y: p.integer() }, async run({ inputs }) { running++; most = Math.max(most, running); order.push(name); await new Promise((r) => setImmediate(r)); running--; return { y: inputs.x + 1 }; } });
    const pl = definePipeline({
      name: 'chain',
      steps: (b) => {
        const a1 = b.add('a1', s('a1'), {});
        b.add('b1', s('b1'), {});
        const c1 = b.add('c1', s('c1'), { x: a1.outputs.y });
        b.add('d1', s('d1'), { x: c1.outputs.y });
      },
    });
    const r = await runPipeline(pl, { artifacts: store(), concurrency: 1 });
    expect(most).toBe(1);
    expect(order).toEqual(['a1', 'b1', 'c1', 'd1']);
    expect(r.steps.find((x) => x.name === 'd1')!.outputs).toEqual({ y: 3 });
  });

  test('retries: a step failing once succeeds on its second attempt; attempts are reported', async () => {
    let calls = 0;
    const flaky = defineStep({ inputs: {}, outputs: { n: p.integer() }, run() { calls++; if (calls === 1) throw new ShopMlopsError('UNAVAILABLE', 'transient'); return { n: calls }; } });
    const pl = definePipeline({ name: 'flaky', steps: (b) => void b.add('flaky', flaky, {}, { retries: 2 }) });
    const r = await runPipeline(pl, { artifacts: store() });
    expect(r.steps[0]).toMatchObject({ status: 'succeeded', attempts: 2, outputs: { n: 2 } });
  });

  test('a step that returns a wrong output, forgets an artifact or returns an unknown key fails naming step and output', async () => {
    const one = <I extends IoMap, O extends IoMap>(step: StepDefinition<I, O, unknown>) => definePipeline({ name: 'bad-output', steps: (b) => void b.add('s', step, {} as never) });
    const cases: Array<[AnyPipeline, string]> = [
      [one(defineStep({ inputs: {}, outputs: { n: p.integer() }, run: () => ({ n: 1.5 }) })), "step 's' output 'n' must be an integer, got number 1.5"],
      [one(defineStep({ inputs: {}, outputs: { m: a.model() }, run: () => undefined })), "step 's' did not write its output artifact 'm'"],
      [one(defineStep({ inputs: {}, outputs: { n: p.integer() }, run: () => ({ n: 1, extra: 2 }) as unknown as { n: number } })), "step 's' returned 'extra', which is not one of its parameter outputs (n)"],
      [one(defineStep({ inputs: {}, outputs: { n: p.integer() }, run: () => ({}) as unknown as { n: number } })), "step 's' returned no value for output 'n'"],
    ];
    for (const [pl, message] of cases) {
      const err = (await runPipeline(pl, { artifacts: store() }).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/^pipeline 'bad-output' run bad-output-\d{8}-\d{6}-[0-9a-f]{6}: /);
      expect(err.message.endsWith(`step 's' failed: ${message}`)).toBe(true);
    }
  });

  test('a throwing hook fails the run with an error naming the hook', async () => {
    const pl = definePipeline({ name: 'hooked', steps: (b) => void b.add('s', defineStep({ inputs: {}, outputs: {}, run: () => undefined }), {}) });
    await expect(runPipeline(pl, { artifacts: store(), hooks: { stepFinished: () => { throw new Error('tracker down'); } } })).rejects.toThrow('pipeline hook stepFinished failed: tracker down');
  });

  test('the services factory builds ctx.services once per run and its close() runs after the run', async () => {
    const log: string[] = [];
    const kit = createPipelineKit<{ greet(n: string): string }>();
    const hello = kit.step({ inputs: { who: p.string() }, outputs: { said: p.string() }, run: ({ inputs, services }) => ({ said: services.greet(inputs.who) }) });
    const pl = kit.pipeline({
      name: 'services',
      services: ({ where }) => {
        log.push(`open ${where}`);
        return { greet: (n: string) => `hello ${n}`, close: () => void log.push('close') };
      },
      steps: (b) => {
        b.add('one', hello, { who: 'a' });
        b.add('two', hello, { who: 'b' });
      },
    });
    const r = await runPipeline(pl, { artifacts: store() });
    expect(r.steps.map((s) => s.outputs['said'])).toEqual(['hello a', 'hello b']);
    expect(log).toEqual(['open local', 'close']);
    // Handed services are used as they are and not closed.
    const r2 = await runPipeline(pl, { artifacts: store(), services: { greet: (n: string) => `hi ${n}` } });
    expect(r2.steps.map((s) => s.outputs['said'])).toEqual(['hi a', 'hi b']);
    expect(log).toEqual(['open local', 'close']);
  });
});

describe('progress reporters', () => {
  const pl = definePipeline({
    name: 'progress',
    steps: (b) => {
      const one = b.add('one', defineStep({ inputs: {}, outputs: { n: p.integer() }, run: ({ progress }) => { progress(1, 2, 'half'); return { n: 1 }; } }), {});
      b.add('two', defineStep({ inputs: { n: p.integer() }, outputs: {}, run: () => { throw new Error('boom'); } }), { n: one.outputs.n });
    },
  });
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY, columns: 120, write: (s: string) => chunks.push(s) } };
  };
  const run = async (mode: 'lines' | 'json' | 'tty' | 'silent', isTTY = false) => {
    const s = sink(isTTY);
    await runPipeline(pl, { artifacts: createFileArtifactStore(path.join(dir, 'prog')), runId: 'r1', hooks: createProgressReporter({ mode, stream: s.stream }) }).catch(() => undefined);
    return s.chunks.join('');
  };

  test('lines: one line per finished step with its duration, then the outcome naming the failing step', async () => {
    const out = (await run('lines')).replace(/\d+\.\d+ s/g, 'T s');
    expect(out).toBe(['pipeline progress run r1: 2 steps', '[1/2] ✓ one succeeded in T s', '[2/2] ✗ two failed in T s: boom', 'pipeline progress FAILED at step two in T s', ''].join('\n'));
  });

  test('json: one event per line for machines', async () => {
    const events = (await run('json')).trim().split('\n').map((l) => JSON.parse(l) as { event: string; step?: string; name?: string; status?: string; ok?: boolean; failedStep?: string });
    expect(events.map((e) => e.event)).toEqual(['run_started', 'step_started', 'step_progress', 'step_finished', 'step_started', 'step_finished', 'run_finished']);
    expect(events.at(-1)).toMatchObject({ ok: false, failedStep: 'two' });
    expect(events[3]).toMatchObject({ name: 'one', status: 'succeeded' });
  });

  test('tty: rows redrawn in place with bars; the last frame shows every step and the outcome', async () => {
    const out = await run('tty', true);
    expect(out).toContain('\x1b[2K');
    const frames = out.split(/\x1b\[\d+F/);
    const last = frames.at(-1)!.split('\n').map((l) => l.replace('\x1b[2K', '')).filter(Boolean);
    expect(last[0]).toMatch(/^pipeline progress run r1: FAILED at step two in \d+\.\d+ s$/);
    expect(last[1]).toMatch(/^✓ one +█{20} 100% succeeded \d+\.\d+ s$/);
    expect(last[2]).toMatch(/^✗ two +░{20}   0% failed +\d+\.\d+ s {2}boom$/);
  });

  test('silent writes nothing; auto picks lines when the stream is not a terminal', async () => {
    expect(await run('silent')).toBe('');
    const s = sink(false);
    await runPipeline(pl, { artifacts: createFileArtifactStore(path.join(dir, 'prog')), hooks: createProgressReporter({ stream: s.stream }) }).catch(() => undefined);
    expect(s.chunks[0]).toMatch(/^pipeline progress run progress-\d{8}-\d{6}-[0-9a-f]{6}: 2 steps\n$/);
  });
});
