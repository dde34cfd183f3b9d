// `shop-mlops clv` as users run it: the real CLI on CDNOW transactions and summaries, and on broken files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/process';
import { testNeedingShared } from '../helpers/shared';

const CDNOW = path.resolve(__dirname, '../../../shared/data/cdnow');
const maybe = testNeedingShared(path.join(CDNOW, 'CDNOW_sample.txt'), 'the clv CLI on CDNOW');

const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-mlops-clv-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** CDNOW_sample as `customer_id,date,amount` (derived here; the data stays in the shared folder). */
function cdnowTransactions(): string {
  const lines = ['customer_id,date,amount'];
  for (const raw of readFileSync(path.join(CDNOW, 'CDNOW_sample.txt'), 'utf8').split('\n')) {
    const f = raw.trim().split(/\s+/);
    if (f.length !== 5) continue;
    const ymd = f[2]!;
    lines.push(`${Number(f[1])},${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)},${f[4]}`);
  }
  return lines.join('\n') + '\n';
}

function readCsv(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

interface JsonReport {
  status: string;
  bgnbd: { r: number; alpha: number; a: number; b: number; loglik: number; ci: Record<string, [number, number]> | null };
  gammagamma: { p: number; q: number; gamma: number; ci: Record<string, [number, number]> | null } | null;
}

maybe('transactions in weeks up to 1997-09-30: one JSON object with the published fit, and a per-customer CSV', async () => {
  const csv = path.join(dir, 'cdnow.csv');
  const out = path.join(dir, 'scores.csv');
  writeFileSync(csv, cdnowTransactions());
  const r = await runCli(['clv', '--json', '--csv', csv, '--unit', 'week', '--as-of', '1997-09-30', '--horizon', '39', '--out', out, '--draws', '50']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const j = JSON.parse(lines[0]!) as JsonReport;
  expect(j.status).toBe('ok');
  expect(Object.keys(j).slice(0, 3)).toEqual(['status', 'bgnbd', 'gammagamma']);
  expect(j.bgnbd.r).toBeCloseTo(0.2426, 3);
  expect(j.bgnbd.alpha).toBeCloseTo(4.4136, 2);
  expect(Math.abs(j.bgnbd.loglik - -9582.43)).toBeLessThan(0.05);
  expect(j.bgnbd.ci!['a']![0]).toBeLessThan(j.bgnbd.a);
  expect(j.bgnbd.ci!['a']![1]).toBeGreaterThan(j.bgnbd.a);
  expect(Math.abs(j.gammagamma!.p - 6.25)).toBeLessThan(0.02);
  expect(Object.keys(j.gammagamma!.ci!)).toEqual(['p', 'q', 'gamma']);

  const rows = readCsv(out);
  expect(rows).toHaveLength(2357);
  expect(Object.keys(rows[0]!)).toEqual(['customer_id', 'frequency', 'recency', 'T', 'monetary', 'expected_purchases', 'expected_purchases_low', 'expected_purchases_high', 'p_alive', 'p_purchase', 'expected_order_value', 'next_order_in', 'next_order_date', 'clv', 'clv_low', 'clv_high']);
  const one = rows.find((x) => x['customer_id'] === '1')!; // x = 2, t_x = 30.43, T = 38.86
  expect(Number(one['expected_purchases'])).toBeCloseTo(1.226, 2);
  expect(Number(one['clv_low'])).toBeLessThan(Number(one['clv']));
  expect(Number(one['clv_high'])).toBeGreaterThan(Number(one['clv']));
  expect(one['next_order_date']).toMatch(/^1998-\d\d-\d\d$/);
}, 120_000);

maybe('a lifetimes summary file (ID,frequency,recency,T) prints a readable table; gammagamma is null without values', async () => {
  const human = await runCli(['clv', '--summary', '--unit', 'week', '--horizon', '39', '--draws', '20', '--csv', path.join(CDNOW, 'cdnow_customers_summary.csv')]);
  expect(human.code).toBe(0);
  expect(human.stdout).toMatch(/^status: ok/);
  expect(human.stdout).toMatch(/^r\s+0\.24259\s+0\.219\d*\s+0\.268\d*/m);
  expect(human.stdout).not.toMatch(/Gamma-Gamma/);
  expect(human.stderr).toMatch(/clv: fitted BG\/NBD on 2357 customers/);
  const json = await runCli(['clv', '--json', '--summary', '--unit', 'week', '--csv', path.join(CDNOW, 'cdnow_customers_summary.csv')]);
  expect(JSON.parse(json.stdout)).toMatchObject({ status: 'ok', gammagamma: null });
}, 120_000);

test('a small store is reported as insufficient_data, with the intervals that say why', async () => {
  const csv = path.join(dir, 'small.csv');
  const rows = ['customer_id,frequency,recency,T,monetary'];
  for (let i = 0; i < 40; i++) rows.push(`${i},${i % 4},${i % 4 === 0 ? 0 : 10 + (i % 7)},${20 + (i % 9)},${i % 4 === 0 ? 0 : 10 + i}`);
  writeFileSync(csv, rows.join('\n') + '\n');
  const r = await runCli(['clv', '--json', '--summary', '--unit', 'week', '--csv', csv]);
  expect(r.code).toBe(0);
  const j = JSON.parse(r.stdout) as JsonReport & { reasons: string[] };
  expect(j.status).toBe('insufficient_data');
  expect(j.reasons.length).toBeGreaterThan(0);
}, 120_000);

test('bad files and flags: the line is named, exit 1 for the file, 2 for the flags', async () => {
  const cases: [string, RegExp][] = [
    ['customer_id,date\n1,2024-01-01\n', /line 1: missing column\(s\) amount/],
    ['customer_id,date,amount\n1,2024-01-01,3\n2,01/02/2024,4\n', /line 3: date is not a date/],
    ['customer_id,date,amount\n1,2024-01-01,3\n1,2024-01-05,-4\n', /line 3: amount must be ≥ 0/],
  ];
  for (const [i, [text, re]] of cases.entries()) {
    const csv = path.join(dir, `bad-${i}.csv`);
    writeFileSync(csv, text);
    const r = await runCli(['clv', '--csv', csv]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).toContain(csv);
  }
  const flags = await runCli(['clv', '--csv', path.join(dir, 'bad-0.csv'), '--unit', 'month']);
  expect(flags.code).toBe(2);
  expect(flags.stderr).toMatch(/--unit must be day or week/);
}, 120_000);
