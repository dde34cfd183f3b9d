// Structured logs: Cloud Logging shape, and never a secret or an HMAC, even at DEBUG with bad input flowing.
import { loadConfig } from '../../functions/src/core/config';
import { createLogger, redactSecrets } from '../../functions/src/core/log';
import { startRuntime } from '../../functions/src/runtime/local-runtime';
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { fixture, tempDir } from '../helpers/runtime';

test('redactSecrets hides secret-looking keys at any depth', () => {
  expect(redactSecrets({ a: 1, hmac: 'x', nested: { apiSecret: 'y', list: [{ token: 'z', ok: 2 }] }, Authorization: 'Bearer q' })).toEqual({
    a: 1,
    hmac: '[redacted]',
    nested: { apiSecret: '[redacted]', list: [{ token: '[redacted]', ok: 2 }] },
    Authorization: '[redacted]',
  });
});

test('a runtime session at DEBUG logs JSON lines with severity and time, and no secret or HMAC', async () => {
  const lines: string[] = [];
  const secret = 'super-secret-value-123';
  const config = loadConfig({}, { shopifyApiSecret: secret, port: 0, dataDir: tempDir(), logLevel: 'DEBUG' });
  const rt = await startRuntime({ config, logger: createLogger({ level: 'DEBUG', write: (l) => lines.push(l) }) });
  const good = forgeWebhook({ secret, topic: 'orders/create', body: fixture('orders_create.json') });
  const bad = forgeWebhook({ secret: 'wrong', topic: 'orders/create', body: fixture('orders_create.json') });
  const quarantined = forgeWebhook({ secret, topic: 'carts/create', body: '{"id": 1}' });
  for (const d of [good, bad, quarantined]) await postWebhook(`${rt.url}/webhooks`, d);
  await rt.loader.drain();
  await rt.close();
  expect(lines.length).toBeGreaterThan(3);
  for (const l of lines) {
    const entry = JSON.parse(l) as { severity: string; message: string; time: string };
    expect(['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR']).toContain(entry.severity);
    expect(typeof entry.message).toBe('string');
    expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
    for (const forbidden of [secret, good.headers['X-Shopify-Hmac-Sha256'], bad.headers['X-Shopify-Hmac-Sha256'], rt.adminToken]) expect(l).not.toContain(forbidden);
  }
  expect(lines.some((l) => l.includes('delivery quarantined'))).toBe(true);
});
