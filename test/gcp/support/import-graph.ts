// The static module graph of TypeScript sources: every relative module reachable from an entry (imports, re-exports, require, import()), and the packages they load.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import ts from 'typescript';

export interface ImportGraph {
  /** Absolute paths of the reachable source files. */
  files: string[];
  /** Package name → the source files that load it (type-only imports excluded). */
  packages: Map<string, string[]>;
}

/** `@scope/name` or `name` of a bare specifier; undefined for Node built-ins. */
export function packageOf(spec: string): string | undefined {
  if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) return undefined;
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

function resolveRelative(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, 'index.ts'), base]) if (existsSync(c) && statSync(c).isFile()) return c;
  throw new Error(`${from}: cannot resolve ${spec}`);
}

/**
 * Specifiers a file loads: imports and re-exports (not `import type` / `export type`, which TypeScript erases) and,
 * unless `lazy` is false, require() and import() calls (loaded only when the code calling them runs).
 */
export function specifiersOf(source: string, fileName = 'x.ts', lazy = true): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && !n.importClause?.isTypeOnly && ts.isStringLiteral(n.moduleSpecifier)) out.add(n.moduleSpecifier.text);
    else if (ts.isExportDeclaration(n) && !n.isTypeOnly && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) out.add(n.moduleSpecifier.text);
    else if (lazy && ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0]!) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) out.add(n.arguments[0].text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return [...out];
}

/**
 * Files and packages reachable from the entries. `lazy: 'entries'` follows a lazy require() / import() of our own
 * modules only in the entry files (a Cloud Functions entry loads each function's wiring that way), not deeper, where it
 * is a branch into the other world (training/services.ts loads the embedded adapters, DuckDB, only in embedded mode);
 * lazily required packages are always followed (adapters load their SDK on first use). `'all'` follows everything.
 */
export function importGraph(entries: string[], opts: { lazy?: 'all' | 'entries' } = {}): ImportGraph {
  const lazyEverywhere = (opts.lazy ?? 'all') === 'all';
  const files = new Set<string>();
  const packages = new Map<string, string[]>();
  const todo = [...entries];
  while (todo.length) {
    const f = todo.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    const eager = new Set(specifiersOf(readFileSync(f, 'utf8'), f, false));
    for (const spec of specifiersOf(readFileSync(f, 'utf8'), f)) {
      if (spec.startsWith('.')) {
        if (lazyEverywhere || eager.has(spec) || entries.includes(f)) todo.push(resolveRelative(f, spec));
      }
      else {
        const pkg = packageOf(spec);
        if (pkg) packages.set(pkg, [...(packages.get(pkg) ?? []), f]);
      }
    }
  }
  return { files: [...files].sort(), packages };
}
