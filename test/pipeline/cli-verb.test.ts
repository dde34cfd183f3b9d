// The `pipeline` verb module: run (JSON report, artifacts under the data dir), compile (same spec as the compiler), parameter flags typed by the pipeline.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CliContext } from '../../functions/src/cli/context';
import { loadConfig } from '../../functions/src/core/config';
import { compilePipeline, type RunReport } from '../../functions/src/pipeline';
import { cliParams, run } from '../../functions/src/cli/verbs/pipeline';
import { expectedResults, makeOrders, orderStats, writeOrdersDb } from './support/order-stats';

const MODULE = path.join(__dirname, 'support/order-stats.ts');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pipeline-verb-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function context(json: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = { config: loadConfig({ SHOP_MLOPS_DATA_DIR: path.join(dir, 'data') }), json, out: (s) => void out.push(s), err: (s) => void err.push(s) };
  return { ctx, out, err };
}

test('run --json prints the report; artifacts land under <data dir>/artifacts', async () => {
  const rows = makeOrders(3, 50);
  const db = path.join(dir, 'orders.duckdb');
  await writeOrdersDb(db, rows);
  const c = context(true);
  const code = await run(['run', 'order-stats', '--module', MODULE, '--param', `db_path=${db}`, '--param', `registry_dir=${path.join(dir, 'reg')}`, '--param', 'holdout_days=10', '--run-id', 'cli-1'], c.ctx);
  expect(code).toBe(0);
  expect(c.err).toEqual([]);
  const report = JSON.parse(c.out[0]!) as RunReport;
  expect(report.params['holdout_days']).toBe(10);
  expect(report.steps.find((s) => s.name === 'evaluate')!.outputs['best_mae']).toBeCloseTo(expectedResults(rows, 10).bestMae, 12);
  expect(existsSync(path.join(dir, 'data/artifacts/pipeline-runs/order-stats/cli-1/extract/dataset'))).toBe(true);
}, 60_000);

test('compile --out writes the spec the compiler makes, with --env in every container', async () => {
  const out = path.join(dir, 'spec.json');
  const c = context(false);
  expect(await run(['compile', 'order-stats', '--module', MODULE, '--image', 'img:abc', '--env', 'SHOP_MLOPS_MODE=gcp', '--out', out], c.ctx)).toBe(0);
  expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(JSON.stringify(compilePipeline(orderStats, { image: 'img:abc', module: MODULE, env: { SHOP_MLOPS_MODE: 'gcp' } }))));
  expect(c.err[0]).toBe(`wrote ${out} (7 root tasks, 7 executors)`);
});

test('parameter flags are typed by the pipeline; usage errors are clear', async () => {
  expect(cliParams(orderStats, ['holdout_days=7', 'db_path=a=b'])).toEqual({ holdout_days: 7, db_path: 'a=b' });
  expect(() => cliParams(orderStats, ['holdout_days=x'])).toThrow("--param holdout_days must be an integer, got number NaN");
  expect(() => cliParams(orderStats, ['nope=1'])).toThrow("pipeline 'order-stats' has no parameter 'nope'");
  expect(() => cliParams(orderStats, ['novalue'])).toThrow('--param takes KEY=VALUE, got "novalue"');
  const c = context(false);
  expect(await run(['frobnicate'], c.ctx)).toBe(2);
  expect(c.err[0]).toContain('usage: shop-mlops pipeline list');
  await expect(run(['compile', 'order-stats', '--module', MODULE], c.ctx)).rejects.toThrow('pipeline compile needs --image');
  await expect(run(['run', 'nonexistent'], c.ctx)).rejects.toThrow("no pipeline named 'nonexistent'; registered: training (or pass --module FILE)");
});
