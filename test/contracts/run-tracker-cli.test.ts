// `shop-mlops runs`: list, show one, compare several (table and --json) over runs the embedded tracker recorded; port helpers.
import { promises as fsp, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { detectCodeVersion } from '../../functions/src/adapters/embedded/code-version';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileRunTracker } from '../../functions/src/adapters/embedded/file-run-tracker';
import type { CliContext } from '../../functions/src/cli/context';
import { fmt, run as runsVerb, runsDir } from '../../functions/src/cli/verbs/runs';
import { loadConfig } from '../../functions/src/core/config';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { canonicalJson, snapshotHasher, type RunComparison, type RunRecord } from '../../functions/src/ports/run-tracker';
import { runCli } from '../helpers/process';
import { startInput, testDeps } from './run-tracker.contract';

let dataDir: string;
let ids: string[];
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-runs-cli-'));
  const artifacts = createFileArtifactStore(path.join(dataDir, 'artifacts'));
  const tracker = createFileRunTracker({ dir: runsDir(dataDir), artifacts, ...testDeps() });
  const a = await tracker.startRun(startInput({ params: { horizon: 28, method: 'croston' } }));
  await a.logMetrics({ mase: 0.912345678, coverage_80: 0.8 });
  await a.logStepDuration('fit', 3.5);
  await artifacts.put(`models/forecast/${a.id}/model.json`, '{}');
  await a.logArtifact({ name: 'model', key: `models/forecast/${a.id}` });
  await a.end();
  const b = await tracker.startRun(startInput({ params: { horizon: 28, method: 'tsb' } }));
  await b.logMetrics({ mase: 0.85, coverage_80: 0.8 });
  await b.end('FAILED');
  const c = await tracker.startRun(startInput({ experiment: 'customer-clv', params: { penalizer: 0.001 } }));
  ids = [a.id, b.id, c.id];
});
afterAll(() => fsp.rm(dataDir, { recursive: true, force: true }));

function cli(json = false): CliContext & { stdout: string[] } {
  const stdout: string[] = [];
  return { config: loadConfig({}, { dataDir }), json, out: (s) => stdout.push(s), err: (s) => stdout.push(`ERR ${s}`), stdout };
}

test('no ids lists the runs newest first; --json prints one array; --experiment filters', async () => {
  const j = cli(true);
  expect(await runsVerb([], j)).toBe(0);
  expect(j.stdout).toHaveLength(1);
  const runs = JSON.parse(j.stdout[0]!) as RunRecord[];
  expect(runs.map((r) => r.id)).toEqual([ids[2], ids[1], ids[0]]);
  const t = cli();
  expect(await runsVerb(['--experiment', 'demand-forecast'], t)).toBe(0);
  const lines = t.stdout[0]!.split('\n');
  expect(lines[0]).toMatch(/^run\s+status\s+started\s+seconds\s+rows\s+data\s+commit\s+metrics$/);
  expect(lines[2]).toMatch(new RegExp(`^${ids[1]}\\s+FAILED\\s+2026-01-02 03:04:0\\d\\s+1\\s+4656\\s+0f3c\\s+01234567\\s+mase=0.85 coverage_80=0.8$`));
  expect(lines[3]).toMatch(new RegExp(`^${ids[0]}\\s+COMPLETE\\s+.*mase=0.912346 coverage_80=0.8$`));
  expect(lines.at(-1)).toBe('(2 runs)');
});

test('one id shows everything recorded for the run', async () => {
  const t = cli();
  expect(await runsVerb([ids[0]!], t)).toBe(0);
  const text = t.stdout[0]!;
  for (const re of [/^status\s+COMPLETE$/m, /^param method\s+croston$/m, /^metric mase\s+0\.912346$/m, /^data rows\.orders\s+1200$/m, /^data contentHash\s+sha256:0f3c$/m, /^code gitCommit\s+0123456789abcdef0123456789abcdef01234567$/m, /^step fit \(s\)\s+3\.5$/m]) {
    expect(text).toMatch(re);
  }
  expect(text).toMatch(new RegExp(`^artifact model\\s+${path.join(dataDir, 'artifacts', 'models', 'forecast').replace(/[/.]/g, '\\$&')}`, 'm'));
  const j = cli(true);
  await runsVerb([ids[0]!], j);
  expect((JSON.parse(j.stdout[0]!) as RunRecord).metrics).toEqual({ mase: 0.912345678, coverage_80: 0.8 });
});

test('two or more ids compare side by side; * marks the rows that differ', async () => {
  const t = cli();
  expect(await runsVerb([ids[0]!, ids[1]!], t)).toBe(0);
  const lines = t.stdout[0]!.split('\n');
  expect(lines[0]).toMatch(new RegExp(`^\\s+field\\s+${ids[0]}\\s+${ids[1]}$`));
  expect(lines).toContainEqual(expect.stringMatching(/^\*\s+param method\s+croston\s+tsb$/));
  expect(lines).toContainEqual(expect.stringMatching(/^\s+param horizon\s+28\s+28$/));
  expect(lines).toContainEqual(expect.stringMatching(/^\*\s+metric mase\s+0\.912346\s+0\.85$/));
  expect(lines).toContainEqual(expect.stringMatching(/^\s+metric coverage_80\s+0\.8\s+0\.8$/));
  expect(lines).toContainEqual(expect.stringMatching(/^\*\s+step fit\s+3\.5$/));
  expect(lines).toContainEqual(expect.stringMatching(/^\s+status\s+COMPLETE\s+FAILED$/));
  const j = cli(true);
  await runsVerb(ids, j);
  const cmp = JSON.parse(j.stdout[0]!) as RunComparison;
  expect(cmp.runs.map((r) => r.id)).toEqual(ids);
  expect(cmp.rows.find((r) => r.name === 'penalizer')).toEqual({ section: 'param', name: 'penalizer', values: [null, null, 0.001], differs: true });
});

test('unknown ids are NOT_FOUND naming them; bad flags are BAD_REQUEST with the usage', async () => {
  await expect(runsVerb(['demand-forecast-nope'], cli())).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no such run: demand-forecast-nope' });
  await expect(runsVerb([ids[0]!, 'demand-forecast-nope'], cli())).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no such run: demand-forecast-nope' });
  await expect(runsVerb(['--experiment', 'X'], cli())).rejects.toThrow(/--experiment must be an experiment name[\s\S]*usage: shop-mlops runs/);
  await expect(runsVerb(['--bogus'], cli())).rejects.toBeInstanceOf(ShopMlopsError);
  await expect(runsVerb([ids[0]!, ids[0]!], cli())).rejects.toThrow(/given twice/);
  const empty = cli();
  empty.config = loadConfig({}, { dataDir: path.join(dataDir, 'nothing-here') });
  expect(await runsVerb([], empty)).toBe(0);
  expect(empty.stdout).toEqual(['no runs yet: training records them']);
});

test('npx shop-mlops runs --json works end to end as a separate process', async () => {
  const r = await runCli(['runs', '--json', '--data-dir', dataDir, ids[0]!, ids[2]!]);
  expect(r.code).toBe(0);
  expect((JSON.parse(r.stdout) as RunComparison).runs.map((x) => x.status)).toEqual(['COMPLETE', 'RUNNING']);
  const missing = await runCli(['runs', '--json', '--data-dir', dataDir, 'demand-forecast-nope']);
  expect(missing.code).toBe(1);
  expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'NOT_FOUND', message: 'no such run: demand-forecast-nope' } });
}, 30_000);

test('snapshotHasher: row counts per table, and a hash that ignores row order but sees any changed row', () => {
  const rows = [
    { id: 820982911946154508n, qty: 2, at: new Date('2026-01-01T00:00:00Z') },
    { id: 2n, qty: 1, at: new Date('2026-01-02T00:00:00Z') },
  ];
  const h1 = snapshotHasher('duckdb:test');
  h1.addRows('orders', rows);
  h1.addRows('empty', []);
  const h2 = snapshotHasher('duckdb:test');
  h2.addRows('orders', [...rows].reverse().map((r) => ({ qty: r.qty, at: r.at, id: r.id })));
  h2.addRows('empty', []);
  const s1 = h1.result();
  expect(s1.rows).toEqual({ empty: 0, orders: 2 });
  expect(s1.source).toBe('duckdb:test');
  expect(s1.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(h2.result().contentHash).toBe(s1.contentHash);
  const h3 = snapshotHasher();
  h3.addRows('orders', [rows[0], { ...rows[1], qty: 3 }]);
  h3.addRows('empty', []);
  expect(h3.result().contentHash).not.toBe(s1.contentHash);
  // 64-bit ids stay exact in the canonical form.
  expect(canonicalJson({ b: 820982911946154508n, a: [1, null] })).toBe('{"a":[1,null],"b":"820982911946154508"}');
  expect(fmt(0.912345678)).toBe('0.912346');
  expect(fmt(1200)).toBe('1200');
  expect(fmt(null)).toBe('');
});

test('detectCodeVersion: the env override wins; otherwise the checkout HEAD and package version', async () => {
  expect(await detectCodeVersion({ env: { SHOP_MLOPS_GIT_COMMIT: 'ABCDEF1234567' } })).toMatchObject({ gitCommit: 'abcdef1234567', packageVersion: '0.1.0' });
  const here = await detectCodeVersion({ env: {}, cwd: path.resolve(__dirname, '../..') });
  expect(here.packageVersion).toBe('0.1.0');
  expect(here.gitCommit).toMatch(/^[0-9a-f]{40}$/);
  const outside = await detectCodeVersion({ env: {}, cwd: tmpdir() });
  expect(outside.gitCommit).toBeNull();
});
