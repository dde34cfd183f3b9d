// `npm run bench -- train`: the three model-training benches in one run (CLV fit, demand forecasts, recommendations), one table.
import * as os from 'node:os';
import type { BenchResult } from './run';

const PARTS = ['train-clv', 'train-forecast', 'train-recommend'] as const;

export async function run(): Promise<BenchResult> {
  const results: BenchResult[] = [];
  for (const part of PARTS) {
    process.stderr.write(`== ${part}\n`);
    results.push(await (require(`./${part}`) as { run(): Promise<BenchResult> }).run());
  }
  return {
    name: 'train',
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    rows: results.flatMap((r) => r.rows.map((row) => ({ ...row, name: `${r.name.replace(/^train-/, '')}: ${row.name}` }))),
    targets: results.flatMap((r) => r.targets.map((t) => ({ ...t, metric: `${r.name.replace(/^train-/, '')}: ${t.metric}` }))),
    notes: results.flatMap((r) => (r.notes ?? []).map((n) => `${r.name.replace(/^train-/, '')}: ${n}`)),
  };
}
