// Firebase emulators (functions + hosting), offline: a signed webhook posted to the Hosting URL /webhooks reaches an in-process Pub/Sub; unsigned gets 401.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { forgeWebhook } from '../../functions/src/testing/forge';
import { startFakePubSub, type FakePubSub } from './support/fake-pubsub';
import { FIXTURES } from '../helpers/shared';


const ROOT = path.join(__dirname, '../..');
const BIN = path.join(ROOT, 'node_modules/.bin');
const SECRET_FILE = path.join(ROOT, 'functions/.secret.local');
const SECRET = 'emulator-secret';
const firebase = JSON.parse(readFileSync(path.join(ROOT, 'firebase.json'), 'utf8')) as { emulators: { hosting: { port: number } } };
const orders = readFileSync(path.join(FIXTURES, 'orders_create.json'));

/** Run inside `emulators:exec`: posts each delivery to the Hosting emulator and writes the statuses and bodies out. */
const PROBE = `
const fs = require('node:fs');
const [input, output, url] = process.argv.slice(2);
(async () => {
  const results = [];
  for (const d of JSON.parse(fs.readFileSync(input, 'utf8'))) {
    const res = await fetch(url, { method: 'POST', headers: d.headers, body: Buffer.from(d.body, 'base64') });
    results.push({ name: d.name, status: res.status, body: await res.text() });
  }
  fs.writeFileSync(output, JSON.stringify({ node: process.version, results }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('Firebase emulators: functions + hosting', () => {
  let fake: FakePubSub;
  let dir: string;

  beforeAll(async () => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, env: { ...process.env, PATH: `${BIN}:${process.env['PATH']}` }, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    fake = await startFakePubSub();
    dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-emu-'));
    if (existsSync(SECRET_FILE)) throw new Error(`${SECRET_FILE} exists; refusing to overwrite it`);
    writeFileSync(SECRET_FILE, `SHOPIFY_API_SECRET=${SECRET}\n`, { mode: 0o600 });
  }, 180_000);

  afterAll(async () => {
    rmSync(SECRET_FILE, { force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (fake) await fake.stop();
  });

  test('signed → 200 and on Pub/Sub byte-exact; unsigned → 401 and nothing published; the function runs on Node 24', async () => {
    const signed = forgeWebhook({ secret: SECRET, topic: 'orders/create', body: orders, webhookId: 'wh-emu-1' });
    const unsigned = forgeWebhook({ secret: SECRET, topic: 'orders/create', body: orders, webhookId: 'wh-emu-2' });
    delete unsigned.headers['X-Shopify-Hmac-Sha256'];
    const wrong = forgeWebhook({ secret: 'not-it', topic: 'orders/create', body: orders, webhookId: 'wh-emu-3' });
    const input = path.join(dir, 'deliveries.json');
    const output = path.join(dir, 'results.json');
    writeFileSync(input, JSON.stringify([signed, unsigned, wrong].map((d, i) => ({ name: ['signed', 'unsigned', 'wrong'][i], headers: d.headers, body: d.body.toString('base64') }))));
    writeFileSync(path.join(dir, 'probe.cjs'), PROBE);
    const url = `http://127.0.0.1:${firebase.emulators.hosting.port}/webhooks`;
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${BIN}:${process.env['PATH']}`, PUBSUB_EMULATOR_HOST: fake.host, FIREBASE_CLI_DISABLE_UPDATE_CHECK: 'true', CI: '1' };
    delete env['GOOGLE_APPLICATION_CREDENTIALS'];
    const { code, output: log } = await run(
      path.join(BIN, 'firebase'),
      ['emulators:exec', '--only', 'functions,hosting', '--project', 'demo-shop-mlops', `node ${JSON.stringify(path.join(dir, 'probe.cjs'))} ${JSON.stringify(input)} ${JSON.stringify(output)} ${url}`],
      env,
      150_000,
    );
    if (code !== 0 || !existsSync(output)) throw new Error(`emulators:exec exited ${code}:\n${log.slice(-4000)}`);
    const res = JSON.parse(readFileSync(output, 'utf8')) as { node: string; results: Array<{ name: string; status: number; body: string }> };
    const by = Object.fromEntries(res.results.map((r) => [r.name, r]));
    if (by['signed']?.status !== 200) throw new Error(`signed delivery got ${by['signed']?.status} ${by['signed']?.body}\n${log.slice(-6000)}`);
    expect(JSON.parse(by['signed']!.body)).toEqual({ ok: true, webhookId: 'wh-emu-1' });
    expect(by['unsigned']!.status).toBe(401);
    expect(by['wrong']!.status).toBe(401);
    expect(fake.messages.map((m) => m.attributes['webhook_id'])).toEqual(['wh-emu-1']);
    const m = fake.messages[0]!;
    expect(m.topic).toBe('projects/demo-shop-mlops/topics/shopify-webhooks');
    expect(m.attributes['route']).toBe('events');
    expect((JSON.parse(m.data.toString('utf8')) as { payload: string }).payload).toBe(orders.toString('utf8'));
    expect(log).toContain('Using node@24');
  }, 200_000);
});
