// The CLI as users run it: sql through the runtime and directly, quarantine list/replay, config errors, the demo smoke run.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { SECRET as SECRET_RT, fixture, startTestRuntime, tempDir } from '../helpers/runtime';
import { replayQuarantine } from '../../functions/src/core/quarantine-replay';
import { freePort, runCli, spawnCli, waitHealthy } from '../helpers/process';

const SECRET = 'cli-secret';
const env = { SHOPIFY_API_SECRET: SECRET };

test('sql and quarantine work through the running runtime and directly on the file once it stops', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const rt = spawnCli(['up', '--no-demo', '--port', String(port), '--data-dir', dataDir], env);
  try {
    await waitHealthy(url, 30_000, rt);
    const ok = forgeWebhook({ secret: SECRET, topic: 'orders/create', body: fixture('orders_create.json'), webhookId: 'cli-1' });
    expect((await postWebhook(`${url}/webhooks`, ok)).status).toBe(200);
    // A payload our schema rejects (line_items missing) is quarantined; a later "fix" is simulated by sending a valid body for replay below.
    const bad = forgeWebhook({ secret: SECRET, topic: 'orders/create', body: '{"id": 820982911946154509, "created_at": "2026-01-01T00:00:00Z", "currency": "USD", "total_price": "1.00"}', webhookId: 'cli-bad' });
    expect((await postWebhook(`${url}/webhooks`, bad)).status).toBe(200);
    await fetch(`${url}/healthz`);
    let rows: Record<string, string>[] = [];
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      const r = await runCli(['sql', '--json', '--data-dir', dataDir, "SELECT json_extract_string(payload, '$.id') AS id, 820982911946154508::BIGINT AS big FROM shop_raw.events"]);
      expect(r.code).toBe(0);
      rows = JSON.parse(r.stdout) as Record<string, string>[];
      if (!rows.length) await new Promise((res) => setTimeout(res, 100));
    }
    expect(rows).toEqual([{ id: '820982911946154508', big: '820982911946154508' }]);
    const table = await runCli(['sql', '--data-dir', dataDir, 'SELECT topic, count(*) AS n FROM shop_raw.events GROUP BY 1']);
    expect(table.stdout).toMatch(/topic\s+n\n-+\s+-+\norders\/create\s+1\n\(1 row\)/);
    let q: { webhook_id: string; reason: string }[] = [];
    for (let i = 0; i < 50 && q.length === 0; i++) {
      q = JSON.parse((await runCli(['quarantine', 'list', '--json', '--data-dir', dataDir])).stdout) as typeof q;
      if (!q.length) await new Promise((res) => setTimeout(res, 100));
    }
    expect(q).toMatchObject([{ webhook_id: 'cli-bad', reason: expect.stringMatching(/^schema: line_items/) }]);
    const still = JSON.parse((await runCli(['quarantine', 'replay', '--json', '--data-dir', dataDir])).stdout) as { result: string }[];
    expect(still).toMatchObject([{ result: 'still_quarantined' }]);
  } finally {
    rt.kill('SIGTERM');
    await new Promise((r) => rt.once('exit', r));
  }
  // Runtime stopped: the CLI opens the database file itself.
  const direct = await runCli(['sql', '--json', '--data-dir', dataDir, 'SELECT count(*) AS n FROM shop_raw.events']);
  expect(direct.code).toBe(0);
  expect(JSON.parse(direct.stdout)).toEqual([{ n: '1' }]);
}, 90_000);

test('quarantine replay lands a delivery once the schema accepts it, exactly once', async () => {
  const rt = await startTestRuntime();
  try {
    const body = fixture('orders_create.json');
    const d = forgeWebhook({ secret: SECRET_RT, topic: 'orders/create', body, webhookId: 'replay-1' });
    await postWebhook(`${rt.url}/webhooks`, d);
    await rt.loader.drain();
    // Simulate a delivery that was quarantined under an older, stricter schema (same authentic bytes).
    await rt.warehouse.quarantine([{ shop: 'demo-store.myshopify.com', topic: 'orders/create', webhook_id: 'replay-2', event_id: 'ev-r2', api_version: '2026-10', triggered_at: null, received_at: new Date().toISOString(), reason: 'schema: old rule', body: body.toString().replace('820982911946154508,', '820982911946154599,'), body_encoding: 'utf8' }]);
    await rt.warehouse.quarantine([{ shop: 'demo-store.myshopify.com', topic: 'orders/create', webhook_id: 'replay-1', event_id: null, api_version: '2026-10', triggered_at: null, received_at: new Date().toISOString(), reason: 'schema: old rule', body: body.toString(), body_encoding: 'utf8' }]);
    const out = await replayQuarantine(rt.warehouse, {});
    expect(out.map((o) => [o.webhookId, o.result]).sort()).toEqual([['replay-1', 'duplicate'], ['replay-2', 'landed']]);
    expect(await rt.warehouse.listQuarantine()).toEqual([]);
    expect(await replayQuarantine(rt.warehouse, {})).toEqual([]);
    expect(await rt.warehouse.query("SELECT webhook_id, json_extract_string(payload, '$.id') AS id FROM shop_raw.events ORDER BY 1")).toEqual([
      { webhook_id: 'replay-1', id: '820982911946154508' },
      { webhook_id: 'replay-2', id: '820982911946154599' },
    ]);
  } finally {
    await rt.close();
  }
});

test('invalid configuration lists every problem at once', async () => {
  const r = await runCli(['up', '--no-demo', '--port', 'abc'], { SHOP_MLOPS_MODE: 'gcp', SHOPIFY_API_SECRET: '' });
  expect(r.code).toBe(1);
  for (const k of ['port (PORT)', 'shopifyApiSecret (SHOPIFY_API_SECRET)', 'gcpProject (GOOGLE_CLOUD_PROJECT)', 'artifactBucket (SHOP_MLOPS_ARTIFACT_BUCKET)']) expect(r.stderr).toContain(k);
});

test('the development secret is announced in the start-up log, never its value', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const rt = spawnCli(['up', '--no-demo', '--port', String(port), '--data-dir', dataDir], { SHOPIFY_API_SECRET: '', SHOP_MLOPS_LOG_LEVEL: 'INFO' });
  try {
    await waitHealthy(`http://127.0.0.1:${port}`, 30_000, rt);
    expect(rt.output()).toContain('SHOPIFY_API_SECRET is not set');
    const devSecret = readFileSync(path.join(dataDir, 'dev-secret'), 'utf8').trim();
    expect(devSecret.length).toBeGreaterThanOrEqual(43);
    expect(rt.output()).not.toContain(devSecret);
  } finally {
    rt.kill('SIGTERM');
    await new Promise((r) => rt.once('exit', r));
  }
});

test('npm start path: `up --exit-after-demo` fills the store, prints URLs and a summary, exits 0', async () => {
  const dataDir = tempDir();
  // The demo's period is pinned, so the run does not depend on today's date (demo-calendar.test.ts covers other days).
  const r = await runCli(['up', '--exit-after-demo', '--demo-end', '2026-11-25', '--port', '0', '--data-dir', dataDir]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/Demo store: \d+ signed webhooks sent/);
  expect(r.stdout).toMatch(/webhooks\s+http:\/\/127\.0\.0\.1:\d+\/webhooks/);
  expect(r.stdout).toMatch(/shop_raw\.events\s+orders\/create\s+\d+/);
  expect(r.stdout).toMatch(/Features for snapshot \d{4}-\d{2}-\d{2}: \d+ actions ok/);
  expect(r.stdout).toMatch(/shop_features\.customer_rfm\s+\d+/);
  // every stage built so far: the training pipeline ran on those features and registered what it trained
  expect(r.stdout).toMatch(/training run \S+ on demo-store\.myshopify\.com features of \d{4}-\d{2}-\d{2}: succeeded/);
  for (const [model, metric] of [['clv', 'holdout_mae \\(lower\\)'], ['propensity', 'holdout_brier \\(lower\\)'], ['forecast', 'holdout_rmsse \\(lower\\)'], ['recommend', 'holdout_ndcg \\(higher\\)']]) {
    expect(r.stdout).toMatch(new RegExp(`${model}\\s+${metric}\\s+[\\d.]+\\s+no_champion\\s+v1`));
  }
  // serving: every champion deployed, the second run's challenger at a 5 % canary, the traffic table printed
  expect(r.stdout).toMatch(/Serving \([\d.]+ s\): every champion deployed; second training run \S+: succeeded/);
  for (const model of ['clv', 'propensity', 'forecast', 'recommend']) expect(r.stdout).toMatch(new RegExp(`${model}\\s+v1 95 %\\s+v2 5 %\\s+0 %\\s+v1 v2\\s+3\\s+v1`));
  // one real prediction route call to try, with the answer it got: the model, version and arm that served it
  const tried = /Try: (curl .*)\n(\{[\s\S]*?\n\})\n/.exec(r.stdout);
  expect(tried).not.toBeNull();
  expect(tried![1]).toMatch(/^curl -s -H "authorization: Bearer \$\(node -p "require\('[^']+runtime\.json'\)\.adminToken"\)" 'http:\/\/127\.0\.0\.1:\d+\/api\/recommendations\/product\?shop=demo-store\.myshopify\.com&product_id=\w+&k=3&visitor_id=demo-visitor'$/);
  const answer = JSON.parse(tried![2]!) as { model: string; version: number; arm: string; fallback: boolean; prediction: unknown[] };
  expect(answer).toMatchObject({ model: 'recommend', version: expect.any(Number), arm: expect.stringMatching(/^(champion|challenger)$/), fallback: false });
  expect(answer.prediction).toHaveLength(3);
  const split = await runCli(['traffic', 'clv', '--json', '--data-dir', dataDir]);
  expect(split.code).toBe(0);
  expect(JSON.parse(split.stdout)).toMatchObject({ shop: 'demo-store.myshopify.com', split: { champion: { version: 1, percent: 95 }, challenger: { version: 2, percent: 5 }, holdout: 0 }, aliases: { champion: 1, challenger: 2 }, revision: 3 });
  // Two processes change the same endpoint at once: both land, one after the other (5 → 25 → 50 %), revisions without gaps.
  const both = await Promise.all([runCli(['promote', 'clv', '--data-dir', dataDir]), runCli(['promote', 'clv', '--data-dir', dataDir])]);
  expect(both.map((b) => b.code)).toEqual([0, 0]);
  const after = JSON.parse((await runCli(['traffic', 'clv', '--json', '--data-dir', dataDir])).stdout) as { split: unknown; history: { revision: number; action: string }[] };
  expect(after.split).toEqual({ champion: { version: 1, percent: 50 }, challenger: { version: 2, percent: 50 }, holdout: 0 });
  expect(after.history.map((h) => [h.revision, h.action])).toEqual([[1, 'deploy'], [2, 'deploy'], [3, 'split'], [4, 'ramp'], [5, 'ramp']]);
  const neither = await runCli(['swap', 'clv', '--data-dir', dataDir]);
  expect(neither.code).toBe(1);
  expect(neither.stderr).toMatch(/give either --version or --back\nusage: shop-mlops swap MODEL/);
  const runs = await runCli(['runs', '--json', '--data-dir', dataDir]);
  expect(runs.code).toBe(0);
  expect(runs.stdout).toContain('"experiment"');
  const again = await runCli(['sql', '--json', '--data-dir', dataDir, "SELECT count(*) AS n FROM shop_raw.events WHERE topic = 'orders/create'"]);
  expect(Number((JSON.parse(again.stdout) as { n: string }[])[0]!.n)).toBeGreaterThan(100);
}, 300_000);

test('a demo that would end in the future, or on no calendar day, is refused before anything starts', async () => {
  const future = await runCli(['up', '--exit-after-demo', '--demo-end', '2999-01-01', '--port', '0', '--data-dir', tempDir()]);
  expect(future.code).not.toBe(0);
  expect(future.stderr).toMatch(/--demo-end must not be after yesterday/);
  const bad = await runCli(['up', '--exit-after-demo', '--demo-end', '2026-02-30', '--demo-days', 'x', '--port', '0', '--data-dir', tempDir()]);
  expect(bad.stderr).toMatch(/--demo-days must be a whole number.*--demo-end must be a calendar day/s);
});
