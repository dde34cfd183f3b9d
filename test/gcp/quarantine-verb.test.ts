// `shop-mlops quarantine` in gcp mode: lists BigQuery's shop_raw.quarantine and replays into shop_raw.events (exactly-once landing, then replayed_at), against the in-process BigQuery API.
import './support/cjs-http-transport';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../functions/src/cli/verbs/quarantine';
import type { CliContext } from '../../functions/src/cli/context';
import { loadConfig } from '../../functions/src/core/config';
import { paramsOf, startFakeBigQuery, type FakeBigQuery, type RecordedJob, type ScriptedResult } from './support/fake-bigquery';
import { FIXTURES } from '../helpers/shared';

const PROJECT = 'demo-shop-mlops';
const SHOP = 'demo-store.myshopify.com';
const ORDER = readFileSync(path.join(FIXTURES, 'orders_create.json'), 'utf8');
const COLUMNS = ['quarantine_id', 'quarantined_at', 'replayed_at', 'shop', 'topic', 'webhook_id', 'event_id', 'api_version', 'triggered_at', 'received_at', 'reason', 'body', 'body_encoding'];

let fake: FakeBigQuery;
let dataDir: string;
const saved = { ...process.env };

beforeAll(async () => {
  fake = await startFakeBigQuery();
  dataDir = mkdtempSync(path.join(tmpdir(), 'quarantine-gcp-'));
  process.env['BIGQUERY_EMULATOR_HOST'] = fake.endpoint;
});
afterAll(async () => {
  process.env = saved;
  rmSync(dataDir, { recursive: true, force: true });
  await fake.stop();
});

/** BigQuery holding one quarantined orders/create whose body today's schema accepts. */
function respond(job: RecordedJob): ScriptedResult {
  if (/FROM `demo-shop-mlops\.shop_raw\.quarantine` AS q/.test(job.query)) {
    const row = ['q-1', '2026-01-02T03:04:06.123Z', null, SHOP, 'orders/create', 'wh-q1', 'ev-q1', '2026-10', '2026-01-02T03:04:05.000Z', '2026-01-02T03:04:06.123Z', 'schema: an older, stricter rule', ORDER, 'utf8'];
    return { schema: { fields: COLUMNS.map((name) => ({ name, type: 'STRING' })) }, rows: [{ f: row.map((v) => ({ v })) }] };
  }
  return { numDmlAffectedRows: 1 };
}

function cli(): CliContext & { lines: string[] } {
  const config = loadConfig({ SHOP_MLOPS_MODE: 'gcp', GOOGLE_CLOUD_PROJECT: PROJECT, SHOP_MLOPS_ARTIFACT_BUCKET: `${PROJECT}-shop-mlops-artifacts`, SHOPIFY_API_SECRET: 'hush', SHOP_MLOPS_DATA_DIR: dataDir });
  const lines: string[] = [];
  return { config, json: true, out: (s) => lines.push(s), err: (s) => lines.push(s), lines };
}

beforeEach(() => {
  fake.jobs.length = 0;
  fake.respond = respond;
});

test('list reads shop_raw.quarantine in BigQuery', async () => {
  const ctx = cli();
  expect(await run(['list'], ctx)).toBe(0);
  expect(JSON.parse(ctx.lines[0]!)).toMatchObject([{ quarantine_id: 'q-1', webhook_id: 'wh-q1', reason: 'schema: an older, stricter rule' }]);
  expect(fake.jobs.map((j) => j.query.split('\n')[0])).toEqual([expect.stringMatching(/^SELECT q\.quarantine_id/)]);
});

test('replay lands what today\'s schemas accept into shop_raw.events (idempotent INSERT), then marks it replayed', async () => {
  const ctx = cli();
  expect(await run(['replay', '--id', 'q-1'], ctx)).toBe(0);
  expect(JSON.parse(ctx.lines[0]!)).toEqual([{ quarantineId: 'q-1', webhookId: 'wh-q1', topic: 'orders/create', result: 'landed' }]);
  // The list, the redacted customers (a late delivery about one lands scrubbed), the landing, the mark.
  const [listed, redacted, landed, marked] = fake.jobs;
  expect(paramsOf(listed!)['ids']).toEqual(['q-1']);
  expect(redacted!.query).toMatch(/FROM shop_raw\.privacy_audit WHERE action = 'customers\/redact'/);
  expect(landed!.query).toMatch(/^INSERT INTO `demo-shop-mlops\.shop_raw\.events`/);
  expect((paramsOf(landed!)['events'] as Array<Record<string, unknown>>).map((e) => [e['webhook_id'], e['payload']])).toEqual([['wh-q1', ORDER]]);
  expect(marked!.query).toMatch(/^UPDATE `demo-shop-mlops\.shop_raw\.quarantine` SET replayed_at/);
  expect(paramsOf(marked!)['ids']).toEqual(['q-1']);
  expect(fake.jobs).toHaveLength(4);
});
