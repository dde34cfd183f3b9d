// Where the dashboard page's files are: hosting/ (the page and its modules) and the Vega-Lite vendor UMD builds in node_modules, one list for the local runtime and the hosting copy.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The Firebase Hosting `public` directory (firebase.json), two levels above src/dashboard and lib/dashboard alike. */
export const HOSTING_DIR = path.resolve(__dirname, '..', '..', '..', 'hosting');

/** The vendor builds the page loads from /vendor/ (UMD globals vega, vegaLite, vegaEmbed), by package. */
export const VENDOR_FILES: Record<string, { pkg: string; file: string }> = {
  'vega.min.js': { pkg: 'vega', file: 'build/vega.min.js' },
  'vega-lite.min.js': { pkg: 'vega-lite', file: 'build/vega-lite.min.js' },
  'vega-embed.min.js': { pkg: 'vega-embed', file: 'build/vega-embed.min.js' },
};

/** The installed file of a vendor build (the packages export no subpaths, so node_modules is searched as Node would). */
export function vendorPath(name: string): string | null {
  const v = VENDOR_FILES[name];
  if (!v) return null;
  for (const dir of require.resolve.paths(v.pkg) ?? []) {
    const p = path.join(dir, v.pkg, v.file);
    if (existsSync(p)) return p;
  }
  return null;
}
