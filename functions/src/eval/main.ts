// `npm run eval`: every model against its baselines on the real datasets (../shared/data), side by side; --json for machines.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatTable } from '../cli/table';
import type { EvalSection } from './types';

type Task = EvalSection['task'];
const TASKS: Record<Task, (dataDir: string) => Promise<EvalSection | EvalSection[]>> = {
  clv: (d) => (require('./clv') as typeof import('./clv')).evaluateClv(d),
  propensity: (d) => (require('./propensity') as typeof import('./propensity')).evaluatePropensity(d),
  demand: (d) => (require('./demand') as typeof import('./demand')).evaluateDemand(d),
  recommendations: (d) => (require('./recommendations') as typeof import('./recommendations')).evaluateRecommendations(d),
};

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));

/** One readable block per section: a row per model, a column per metric, then the checks. */
export function formatSection(s: EvalSection): string {
  const metrics = [...new Set(s.rows.flatMap((r) => Object.keys(r.metrics)))];
  const rows = s.rows.map((r) => ({ model: r.baseline ? `${r.model} (baseline)` : r.model, ...Object.fromEntries(metrics.map((m) => [m, r.metrics[m] === undefined ? '' : fmt(r.metrics[m]!)])) }));
  const checks = s.checks.map((c) => `  [${c.pass ? 'pass' : 'FAIL'}] ${c.name}: ${c.detail}`);
  return [`== ${s.task} on ${s.dataset}`, formatTable(rows, ['model', ...metrics]), ...checks, ...s.notes.map((n) => `  - ${n}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const only = argv.filter((a) => !a.startsWith('--')) as Task[];
  const dataArg = argv.find((a) => a.startsWith('--data='));
  const dataDir = path.resolve(dataArg ? dataArg.slice('--data='.length) : path.resolve(__dirname, '../../../../shared/data'));
  if (!existsSync(dataDir)) {
    console.error(`no data directory at ${dataDir} (pass --data=DIR)`);
    return 2;
  }
  for (const t of only) if (!(t in TASKS)) {
    console.error(`unknown task '${t}'; tasks: ${Object.keys(TASKS).join(', ')}`);
    return 2;
  }
  const sections: EvalSection[] = [];
  for (const task of only.length ? only : (Object.keys(TASKS) as Task[])) {
    const t0 = performance.now();
    if (!json) process.stderr.write(`evaluating ${task}...\n`);
    const r = await TASKS[task](dataDir);
    sections.push(...(Array.isArray(r) ? r : [r]));
    if (!json) process.stderr.write(`  ${task} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const failed = sections.flatMap((s) => s.checks.filter((c) => !c.pass).map((c) => `${s.task}/${s.dataset}: ${c.name}`));
  const out = path.resolve(__dirname, '../../../eval-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'eval.json'), JSON.stringify({ at: new Date().toISOString(), sections }, null, 2) + '\n');
  if (json) console.log(JSON.stringify({ sections, failed }));
  else {
    console.log(sections.map(formatSection).join('\n\n'));
    console.log(`\n${failed.length ? `checks failing: ${failed.join('; ')}` : 'every check passes'}\nwritten: eval-results/eval.json`);
  }
  return 0;
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
