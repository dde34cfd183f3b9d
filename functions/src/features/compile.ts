// Compiles the Dataform project with the real CLI for one dialect (vars), returning the validated graph.
import { execFile } from 'node:child_process';
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
