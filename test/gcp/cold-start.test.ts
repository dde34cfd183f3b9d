// Cold start: the `webhooks` function loads only what it uses (no BigQuery, Storage, Vertex AI or DuckDB module), seen in a fresh process's require cache after one invocation.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.join(__dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const PROBE = path.join(__dirname, 'support/function-cold-start-probe.ts');
/** Clients of the other functions: none belongs on the webhook path. */
const NOT_ON_WEBHOOK_PATH = ['@google-cloud/bigquery', '@google-cloud/storage', '@google-cloud/aiplatform', '@duckdb/node-api', '@duckdb/node-bindings', '@shopify/shopify-api', '@hono/node-server'];

interface Probe {
  status: number;
  atImport: string[];
  afterCall: string[];
}

async function probe(fn: 'webhooks' | 'api'): Promise<Probe> {
  const { stdout } = await promisify(execFile)(NODE, ['--require', 'tsx/cjs', PROBE, fn], { cwd: ROOT, maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as Probe;
}

test('an invoked webhooks function has loaded Pub/Sub and Cloud Monitoring, and no BigQuery, Storage, Vertex AI or DuckDB client', async () => {
  const p = await probe('webhooks');
  expect(p.status).toBe(401); // the runtime was built: the unsigned request reached the verifier
  expect(p.afterCall).toEqual(expect.arrayContaining(['@google-cloud/pubsub', '@google-cloud/monitoring', 'hono']));
  expect(p.afterCall.filter((x) => NOT_ON_WEBHOOK_PATH.includes(x))).toEqual([]);
  // Loading the entry point itself (every function's instance does) loads no Google client at all.
  expect(p.atImport.filter((x) => x.startsWith('@google-cloud/'))).toEqual([]);
}, 60_000);

test('the probe sees the clients a function does load: the api function loads BigQuery, Storage and google-auth-library (Vertex AI over REST), not the aiplatform gRPC library', async () => {
  const p = await probe('api');
  expect(p.status).toBe(401);
  expect(p.afterCall).toEqual(expect.arrayContaining(['@google-cloud/bigquery', '@google-cloud/storage', 'google-auth-library']));
  expect(p.afterCall.filter((x) => x === '@google-cloud/aiplatform' || x.startsWith('@duckdb/'))).toEqual([]);
}, 60_000);
