// The dashboard routes as the `api` function mounts them (behind storefrontAuth, the caller from the middleware) over real HTTP: App Bridge session tokens signed by @shopify/shopify-api's helper read their own shop only; storefront (App Proxy) and unsigned callers are refused.
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { getJwt } from '@shopify/shopify-api/test-helpers';
import { Hono } from 'hono';
import { loadConfig } from '../../functions/src/core/config';
import { silentLogger } from '../../functions/src/core/log';
import { callerFromMiddleware } from '../../functions/src/http/caller';
import { createDashboardRoutes } from '../../functions/src/http/dashboard-routes';
import { storefrontAuthFromConfig } from '../../functions/src/http/storefront-auth';
import { createDashboardReads } from '../../functions/src/dashboard/dashboard-queries';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { createFileModelRegistries } from '../../functions/src/adapters/embedded/file-model-registry';
import { createFileRunTracker } from '../../functions/src/adapters/embedded/file-run-tracker';
import { createJournalEndpoints } from '../../functions/src/adapters/embedded/journal-endpoints';
import { signAppProxyQuery } from '../../functions/src/testing/app-proxy-signer';
import type { Endpoints } from '../../functions/src/ports/endpoints';
import { tempDir } from '../helpers/runtime';

const SECRET = 'dashboard-session-secret';
const API_KEY = 'shop-mlops-dashboard-key';
const SHOP_A = 'shop-a.myshopify.com';
const SHOP_B = 'shop-b.myshopify.com';

let server: ServerType | null = null;
let warehouse: DuckDbWarehouse | null = null;
let endpoints: Endpoints | null = null;
afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await endpoints?.close();
  await warehouse?.close();
});

test('a session token reads its own shop\'s dashboard; App Proxy, missing and mismatched credentials are refused', async () => {
  const dir = tempDir('shop-mlops-dash-auth-');
  warehouse = await openDuckDbWarehouse({ path: path.join(dir, 'warehouse.duckdb') });
  const artifacts = createFileArtifactStore(path.join(dir, 'artifacts'));
  endpoints = createJournalEndpoints({ dir: path.join(dir, 'endpoints') });
  await endpoints.deploy({ shop: SHOP_A, model: 'clv', version: 1, actor: 'test', reason: 'shop A serves clv v1' });
  // One training run per shop (a run names its shop in its params).
  const runs = createFileRunTracker({ dir: path.join(dir, 'runs'), artifacts });
  for (const shop of [SHOP_A, SHOP_B]) await (await runs.startRun({ experiment: 'training', params: { shop }, dataSnapshot: { rows: { t: 1 }, contentHash: `sha256:${shop}` }, codeVersion: { packageVersion: '0.1.0', gitCommit: null } })).end('COMPLETE');
  const config = loadConfig({ SHOPIFY_API_SECRET: SECRET, SHOPIFY_API_KEY: API_KEY });
  // As buildApiRuntime wires it: storefrontAuth on /api/*, the dashboard's caller taken from the middleware.
  const app = new Hono();
  app.use('/api/*', storefrontAuthFromConfig(config, SECRET).middleware);
  app.route(
    '/api/dashboard',
    createDashboardRoutes({
      resolveCaller: callerFromMiddleware,
      models: ['clv'],
      registries: createFileModelRegistries({ dir: path.join(dir, 'registry'), artifacts }),
      runs,
      endpoints,
      monitoring: createDuckDbMonitoringStore(warehouse),
      reads: createDashboardReads((sql) => warehouse!.query(sql), 'duckdb'),
      thresholds: {},
      now: () => new Date(),
      logger: silentLogger,
    }),
  );
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/dashboard`;
  const call = async (url: string, token?: string) => {
    const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: res.status, body: (await res.json()) as { error?: { code: string; details?: { reason?: string } } } & Record<string, unknown> };
  };

  const a = (await getJwt('shop-a', API_KEY, SECRET)).token;
  const b = (await getJwt('shop-b', API_KEY, SECRET)).token;
  expect(await call(`${base}/shops`, a)).toEqual({ status: 200, body: { shops: [SHOP_A] } });
  const history = (r: { body: Record<string, unknown> }) => (r.body['endpoints'] as { history: { reason: string }[] }[])[0]!.history.map((h) => h.reason);
  expect(history(await call(`${base}/endpoints`, a))).toEqual(['shop A serves clv v1']);
  const runShops = (r: { body: Record<string, unknown> }) => (r.body['runs'] as { dataSnapshot: { contentHash: string } }[]).map((x) => x.dataSnapshot.contentHash);
  expect(runShops(await call(`${base}/runs`, a))).toEqual([`sha256:${SHOP_A}`]);
  expect(runShops(await call(`${base}/runs`, b))).toEqual([`sha256:${SHOP_B}`]);
  // Shop B's admin sees shop B only, even when asking for shop A.
  expect(history(await call(`${base}/endpoints`, b))).toEqual([]);
  expect((await call(`${base}/endpoints?shop=${SHOP_A}`, b)).body.error?.details?.reason).toBe('shop_mismatch');
  // The storefront (a correctly signed App Proxy call) never reads the dashboard; nor does anyone without credentials.
  const proxied = await call(`${base}/endpoints?${signAppProxyQuery({ secret: SECRET, shop: SHOP_A, loggedInCustomerId: '1' })}`);
  expect([proxied.status, proxied.body.error?.code]).toEqual([403, 'FORBIDDEN']);
  expect((await call(`${base}/endpoints`)).status).toBe(401);
  expect((await call(`${base}/endpoints`, (await getJwt('shop-a', 'another-app', SECRET)).token)).status).toBe(401);
});
