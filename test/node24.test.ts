// Node 24 everywhere: tests run on it through npm, the devDependency pins it, the functions package declares it.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const json = (p: string) => JSON.parse(readFileSync(path.join(ROOT, p), 'utf8')) as Record<string, Record<string, string>>;

test('npm scripts (and so these tests) run on Node 24 from the node@24 devDependency', () => {
  expect(process.version).toMatch(/^v24\./);
  expect(json('package.json')['devDependencies']!['node']).toMatch(/^\^?24/);
});

test('the functions package targets Node 24 (Cloud Functions nodejs24)', () => {
  expect(json('functions/package.json')['engines']!['node']).toBe('24');
});
