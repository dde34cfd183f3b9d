// ../shared (fixtures and real datasets) sits beside the repository; in CI its absence is a failure, not a skip, for this test and every test that needs it.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, SHARED, inCi, testNeedingShared } from './helpers/shared';

const NEEDED = [path.join(FIXTURES, 'orders_create.json'), path.join(SHARED, 'data'), path.join(SHARED, 'protos/kfp')];

test('../shared is present beside the repository (tests that read it would otherwise skip)', () => {
  const missing = NEEDED.filter((p) => !existsSync(p));
  if (missing.length && !inCi()) {
    console.warn(`../shared is incomplete here (${missing.join(', ')}); outside CI the tests that need it skip`);
    return;
  }
  expect(missing).toEqual([]);
});

test('a test needing a missing ../shared file runs (and so fails) in CI, and skips only outside it', () => {
  const before = process.env['CI'];
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const absent = path.join(SHARED, 'data/no-such-dataset.csv');
    process.env['CI'] = 'true';
    expect(testNeedingShared(absent, 'x')).toBe(test);
    delete process.env['CI'];
    expect(testNeedingShared(absent, 'x')).toBe(test.skip);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('no-such-dataset.csv absent (in CI this fails)'));
    expect(testNeedingShared(__filename, 'x')).toBe(test);
  } finally {
    warn.mockRestore();
    if (before === undefined) delete process.env['CI'];
    else process.env['CI'] = before;
  }
});

/** Every test source file under test/. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'node_modules' ? [] : sources(path.join(dir, e.name))) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

test('tests reach ../shared relative to the repository, and none skips on its absence by itself', () => {
  const offenders: string[] = [];
  for (const file of sources(__dirname)) {
    const text = readFileSync(file, 'utf8');
    const rel = path.relative(__dirname, file);
    // An absolute path to the shared directory (this machine's layout) instead of one relative to the repository.
    if (/['"`]\/(?:[\w.-]+\/)*shared\//.test(text)) offenders.push(`${rel}: absolute path to shared/`);
    // A hand-rolled skip next to a ../shared path: it would skip in CI too (use testNeedingShared).
    if (/shared/.test(text) && /\?\s*(?:test|it|describe)\s*:\s*(?:test|it|describe)\.skip/.test(text)) offenders.push(`${rel}: skips by itself; use testNeedingShared`);
  }
  expect(offenders).toEqual([]);
});
