// The checkout UI extension's own suite (vitest + @shopify/ui-extensions-tester, run here so the jest count includes it) and its type-check against @shopify/ui-extensions (tsc on extensions/…/tsconfig.json; a wrong prop fails it).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NODE_BIN_DIR, ROOT } from '../helpers/process';

const EXT = path.join(ROOT, 'extensions/shop-mlops-checkout-offer');
/** Tests in the extension's vitest suite (tests/*.test.ts): the count below must match, so a test lost is noticed. */
const VITEST_TESTS = 6;

function run(bin: string, args: string[], cwd = ROOT): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(NODE_BIN_DIR, bin), args, { cwd, env: { ...process.env, PATH: `${NODE_BIN_DIR}:${process.env['PATH']}`, CI: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

test('the vitest suite under @shopify/ui-extensions-tester passes, every test', async () => {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vitest-')), 'report.json');
  const r = await run('vitest', ['run', '--config', path.join(EXT, 'vitest.config.ts'), '--reporter=json', `--outputFile=${report}`]);
  const json = JSON.parse(fs.readFileSync(report, 'utf8')) as { numTotalTests: number; numPassedTests: number; numFailedTests: number; testResults: { assertionResults: { title: string; status: string }[] }[] };
  fs.rmSync(path.dirname(report), { recursive: true, force: true });
  const failed = json.testResults.flatMap((f) => f.assertionResults).filter((a) => a.status !== 'passed').map((a) => a.title);
  expect(failed).toEqual([]);
  expect({ total: json.numTotalTests, passed: json.numPassedTests, failed: json.numFailedTests }).toEqual({ total: VITEST_TESTS, passed: VITEST_TESTS, failed: 0 });
  expect(r.code).toBe(0);
}, 120_000);

test('tsc type-checks the extension against @shopify/ui-extensions, and refuses a component prop that does not exist', async () => {
  const ok = await run('tsc', ['-p', path.join(EXT, 'tsconfig.json')]);
  expect(ok.out).toBe('');
  expect(ok.code).toBe(0);
  // A copy beside the original (same node_modules) with a wrong prop on <s-button> and a wrong attribute change.
  const copy = fs.mkdtempSync(path.join(ROOT, 'extensions/.tsc-check-'));
  try {
    for (const f of ['tsconfig.json', 'shopify.d.ts', 'src/offer.ts', 'src/Checkout.tsx']) {
      fs.mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      fs.copyFileSync(path.join(EXT, f), path.join(copy, f));
    }
    const tsx = path.join(copy, 'src/Checkout.tsx');
    fs.writeFileSync(tsx, fs.readFileSync(tsx, 'utf8').replace('<s-button variant="secondary"', '<s-button variant="no-such-variant"').replace("type: 'updateAttribute'", "type: 'setAttribute'"));
    fs.writeFileSync(path.join(copy, 'tsconfig.json'), fs.readFileSync(path.join(copy, 'tsconfig.json'), 'utf8').replace('"./tests", ', ''));
    const bad = await run('tsc', ['-p', path.join(copy, 'tsconfig.json')]);
    expect(bad.out).toMatch(/Checkout\.tsx\(\d+,\d+\): error TS\d+:.*no-such-variant/);
    expect(bad.out).toMatch(/setAttribute/);
    expect(bad.code).not.toBe(0);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}, 120_000);
