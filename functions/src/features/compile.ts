// Compiles the Dataform project with the real CLI for one dialect (vars), returning the validated graph; a content-keyed cache of compilations with the snapshot date bound per run.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ShopMlopsError } from '../core/errors';
import { compiledGraph, type CompiledGraph } from './compiled-graph';

export type Dialect = 'bigquery' | 'duckdb';

export interface CompileOptions {
  projectDir: string;
  dialect: Dialect;
  vars?: Record<string, string>;
}

/** The dataform CLI installed with the project (node_modules/.bin/dataform). */
export function dataformBin(): string {
  return path.join(path.dirname(require.resolve('@dataform/cli/package.json')), 'bundle.js');
}

export async function compileProject(o: CompileOptions): Promise<CompiledGraph> {
  const vars = { ...o.vars, dialect: o.dialect };
  for (const [k, v] of Object.entries(vars)) if (/[,=\s]/.test(k + v)) throw new ShopMlopsError('BAD_REQUEST', `dataform var ${k}=${v} may not contain ',', '=' or spaces`);
  const args = [dataformBin(), 'compile', '--json', `--vars=${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(',')}`];
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, args, { cwd: o.projectDir, maxBuffer: 256 * 1024 * 1024 }, (err, out, errOut) => {
      if (err && !out) reject(new ShopMlopsError('UNPROCESSABLE', `dataform compile failed: ${errOut || err.message}`));
      else resolve(out);
    }),
  );
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new ShopMlopsError('UNPROCESSABLE', `dataform compile printed no JSON: ${stdout.slice(0, 500)}`);
  }
  const graph = compiledGraph.parse(json);
  const errors = graph.graphErrors.compilationErrors ?? [];
  if (errors.length) throw new ShopMlopsError('UNPROCESSABLE', `dataform compilation errors:\n${errors.map((e) => `  ${e.fileName ?? ''}: ${e.message}`).join('\n')}`);
  return graph;
}

/** What dialect.snapshot_date() emits when compiled with snapshot_date=deferred (dataform/includes/dialect.js). */
export const SNAPSHOT_TOKEN = '__snapshot_date__';

/** Every file Dataform reads (definitions, includes, settings), in a stable order, for the cache key. */
function projectFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...projectFiles(dir, r));
    else out.push(r);
  }
  return out;
}

/**
 * The project compiled with snapshot_date=deferred, from a cache keyed by every project file's content, the vars and
 * the CLI version (a changed SQLX compiles again; an unchanged one costs a hash instead of a 2–4 s CLI start).
 * Bind the date with bindSnapshotDate. The cache lives in `cacheDir` (default: the OS temp dir).
 */
export async function compileProjectDeferred(o: CompileOptions & { cacheDir?: string }): Promise<CompiledGraph> {
  const vars = { ...o.vars, snapshot_date: 'deferred' };
  const h = createHash('sha256');
  h.update(JSON.stringify({ dialect: o.dialect, vars, cli: (JSON.parse(readFileSync(require.resolve('@dataform/cli/package.json'), 'utf8')) as { version: string }).version }));
  for (const f of projectFiles(o.projectDir)) h.update(`\0${f}\0`).update(readFileSync(path.join(o.projectDir, f)));
  const dir = o.cacheDir ?? path.join(os.tmpdir(), 'shop-mlops-dataform-cache');
  const file = path.join(dir, `${h.digest('hex').slice(0, 32)}.json`);
  try {
    return compiledGraph.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    // not cached yet (or unreadable): compile
  }
  const graph = await compileProject({ ...o, vars });
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(graph));
  renameSync(tmp, file);
  return graph;
}

/** A deferred compilation with its snapshot date bound (every SQL text of the graph). */
export function bindSnapshotDate(graph: CompiledGraph, date: string): CompiledGraph {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ShopMlopsError('BAD_REQUEST', `snapshot date must be YYYY-MM-DD, got ${date}`);
  return compiledGraph.parse(JSON.parse(JSON.stringify(graph).replaceAll(SNAPSHOT_TOKEN, date)));
}
