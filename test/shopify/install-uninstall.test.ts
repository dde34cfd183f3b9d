// App install and uninstall on the embedded runtime: a session token exchanged for an offline token (the library's tokenExchange against the contract server), stored 0600; app/uninstalled deletes it and every job skips the shop; Flow triggers go out once per monitor decision.
import { readFileSync, statSync } from 'node:fs';
import { APP_SCOPES } from '../../functions/src/shopify/admin-library';
import * as path from 'node:path';
import { getJwt } from '@shopify/shopify-api/test-helpers';
import { decision } from '../contracts/monitoring-store.contract';
import { forgeWebhook } from '../../functions/src/testing/forge';
import { signAppProxyQuery } from '../../functions/src/testing/app-proxy-signer';
import { startAdminContractServer, type ContractServer } from '../../functions/src/testing/admin-graphql-contract-server';
import { shopifyPaths } from '../../functions/src/shopify/embedded-shopify';
import { fixture, hasShared, SECRET, startTestRuntime } from '../helpers/runtime';
import type { Runtime } from '../../functions/src/runtime/local-runtime';

// smol-toml ships CommonJS under `require` but only ESM typings (as test/gcp/infra.test.ts reads it).
const { parse } = require('smol-toml') as { parse(text: string): unknown };
const API_KEY = 'install-test-key';
const STORE = 'install-store';
const SHOP = `${STORE}.myshopify.com`;
let server: ContractServer;
let rt: Runtime & { dataDir: string };

beforeEach(async () => {
  server = await startAdminContractServer({ apiKey: API_KEY, apiSecret: SECRET });
  rt = await startTestRuntime({ shopifyApiKey: API_KEY, shopifyAdminOrigin: server.url });
});
afterEach(async () => {
  await rt.close();
  await server.close();
});

const install = async (token: string) => fetch(`${rt.url}/shopify/install`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

test('install: the session token is exchanged for an offline token, kept in a 0600 file; a forged or foreign token is refused', async () => {
  const { token } = await getJwt(STORE, API_KEY, SECRET);
  const res = await install(token);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ shop: SHOP, scope: 'read_orders,read_products,read_customers,read_inventory,write_products,write_customers', reinstalled: false });
  const stored = await rt.shopify.sessions.load(SHOP);
  // The token Shopify issued (only the contract server knows it) is the one stored.
  expect(stored?.accessToken).toMatch(/^shpat_[0-9a-f]{32}$/);
  const dir = shopifyPaths(rt.dataDir).sessions;
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(statSync(path.join(dir, `${SHOP}.json`)).mode & 0o777).toBe(0o600);

  const forged = (await getJwt(STORE, API_KEY, 'not-the-secret')).token;
  expect((await install(forged)).status).toBe(401);
  const otherApp = (await getJwt(STORE, 'another-app', SECRET)).token;
  expect((await install(otherApp)).status).toBe(401);
  expect((await install('')).status).toBe(401);
});

test('app/uninstalled: the token is deleted and the shop skipped by the prediction routes, training and the write-back; installing again restores it', async () => {
  if (!hasShared()) return;
  const { token } = await getJwt(STORE, API_KEY, SECRET);
  expect((await install(token)).status).toBe(200);
  const body = JSON.stringify({ ...JSON.parse(fixture('app_uninstalled.json').toString('utf8')), myshopify_domain: SHOP });
  const d = forgeWebhook({ secret: SECRET, topic: 'app/uninstalled', shop: SHOP, body });
  expect((await fetch(`${rt.url}/webhooks`, { method: 'POST', headers: d.headers, body: new Uint8Array(d.body) })).status).toBe(200);
  await rt.loader.drain(30_000);
  expect(await rt.shopify.sessions.load(SHOP)).toBeNull();
  expect(await rt.shopify.isUninstalled(SHOP)).toBe(true);

  const proxied = await fetch(`${rt.url}/api/recommendations/product?${signAppProxyQuery({ secret: SECRET, shop: SHOP, params: { product_id: '1' } })}`);
  expect(proxied.status).toBe(403);
  const retrain = await rt.retrainer.request({ shop: SHOP, models: ['clv'], trigger: 'external', reason: 'test' });
  expect(retrain).toMatchObject({ status: 'failed', error: expect.stringMatching(/uninstalled/) });
  expect(await rt.shopify.writeBack({ mode: 'auto', shops: [SHOP] })).toEqual([expect.objectContaining({ shop: SHOP, skipped: 'uninstalled' })]);
  expect(server.calls).toEqual([]);

  const again = await install((await getJwt(STORE, API_KEY, SECRET)).token);
  expect(await again.json()).toMatchObject({ reinstalled: true });
  expect(await rt.shopify.isUninstalled(SHOP)).toBe(false);
});

test('Flow triggers: each recorded monitor decision is sent once with flowTriggerReceive (model, version, precision); a lost call is sent at the next pass', async () => {
  const { token } = await getJwt(STORE, API_KEY, SECRET);
  expect((await install(token)).status).toBe(200);
  const rolledBack = decision({ shop: SHOP, model: 'propensity', revision_before: 3, decided_at: '2026-05-01T03:00:00.000Z' });
  const promoted = decision({ shop: SHOP, model: 'clv', action: 'promote', revision_before: 7, decided_at: '2026-05-02T03:00:00.000Z', flow_event: { trigger: 'model_promoted', shop: SHOP, model: 'clv', version: 4, precision: null, reason: 'guardrails_held' } });
  expect(await rt.monitor.store.recordDecision(rolledBack)).toBe(true);
  server.faults.push({ field: 'flowTriggerReceive', nth: 1, when: 'before' });
  const first = await rt.shopify.sendFlowTriggers();
  expect(first?.sent).toEqual([]);
  expect(first?.failed).toHaveLength(1);
  expect(await rt.monitor.store.recordDecision(promoted)).toBe(true);
  const second = await rt.shopify.sendFlowTriggers();
  expect(second?.sent.map((s) => s.handle)).toEqual(['model-rolled-back', 'model-promoted']);
  expect(server.flowTriggers).toEqual([
    { shop: SHOP, handle: 'model-rolled-back', payload: { model: 'propensity', version: '4', precision: 289 / 412 } },
    { shop: SHOP, handle: 'model-promoted', payload: { model: 'clv', version: '4' } },
  ]);
  const third = await rt.shopify.sendFlowTriggers();
  expect(third?.sent).toEqual([]);
  expect(server.flowTriggers).toHaveLength(2);
});

test('the scopes the library asks for are the ones shopify.app.toml declares (write_products and write_customers for the metafields)', () => {
  const toml = parse(readFileSync(path.join(__dirname, '../../shopify.app.toml'), 'utf8')) as { access_scopes: { scopes: string } };
  expect(toml.access_scopes.scopes.split(',').sort()).toEqual([...APP_SCOPES].sort());
  expect(APP_SCOPES).toEqual(expect.arrayContaining(['write_products', 'write_customers']));
});
