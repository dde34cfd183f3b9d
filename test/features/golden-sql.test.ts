// Golden files of the compiled SQL of both dialects: a change to the SQLX or the helpers shows up as a reviewable diff.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 npx jest test/features/golden-sql
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { compileProject, type Dialect } from '../../functions/src/features/compile';
import { planDuckdb } from '../../functions/src/features/plan';
import { targetKey, type CompiledGraph } from '../../functions/src/features/compiled-graph';

const PROJECT = path.resolve(__dirname, '../../dataform');
const GOLDEN = path.join(__dirname, 'golden-sql');
const VARS = { snapshot_date: '2024-03-10', shop_timezone: 'America/New_York' };
const update = process.env['UPDATE_GOLDEN'] === '1';

/** One text per action: what the warehouse is asked to run. */
function renderBigQuery(g: CompiledGraph): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of g.tables) {
    const parts = [`-- ${t.type ?? t.enumType} ${targetKey(t.target)}`, ...t.preOps.map((s) => `-- pre_operation\n${s.trim()}`), `-- query\n${t.query.trim()}`];
    if (t.incrementalQuery) parts.push(`-- incremental query\n${t.incrementalQuery.trim()}`, ...t.incrementalPreOps.map((s) => `-- incremental pre_operation\n${s.trim()}`));
    parts.push(...t.postOps.map((s) => `-- post_operation\n${s.trim()}`));
    out.set(targetKey(t.target), parts.join('\n\n') + '\n');
  }
  for (const o of g.operations) out.set(targetKey(o.target), `-- operation ${targetKey(o.target)}\n\n${o.queries.map((q) => q.trim()).join(';\n\n')}\n`);
  for (const a of g.assertions) out.set(targetKey(a.target), `-- assertion ${targetKey(a.target)}\n\n${a.query.trim()}\n`);
  return out;
}

function renderDuckdb(g: CompiledGraph): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of planDuckdb(g)) {
    const parts = [`-- ${a.kind} ${a.key}`, `-- full build\n${a.full.join(';\n')}`];
    if (a.incremental) parts.push(`-- incremental run\n${a.incremental.join(';\n')}`);
    if (a.scoped) parts.push(`-- scoped check (incremental runs of ${a.scopedOn!.join(', ')} after a pass)\n${a.scoped}`);
    out.set(a.key, parts.join('\n\n') + '\n');
  }
  return out;
}

async function check(dialect: Dialect): Promise<void> {
  const graph = await compileProject({ projectDir: PROJECT, dialect, vars: VARS });
  const rendered = dialect === 'bigquery' ? renderBigQuery(graph) : renderDuckdb(graph);
  const dir = path.join(GOLDEN, dialect);
  if (update) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [k, sql] of rendered) writeFileSync(path.join(dir, `${k}.sql`), sql);
  }
  expect(existsSync(dir)).toBe(true);
  const committed = readdirSync(dir).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4)).sort();
  expect(committed).toEqual([...rendered.keys()].sort());
  const changed = [...rendered].filter(([k, sql]) => readFileSync(path.join(dir, `${k}.sql`), 'utf8') !== sql).map(([k]) => k);
  expect(changed).toEqual([]);
}

test('BigQuery build matches the golden SQL', () => check('bigquery'), 60_000);
test('DuckDB build (the statements the local runner executes) matches the golden SQL', () => check('duckdb'), 60_000);
