// Secrets in force: rotation config, the random per-data-directory development secret (runtime, simulate, replay), refusal off loopback.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isLoopbackHost, loadConfig } from '../../functions/src/core/config';
import type { CliContext } from '../../functions/src/cli/context';
import { run as replay } from '../../functions/src/cli/verbs/replay';
import { run as simulate } from '../../functions/src/cli/verbs/simulate';
import { createLogger } from '../../functions/src/core/log';
import { DEV_SECRET_FILE, developmentSecret, webhookSecrets } from '../../functions/src/core/webhook-secrets';
import { startRuntime } from '../../functions/src/runtime/local-runtime';
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { fixture, tempDir } from '../helpers/runtime';

const REPLAY_CSV = path.join(__dirname, '../fixtures/replay/small-online-retail.csv');

test('SHOPIFY_API_SECRET_PREVIOUS is a comma-separated list, tried after the current secret', async () => {
  const c = loadConfig({ SHOPIFY_API_SECRET: 'now', SHOPIFY_API_SECRET_PREVIOUS: ' before , , earlier,' });
  expect(c).toMatchObject({ secretSource: 'env', shopifyApiSecret: 'now', shopifyApiSecretPrevious: ['before', 'earlier'] });
  expect(await webhookSecrets(c)).toEqual({ current: 'now', previous: ['before', 'earlier'], source: 'env' });
  expect(loadConfig({ SHOPIFY_API_SECRET: 'now' }).shopifyApiSecretPrevious).toEqual([]);
});

test('without SHOPIFY_API_SECRET a non-loopback host is refused, listed with the other problems', () => {
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(host)).toBe(true);
  for (const host of ['0.0.0.0', '::', '192.168.1.20', 'example.com', 'localhost.example.com', '::ffff:10.0.0.1']) expect(isLoopbackHost(host)).toBe(false);
  let message = '';
  try {
    loadConfig({ SHOP_MLOPS_HOST: '0.0.0.0', PORT: 'abc' });
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain('port (PORT)');
  expect(message).toContain('shopifyApiSecret (SHOPIFY_API_SECRET): required when the runtime binds a non-loopback host (SHOP_MLOPS_HOST=0.0.0.0)');
  expect(loadConfig({ SHOP_MLOPS_HOST: '0.0.0.0', SHOPIFY_API_SECRET: 'set' }).host).toBe('0.0.0.0');
  expect(loadConfig({ SHOP_MLOPS_HOST: '::1' }).secretSource).toBe('development');
});

test('the development secret is random per data directory, 0600, stable, and agreed on by concurrent first users', async () => {
  const a = tempDir();
  const b = tempDir();
  const first = await Promise.all(Array.from({ length: 8 }, () => developmentSecret(a)));
  expect(new Set(first).size).toBe(1);
  expect(first[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(first[0]).not.toBe('shop-mlops-dev-secret');
  expect(statSync(path.join(a, DEV_SECRET_FILE)).mode & 0o777).toBe(0o600);
  expect(await developmentSecret(a)).toBe(first[0]);
  expect(await developmentSecret(b)).not.toBe(first[0]);
  writeFileSync(path.join(b, DEV_SECRET_FILE), 'short\n');
  await expect(developmentSecret(b)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
});

test('the runtime verifies with the data directory secret; simulate and replay sign with it; the old fixed secret is refused', async () => {
  const dataDir = tempDir();
  const config = loadConfig({}, { port: 0, dataDir, logLevel: 'ERROR', loadLingerMs: 0 });
  expect(config.secretSource).toBe('development');
  const rt = await startRuntime({ config, logger: createLogger({ level: 'ERROR', write: () => undefined }) });
  try {
    const secret = readFileSync(path.join(dataDir, DEV_SECRET_FILE), 'utf8').trim();
    const url = `${rt.url}/webhooks`;
    expect((await postWebhook(url, forgeWebhook({ secret, topic: 'orders/create', body: fixture('orders_create.json') }))).status).toBe(200);
    expect((await postWebhook(url, forgeWebhook({ secret: 'shop-mlops-dev-secret', topic: 'orders/create', body: fixture('orders_create.json') }))).status).toBe(401);

    const out: string[] = [];
    const ctx: CliContext = { config: loadConfig({ SHOP_MLOPS_DATA_DIR: dataDir }), json: true, out: (s) => void out.push(s), err: (s) => void out.push(s) };
    expect(await simulate(['--url', url, '--days', '2', '--seed', '3', '--start', '2026-01-05', '--concurrency', '4'], ctx)).toBe(0);
    expect(await replay(['--csv', REPLAY_CSV, '--url', url, '--timezone', 'Europe/London'], ctx)).toBe(0);
    const sends = out.map((l) => (JSON.parse(l) as { send: { delivered: number; failed: number } }).send);
    expect(sends[0]!.delivered).toBeGreaterThan(0);
    expect(sends.map((s) => s.failed)).toEqual([0, 0]);
    expect(sends[1]!.delivered).toBe(7);
  } finally {
    await rt.close();
  }
});

test('while rotating, current and previous secrets are accepted; the log names which one matched, never a value', async () => {
  const lines: string[] = [];
  const current = 'rotation-current-value-7f3a';
  const previous = ['rotation-previous-value-19c2', 'rotation-older-value-55d0'];
  const config = loadConfig({ SHOPIFY_API_SECRET: current, SHOPIFY_API_SECRET_PREVIOUS: previous.join(',') }, { port: 0, dataDir: tempDir(), logLevel: 'DEBUG' });
  const rt = await startRuntime({ config, logger: createLogger({ level: 'DEBUG', write: (l) => lines.push(l) }) });
  const body = fixture('orders_create.json');
  const signed = [current, previous[0]!, previous[1]!, previous[1]!, 'rotation-unknown-value'].map((secret) => forgeWebhook({ secret, topic: 'orders/create', body }));
  let statuses: number[];
  try {
    statuses = [];
    for (const d of signed) statuses.push((await postWebhook(`${rt.url}/webhooks`, d)).status);
    await rt.loader.drain();
  } finally {
    await rt.close();
  }
  expect(statuses).toEqual([200, 200, 200, 200, 401]);
  const notes = lines.filter((l) => l.includes('signed with a previous secret')).map((l) => JSON.parse(l) as { signedWith?: string });
  // One note per previous secret in use (at most once a minute), naming it by position; the start-up line names them the same way.
  expect(lines.find((l) => l.includes('accepting previous secrets'))).toContain('"previous":["previous[0]","previous[1]"]');
  expect(notes.map((n) => n.signedWith)).toEqual(['previous[0]', 'previous[1]']);
  for (const l of lines) {
    for (const forbidden of [current, ...previous, ...signed.map((d) => d.headers['X-Shopify-Hmac-Sha256']!)]) expect(l).not.toContain(forbidden);
  }
});
