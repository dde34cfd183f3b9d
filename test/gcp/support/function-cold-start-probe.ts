// Run in a fresh Node process (tsx): loads the Cloud Functions entry, invokes one exported function once, prints the npm packages then in the require cache as JSON.
import path from 'node:path';

const which = process.argv[2] ?? 'webhooks';
Object.assign(process.env, { GCLOUD_PROJECT: 'demo-shop-mlops', SHOPIFY_API_SECRET: 'hush', SHOP_MLOPS_LOG_LEVEL: 'ERROR', METADATA_SERVER_DETECTION: 'none' });

/** Package names (`@scope/name` or `name`) of every loaded file under a node_modules directory. */
function loadedPackages(): string[] {
  const out = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file.slice(file.lastIndexOf(`node_modules${path.sep}`)));
    if (m) out.add(m[1]!.replace(/\\/g, '/'));
  }
  return [...out].sort();
}

async function main(): Promise<void> {
  const fns = require('../../../functions/src/index') as Record<string, (req: unknown, res: unknown) => Promise<void>>;
  const atImport = loadedPackages();
  let status = 0;
  const headers: Record<string, string> = { host: 'example.test', 'content-type': 'application/json' };
  const res = {
    headersSent: false,
    status: (c: number) => ((status = c), res),
    setHeader: () => res,
    getHeader: () => undefined,
    on: () => res,
    end: () => res,
  };
  const url = which === 'api' ? '/api/recommendations/product?product_id=1' : '/webhooks';
  // Unsigned: the function builds its whole runtime, then refuses the request (401) without any network call.
  const req = { method: which === 'api' ? 'GET' : 'POST', url, originalUrl: url, path: url.split('?')[0], headers, rawBody: Buffer.from('{}'), body: {}, get: (n: string) => headers[n.toLowerCase()], header: (n: string) => headers[n.toLowerCase()] };
  await fns[which]!(req, res);
  process.stdout.write(JSON.stringify({ status, atImport, afterCall: loadedPackages() }));
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
