// The Flow action "Retrain models" on the real runtime over HTTP: verified with @shopify/shopify-api's flow.validate, shop from the signed body, one retraining request per action_run_id (durable across a restart), answered at once.
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import { appendRecords } from '../../functions/src/adapters/embedded/jsonl-journal';
import { FLOW_ACTIONS_FILE } from '../../functions/src/adapters/embedded/journal-flow-action-runs';
import { FLOW_ACTION_PATH } from '../../functions/src/http/flow-action-route';
import { FIXTURES, SECRET, startTestRuntime, tempDir } from '../helpers/runtime';

const SHOP = 'flow-store.myshopify.com';
const OTHER = 'other-store.myshopify.com';

type Rt = Awaited<ReturnType<typeof startTestRuntime>>;

const actionBody = (actionRunId: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    shop_id: 98765,
    shopify_domain: SHOP,
    action_run_id: actionRunId,
    action_definition_id: 'retrain-models',
    handle: 'retrain-models',
    properties: { models: 'propensity, clv', reason: `Flow: customer joined at-risk segment (${actionRunId})` },
    ...over,
  });

const send = (rt: Rt, body: string, headers: Record<string, string> = { 'x-shopify-hmac-sha256': getHmac(body, SECRET) }) =>
  fetch(`${rt.url}${FLOW_ACTION_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/** Retraining requests the action made (its reason names the action run). */
const requestsFor = async (rt: Rt, actionRunId: string) =>
  (await rt.warehouse.query(`SELECT shop, trigger, models, status FROM shop_monitoring.retrain_requests WHERE reason LIKE '%(${actionRunId})'`).catch(() => [])).map((r) => ({ ...r, models: JSON.parse(JSON.stringify(r['models'])) as unknown }));

async function settled(rt: Rt, actionRunId: string, n: number): Promise<unknown[]> {
  const end = Date.now() + 20_000;
  let rows = await requestsFor(rt, actionRunId);
  while (rows.length < n && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    rows = await requestsFor(rt, actionRunId);
  }
  await rt.retrainer.idle();
  return rows;
}

async function withShop(rt: Rt): Promise<void> {
  await rt.warehouse.landEvents([{ shop: SHOP, topic: 'orders/create', webhook_id: 'flow-w1', event_id: null, api_version: '2026-10', triggered_at: null, received_at: '2026-05-10T00:00:00.000Z', payload: readFileSync(path.join(FIXTURES, 'orders_create.json'), 'utf8') }]);
}

describe('on the running runtime', () => {
  let rt: Rt;
  beforeAll(async () => {
    rt = await startTestRuntime({ featuresEveryMinutes: 0 });
    await withShop(rt);
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    if (rt) rmSync(rt.dataDir, { recursive: true, force: true });
  });

  test('a valid request → 200 queued at once, and exactly one retraining request (trigger external, the named models)', async () => {
    const started = performance.now();
    const r = await send(rt, actionBody('run-valid-1'));
    const ms = performance.now() - started;
    expect([r.status, await r.json()]).toEqual([200, { status: 'queued', action_run_id: 'run-valid-1' }]);
    expect(ms).toBeLessThan(5_000); // Flow allows 30 s; the work is queued, not done here
    const rows = await settled(rt, 'run-valid-1', 1);
    expect(rows).toEqual([{ shop: SHOP, trigger: 'external', models: ['clv', 'propensity'], status: expect.stringMatching(/^(started|failed)$/) }]);
  }, 60_000);

  test('a replayed action_run_id → 200 duplicate, no second request', async () => {
    const body = actionBody('run-replay-1');
    expect((await send(rt, body)).status).toBe(200);
    expect(await settled(rt, 'run-replay-1', 1)).toHaveLength(1);
    const again = await Promise.all([send(rt, body), send(rt, body), send(rt, actionBody('run-replay-1', { properties: { models: 'forecast', reason: 'changed (run-replay-1)' } }))]);
    for (const a of again) expect([a.status, await a.json()]).toEqual([200, { status: 'duplicate', action_run_id: 'run-replay-1' }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await settled(rt, 'run-replay-1', 1)).toHaveLength(1);
  }, 60_000);

  test('a tampered body, a missing or wrong signature → 401, nothing recorded', async () => {
    const body = actionBody('run-tampered-1');
    const tampered = body.replace('"propensity, clv"', '"forecast"');
    expect((await send(rt, tampered, { 'x-shopify-hmac-sha256': getHmac(body, SECRET) })).status).toBe(401);
    expect((await send(rt, body, {})).status).toBe(401);
    expect((await send(rt, body, { 'x-shopify-hmac-sha256': getHmac(body, 'another-apps-secret') })).status).toBe(401);
    // The same run properly signed afterwards is still new (nothing was recorded for the refused ones).
    const ok = await send(rt, body);
    expect([ok.status, await ok.json()]).toEqual([200, { status: 'queued', action_run_id: 'run-tampered-1' }]);
    expect(await settled(rt, 'run-tampered-1', 1)).toHaveLength(1);
  }, 60_000);

  test("another shop's signed body, or a header naming another shop → 403, no request", async () => {
    const other = actionBody('run-other-1', { shopify_domain: OTHER });
    const r = await send(rt, other);
    expect([r.status, ((await r.json()) as { error: { code: string } }).error.code]).toEqual([403, 'FORBIDDEN']);
    const mine = actionBody('run-other-2');
    expect((await send(rt, mine, { 'x-shopify-hmac-sha256': getHmac(mine, SECRET), 'x-shopify-shop-domain': OTHER })).status).toBe(403);
    expect((await send(rt, actionBody('run-other-3', { shopify_domain: "x' OR 1=1" }))).status).toBe(400);
    expect((await send(rt, actionBody('run-other-4', { properties: { models: 'nope' } }))).status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    for (const id of ['run-other-1', 'run-other-2', 'run-other-3', 'run-other-4']) expect(await requestsFor(rt, id)).toEqual([]);
  }, 60_000);
});

test('deduplication survives a restart, and a run accepted but not handled before a crash is handled at start', async () => {
  const dataDir = tempDir();
  let rt = await startTestRuntime({ featuresEveryMinutes: 0, dataDir });
  try {
    await withShop(rt);
    const body = actionBody('run-durable-1');
    expect((await send(rt, body)).status).toBe(200);
    expect(await settled(rt, 'run-durable-1', 1)).toHaveLength(1);
    await rt.close();
    // A crash between the claim and the retraining request: the journal holds a claim with no outcome.
    await appendRecords(path.join(dataDir, FLOW_ACTIONS_FILE), [{ kind: 'claim', run: { action_run_id: 'run-crashed-1', shop: SHOP, handle: 'retrain-models', models: ['recommend'], reason: 'Flow (run-crashed-1)', received_at: '2026-05-10T00:00:00.000Z' } }]);
    rt = await startTestRuntime({ featuresEveryMinutes: 0, dataDir });
    const again = await send(rt, body);
    expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate', action_run_id: 'run-durable-1' }]);
    expect(await settled(rt, 'run-crashed-1', 1)).toEqual([{ shop: SHOP, trigger: 'external', models: ['recommend'], status: expect.any(String) }]);
    expect(await requestsFor(rt, 'run-durable-1')).toHaveLength(1);
  } finally {
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
