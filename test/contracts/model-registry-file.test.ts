// Embedded model registry specifics: several processes writing one journal, torn tails after a crash, the on-disk format.
import { spawn } from 'node:child_process';
import { promises as fsp, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileModelRegistry } from '../../functions/src/adapters/embedded/file-model-registry';

const ROOT = path.resolve(__dirname, '../..');
const RUN = (n: number) => `demand-forecast-20260102-030405-${String(n).padStart(4, '0')}`;

async function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-registry-'));
  const artifacts = createFileArtifactStore(path.join(dir, 'artifacts'));
  const registry = createFileModelRegistry({ dir: path.join(dir, 'registry'), artifacts });
  const register = async (n: number, aliases?: string[]) => {
    await artifacts.put(`models/forecast/${RUN(n)}/model.json`, `{"n":${n}}`);
    return registry.registerVersion({ model: 'forecast', runId: RUN(n), artifactKey: `models/forecast/${RUN(n)}`, metrics: { mase: n / 10 }, ...(aliases ? { aliases } : {}) });
  };
  return { dir, artifacts, registry, register, journal: path.join(dir, 'registry', 'forecast.jsonl') };
}

/**
 * A separate Node process (TypeScript through tsx, as the CLI runs): loads the registry, says "ready", waits for "go" on
 * stdin (so all children start writing together), registers one version and moves the alias through `moves`.
 */
function child(dir: string, n: number, moves: number[]): { ready: Promise<void>; go(): void; done: Promise<{ code: number; out: string }> } {
  const script = `
    require('tsx/cjs');
    const path = require('node:path');
    const { createFileArtifactStore } = require(${JSON.stringify(path.join(ROOT, 'functions/src/adapters/embedded/file-artifact-store.ts'))});
    const { createFileModelRegistry } = require(${JSON.stringify(path.join(ROOT, 'functions/src/adapters/embedded/file-model-registry.ts'))});
    (async () => {
      const artifacts = createFileArtifactStore(path.join(${JSON.stringify(dir)}, 'artifacts'));
      const registry = createFileModelRegistry({ dir: path.join(${JSON.stringify(dir)}, 'registry'), artifacts });
      const key = 'models/forecast/${RUN(n)}';
      await artifacts.put(key + '/model.json', '{}');
      process.stdout.write('ready\\n');
      await new Promise((resolve) => process.stdin.once('data', resolve));
      const v = await registry.registerVersion({ model: 'forecast', runId: '${RUN(n)}', artifactKey: key });
      for (const m of ${JSON.stringify(moves)}) await registry.setAlias('forecast', 'champion', m);
      process.stdout.write('version=' + v.version);
      process.stdin.destroy();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const p = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  p.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready')) signalReady();
  });
  p.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number; out: string }>((resolve) => p.on('close', (code) => resolve({ code: code ?? -1, out })));
  void done.then(signalReady);
  return { ready, go: () => p.stdin.write('go\n'), done };
}

test('three processes registering and moving the alias at once: distinct versions, the alias never on two or zero versions', async () => {
  const s = await setup();
  for (let n = 1; n <= 3; n++) await s.register(n, n === 1 ? ['champion'] : undefined);
  const moves = (k: number) => Array.from({ length: 30 }, (_, i) => 1 + ((i * 7 + k) % 3));
  let running = true;
  const observed: number[][] = [];
  const reader = (async () => {
    const other = createFileModelRegistry({ dir: path.join(s.dir, 'registry'), artifacts: s.artifacts });
    while (running) {
      const all = await other.listVersions('forecast');
      observed.push(all.filter((v) => v.aliases.includes('champion')).map((v) => v.version));
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const children = [4, 5, 6].map((n, k) => child(s.dir, n, moves(k)));
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  const results = await Promise.all(children.map((c) => c.done));
  running = false;
  await reader;
  for (const r of results) expect(r.code).toBe(0);
  expect(results.map((r) => Number(/version=(\d+)/.exec(r.out)?.[1])).sort()).toEqual([4, 5, 6]);
  const all = await s.registry.listVersions('forecast');
  expect(all.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
  // Each process's registration kept its own run id under the number it was told.
  for (const v of all.slice(3)) expect(v.runId).toMatch(/^demand-forecast-20260102-030405-000[456]$/);
  expect(observed.length).toBeGreaterThan(5);
  for (const o of observed) expect(o).toHaveLength(1);
  expect(all.filter((v) => v.aliases.includes('champion'))).toHaveLength(1);
  // 6 registrations + 90 moves, each one whole record; the children's writes interleaved (no registration was followed by
  // its own 30 moves before the next child registered), so the processes really wrote at the same time.
  const lines = (await fsp.readFile(s.journal, 'utf8')).split('\n').filter(Boolean);
  expect(lines).toHaveLength(6 + 90);
  const kinds = lines.map((l) => (JSON.parse(l) as { t: string }).t);
  const childRegistrations = kinds.map((t, i) => (t === 'register' ? i : -1)).filter((i) => i >= 3);
  expect(childRegistrations[2]! - childRegistrations[0]!).toBeLessThan(60);
  await fsp.rm(s.dir, { recursive: true, force: true });
}, 60_000);

test('a record torn by a crash is skipped, numbering stays stable and later writes land whole', async () => {
  const s = await setup();
  await s.register(1, ['champion']);
  await s.register(2);
  // A crash in the middle of writing a third registration: a prefix of its record reached the disk.
  const torn = JSON.stringify({ t: 'register', id: 'x', runId: RUN(3), artifactUri: '/a', metrics: {}, params: {}, aliases: ['champion'], description: '', at: '2026-01-01T00:00:00.000Z' });
  await fsp.appendFile(s.journal, '\n' + torn.slice(0, 57));
  expect((await s.registry.listVersions('forecast')).map((v) => [v.version, v.aliases])).toEqual([
    [1, ['champion']],
    [2, []],
  ]);
  const v3 = await s.register(4);
  expect(v3.version).toBe(3);
  await s.registry.setAlias('forecast', 'champion', 3);
  const all = await s.registry.listVersions('forecast');
  expect(all.map((v) => [v.version, v.runId, v.aliases])).toEqual([
    [1, RUN(1), []],
    [2, RUN(2), []],
    [3, RUN(4), ['champion']],
  ]);
  await fsp.rm(s.dir, { recursive: true, force: true });
});

test('the journal is owner-only, one JSON record per line, and survives a new registry instance', async () => {
  const s = await setup();
  await s.register(1, ['challenger']);
  await s.registry.setAlias('forecast', 'champion', 1);
  expect((await fsp.stat(s.journal)).mode & 0o077).toBe(0);
  const records = (await fsp.readFile(s.journal, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { t: string });
  expect(records.map((r) => r.t)).toEqual(['register', 'alias']);
  expect(records[0]).toMatchObject({ runId: RUN(1), artifactUri: s.artifacts.uri(`models/forecast/${RUN(1)}`), metrics: { mase: 0.1 }, aliases: ['challenger'] });
  const fresh = createFileModelRegistry({ dir: path.join(s.dir, 'registry'), artifacts: s.artifacts });
  expect((await fresh.getVersion('forecast', 'champion'))?.aliases).toEqual(['challenger', 'champion']);
  await fsp.rm(s.dir, { recursive: true, force: true });
});
