// The dashboard's JSON routes on a real runtime: the admin routes' guard (loopback + token), zod-checked queries, empty answers on an empty store, ingest health from landed events, and the page with its vendor builds served at /.
import { planStore } from '../../functions/src/simulator/plan-store';
import { sendDeliveries } from '../../functions/src/simulator/send';
import type { Runtime } from '../../functions/src/runtime/local-runtime';
import { execSync } from 'node:child_process';
import { dashboardLine } from '../../functions/src/runtime/dashboard-link';
import { createFileRunTracker } from '../../functions/src/adapters/embedded/file-run-tracker';
import { SECRET, startTestRuntime } from '../helpers/runtime';

const SHOP = 'routes-store.myshopify.com';
let rt: Runtime | null = null;
afterAll(async () => {
  await rt?.close();
});

const get = async (route: string, token: string | null = rt!.adminToken) => {
  const res = await fetch(`${rt!.url}${route}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

test('guarded like the admin routes, queries checked, empty store answered with empty data, ingest counted from landed events', async () => {
  rt = await startTestRuntime({ featuresEveryMinutes: 0 });
  expect((await get('/admin/dashboard/shops', null)).status).toBe(401);
  expect((await get('/admin/dashboard/models', 'wrong-token')).status).toBe(401);
  expect(await get('/admin/dashboard/shops')).toEqual({ status: 200, body: { shops: [] } });
  // The shop is required (the operator names it) and must be a shop domain; unknown or out-of-range parameters are refused.
  expect((await get('/admin/dashboard/models')).status).toBe(400);
  expect((await get(`/admin/dashboard/live?shop=${SHOP}&days=0`)).body).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.stringMatching(/days/) } });
  expect((await get(`/admin/dashboard/forecast?shop=${SHOP}&variant_id=1'%20OR%201=1`)).status).toBe(400);
  expect((await get(`/admin/dashboard/timeline?shop=${SHOP}&extra=1`)).status).toBe(400);
  expect((await get(`/admin/dashboard/nope?shop=${SHOP}`)).status).toBe(404);
  // An empty store: every route answers, with nothing in it.
  const empty = {
    models: { models: ['clv', 'propensity', 'forecast', 'recommend'].map((model) => expect.objectContaining({ model, versions: [] })) },
    runs: { runs: [], comparison: { runs: [], rows: expect.any(Array) } },
    endpoints: { endpoints: expect.arrayContaining([expect.objectContaining({ model: 'clv', split: null, history: [] })]) },
    live: expect.objectContaining({ days: [] }),
    drift: expect.objectContaining({ results: [] }),
    timeline: expect.objectContaining({ events: [] }),
    variants: { variants: [] },
    customers: { batch: null, clv: [], segments: [] },
  };
  for (const [route, body] of Object.entries(empty)) expect([route, await get(`/admin/dashboard/${route}?shop=${SHOP}`)]).toEqual([route, { status: 200, body }]);
  expect((await get(`/admin/dashboard/forecast?shop=${SHOP}&variant_id=42`)).body).toEqual({ variant_id: '42', product_id: null, batch: null, history: [], forecast: [], replenishment: null });

  // Ingest health counts what landed in the last hour, per minute.
  const plan = planStore({ days: 3, seed: 'routes', timezone: 'UTC', shop: SHOP, startDate: '2026-03-01' });
  const sent = await sendDeliveries(`${rt.url}/webhooks`, plan.deliveries, { secret: SECRET, concurrency: 16 });
  expect(sent.failed).toBe(0);
  expect(await rt.loader.drain(60_000)).toBe(true);
  const landed = Number((await rt.warehouse.query(`SELECT count(*) AS n FROM shop_raw.events WHERE shop = '${SHOP}'`))[0]!['n']);
  const ingest = (await get(`/admin/dashboard/ingest?shop=${SHOP}&minutes=10`)).body as { perMinute: { minute: string; events: number }[]; quarantine: number; backlog: { bytes: number } };
  expect(ingest.perMinute).toHaveLength(10);
  expect(ingest.perMinute.reduce((s, m) => s + m.events, 0)).toBe(landed);
  expect(ingest).toMatchObject({ quarantine: 0, backlog: { bytes: 0 } });
  expect((await get('/admin/dashboard/shops')).body).toEqual({ shops: [SHOP] });

  // A run on the store's only shop (no shop named) is the local operator's to see.
  const tracker = createFileRunTracker({ dir: `${(rt as unknown as { dataDir: string }).dataDir}/runs`, artifacts: rt.artifacts });
  await (await tracker.startRun({ experiment: 'training', params: { shop: '' }, dataSnapshot: { rows: {}, contentHash: 'sha256:x' }, codeVersion: { packageVersion: '0.1.0', gitCommit: null } })).end('COMPLETE');
  expect(((await get(`/admin/dashboard/runs?shop=${SHOP}`)).body['runs'] as unknown[]).length).toBe(1);

  // The page and its vendor builds, without the token (it holds no data); no path outside hosting/ is served.
  const page = await fetch(`${rt.url}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('dashboard/main.js');
  expect(page.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
  for (const f of ['/vendor/vega.min.js', '/vendor/vega-lite.min.js', '/vendor/vega-embed.min.js', '/dashboard/main.js', '/dashboard/specs.js', '/dashboard/dashboard.css']) {
    const res = await fetch(`${rt.url}${f}`);
    expect([f, res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([f, 200, f.endsWith('.css') ? 'text/css' : 'text/javascript']);
  }
  // What `shop-mlops up` prints last: the address, and a command printing the link with the token (not the token itself).
  const line = dashboardLine(rt.url, (rt as unknown as { dataDir: string }).dataDir);
  expect(line).toContain(`Dashboard: ${rt.url}/`);
  expect(line).not.toContain(rt.adminToken);
  expect(execSync(/node -p "(.*)"$/.exec(line)![0], { shell: '/bin/sh' }).toString().trim()).toBe(`${rt.url}/#token=${rt.adminToken}`);
  for (const f of ['/vendor/hono.js', '/dashboard/..%2f..%2fpackage.json', '/dashboard/.env.js']) expect([f, (await fetch(`${rt.url}${f}`)).status]).toEqual([f, 404]);
});
