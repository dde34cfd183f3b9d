// `npm run bench -- NAME`: runs one benchmark, prints its table and writes bench-results/NAME.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const BENCHES: Record<string, () => Promise<{ run(): Promise<BenchResult> }>> = {
  ingest: () => Promise.resolve(require('./ingest') as { run(): Promise<BenchResult> }),
  classify: () => Promise.resolve(require('./classify') as { run(): Promise<BenchResult> }),
  features: () => Promise.resolve(require('./features') as { run(): Promise<BenchResult> }),
  train: () => Promise.resolve(require('./train') as { run(): Promise<BenchResult> }),
  'train-clv': () => Promise.resolve(require('./train-clv') as { run(): Promise<BenchResult> }),
  'train-forecast': () => Promise.resolve(require('./train-forecast') as { run(): Promise<BenchResult> }),
  'train-recommend': () => Promise.resolve(require('./train-recommend') as { run(): Promise<BenchResult> }),
  serve: () => Promise.resolve(require('./serve') as { run(): Promise<BenchResult> }),
  monitor: () => Promise.resolve(require('./monitor') as { run(): Promise<BenchResult> }),
};

export interface BenchRow {
  name: string;
  [metric: string]: string | number;
}

export interface BenchResult {
  name: string;
  machine: string;
  rows: BenchRow[];
  targets: { metric: string; target: string; value: number | string; pass: boolean }[];
  notes?: string[];
}

function table(rows: BenchRow[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v ?? ''));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => fmt(r[c]))))].join('\n');
}

async function main(): Promise<void> {
  const name = process.argv[2];
  const load = name ? BENCHES[name] : undefined;
  if (!load) {
    console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}>`);
    process.exit(2);
  }
  const result = await (await load()).run();
  console.log(`\n${result.name} (${result.machine})\n`);
  console.log(table(result.rows));
  console.log('\ntargets:');
  console.log(table(result.targets.map((t) => ({ name: t.metric, target: t.target, value: t.value, pass: t.pass ? 'yes' : 'NO' }))));
  for (const n of result.notes ?? []) console.log(`- ${n}`);
  const dir = path.resolve(__dirname, '../../bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ ...result, at: new Date().toISOString() }, null, 2) + '\n');
  console.log(`\nwritten: bench-results/${name}.json`);
}

void main();
