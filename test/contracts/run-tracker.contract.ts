// The RunTracker port's contract as one jest suite; every adapter (journal files, Vertex AI Experiments) runs it unchanged.
import { ShopMlopsError } from '../../functions/src/core/errors';
import type { ArtifactStore } from '../../functions/src/ports/artifact-store';
import { compareRuns, timeStep, trackRun, type RunTracker, type StartRunInput } from '../../functions/src/ports/run-tracker';

export interface RunTrackerHarness {
  tracker: RunTracker;
  artifacts: ArtifactStore;
  /** A second tracker over the same storage (another process or instance). */
  another(): RunTracker;
  cleanup(): Promise<void>;
}

/** Deterministic clock (one second per reading from 2026-01-02T03:04:05Z) and run-name suffixes. */
export interface TrackerDeps {
  now: () => Date;
  randomHex4: () => string;
}

export function testDeps(): TrackerDeps {
  let t = Date.parse('2026-01-02T03:04:05.000Z');
  let r = 0;
  return { now: () => new Date((t += 1000) - 1000), randomHex4: () => (0xa000 + r++).toString(16) };
}

const SNAPSHOT = { rows: { orders: 1200, order_lines: 3456 }, contentHash: 'sha256:0f3c', source: 'duckdb:shop_features@2026-01-01' };
const CODE = { packageVersion: '0.1.0', gitCommit: '0123456789abcdef0123456789abcdef01234567', gitDirty: false };
export const startInput = (over: Partial<StartRunInput> = {}): StartRunInput => ({ experiment: 'demand-forecast', params: { horizon: 28, method: 'croston' }, dataSnapshot: SNAPSHOT, codeVersion: CODE, ...over });

async function rejectsWith(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ShopMlopsError);
  expect((err as ShopMlopsError).code).toBe(code);
  expect((err as Error).message).toMatch(text);
}

export function runTrackerContract(name: string, make: (deps: TrackerDeps) => Promise<RunTrackerHarness>): void {
  describe(`RunTracker contract: ${name}`, () => {
    let h: RunTrackerHarness;
    beforeEach(async () => {
      h = await make(testDeps());
    });
    afterEach(async () => {
      await h.cleanup();
    });

    test('a run records params, metrics, data snapshot, code version, step durations and artifacts', async () => {
      const run = await h.tracker.startRun(startInput());
      expect(run.id).toBe('demand-forecast-20260102-030405-a000');
      expect(run.experiment).toBe('demand-forecast');
      const live = await h.another().getRun(run.id);
      expect(live).toMatchObject({ id: run.id, name: '20260102-030405-a000', experiment: 'demand-forecast', status: 'RUNNING', startedAt: '2026-01-02T03:04:05.000Z', endedAt: null, params: { horizon: 28, method: 'croston' }, metrics: {}, artifacts: [] });
      expect(live!.dataSnapshot).toEqual(SNAPSHOT);
      expect(live!.codeVersion).toEqual(CODE);

      await run.logParams({ horizon: 14, seasonal: true });
      await run.logMetrics({ mase: 0.91, coverage_80: 0.78 });
      await run.logMetrics({ mase: 0.8123456789012345 });
      await run.logStepDuration('load', 1.25);
      await run.logStepDuration('fit', 12.5);
      await h.artifacts.put(`models/forecast/${run.id}/model.json`, '{"w":[1,2]}', { contentType: 'application/json' });
      await h.artifacts.put(`reports/${run.id}/eval.json`, '{"mase":0.81}', { contentType: 'application/json' });
      const a = await run.logArtifact({ name: 'model', key: `models/forecast/${run.id}` });
      expect(a).toEqual({ name: 'model', key: `models/forecast/${run.id}`, uri: h.artifacts.uri(`models/forecast/${run.id}`) });
      await run.logArtifact({ name: 'evaluation', key: `reports/${run.id}/eval.json` });
      // An artifact outside the tracker's store is recorded by uri as given.
      expect(await run.logArtifact({ name: 'pipeline-root', uri: 'gs://kfp-root/shop-mlops/run-1/' })).toEqual({ name: 'pipeline-root', key: null, uri: 'gs://kfp-root/shop-mlops/run-1/' });
      const done = await run.end();
      expect(done).toMatchObject({
        id: run.id,
        status: 'COMPLETE',
        startedAt: '2026-01-02T03:04:05.000Z',
        endedAt: '2026-01-02T03:04:06.000Z',
        params: { horizon: 14, method: 'croston', seasonal: true },
        metrics: { mase: 0.8123456789012345, coverage_80: 0.78 },
        stepSeconds: { load: 1.25, fit: 12.5 },
      });
      expect(done.artifacts).toEqual([a, { name: 'evaluation', key: `reports/${run.id}/eval.json`, uri: h.artifacts.uri(`reports/${run.id}/eval.json`) }, { name: 'pipeline-root', key: null, uri: 'gs://kfp-root/shop-mlops/run-1/' }]);
      expect(await h.tracker.getRun(run.id)).toEqual(done);
      expect(await h.another().getRun(run.id)).toEqual(done);
    });

    test('an ended run refuses further logging; FAILED is recorded', async () => {
      const run = await h.tracker.startRun(startInput({ name: 'bad-seed' }));
      expect(run.id).toBe('demand-forecast-bad-seed');
      await run.logMetrics({ mase: 3 });
      expect((await run.end('FAILED')).status).toBe('FAILED');
      await rejectsWith(run.logMetrics({ mase: 1 }), 'BAD_REQUEST', /has ended/);
      await rejectsWith(run.logParams({ a: 1 }), 'BAD_REQUEST', /has ended/);
      await rejectsWith(run.end('COMPLETE'), 'BAD_REQUEST', /has ended/);
      expect(await h.tracker.getRun(run.id)).toMatchObject({ status: 'FAILED', metrics: { mase: 3 } });
      // A name is unique within its experiment.
      await rejectsWith(h.tracker.startRun(startInput({ name: 'bad-seed' })), 'BAD_REQUEST', /already exists/);
    });

    test('listRuns is newest first and filters by experiment; unknown ids read as null', async () => {
      const a = await h.tracker.startRun(startInput());
      const b = await h.tracker.startRun(startInput({ experiment: 'customer-clv' }));
      const c = await h.another().startRun(startInput());
      await b.end();
      expect((await h.tracker.listRuns()).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
      expect((await h.tracker.listRuns({ experiment: 'demand-forecast' })).map((r) => r.id)).toEqual([c.id, a.id]);
      expect((await h.another().listRuns({ experiment: 'customer-clv' })).map((r) => [r.id, r.status])).toEqual([[b.id, 'COMPLETE']]);
      expect(await h.tracker.listRuns({ experiment: 'no-such-experiment' })).toEqual([]);
      expect(await h.tracker.getRun('demand-forecast-nope')).toBeNull();
      expect(await h.tracker.getRun('../../etc/passwd')).toBeNull();
    });

    test('compareRuns puts params, metrics, data, code and steps side by side and flags differences', async () => {
      const r1 = await h.tracker.startRun(startInput({ params: { horizon: 28, method: 'croston' } }));
      await r1.logMetrics({ mase: 0.9 });
      await r1.logStepDuration('fit', 2);
      await r1.end();
      const r2 = await h.tracker.startRun(startInput({ params: { horizon: 28, method: 'tsb' }, dataSnapshot: { ...SNAPSHOT, rows: { ...SNAPSHOT.rows, orders: 1300 }, contentHash: 'sha256:beef' } }));
      await r2.logMetrics({ mase: 0.8, coverage_80: 0.81 });
      await r2.end();
      const cmp = await compareRuns(h.another(), [r1.id, r2.id]);
      expect(cmp.runs.map((r) => [r.id, r.status])).toEqual([
        [r1.id, 'COMPLETE'],
        [r2.id, 'COMPLETE'],
      ]);
      const row = (section: string, n: string) => cmp.rows.find((r) => r.section === section && r.name === n);
      expect(row('param', 'horizon')).toEqual({ section: 'param', name: 'horizon', values: [28, 28], differs: false });
      expect(row('param', 'method')).toEqual({ section: 'param', name: 'method', values: ['croston', 'tsb'], differs: true });
      expect(row('metric', 'mase')).toEqual({ section: 'metric', name: 'mase', values: [0.9, 0.8], differs: true });
      expect(row('metric', 'coverage_80')?.values).toEqual([null, 0.81]);
      expect(row('data', 'rows.orders')?.values).toEqual([1200, 1300]);
      expect(row('data', 'rows.order_lines')?.differs).toBe(false);
      expect(row('data', 'contentHash')?.values).toEqual(['sha256:0f3c', 'sha256:beef']);
      expect(row('code', 'gitCommit')?.differs).toBe(false);
      expect(row('step', 'fit')?.values).toEqual([2, null]);
      await rejectsWith(compareRuns(h.tracker, [r1.id, 'demand-forecast-missing', 'x']), 'NOT_FOUND', /no such run: demand-forecast-missing, x/);
    });

    test('trackRun ends a run COMPLETE or FAILED; timeStep records a duration even when the step throws', async () => {
      const ok = await trackRun(h.tracker, startInput(), async (run) => {
        await timeStep(run, 'fit', () => 42);
        await run.logMetrics({ mase: 0.7 });
        return 'model';
      });
      expect(ok.result).toBe('model');
      expect(ok.run.status).toBe('COMPLETE');
      expect(ok.run.stepSeconds['fit']).toBeGreaterThanOrEqual(0);
      let failedId = '';
      await expect(
        trackRun(h.tracker, startInput(), async (run) => {
          failedId = run.id;
          await timeStep(run, 'fit', () => {
            throw new Error('singular matrix');
          });
        }),
      ).rejects.toThrow('singular matrix');
      const failed = await h.tracker.getRun(failedId);
      expect(failed?.status).toBe('FAILED');
      expect(Object.keys(failed!.stepSeconds)).toEqual(['fit']);
    });

    test('concurrent logging from one handle loses nothing', async () => {
      const run = await h.tracker.startRun(startInput());
      await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? run.logStepDuration(`s${i}`, i) : run.logMetrics({ [`m${i}`]: i / 4 }))));
      const done = await run.end();
      expect(Object.keys(done.metrics).sort()).toEqual(['m1', 'm10', 'm11', 'm2', 'm4', 'm5', 'm7', 'm8']);
      expect(done.metrics['m10']).toBe(2.5);
      expect(done.stepSeconds).toEqual({ s0: 0, s3: 3, s6: 6, s9: 9 });
    });

    test('bad input is rejected with BAD_REQUEST naming the field', async () => {
      await rejectsWith(h.tracker.startRun(startInput({ experiment: 'Demand_Forecast' })), 'BAD_REQUEST', /^experiment:/);
      await rejectsWith(h.tracker.startRun(startInput({ experiment: 'abc' })), 'BAD_REQUEST', /^experiment:/);
      await rejectsWith(h.tracker.startRun(startInput({ name: 'Has Spaces' })), 'BAD_REQUEST', /^run name:/);
      await rejectsWith(h.tracker.startRun(startInput({ params: { lr: Number.POSITIVE_INFINITY } })), 'BAD_REQUEST', /^params\.lr:/);
      await rejectsWith(h.tracker.startRun(startInput({ codeVersion: { packageVersion: '0.1.0', gitCommit: 'main' } })), 'BAD_REQUEST', /^codeVersion\.gitCommit:/);
      await rejectsWith(h.tracker.startRun(startInput({ dataSnapshot: { rows: { orders: 1.5 }, contentHash: 'x' } })), 'BAD_REQUEST', /^dataSnapshot\.rows\.orders:/);
      expect(await h.tracker.listRuns()).toEqual([]);
      const run = await h.tracker.startRun(startInput());
      await rejectsWith(run.logMetrics({ mase: Number.NaN }), 'BAD_REQUEST', /^metrics\.mase:/);
      await rejectsWith(run.logMetrics({ mase: '0.8' as unknown as number }), 'BAD_REQUEST', /^metrics\.mase:/);
      await rejectsWith(run.logStepDuration('fit', -1), 'BAD_REQUEST', /^step fit:/);
      await rejectsWith(run.logArtifact({ name: 'model', key: 'models/not-written' }), 'BAD_REQUEST', /nothing stored under models\/not-written/);
      await rejectsWith(run.logArtifact({ name: 'model', key: '/abs' }), 'BAD_REQUEST', /not an artifact key/);
      await rejectsWith(run.logArtifact({ name: 'model', uri: 'relative/path' }), 'BAD_REQUEST', /is not a gs:\/\/, file:\/\/\/ or absolute-path uri/);
      await rejectsWith(run.logArtifact({ name: 'bad name!', key: 'models/x' }), 'BAD_REQUEST', /^artifact name:/);
      const done = await run.end();
      expect(done.metrics).toEqual({});
      expect(done.artifacts).toEqual([]);
    });
  });
}
