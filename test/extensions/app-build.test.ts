// `shopify app build` (Shopify CLI, offline, no login) on a copy of the app with a test client_id: every extension TOML validates, the checkout extension bundles, the theme extension is checked; a broken Flow action TOML fails it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NODE_BIN_DIR, ROOT } from '../helpers/process';

/** A test client id: the shipped shopify.app.toml keeps the merchant's placeholder. */
const TEST_CLIENT_ID = '0123456789abcdef0123456789abcdef';

/** A copy of the app (shopify.app.toml, package.json, extensions/) with the test client_id; node_modules linked. */
function appCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopify-app-build-'));
  // The shipped file has no client_id (`shopify app config link` writes it): the copy gets a test one first.
  let toml = `client_id = "${TEST_CLIENT_ID}"\n` + fs.readFileSync(path.join(ROOT, 'shopify.app.toml'), 'utf8').replace(/^client_id = .*\n/m, '');
  // The CLI requires [auth]; the OAuth work declares it in the shipped file (added here only while it does not).
  if (!/^\[auth\]/m.test(toml)) toml += '\n[auth]\nredirect_urls = ["https://demo-shop-mlops.web.app/auth/callback"]\n';
  fs.writeFileSync(path.join(dir, 'shopify.app.toml'), toml);
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(ROOT, 'extensions'), path.join(dir, 'extensions'), { recursive: true, filter: (src) => !/[/\\](dist|node_modules|\.tsc-check-[^/\\]*)$/.test(src) });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function build(dir: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(NODE_BIN_DIR, 'shopify'), ['app', 'build', '--skip-dependencies-installation', '--path', dir], {
      cwd: dir,
      env: { ...process.env, PATH: `${NODE_BIN_DIR}:${process.env['PATH']}`, CI: '1', NO_COLOR: '1', SHOPIFY_CLI_NO_ANALYTICS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

test('shopify app build succeeds offline: the checkout extension is bundled, every extension validates', async () => {
  const dir = appCopy();
  try {
    const r = await build(dir);
    expect(r.out).toMatch(/shop-mlops built!/);
    expect(r.code).toBe(0);
    const bundle = path.join(dir, 'extensions/shop-mlops-checkout-offer/dist/shop-mlops-checkout-offer.js');
    const js = fs.readFileSync(bundle, 'utf8');
    expect(js).toContain('_shop_mlops_arm');
    expect(js).toContain('/api/recommendations/cart?');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);

test('a Flow action TOML without its runtime_url fails the build', async () => {
  const dir = appCopy();
  try {
    const toml = path.join(dir, 'extensions/retrain-models-action/shopify.extension.toml');
    fs.writeFileSync(toml, fs.readFileSync(toml, 'utf8').replace(/^runtime_url = .*$/m, ''));
    const r = await build(dir);
    expect(r.out).toMatch(/runtime_url/);
    expect(r.code).not.toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
