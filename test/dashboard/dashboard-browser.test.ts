// The dashboard in a real browser (headless Debian chromium through playwright-core) against a local runtime filled by the simulator: no console errors, every chart has data, the variant picker changes the forecast, a rollback caused here appears on the timeline; writes docs/dashboard.png.
import { execSync } from 'node:child_process';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildDashboardStore, monitorPass, at, type DashboardStore } from './support/dashboard-store';

jest.setTimeout(600_000); // ~90 s on an idle 2-core machine; generous for a loaded one

const SCREENSHOT = path.join(__dirname, '..', '..', 'docs', 'dashboard.png');
const CARDS = ['timeline', 'traffic', 'live', 'forecast', 'customers', 'drift', 'ingest', 'models', 'runs'];

let store: DashboardStore | null = null;
let browser: Browser | null = null;
afterAll(async () => {
  await browser?.close();
  await store?.rt.close();
});

/** Each chart's rows in its `table` dataset, by card/slot. */
const chartRows = (page: Page) =>
  page.evaluate(() => {
    const views = (window as unknown as { dashboard: { views: Record<string, { data(name: string): unknown[] }> } }).dashboard.views;
    return Object.fromEntries(Object.entries(views).map(([k, v]) => [k, v.data('table').length]));
  });
const cardStates = (page: Page) => page.evaluate((ids) => Object.fromEntries(ids.map((id) => [id, document.getElementById(id)!.dataset['state']])), CARDS);
const loads = (page: Page) => page.evaluate(() => (window as unknown as { dashboard: { loaded?: number } }).dashboard.loaded ?? 0);

test('the dashboard draws every card from the simulated store, the variant picker changes the forecast, and the monitor\'s rollback appears on the timeline', async () => {
  const started = performance.now();
  store = await buildDashboardStore();
  const { rt } = store;
  const executablePath = execSync('command -v chromium', { shell: '/bin/sh' }).toString().trim();
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(120_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });

  // The link `npm start` prints carries the admin token in the fragment (never sent to the server, removed from the address bar).
  await page.goto(`${rt.url}/#token=${encodeURIComponent(rt.adminToken)}`);
  await page.waitForFunction(() => ((window as unknown as { dashboard?: { loaded?: number } }).dashboard?.loaded ?? 0) >= 1);
  expect(new URL(page.url()).hash).toBe('');
  // Before the monitor pass: no outcome is judged yet (the live card says so) and nothing was rolled back.
  expect((await cardStates(page))['live']).toBe('empty');
  expect(await page.locator('#live .status').textContent()).toMatch(/No labelled outcomes yet/);
  expect(await page.locator('#timeline li[data-action="rollback"]').count()).toBe(0);

  // The rollback, caused here: the monitor pass judges the canary's month of outcomes against the 0.25 threshold.
  const report = await monitorPass(store, at(33, 6));
  expect(report.endpoints.find((e) => e.model === 'propensity')).toMatchObject({ acted: true, decision: { action: 'rollback', reason: 'precision_below_threshold' } });
  await page.click('#refresh');
  await page.waitForFunction(() => ((window as unknown as { dashboard: { loaded?: number } }).dashboard.loaded ?? 0) >= 2);

  // Every card drew, and every chart has rows.
  expect(await cardStates(page)).toEqual(Object.fromEntries(CARDS.map((id) => [id, 'ready'])));
  const rows = await chartRows(page);
  expect(Object.keys(rows).sort()).toEqual(['customers/clv', 'customers/segments', 'drift/heatmap', 'forecast/demand', 'forecast/stock', 'ingest/rate', 'live/live-propensity', 'timeline/events', 'traffic/history', 'traffic/split']);
  for (const [chart, n] of Object.entries(rows)) expect([chart, n > 0]).toEqual([chart, true]);
  const landedLastHour = await page.evaluate(() => (window as unknown as { dashboard: { views: Record<string, { data(n: string): { events: number }[] }> } }).dashboard.views['ingest/rate']!.data('table').reduce((s, m) => s + m.events, 0));
  expect(landedLastHour).toBeGreaterThan(1000);
  expect(await page.locator('#models tbody tr').count()).toBeGreaterThanOrEqual(5);
  expect(await page.locator('#runs thead th').count()).toBeGreaterThanOrEqual(3); // a label column and at least two runs

  // The rollback is on the timeline, with its evidence.
  const rollback = page.locator('#timeline li[data-kind="decision"][data-action="rollback"]');
  expect(await rollback.count()).toBe(1);
  expect(await rollback.textContent()).toMatch(new RegExp(`rolled back propensity v${store.badVersion} \\(precision below threshold\\): precision 0\\.\\d{3} \\(95 % interval 0\\.\\d{3}–0\\.\\d{3}, n = \\d+\\) vs threshold 0\\.25`));
  const timelineWhat = await page.evaluate(() => (window as unknown as { dashboard: { views: Record<string, { data(n: string): { what: string; model: string }[] }> } }).dashboard.views['timeline/events']!.data('table').filter((r) => r.what === 'rollback').map((r) => r.model));
  expect(timelineWhat).toEqual(['propensity']);

  // The variant picker changes the forecast chart.
  const demand = () => page.evaluate(() => JSON.stringify((window as unknown as { dashboard: { views: Record<string, { data(n: string): unknown[] }> } }).dashboard.views['forecast/demand']!.data('table')));
  const before = await demand();
  const options = await page.locator('#variant option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(options.length).toBeGreaterThan(1);
  await page.selectOption('#variant', options[1]!);
  await page.waitForFunction(() => document.getElementById('forecast')!.dataset['state'] === 'ready' && (window as unknown as { dashboard: { views: Record<string, unknown> } }).dashboard.views['forecast/demand'] !== undefined);
  await page.waitForFunction((old) => JSON.stringify((window as unknown as { dashboard: { views: Record<string, { data(n: string): unknown[] }> } }).dashboard.views['forecast/demand']!.data('table')) !== old, before);
  expect(await page.locator('#forecast [data-chart="demand"] svg').count()).toBe(1);
  await page.selectOption('#variant', options[0]!);
  await page.waitForFunction((old) => JSON.stringify((window as unknown as { dashboard: { views: Record<string, { data(n: string): unknown[] }> } }).dashboard.views['forecast/demand']?.data('table')) === old, before);

  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // On a phone: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300); // vega-embed re-fits on resize
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  expect(await loads(page)).toBe(2);
  expect(problems).toEqual([]);

  // A route that fails: its card says so and offers a retry, the others still draw; the retry recovers.
  await page.route('**/admin/dashboard/drift?*', (r) => r.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'warehouse unavailable' } }) }));
  await page.click('#refresh');
  await page.waitForFunction(() => ((window as unknown as { dashboard: { loaded?: number } }).dashboard.loaded ?? 0) >= 3);
  expect(await cardStates(page)).toEqual(Object.fromEntries(CARDS.map((id) => [id, id === 'drift' ? 'error' : 'ready'])));
  expect(await page.locator('#drift .status').textContent()).toBe('Could not load: warehouse unavailable Retry');
  await page.unroute('**/admin/dashboard/drift?*');
  await page.click('#drift .status button');
  await page.waitForFunction(() => document.getElementById('drift')!.dataset['state'] === 'ready');
  // The only problems are the refused request and the browser's note of it.
  expect(problems).toHaveLength(2);
  expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^HTTP 503 .*\/admin\/dashboard\/drift\?/), expect.stringMatching(/^console error: Failed to load resource: .* 503/)]));
  console.log(`dashboard browser test: ${JSON.stringify(store.timings)}, total ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
