// Where ../shared is, relative to the repository (never an absolute path): fixtures and datasets the tests read; and the one rule for a test that needs them.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const SHARED = path.resolve(__dirname, '../../../shared');
export const FIXTURES = path.join(SHARED, 'fixtures/shopify');
export const DATA = path.join(SHARED, 'data');

/** Whether the tests run in CI (.ci/run sets CI), where a missing ../shared is a failure, never a skip. */
export const inCi = (): boolean => Boolean(process.env['CI']);

/**
 * `test` for a test that needs files of ../shared: it runs when they are present, and in CI it runs (and fails on the
 * missing file) when they are not. Elsewhere a missing file skips the test, saying which.
 */
export function testNeedingShared(files: string | readonly string[], what: string): jest.It {
  const missing = (typeof files === 'string' ? [files] : files).filter((f) => !existsSync(f));
  if (missing.length === 0 || inCi()) return test;
  console.warn(`skipping ${what}: ${missing.join(', ')} absent (in CI this fails)`);
  return test.skip;
}
