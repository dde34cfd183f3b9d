// FlowActionRuns contract on both adapters: the data directory's journal and Cloud Storage (the real client against an in-process JSON API server): one claim per action_run_id even when racing, outcomes once, pending runs, reopening.
import { rmSync } from 'node:fs';
import { Storage } from '@google-cloud/storage';
import { openJournalFlowActionRuns } from '../../functions/src/adapters/embedded/journal-flow-action-runs';
import { createGcsFlowActionRuns } from '../../functions/src/adapters/gcp/gcs-flow-action-runs';
import type { FlowActionRun, FlowActionRuns } from '../../functions/src/ports/flow-action-runs';
import { startFakeGcs, type FakeGcs } from '../gcp/support/fake-gcs';
import { tempDir } from '../helpers/runtime';

const run = (id: string, at = '2026-05-10T00:00:00.000Z'): FlowActionRun => ({ action_run_id: id, shop: 'flow.myshopify.com', handle: 'retrain-models', models: ['clv'], reason: `why ${id}`, received_at: at });
const outcome = (requestId: string) => ({ status: 'requested' as const, request_id: requestId, error: null, finished_at: '2026-05-10T00:00:01.000Z' });

let fake: FakeGcs;
const dirs: string[] = [];
beforeAll(async () => {
  fake = await startFakeGcs();
});
afterAll(async () => {
  await fake.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const adapters: [string, () => Promise<{ open: () => Promise<FlowActionRuns> }>][] = [
  ['journal', async () => {
    const dir = tempDir();
    dirs.push(dir);
    return { open: () => openJournalFlowActionRuns(dir) };
  }],
  ['gcs', async () => {
    const bucket = `b-${Math.random().toString(36).slice(2)}`;
    return { open: async () => createGcsFlowActionRuns({ storage: new Storage({ projectId: 'p', apiEndpoint: fake.endpoint }), bucket }) };
  }],
];

describe.each(adapters)('%s', (_name, make) => {
  test('one claim per action_run_id, also when 10 race; the others see a duplicate', async () => {
    const runs = await (await make()).open();
    const won = await Promise.all(Array.from({ length: 10 }, (_, i) => runs.claim({ ...run('r-1'), reason: `racer ${i}` })));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await runs.claim(run('r-1'))).toBe(false);
    expect(await runs.claim(run('r-2'))).toBe(true);
    expect((await runs.get('r-1'))?.run.action_run_id).toBe('r-1');
    expect(await runs.get('nope')).toBeNull();
  });

  test('pending = claimed without an outcome, oldest first; the first outcome stays; a reopened store knows all of it', async () => {
    const store = await make();
    const runs = await store.open();
    await runs.claim(run('a', '2026-05-10T00:00:02.000Z'));
    await runs.claim(run('b', '2026-05-10T00:00:01.000Z'));
    await runs.claim(run('c', '2026-05-10T00:00:03.000Z'));
    await runs.complete('a', outcome('req-a'));
    await runs.complete('a', { ...outcome('req-other'), status: 'failed', error: 'late' });
    const ids = async (r: FlowActionRuns) => (await r.pending()).map((x) => x.action_run_id).sort();
    expect(await ids(runs)).toEqual(['b', 'c']);
    expect((await runs.get('a'))?.outcome).toEqual(outcome('req-a'));
    const again = await store.open();
    expect(await ids(again)).toEqual(['b', 'c']);
    expect(await again.claim(run('a'))).toBe(false);
    expect((await again.get('a'))?.outcome?.request_id).toBe('req-a');
  });

  test('a run that does not match the schema is refused before anything is written', async () => {
    const runs = await (await make()).open();
    await expect(runs.claim({ ...run('x'), shop: "x' OR 1=1" })).rejects.toThrow();
    expect(await runs.claim(run('x'))).toBe(true);
  });
});
