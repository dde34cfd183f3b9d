// The Firebase Hosting copy of the dashboard: firebase.json's hosting predeploy runs `npm run build:hosting`, which copies the vendor builds the local runtime serves into the git-ignored hosting/vendor/ and writes the App Bridge client id.
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildHosting } from '../../functions/src/dashboard/hosting-build';
import { VENDOR_FILES, vendorPath } from '../../functions/src/dashboard/dashboard-files';
import { tempDir } from '../helpers/runtime';

const ROOT = path.join(__dirname, '..', '..');

test('predeploy copies the vendor builds the page loads and writes the client id; the copies are git-ignored', () => {
  const firebase = JSON.parse(readFileSync(path.join(ROOT, 'firebase.json'), 'utf8')) as { hosting: { public: string; predeploy: string[]; headers: { source: string; headers: { key: string; value: string }[] }[] } };
  // Shopify admin may frame the page (an embedded app); no one else.
  expect(firebase.hosting.headers).toContainEqual({ source: '**', headers: [{ key: 'Content-Security-Policy', value: 'frame-ancestors https://admin.shopify.com https://*.myshopify.com' }] });
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(firebase.hosting.public).toBe('hosting');
  expect(firebase.hosting.predeploy).toEqual(['npm run build:hosting']);
  expect(pkg.scripts['build:hosting']).toBe('tsx functions/src/dashboard/hosting-build.ts');

  const dir = tempDir('shop-mlops-hosting-');
  mkdirSync(path.join(dir, 'dashboard'));
  buildHosting({ hostingDir: dir, apiKey: 'client-id-123' });
  // Every vendor script index.html loads is there, byte for byte what the local runtime serves.
  const html = readFileSync(path.join(ROOT, 'hosting', 'index.html'), 'utf8');
  const loaded = [...html.matchAll(/src="vendor\/([^"]+)"/g)].map((m) => m[1]!);
  expect(loaded.sort()).toEqual(Object.keys(VENDOR_FILES).sort());
  for (const f of loaded) expect(readFileSync(path.join(dir, 'vendor', f)).equals(readFileSync(vendorPath(f)!))).toBe(true);
  expect(JSON.parse(readFileSync(path.join(dir, 'dashboard', 'app-config.json'), 'utf8'))).toEqual({ apiKey: 'client-id-123' });

  const ignored = (p: string) => {
    try {
      execFileSync('git', ['check-ignore', '-q', p], { cwd: ROOT });
      return true;
    } catch {
      return false;
    }
  };
  expect([ignored('hosting/vendor/vega.min.js'), ignored('hosting/dashboard/app-config.json'), ignored('hosting/dashboard/main.js')]).toEqual([true, true, false]);
});
