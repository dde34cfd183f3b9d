// The simulate and replay verbs end to end: argument checks, a dry run, sending to a verifying receiver, JSON output.
import path from 'node:path';
import { loadConfig } from '../../functions/src/core/config';
import type { CliContext } from '../../functions/src/cli/context';
import { replayShopFor, run as replay } from '../../functions/src/cli/verbs/replay';
import { run as simulate } from '../../functions/src/cli/verbs/simulate';
import { freePort, startReceiver, type Receiver } from './helpers/webhook-server';

const FIXTURE = path.join(__dirname, '../fixtures/replay/small-online-retail.csv');
const SECRET = 'cli-verb-secret';

function context(json: boolean, port = 8787): CliContext & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { config: loadConfig({ SHOPIFY_API_SECRET: SECRET, PORT: String(port) }), json, out: (s) => stdout.push(s), err: (s) => stderr.push(s), stdout, stderr };
}

let receiver: Receiver | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

test('simulate --dry-run --json prints one JSON object with the plan summary', async () => {
  const ctx = context(true);
  const code = await simulate(['--days', '10', '--seed', '42', '--timezone', 'Europe/London', '--start', '2026-02-02', '--dry-run'], ctx);
  expect(code).toBe(0);
  expect(ctx.stdout).toHaveLength(1);
  const out = JSON.parse(ctx.stdout[0]!) as { verb: string; url: string; plan: { days: number; timezone: string; currency: string; startDate: string; duplicates: { enabled: boolean } } };
  expect(out).toMatchObject({ verb: 'simulate', url: 'http://127.0.0.1:8787/webhooks', plan: { days: 10, timezone: 'Europe/London', currency: 'GBP', startDate: '2026-02-02', duplicates: { enabled: false } } });
});

test('simulate sends to --url, with --duplicates, and prints a readable summary', async () => {
  receiver = await startReceiver({ secret: SECRET });
  const ctx = context(false);
  const code = await simulate(['--url', receiver.url, '--days', '3', '--seed', '7', '--duplicates', '--concurrency', '4'], ctx);
  expect(ctx.stderr).toEqual([]);
  expect(code).toBe(0);
  const text = ctx.stdout.join('\n');
  expect(text).toMatch(/orders\/create\s+\d+/);
  expect(text).toMatch(/repeat buyers/);
  expect(text).toMatch(/duplicates: on/);
  expect(text).toMatch(/failed 0/);
  expect(receiver.invalid).toBe(0);
  expect(receiver.accepted.length).toBeGreaterThan(0);
});

test('simulate: usage errors exit 2; nothing listening exits 1 with the clear message', async () => {
  const bad = context(false);
  expect(await simulate(['--days', 'x'], bad)).toBe(2);
  expect(bad.stderr.join('\n')).toMatch(/--days must be an integer[\s\S]*--seed is required[\s\S]*usage:/);
  const tz = context(false);
  expect(await simulate(['--days', '2', '--seed', '1', '--timezone', 'Nowhere/City'], tz)).toBe(2);
  const port = await freePort();
  const ctx = context(false, port);
  expect(await simulate(['--days', '2', '--seed', '1'], ctx)).toBe(1);
  expect(ctx.stderr.join('\n')).toContain(`nothing is listening at http://127.0.0.1:${port}/webhooks — start the runtime with \`npx shop-mlops up\``);
});

test('replay --csv sends orders and refunds; --json prints the report and the send result', async () => {
  receiver = await startReceiver({ secret: SECRET });
  const ctx = context(true);
  const code = await replay(['--csv', FIXTURE, '--url', receiver.url, '--timezone', 'Europe/London', '--shop', 'uci-shop.myshopify.com'], ctx);
  expect(code).toBe(0);
  const out = JSON.parse(ctx.stdout[0]!) as { report: { orders: number; refunds: number }; send: { delivered: number; failed: number } };
  expect(out.report).toMatchObject({ orders: 4, refunds: 3 });
  expect(out.send).toMatchObject({ delivered: 7, failed: 0 });
  expect(receiver.accepted.map((r) => r.topic).sort()).toEqual(['orders/create', 'orders/create', 'orders/create', 'orders/create', 'refunds/create', 'refunds/create', 'refunds/create']);
  expect(new Set(receiver.accepted.map((r) => r.shop))).toEqual(new Set(['uci-shop.myshopify.com']));
});

test('replay --dry-run prints the rule table; bad arguments exit 2', async () => {
  const ctx = context(false);
  expect(await replay(['--csv', FIXTURE, '--dry-run'], ctx)).toBe(0);
  const text = ctx.stdout.join('\n');
  expect(text).toMatch(/orders\/create\s+4/);
  expect(text).toMatch(/rows skipped: cancellation_guest\s+1/);
  const bad = context(false);
  expect(await replay(['--csv', '/no/such/file.csv'], bad)).toBe(2);
  expect(bad.stderr.join('\n')).toMatch(/no such file/);
  expect(await replay([], context(false))).toBe(2);
});

test('replay lands in a shop of its own: by default one named after the file, never the demo shop', async () => {
  receiver = await startReceiver({ secret: SECRET });
  const ctx = context(true);
  expect(await replay(['--csv', FIXTURE, '--url', receiver.url, '--timezone', 'Europe/London'], ctx)).toBe(0);
  expect(JSON.parse(ctx.stdout[0]!)).toMatchObject({ shop: 'small-online-retail.myshopify.com' });
  expect(new Set(receiver.accepted.map((r) => r.shop))).toEqual(new Set(['small-online-retail.myshopify.com']));
  expect(replayShopFor('../shared/data/online_retail/online_retail_uci_2010-12_2011-12.csv')).toBe('online-retail-uci-2010-12-2011-12.myshopify.com');
  expect(replayShopFor('/tmp/CDNOW_sample.txt')).toBe('cdnow-sample.myshopify.com');
  const bad = context(false);
  expect(await replay(['--csv', FIXTURE, '--shop', 'Not A Shop', '--dry-run'], bad)).toBe(2);
  expect(bad.stderr.join('\n')).toMatch(/--shop must be a shop's myshopify domain \(name\.myshopify\.com\), got "Not A Shop"\nusage: shop-mlops replay/);
});
