// Embedded Endpoints specifics: the journal survives a restart and a torn last line, concurrent writers never lose or
// duplicate a revision, another instance's change is seen on the next read, and the warm-up hook gates a deployment.
import { promises as fsp, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createJournalEndpoints, type JournalEndpointsOptions } from '../../functions/src/adapters/embedded/journal-endpoints';

const SHOP = 'journal-store.myshopify.com';
const KEY = { shop: SHOP, model: 'clv' };
const WHO = { actor: 'test', reason: 'journal test' };

function setup(extra: Partial<JournalEndpointsOptions> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-endpoints-'));
  const make = (more: Partial<JournalEndpointsOptions> = {}) => createJournalEndpoints({ dir: path.join(dir, 'endpoints'), ...extra, ...more });
  return { dir, make, journal: path.join(dir, 'endpoints', SHOP, 'clv.jsonl'), cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
}

test('state and rollout table survive a restart: a new instance folds the same journal (one line per change, mode 0600)', async () => {
  const s = setup();
  const a = s.make();
  await a.deploy({ ...KEY, ...WHO, version: 1 });
  await a.deploy({ ...KEY, ...WHO, version: 2 });
  await a.setSplit({ ...KEY, ...WHO, split: { champion: { version: 1, percent: 90 }, challenger: { version: 2, percent: 5 }, holdout: 5 } });
  await a.ramp({ ...KEY, ...WHO });
  const state = await a.getState(KEY);
  const history = await a.history(KEY);
  await a.close();
  const b = s.make();
  expect(await b.getState(KEY)).toEqual(state);
  expect(await b.history(KEY)).toEqual(history);
  const lines = (await fsp.readFile(s.journal, 'utf8')).split('\n').filter(Boolean);
  expect(lines).toHaveLength(4);
  expect(statSync(s.journal).mode & 0o777).toBe(0o600);
  await s.cleanup();
});

test('a torn last line (crash mid-append) is skipped; the next change applies after it', async () => {
  const s = setup();
  const a = s.make();
  await a.deploy({ ...KEY, ...WHO, version: 1 });
  await a.deploy({ ...KEY, ...WHO, version: 2 });
  const before = await a.getState(KEY);
  await fsp.appendFile(s.journal, '\n{"t":"change","id":"torn","record":{"revision":3,"action":"spl');
  const b = s.make();
  expect(await b.getState(KEY)).toEqual(before);
  const after = await b.setSplit({ ...KEY, ...WHO, split: { champion: { version: 1, percent: 50 }, challenger: { version: 2, percent: 50 } } });
  expect(after.revision).toBe(3);
  expect((await s.make().history(KEY)).map((r) => r.revision)).toEqual([1, 2, 3]);
  await s.cleanup();
});

test('concurrent writers on one journal: every change lands once, revisions are 1..n without gaps or duplicates', async () => {
  const s = setup();
  const writers = [s.make(), s.make(), s.make()];
  await writers[0]!.deploy({ ...KEY, ...WHO, version: 1 });
  await writers[1]!.deploy({ ...KEY, ...WHO, version: 2 });
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      writers[i % 3]!.setSplit({ ...KEY, actor: `writer-${i % 3}`, reason: `step ${i}`, split: { champion: { version: 1, percent: 99 - i }, challenger: { version: 2, percent: 1 + i } } }),
    ),
  );
  const history = await s.make().history(KEY);
  expect(history.map((r) => r.revision)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  expect(new Set(history.filter((r) => r.action === 'split').map((r) => r.after!.challenger!.percent)).size).toBe(30);
  // Each writer's answer is the state right after its own change, and the records chain: each one's before is the previous one's after.
  for (const r of results) expect(history[r.revision - 1]!.after).toEqual(r.split);
  for (let i = 1; i < history.length; i++) expect(history[i]!.before).toEqual(history[i - 1]!.after);
  await s.cleanup();
});

test('an instance that has read (and cached) the endpoint sees another instance’s change on its next read', async () => {
  const s = setup();
  const route = s.make();
  const cli = s.make();
  await cli.deploy({ ...KEY, ...WHO, version: 1 });
  expect((await route.getState(KEY)).split!.champion.version).toBe(1);
  await cli.swap({ ...KEY, ...WHO, version: 2 });
  expect((await route.getState(KEY)).split!.champion.version).toBe(2);
  await cli.switchBack({ ...KEY, ...WHO });
  expect((await route.getState(KEY)).split!.champion.version).toBe(1);
  await s.cleanup();
});

test('deploy warms the version first; a failing warm-up refuses the deployment and records nothing', async () => {
  const warmed: string[] = [];
  const s = setup({
    warm: async (t) => {
      if (t.version === 3) throw new Error('model files missing');
      warmed.push(`${t.shop}/${t.model}@${t.version}`);
    },
  });
  const e = s.make();
  await e.deploy({ ...KEY, ...WHO, version: 1 });
  await e.deploy({ ...KEY, ...WHO, version: 1 });
  expect(warmed).toEqual([`${SHOP}/clv@1`]);
  await expect(e.deploy({ ...KEY, ...WHO, version: 3 })).rejects.toThrow(/model files missing/);
  expect((await e.getState(KEY)).deployed.map((d) => d.version)).toEqual([1]);
  expect(await e.history(KEY)).toHaveLength(1);
  await s.cleanup();
});
