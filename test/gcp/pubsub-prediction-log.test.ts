// The Pub/Sub prediction log against an in-process gRPC Publisher: each entry is one message whose data is exactly a
// prediction_log row (the BigQuery subscription's table schema), record() does not wait, flush() waits for the acks,
// a refused publish is counted as dropped and never thrown at the caller.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { PubSub } from '@google-cloud/pubsub';
import { createPubSubPredictionLog } from '../../functions/src/adapters/gcp/pubsub-prediction-log';
import { silentLogger } from '../../functions/src/core/log';
import type { PredictionLogEntry } from '../../functions/src/ports/prediction-log';
import { startFakePubSub, type FakePubSub } from './support/fake-pubsub';

const PROJECT = 'demo-shop-mlops';
const entry = (i: number): PredictionLogEntry => ({
  prediction_id: `p-${i}`, shop: 'demo-store.myshopify.com', served_at: '2026-04-05T10:00:00.000Z', route: 'customer_predictions', model: 'clv', arm: 'challenger', bucket: 42, assigned_version: 2, version: 1,
  served_by: 'champion', fallback: true, fallback_reason: 'timeout', customer_id: '820982911946154508', visitor_id: null, entity_id: '820982911946154508', inputs_hash: 'f'.repeat(64), output: '{"p_alive":0.5}', latency_ms: 51.5,
});

let fake: FakePubSub;
let pubsub: PubSub;
beforeAll(async () => {
  fake = await startFakePubSub();
  pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: fake.host });
});
afterAll(async () => {
  await pubsub.close();
  await fake.stop();
});
beforeEach(() => fake.clear());

test('entries are published as prediction_log rows to the configured topic; flush waits for the acknowledgements', async () => {
  const log = createPubSubPredictionLog({ pubsub, projectId: PROJECT, topic: 'shop-mlops-predictions', log: silentLogger });
  for (let i = 0; i < 25; i++) log.record(entry(i));
  expect(log.stats()).toMatchObject({ pending: 25, written: 0 });
  expect(fake.messages).toHaveLength(0); // record() returned before anything reached Pub/Sub
  await log.flush();
  expect(log.stats()).toEqual({ pending: 0, written: 25, dropped: 0 });
  expect(fake.messages).toHaveLength(25);
  const m = fake.messages.find((x) => JSON.parse(x.data.toString('utf8')).prediction_id === 'p-3')!;
  expect(m.topic).toBe(`projects/${PROJECT}/topics/shop-mlops-predictions`);
  expect(m.attributes).toEqual({ shop: 'demo-store.myshopify.com', model: 'clv', arm: 'challenger' });
  const row = JSON.parse(m.data.toString('utf8')) as Record<string, unknown>;
  expect(row).toEqual(entry(3));
  // Exactly the table's columns (use_table_schema: an unknown field would be refused), every REQUIRED one present.
  const schema = JSON.parse(readFileSync(path.join(__dirname, '../../infra/schemas/prediction_log.json'), 'utf8')) as Array<{ name: string; mode: string }>;
  expect(Object.keys(row).sort()).toEqual(schema.map((c) => c.name).sort());
  for (const c of schema.filter((x) => x.mode === 'REQUIRED')) expect(row[c.name]).not.toBeNull();
  await log.close();
});

test('a refused publish drops the entry (counted), never throws at the caller; the log keeps working', async () => {
  const log = createPubSubPredictionLog({ pubsub, projectId: PROJECT, topic: 'shop-mlops-predictions-2', log: silentLogger, publishTimeoutMs: 1500 });
  fake.failNext(grpc.status.PERMISSION_DENIED, 100);
  expect(() => log.record(entry(1))).not.toThrow();
  await log.flush();
  expect(log.stats()).toMatchObject({ written: 0, dropped: 1 });
  fake.clear();
  log.record(entry(2));
  await log.flush();
  expect(log.stats()).toMatchObject({ written: 1, dropped: 1 });
  expect(fake.messages).toHaveLength(1);
  await log.close();
  log.record(entry(3)); // after close: dropped
  expect(log.stats().dropped).toBe(2);
}, 30_000);
