// `npm run build:hosting` (firebase.json's hosting predeploy): copies the Vega-Lite vendor builds into hosting/vendor/ and writes hosting/dashboard/app-config.json (the App Bridge client id from SHOPIFY_API_KEY); both git-ignored.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { HOSTING_DIR, VENDOR_FILES, vendorPath } from './dashboard-files';

export function buildHosting(opts: { hostingDir?: string; apiKey?: string } = {}): string[] {
  const dir = opts.hostingDir ?? HOSTING_DIR;
  const vendor = path.join(dir, 'vendor');
  mkdirSync(vendor, { recursive: true });
  const written = Object.keys(VENDOR_FILES).map((name) => {
    const from = vendorPath(name);
    if (!from) throw new Error(`${name}: ${VENDOR_FILES[name]!.pkg} is not installed (npm install)`);
    copyFileSync(from, path.join(vendor, name));
    return path.join(vendor, name);
  });
  // The client id is public (Shopify puts it in every embedded app's page); the page needs it to start App Bridge.
  if (opts.apiKey) {
    const config = path.join(dir, 'dashboard', 'app-config.json');
    writeFileSync(config, JSON.stringify({ apiKey: opts.apiKey }) + '\n');
    written.push(config);
  }
  return written;
}

if (require.main === module) {
  const apiKey = process.env['SHOPIFY_API_KEY'];
  for (const f of buildHosting({ ...(apiKey ? { apiKey } : {}) })) console.log(`wrote ${path.relative(process.cwd(), f)}`);
  if (!apiKey) console.warn('SHOPIFY_API_KEY is not set: no dashboard/app-config.json, so the page cannot start App Bridge in Shopify admin');
}
