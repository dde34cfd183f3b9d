// `shop-mlops recommend` as users run it: the real CLI on small UCI and customer_id,item_id,date files.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/process';
import { DEFAULT_PARAMS } from '../../functions/src/models/recommend/model';

/** Not test/helpers/runtime's tempDir: that module loads the runtime (and DuckDB) into this worker. */
const tempDir = () => mkdtempSync(path.join(tmpdir(), 'shop-mlops-recommend-'));

const UCI_HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

/** Baskets of a small shop: mugs go with coasters, lamps with bulbs; customer 40 only returned something. */
function uciFixture(): string {
  const rows = [UCI_HEADER];
  let invoice = 500000;
  const order = (customer: string, day: number, items: string[]) => {
    invoice++;
    for (const item of items) rows.push(`${invoice},${item},"Item ${item}, nice",2,2011-03-${String(day).padStart(2, '0')} 10:00:00,1.5,${customer},United Kingdom`);
  };
  order('10.0', 1, ['MUG', 'COASTER', 'SPOON']);
  order('11.0', 2, ['MUG', 'COASTER', 'POST']);
  order('12.0', 3, ['MUG', 'COASTER']);
  order('13.0', 4, ['LAMP', 'BULB']);
  order('14.0', 5, ['LAMP', 'BULB', 'SHADE']);
  order('15.0', 6, ['MUG']); // should be offered COASTER first
  order('16.0', 7, ['LAMP']); // should be offered BULB first
  order('17.0', 8, ['TEAPOT']);
  order('18.0', 8, ['VASE', 'CANDLE']);
  // One description per stock code, as the catalog reads it (the recommender reads Description as the product title).
  rows.push('C500100,MUG,"Item MUG, nice",-1,2011-03-09 10:00:00,1.5,40.0,United Kingdom');
  rows.push('500101,BULB,"Item BULB, nice",3,2011-03-09 11:00:00,1.5,,United Kingdom'); // guest
  return rows.join('\n') + '\n';
}

function readOut(file: string): { header: string; rows: Record<string, string>[] } {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  return { header: header!, rows: lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v]))) };
}

test('UCI file: top K for every customer, purchases and out-of-stock items excluded, a readable table', async () => {
  const dir = tempDir();
  const csv = path.join(dir, 'orders.csv');
  const out = path.join(dir, 'recs.csv');
  const oos = path.join(dir, 'oos.txt');
  writeFileSync(csv, uciFixture());
  writeFileSync(oos, 'TEAPOT\n');
  const r = await runCli(['recommend', '--csv', csv, '--k', '3', '--out', out, '--out-of-stock', oos]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/recommend: .*orders\.csv \(uci\) → .*recs\.csv, top 3 per customer/);
  expect(r.stdout).toMatch(/rows written\s+30/);
  expect(r.stdout).toMatch(/customers with no purchase history \(popularity only\)\s+1/);
  expect(r.stdout).toMatch(/dropped: returns \(C invoices, quantity < 0\)\s+1/);
  expect(r.stderr).toMatch(/training/);
  const { header, rows } = readOut(out);
  expect(header).toBe('customer_id,rank,item_id,score,source');
  // Ten customers (the one who only returned included), three rows each, ranks 1..3.
  const byCustomer = new Map<string, Record<string, string>[]>();
  for (const row of rows) byCustomer.set(row['customer_id']!, [...(byCustomer.get(row['customer_id']!) ?? []), row]);
  expect([...byCustomer.keys()]).toEqual(['10', '11', '12', '13', '14', '15', '16', '17', '18', '40']);
  for (const list of byCustomer.values()) expect(list.map((x) => x['rank'])).toEqual(['1', '2', '3']);
  expect(byCustomer.get('15')![0]).toMatchObject({ item_id: 'COASTER', source: 'similar' });
  expect(byCustomer.get('16')![0]).toMatchObject({ item_id: 'BULB', source: 'similar' });
  expect(byCustomer.get('15')!.map((x) => x['item_id'])).not.toContain('MUG');
  expect(rows.map((x) => x['item_id'])).not.toContain('TEAPOT');
  expect(rows.map((x) => x['item_id'])).not.toContain('POST');
  // No history: popularity (MUG: 4 customers; COASTER and LAMP: 3, the tie going to the item seen first).
  expect(byCustomer.get('40')!.map((x) => [x['item_id'], x['source']])).toEqual([['MUG', 'popular'], ['COASTER', 'popular'], ['LAMP', 'popular']]);
  // Scores decrease within a customer's similar items.
  const s15 = byCustomer.get('15')!.filter((x) => x['source'] === 'similar').map((x) => Number(x['score']));
  expect([...s15].sort((a, b) => b - a)).toEqual(s15);
}, 60_000);

test('customer_id,item_id,date file with --json: one JSON object with counts, timings and coverage', async () => {
  const dir = tempDir();
  const csv = path.join(dir, 'p.csv');
  const out = path.join(dir, 'r.csv');
  writeFileSync(csv, 'customer_id,item_id,date\na,x,2024-01-01\na,y,2024-01-01\nb,x,2024-01-02\nb,y,2024-01-02\nc,x,2024-01-03\n');
  const r = await runCli(['recommend', '--json', '--csv', csv, '--k', '2', '--out', out]);
  expect(r.code).toBe(0);
  const j = JSON.parse(r.stdout) as { layout: string; k: number; counts: Record<string, number>; coverage: number; timings: Record<string, number> };
  expect(j).toMatchObject({ layout: 'customer_item_date', k: 2, counts: { records: 5, purchases: 5, customers: 3, items: 2, rowsWritten: 1 } });
  expect(j.coverage).toBe(0.5);
  expect(j.timings['totalSeconds']).toBeGreaterThan(0);
  expect(r.stderr).toBe('');
  // a and b have bought everything: no rows; c gets y. Default params: customers are the units, weighted 1/log2(1 + size)
  // (a, b: 1/log2 3; c: 1), so n_x = 2/log2 3 + 1, n_y = c_xy = 2/log2 3; sim = c_xy / (n_x^α n_y^(1−α) + λ).
  const { alpha, shrinkage } = DEFAULT_PARAMS;
  const w = 1 / Math.log2(3);
  const sim = (2 * w) / (Math.pow(2 * w + 1, alpha) * Math.pow(2 * w, 1 - alpha) + shrinkage);
  expect(readFileSync(out, 'utf8')).toBe(`customer_id,rank,item_id,score,source\nc,1,y,${Number(sim.toPrecision(6))},similar\n`);
}, 60_000);

test('bad files and flags: BAD_REQUEST naming the line or the flag', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'r.csv');
  const noCustomer = path.join(dir, 'a.csv');
  writeFileSync(noCustomer, 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,Country\n1,A,x,1,2011-01-01 10:00:00,1,UK\n');
  let r = await runCli(['recommend', '--csv', noCustomer, '--k', '5', '--out', out]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/error: line 1: .*UCI layout columns missing: CustomerID/);

  const badDate = path.join(dir, 'b.csv');
  writeFileSync(badDate, uciFixture().replace('2011-03-05 10:00:00', '05/2011'));
  r = await runCli(['recommend', '--json', '--csv', badDate, '--k', '5', '--out', out]);
  expect(r.code).toBe(1);
  const err = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  expect(err.error.code).toBe('BAD_REQUEST');
  expect(err.error.message).toMatch(/^line 12: InvoiceDate "05\/2011" is not a date/);

  r = await runCli(['recommend', '--csv', badDate, '--k', 'ten', '--out', out]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/--k must be a number/);
  r = await runCli(['recommend', '--csv', path.join(dir, 'missing.csv'), '--out', out]);
  expect(r.stderr).toMatch(/--csv .*missing\.csv: no such file/);
}, 90_000);
