// Architecture rules, checked with the real ESLint CLI: core/ports/http import no cloud package; the rule itself bites.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const ESLINT = path.join(ROOT, 'node_modules/.bin/eslint');

interface LintResult { filePath: string; messages: { ruleId: string | null; severity: number; line: number; message: string }[] }

function eslint(args: string[], stdin?: string): LintResult[] {
  const r = spawnSync(ESLINT, ['--format', 'json', ...args], { cwd: ROOT, input: stdin, encoding: 'utf8', env: { ...process.env, PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env['PATH']}` } });
  if (!r.stdout) throw new Error(`eslint failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as LintResult[];
}

test('the whole tree passes the lint rules; core/, ports/ and http/ import no firebase, @google-cloud or DuckDB', () => {
  const results = eslint(['functions/src', 'test']);
  const problems = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${path.relative(ROOT, r.filePath)}:${m.line} ${m.ruleId}: ${m.message}`));
  expect(results.length).toBeGreaterThan(10);
  expect(problems).toEqual([]);
});

test('the rule rejects a cloud import in core/ and allows it in adapters/', () => {
  for (const mod of ['@google-cloud/pubsub', 'firebase-functions/https', 'firebase-admin', '@duckdb/node-api']) {
    const [r] = eslint(['--stdin', '--stdin-filename', 'functions/src/core/bad.ts'], `import x from '${mod}';\nexport default x;\n`);
    expect(r!.messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
  }
  const [ok] = eslint(['--stdin', '--stdin-filename', 'functions/src/adapters/gcp/ok.ts'], `import x from '@google-cloud/pubsub';\nexport default x;\n`);
  expect(ok!.messages.map((m) => m.ruleId)).not.toContain('no-restricted-imports');
});

test('pipeline/ and the feature runner import no adapter and no particular pipeline; the entry points may', () => {
  const rules = (file: string, mod: string) => eslint(['--stdin', '--stdin-filename', file], `import x from '${mod}';\nexport default x;\n`)[0]!.messages.map((m) => m.ruleId);
  for (const mod of ['../adapters/embedded/file-artifact-store', '../adapters/gcp/gcs-artifact-store', '../training/pipeline', '../pipelines', '@google-cloud/aiplatform']) {
    expect([mod, rules('functions/src/pipeline/registry.ts', mod)]).toEqual([mod, expect.arrayContaining(['no-restricted-imports'])]);
  }
  expect(rules('functions/src/features/runner.ts', '../adapters/embedded/duckdb-warehouse')).toContain('no-restricted-imports');
  expect(rules('functions/src/pipeline/registry.ts', './define')).not.toContain('no-restricted-imports');
  // The wiring lives in the entry points: the product's pipelines and stores, the pipeline verb, the step container.
  expect(rules('functions/src/pipelines.ts', './adapters/embedded/file-artifact-store')).not.toContain('no-restricted-imports');
  expect(rules('functions/src/cli/verbs/pipeline.ts', '../../adapters/embedded/file-artifact-store')).not.toContain('no-restricted-imports');
});

test('nor do they require() one at run time (the lint rule sees only import statements)', () => {
  const { readdirSync, readFileSync } = require('node:fs') as typeof import('node:fs');
  const dir = path.join(ROOT, 'functions/src/pipeline');
  const files = [...readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'step-entry.ts').map((f) => path.join(dir, f)), path.join(ROOT, 'functions/src/features/runner.ts')];
  const found = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => `${path.relative(ROOT, f)}: ${m[1]}`)).filter((s) => /\/(adapters|training|models|pipelines)\b/.test(s));
  expect(found).toEqual([]);
});

test('every CLI verb parses its flags through cli/flags.ts and answers a wrong flag with its usage', async () => {
  const { readdirSync, readFileSync } = require('node:fs') as typeof import('node:fs');
  const dirs = [path.join(ROOT, 'functions/src/cli/verbs'), path.join(ROOT, 'functions/src/training')];
  const own = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.ts')).map((f) => path.join(d, f))).filter((f) => /\bparseArgs\b/.test(readFileSync(f, 'utf8')));
  expect(own.map((f) => path.relative(ROOT, f))).toEqual([]);
  const { loadConfig } = require('../functions/src/core/config') as typeof import('../functions/src/core/config');
  const ctx = { config: loadConfig({ SHOPIFY_API_SECRET: 'x', SHOP_MLOPS_DATA_DIR: path.join(require('node:os').tmpdir(), 'no-store-here') }), json: false, out: () => undefined, err: () => undefined };
  for (const verb of ['features', 'quarantine', 'runs', 'pipeline']) {
    const { run } = require(`../functions/src/cli/verbs/${verb}`) as { run: (argv: string[], c: typeof ctx) => Promise<number> };
    await expect(run(verb === 'pipeline' || verb === 'quarantine' ? ['list', '--bogus'] : ['--bogus'], ctx)).rejects.toThrow(new RegExp(`Unknown option '--bogus'[\\s\\S]*\\nusage: shop-mlops ${verb}`));
  }
});
