// `npm run dashboard:vendor`: copies the Vega-Lite vendor builds into hosting/vendor/ (git-ignored) for Firebase Hosting; firebase.json runs it before each hosting deploy.
import { copyFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { HOSTING_DIR, VENDOR_FILES, vendorPath } from './dashboard-files';

export function copyVendor(into = path.join(HOSTING_DIR, 'vendor')): string[] {
  mkdirSync(into, { recursive: true });
  return Object.keys(VENDOR_FILES).map((name) => {
    const from = vendorPath(name);
    if (!from) throw new Error(`${name}: ${VENDOR_FILES[name]!.pkg} is not installed (npm install)`);
    copyFileSync(from, path.join(into, name));
    return path.join(into, name);
  });
}

if (require.main === module) for (const f of copyVendor()) console.log(`copied ${path.relative(process.cwd(), f)}`);
