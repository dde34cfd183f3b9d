// `shop-mlops features` as users run it: through the running runtime, and directly on the store (landing the backlog first).
import * as path from 'node:path';
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { tempDir } from '../helpers/runtime';
import { freePort, runCli, spawnCli, waitHealthy } from '../helpers/process';

const SECRET = 'features-cli-secret';
const PROJECT = path.join(__dirname, 'runner-project');
const order = (id: string, total: string) => `{"id": ${id}, "created_at": "2026-03-04T10:00:00-05:00", "currency": "USD", "total_price": "${total}", "line_items": []}`;

test('features runs through the runtime, then directly on the file, with the default snapshot = the day before the last order day', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const rt = spawnCli(['up', '--no-demo', '--port', String(port), '--data-dir', dataDir], { SHOPIFY_API_SECRET: SECRET, SHOP_MLOPS_SHOP_TIMEZONE: 'America/New_York' });
  try {
    await waitHealthy(url, 30_000, rt);
    for (const [i, total] of ['10.00', '20.00'].entries()) {
      expect((await postWebhook(`${url}/webhooks`, forgeWebhook({ secret: SECRET, topic: 'orders/create', body: order(`82098291194615450${i}`, total) }))).status).toBe(200);
    }
    const r = await runCli(['features', '--json', '--project', PROJECT, '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { snapshotDate: string; timezone: string; actions: { name: string; status: string; rows?: number }[] };
    expect(report).toMatchObject({ snapshotDate: '2026-03-03', timezone: 'America/New_York' });
    expect(report.actions.find((a) => a.name === 'shop_staging.orders')).toMatchObject({ status: 'ok', rows: 2 });
  } finally {
    rt.kill('SIGTERM');
    await new Promise((res) => rt.once('exit', res));
  }
  const direct = await runCli(['features', '--snapshot', '2026-03-04', '--project', PROJECT, '--data-dir', dataDir]);
  expect(direct.code).toBe(0);
  expect(direct.stdout).toMatch(/features for snapshot 2026-03-04 \(UTC\)/);
  expect(direct.stdout).toMatch(/shop_staging\.orders\s+incremental\s+ok\s+incremental\s+2/);
}, 120_000);
