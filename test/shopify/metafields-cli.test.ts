// `shop-mlops metafields`: through the running runtime (POST /admin/metafields) and on the store directly; --full and --delta exclude each other.
import { getJwt } from '@shopify/shopify-api/test-helpers';
import { loadConfig } from '../../functions/src/core/config';
import type { CliContext } from '../../functions/src/cli/context';
import { run } from '../../functions/src/cli/verbs/metafields';
import { createDuckDbPredictionStore } from '../../functions/src/adapters/embedded/duckdb-prediction-store';
import { startAdminContractServer } from '../../functions/src/testing/admin-graphql-contract-server';
import { SECRET, startTestRuntime } from '../helpers/runtime';
import { syntheticBatches } from './support';

const API_KEY = 'cli-api-key';
const SHOP = 'cli-store.myshopify.com';

const ctxFor = (dataDir: string, origin: string, json: boolean) => {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = { config: loadConfig({}, { dataDir, shopifyApiSecret: SECRET, shopifyApiKey: API_KEY, shopifyAdminOrigin: origin, logLevel: 'ERROR' }), json, out: (s) => out.push(s), err: (s) => err.push(s) };
  return { ctx, out, err };
};

test('metafields --full through the runtime, then --delta on the store directly; both flags at once is a usage error', async () => {
  const server = await startAdminContractServer({ apiKey: API_KEY, apiSecret: SECRET });
  const rt = await startTestRuntime({ shopifyApiKey: API_KEY, shopifyAdminOrigin: server.url });
  const dataDir = rt.dataDir;
  try {
    await createDuckDbPredictionStore(rt.warehouse).replace(syntheticBatches({ customers: 5, variants: 2, products: 2, version: 1, shop: SHOP }));
    expect((await fetch(`${rt.url}/shopify/install`, { method: 'POST', headers: { authorization: `Bearer ${(await getJwt('cli-store', API_KEY, SECRET)).token}` } })).status).toBe(200);
    const a = ctxFor(dataDir, server.url, true);
    expect(await run(['--full'], a.ctx)).toBe(0);
    const reports = (JSON.parse(a.out.join('')) as { reports: Array<{ shop: string; bulk: { operations: number; written: number } }> }).reports;
    expect(reports).toEqual([expect.objectContaining({ shop: SHOP, bulk: expect.objectContaining({ operations: 1, written: 5 * 8 + 2 * 4 + 2 * 2 }) })]);

    const bad = ctxFor(dataDir, server.url, false);
    expect(await run(['--full', '--delta'], bad.ctx)).toBe(2);
    expect(bad.err.join('\n')).toMatch(/--full and --delta exclude each other/);
  } finally {
    await rt.close();
  }
  // No runtime: the verb opens the store itself; nothing changed, so nothing is sent.
  const b = ctxFor(dataDir, server.url, false);
  const calls = server.calls.length;
  expect(await run(['--delta'], b.ctx)).toBe(0);
  expect(b.out.join('\n')).toMatch(/cli-store\.myshopify\.com\s+written\s+52\s+0\s+metafieldsSet: 0 call/);
  expect(server.calls.slice(calls).filter((c) => c === 'metafieldsSet')).toEqual([]);
  expect(server.writes.filter((w) => w.redundant)).toEqual([]);
  await server.close();
});
