// The serving container's contract as Vertex AI drives it: started as a child process with only the AIP_* variables, health
// 503 → 200 once loaded, {instances, parameters} → {predictions}, payload cap, JSON errors; plus the server in-process with a trivial predictor.
import '../gcp/support/cjs-http-transport';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, promises as fsp, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { createGcsArtifactStore } from '../../functions/src/adapters/gcp/gcs-artifact-store';
import { loadPredictorConfig } from '../../functions/src/core/config';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { silentLogger } from '../../functions/src/core/log';
import { predictorFromFiles, type Predictor } from '../../functions/src/serving/predictor';
import { modelFiles } from '../../functions/src/serving/predictor-entry';
import { createPredictorServer, type PredictorServer } from '../../functions/src/serving/predictor-server';
import { startFakeGcs } from '../gcp/support/fake-gcs';
import { freePort } from '../helpers/process';

const ROOT = path.resolve(__dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const HEALTH = '/v1/endpoints/1234567890/deployedModels/9876543210';
const PREDICT = `${HEALTH}:predict`;

/** Raw HTTP (no client-side JSON handling) so the status, headers and exact body bytes are what the server sent. */
function call(port: number, method: string, route: string, body?: string | Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: route, method, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const json = (t: { text: string }) => JSON.parse(t.text) as Record<string, unknown>;

describe('the container, started the way Vertex AI starts it', () => {
  let child: ChildProcess;
  let port: number;
  let out = '';
  let dir: string;
  const prediction = { arm: 'stand-in', score: 0.25 };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-predictor-'));
    writeFileSync(path.join(dir, 'predictor.json'), JSON.stringify({ predictor: 'constant', prediction }));
    port = await freePort();
    // Only what Vertex sets: no PATH, no project config, no shop-mlops variables.
    const env = { AIP_HTTP_PORT: String(port), AIP_HEALTH_ROUTE: HEALTH, AIP_PREDICT_ROUTE: PREDICT, AIP_STORAGE_URI: dir };
    child = spawn(NODE, ['--require', 'tsx/cjs', 'functions/src/serving/predictor-entry.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  });
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await fsp.rm(dir, { recursive: true, force: true });
  });

  test('health answers 200 within the 10 s Vertex allows', async () => {
    const t0 = Date.now();
    let status = 0;
    while (Date.now() - t0 < 10_000 && status !== 200) {
      status = await call(port, 'GET', HEALTH).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
      if (child.exitCode !== null) throw new Error(`predictor exited ${child.exitCode}: ${out}`);
    }
    expect(status).toBe(200);
  });

  test('POST {instances, parameters} → {predictions}, one per instance, in order', async () => {
    const r = await call(port, 'POST', PREDICT, JSON.stringify({ instances: [{ customer_id: '7000000000001' }, { customer_id: 820982911946154508n.toString() }, {}], parameters: { k: 3 } }));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.text)).toEqual({ predictions: [prediction, prediction, prediction] });
  });

  test('bad requests get JSON errors: not JSON, no instances, wrong method, unknown route, over the 1.5 MB default cap', async () => {
    const notJson = await call(port, 'POST', PREDICT, '{"instances": [');
    expect([notJson.status, (json(notJson)['error'] as { code: string }).code]).toEqual([400, 'BAD_REQUEST']);
    const empty = await call(port, 'POST', PREDICT, JSON.stringify({ instances: [] }));
    expect(empty.status).toBe(400);
    expect(json(empty)['error']).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/instances: at least one instance/) });
    const noInstances = await call(port, 'POST', PREDICT, JSON.stringify({ parameters: {} }));
    expect(noInstances.status).toBe(400);
    expect((await call(port, 'GET', PREDICT)).status).toBe(405);
    expect((await call(port, 'POST', HEALTH, '{}')).status).toBe(405);
    const unknown = await call(port, 'GET', '/predict');
    expect([unknown.status, (json(unknown)['error'] as { code: string }).code]).toEqual([404, 'NOT_FOUND']);
    const big = JSON.stringify({ instances: [{ blob: 'x'.repeat(1.6 * 1024 * 1024) }] });
    const tooBig = await call(port, 'POST', PREDICT, big);
    expect([tooBig.status, (json(tooBig)['error'] as { code: string }).code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const justUnder = JSON.stringify({ instances: [{ blob: 'x'.repeat(1.4 * 1024 * 1024) }] });
    expect((await call(port, 'POST', PREDICT, justUnder)).status).toBe(200);
  });

  test('SIGTERM (Vertex scaling down) closes the server and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/"message":"predictor listening"/);
  });
});

test('without AIP_STORAGE_URI, or with bad AIP_* values, the container exits 1 naming every problem', async () => {
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(NODE, ['--require', 'tsx/cjs', 'functions/src/serving/predictor-entry.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (out += d.toString()));
      p.on('exit', (code) => resolve({ code, out }));
    });
  const a = await run({ AIP_HTTP_PORT: '0' });
  expect(a.code).toBe(1);
  expect(a.out).toMatch(/AIP_STORAGE_URI: required/);
  const b = await run({ AIP_HTTP_PORT: 'eighty', AIP_PREDICT_ROUTE: 'predict' });
  expect(b.code).toBe(1);
  expect(b.out).toMatch(/AIP_HTTP_PORT/);
  expect(b.out).toMatch(/AIP_PREDICT_ROUTE/);
});

test('predictor config: Vertex defaults, a configurable payload cap', () => {
  expect(loadPredictorConfig({})).toMatchObject({ port: 8080, healthRoute: '/health', predictRoute: '/predict', maxBodyBytes: 1.5 * 1024 * 1024 });
  expect(loadPredictorConfig({ SHOP_MLOPS_PREDICT_MAX_BODY_BYTES: String(10 * 1024 * 1024) }).maxBodyBytes).toBe(10 * 1024 * 1024);
});

describe('the server in-process, with a trivial predictor', () => {
  let release: () => void = () => undefined;
  let healthy = true;
  /** Echoes each instance back with the parameters; loads when the test releases it. */
  const echo: Predictor = {
    load: () => new Promise<void>((r) => (release = r)),
    predict: (instances, parameters) => {
      if (parameters['fail'] === 'bad') throw new ShopMlopsError('BAD_REQUEST', 'instance 0 has no customer_id');
      if (parameters['fail'] === 'count') return instances.slice(1);
      if (parameters['fail'] === 'crash') throw new Error('model blew up');
      return instances.map((instance) => ({ instance, parameters }));
    },
    healthy: () => healthy,
  };
  let s: PredictorServer;
  let port: number;
  let loading: Promise<void>;
  beforeAll(async () => {
    s = createPredictorServer({ predictor: echo, healthRoute: '/health', predictRoute: '/predict', maxBodyBytes: 2048, log: silentLogger });
    port = await s.listen(0, '127.0.0.1');
  });
  afterAll(() => s.close());

  test('health is 503 and predict is 503 with Retry-After until the model has loaded, then 200', async () => {
    loading = s.load();
    expect((await call(port, 'GET', '/health')).status).toBe(503);
    const early = await call(port, 'POST', '/predict', '{"instances":[1]}');
    expect([early.status, early.headers['retry-after']]).toEqual([503, '1']);
    release();
    await loading;
    expect((await call(port, 'GET', '/health')).status).toBe(200);
    healthy = false;
    expect((await call(port, 'GET', '/health')).status).toBe(503);
    healthy = true;
  });

  test('instances and parameters reach the predictor exactly (64-bit ids stay exact); the cap is configurable', async () => {
    const r = await call(port, 'POST', '/predict', '{"instances":[{"customer_id":820982911946154508},"b"],"parameters":{"k":5}}');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ predictions: [{ instance: { customer_id: '820982911946154508' }, parameters: { k: 5 } }, { instance: 'b', parameters: { k: 5 } }] });
    expect((await call(port, 'POST', '/predict', JSON.stringify({ instances: ['x'.repeat(3000)] }))).status).toBe(413);
  });

  test('predictor faults become JSON errors: its BAD_REQUEST → 400, a wrong count or a crash → 500', async () => {
    const bad = await call(port, 'POST', '/predict', '{"instances":[1],"parameters":{"fail":"bad"}}');
    expect([bad.status, json(bad)]).toEqual([400, { error: { code: 'BAD_REQUEST', message: 'instance 0 has no customer_id', retryable: false } }]);
    const count = await call(port, 'POST', '/predict', '{"instances":[1,2],"parameters":{"fail":"count"}}');
    expect([count.status, (json(count)['error'] as { message: string }).message]).toEqual([500, 'the predictor answered 1 predictions for 2 instances']);
    const crash = await call(port, 'POST', '/predict', '{"instances":[1],"parameters":{"fail":"crash"}}');
    expect([crash.status, (json(crash)['error'] as { code: string }).code]).toEqual([500, 'INTERNAL']);
  });
});

test('model files at a gs:// AIP_STORAGE_URI (what Vertex sets) are read from Cloud Storage; a missing manifest is a config error', async () => {
  const gcs = await startFakeGcs();
  try {
    const opts = { projectId: 'demo-shop-mlops', apiEndpoint: gcs.endpoint };
    const store = createGcsArtifactStore({ storage: new Storage(opts), bucket: 'shop-mlops-artifacts', prefix: 'mlops', log: silentLogger });
    await store.put('models/recommend/run-1/predictor.json', JSON.stringify({ predictor: 'constant', prediction: [1, 2] }));
    const p = await predictorFromFiles(modelFiles(store.uri('models/recommend/run-1'), opts));
    await p.load();
    expect(await p.predict([{}, {}], {})).toEqual([
      [1, 2],
      [1, 2],
    ]);
    await expect(predictorFromFiles(modelFiles(store.uri('models/recommend/run-2'), opts))).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/no predictor.json/) });
    await store.put('models/recommend/run-3/predictor.json', JSON.stringify({ predictor: 'nonesuch' }));
    await expect(predictorFromFiles(modelFiles(store.uri('models/recommend/run-3'), opts))).rejects.toThrow(/unknown predictor nonesuch \(known: constant\)/);
  } finally {
    await gcs.stop();
  }
});
