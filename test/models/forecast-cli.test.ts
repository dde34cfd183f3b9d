// `shop-mlops forecast` as users run it: the real CLI on a small long-layout CSV, its output file, JSON, table and errors.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/process';
import { tempDir } from '../helpers/runtime';
import { Prng } from '../../functions/src/simulator/prng';

/** Three variants over 120 days from 2024-01-01: a steady seller, an intermittent one with a stock-out, one without rows some days. */
function fixture(): string {
  const rng = new Prng('forecast-cli');
  const rows = ['unique_id,ds,y,in_stock,revenue'];
  for (let t = 0; t < 120; t++) {
    const ds = new Date(Date.UTC(2024, 0, 1 + t)).toISOString().slice(0, 10);
    rows.push(`MUG,${ds},${5 + rng.poisson(6)},true,1.0`);
    rows.push(`LAMP,${ds},${t >= 100 && t < 110 ? 0 : rng.chance(0.3) ? 1 + rng.poisson(1) : 0},${t >= 100 && t < 110 ? 'false' : 'true'},2.0`);
    if (t % 3 !== 0) rows.push(`"VASE, tall",${ds},${rng.poisson(2)},,3.0`); // from day 1, no row on every third day: 39 days of 0
  }
  return rows.join('\n') + '\n';
}

function readOut(file: string): { header: string; rows: Record<string, string>[] } {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  return { header: header!, rows: lines.map((l) => Object.fromEntries(l.replace('"VASE, tall"', 'VASE tall').split(',').map((v, i) => [cols[i], v]))) };
}

test('--json: models, reorder points and timings on stdout; OUT has yhat, model and lo/hi per level for each day', async () => {
  const dir = tempDir();
  const csv = path.join(dir, 'demand.csv');
  const out = path.join(dir, 'forecast.csv');
  writeFileSync(csv, fixture());
  const r = await runCli(['forecast', '--json', '--csv', csv, '--horizon', '14', '--level', '95,80', '--lead-time', '5', '--service-level', '0.9', '--out', out]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as {
    rows: number; lastDate: string; zeroFilledDays: number; censoredDays: number; levels: number[]; models: Record<string, number>;
    series: { unique_id: string; model: string; reorderPoint: number; safetyStock: number; expectedLeadTimeDemand: number }[];
    timings: { totalSeconds: number; forecastSeconds: number };
  };
  expect(report).toMatchObject({ rows: 320, lastDate: '2024-04-29', zeroFilledDays: 39, censoredDays: 10, levels: [80, 95] });
  expect(Object.values(report.models).reduce((s, v) => s + v, 0)).toBe(3);
  expect(report.series.map((s) => s.unique_id)).toEqual(['MUG', 'LAMP', 'VASE, tall']);
  for (const s of report.series) {
    expect(s.reorderPoint).toBeGreaterThanOrEqual(0);
    expect(s.safetyStock).toBeCloseTo(s.reorderPoint - s.expectedLeadTimeDemand, 9);
  }
  const mug = report.series[0]!;
  expect(mug.expectedLeadTimeDemand).toBeGreaterThan(5 * 8);
  expect(mug.expectedLeadTimeDemand).toBeLessThan(5 * 14);
  expect(report.timings.totalSeconds).toBeGreaterThan(0);

  const { header, rows } = readOut(out);
  expect(header).toBe('unique_id,ds,yhat,model,lo_80,hi_80,lo_95,hi_95');
  expect(rows).toHaveLength(3 * 14);
  expect(rows[0]).toMatchObject({ unique_id: 'MUG', ds: '2024-04-30', model: mug.model });
  expect(rows[13]!.ds).toBe('2024-05-13');
  expect(rows[28]!.unique_id).toBe('VASE tall');
  for (const row of rows) {
    const [yhat, lo80, hi80, lo95, hi95] = ['yhat', 'lo_80', 'hi_80', 'lo_95', 'hi_95'].map((c) => Number(row[c]));
    expect(lo95).toBeGreaterThanOrEqual(0);
    expect(lo95).toBeLessThanOrEqual(lo80!);
    expect(lo80).toBeLessThanOrEqual(hi80!);
    expect(hi80).toBeLessThanOrEqual(hi95!);
    expect(yhat).toBeGreaterThanOrEqual(0);
  }
  const mugMean = rows.slice(0, 14).reduce((s, row) => s + Number(row['yhat']), 0) / 14;
  expect(mugMean).toBeGreaterThan(9);
  expect(mugMean).toBeLessThan(13);
}, 60_000);

test('without --json: a readable table on stdout and progress on stderr', async () => {
  const dir = tempDir();
  const csv = path.join(dir, 'demand.csv');
  writeFileSync(csv, fixture());
  const r = await runCli(['forecast', '--csv', csv, '--horizon', '7', '--out', path.join(dir, 'out.csv')]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/unique_id\s+class\s+model\s+mean\/day\s+7-day demand\s+reorder point\s+safety stock/);
  expect(r.stdout).toMatch(/^MUG\s+smooth\s+\w+/m);
  expect(r.stdout).toMatch(/reorder point = the 0\.95 quantile of demand over a 7-day lead time/);
  expect(r.stderr).toMatch(/forecast: read .*320 rows, 3 series up to 2024-04-29, 39 missing days filled with 0, 10 censored days/);
  expect(r.stderr).toMatch(/forecast: 3\/3 series/);
  expect(readOut(path.join(dir, 'out.csv')).header).toBe('unique_id,ds,yhat,model,lo_80,hi_80,lo_95,hi_95');
}, 60_000);

test('a bad file or bad flags: BAD_REQUEST naming the line or the flag, exit code 1', async () => {
  const dir = tempDir();
  const bad = path.join(dir, 'bad.csv');
  writeFileSync(bad, 'unique_id,ds,y\nA,2024-01-01,3\nA,2024-01-02,-2\n');
  const r = await runCli(['forecast', '--csv', bad, '--horizon', '7', '--out', path.join(dir, 'o.csv')]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/error: .*bad\.csv line 3: y -2 is negative/);
  const j = await runCli(['forecast', '--json', '--csv', bad, '--horizon', '7', '--out', path.join(dir, 'o.csv')]);
  expect(j.code).toBe(1);
  expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: 'BAD_REQUEST', details: { line: 3, field: 'y' } } });
  const flags = await runCli(['forecast', '--csv', bad, '--horizon', '0', '--level', '80,120', '--out', path.join(dir, 'o.csv')]);
  expect(flags.code).toBe(1);
  expect(flags.stderr).toMatch(/--horizon must be ≥ 1/);
  expect(flags.stderr).toMatch(/--level values must be in \(0, 100\)/);
}, 60_000);
