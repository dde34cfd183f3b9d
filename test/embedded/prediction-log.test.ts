// The embedded prediction log: entries are made durable in a journal off the response path and land in DuckDB exactly
// once, across a crash before the drain, a crash mid-drain, a torn last line and a warehouse that refuses the drain.
import { promises as fsp, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createJournalPredictionLog } from '../../functions/src/adapters/embedded/journal-prediction-log';
import { silentLogger } from '../../functions/src/core/log';
import type { PredictionLogEntry } from '../../functions/src/ports/prediction-log';
import type { PrivacyAuditRow } from '../../functions/src/ports/warehouse';

const SHOP = 'log-store.myshopify.com';
let w: DuckDbWarehouse;
let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-plog-'));
  // The drain has DuckDB read the journal's files: the one directory the locked-down warehouse may read.
  w = await openDuckDbWarehouse({ path: ':memory:', readableDirs: [dir] });
});
afterEach(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

const entry = (i: number, over: Partial<PredictionLogEntry> = {}): PredictionLogEntry => ({
  prediction_id: `p-${i}`,
  shop: SHOP,
  served_at: new Date(Date.UTC(2026, 3, 5, 10, 0, i)).toISOString(),
  route: 'recommendations_product',
  model: 'recommend',
  arm: i % 2 ? 'challenger' : 'champion',
  bucket: i,
  assigned_version: i % 2 ? 2 : 1,
  version: i % 2 ? 2 : 1,
  served_by: 'model',
  fallback: false,
  fallback_reason: null,
  customer_id: i % 3 ? `c${i}` : null,
  visitor_id: i % 3 ? null : `v${i}`,
  entity_id: 'prod-1',
  inputs_hash: 'ab'.repeat(32),
  output: JSON.stringify([{ rank: 1, recommended_product_id: 'prod-2' }]),
  latency_ms: 0.5 + i,
  ...over,
});
const count = async () => Number((await w.query(`SELECT count(*) AS n FROM shop_predictions.prediction_log`))[0]!['n']);
// No timers in the way: the tests drive commit and drain themselves.
const open = () => createJournalPredictionLog({ dir, warehouse: w, logger: silentLogger, commitMs: 3_600_000, drainMs: 3_600_000 });

test('recorded entries are durable after flush and land once in DuckDB even when the process died before draining', async () => {
  const a = open();
  for (let i = 0; i < 50; i++) a.record(entry(i));
  expect(a.stats()).toMatchObject({ pending: 50, written: 0 });
  await a.flush();
  expect(a.stats()).toMatchObject({ pending: 0, written: 50, dropped: 0 });
  expect((await fsp.readFile(path.join(dir, 'pending.jsonl'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(50);
  // "Crash": a is abandoned undrained; the next process drains its journal.
  const b = open();
  expect(await b.drain()).toBe(50);
  expect(await b.drain()).toBe(0);
  expect(await count()).toBe(50);
  const row = (await w.query(`SELECT prediction_id, arm, bucket, version, served_by, fallback, customer_id, visitor_id, output, latency_ms, strftime(served_at, '%Y-%m-%dT%H:%M:%S') AS at FROM shop_predictions.prediction_log WHERE prediction_id = 'p-7'`))[0];
  expect(row).toEqual({ prediction_id: 'p-7', arm: 'challenger', bucket: '7', version: '2', served_by: 'model', fallback: false, customer_id: 'c7', visitor_id: null, output: '[{"rank":1,"recommended_product_id":"prod-2"}]', latency_ms: 7.5, at: '2026-04-05T10:00:07' });
  expect(await fsp.readdir(dir)).toEqual([]);
  await b.close();
});

test('a drain from memory lands every entry of several chunks byte for byte, non-ASCII text included', async () => {
  const a = open();
  // 1,200 entries: more than two of the drain's 500-line chunks, in one commit.
  const text = (i: number) => JSON.stringify([{ rank: 1, recommended_product_id: `prod-${i}`, title: 'Crème brûlée 🍮 "quoted" \\ back\nslash', note: '\u2028' }]);
  for (let i = 0; i < 1_200; i++) a.record(entry(i, { output: text(i) }));
  expect(await a.drain()).toBe(1_200);
  expect(await count()).toBe(1_200);
  const rows = await w.query(`SELECT prediction_id, output FROM shop_predictions.prediction_log WHERE prediction_id IN ('p-0', 'p-499', 'p-500', 'p-1199') ORDER BY prediction_id`);
  expect(rows).toEqual([0, 1199, 499, 500].map((i) => ({ prediction_id: `p-${i}`, output: text(i) })));
  await a.close();
});

test('the warehouse reads the journal directory for the drain and still no other file', async () => {
  const outside = mkdtempSync(path.join(tmpdir(), 'shop-mlops-plog-outside-'));
  try {
    await fsp.writeFile(path.join(outside, 'x.jsonl'), '{"a": 1}\n');
    await fsp.writeFile(path.join(dir, 'x.jsonl'), '{"a": 2}\n');
    await expect(w.query(`SELECT a FROM read_ndjson('${path.join(outside, 'x.jsonl')}')`)).rejects.toThrow(/Permission Error/);
    await expect(w.query(`SELECT a FROM read_ndjson('${path.join(dir, '..', path.basename(outside), 'x.jsonl')}')`)).rejects.toThrow(/Permission Error/);
    expect(await w.query(`SELECT a FROM read_ndjson('${path.join(dir, 'x.jsonl')}')`)).toEqual([{ a: '2' }]);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

test('a crash mid-drain (rows landed, file not yet removed) lands nothing twice; a torn last line is skipped', async () => {
  const a = open();
  for (let i = 0; i < 5; i++) a.record(entry(i));
  await a.flush();
  const journal = await fsp.readFile(path.join(dir, 'pending.jsonl'), 'utf8');
  expect(await a.drain()).toBe(5);
  // The same file again, as if the process died after the DuckDB commit and before the unlink, plus a torn record.
  await fsp.writeFile(path.join(dir, 'draining-1-1.jsonl'), journal + '\n{"prediction_id": "p-torn", "sho');
  expect(await a.drain()).toBe(0);
  expect(await count()).toBe(5);
  await a.close();
});

test('a warehouse that refuses the drain keeps the journal; the next drain lands it', async () => {
  let refuse = true;
  const flaky = { transaction: <T>(fn: Parameters<DuckDbWarehouse['transaction']>[0]) => (refuse ? Promise.reject(new Error('warehouse unavailable')) : w.transaction(fn)) as Promise<T> };
  const a = createJournalPredictionLog({ dir, warehouse: flaky, logger: silentLogger, commitMs: 3_600_000, drainMs: 3_600_000 });
  for (let i = 0; i < 3; i++) a.record(entry(i));
  await expect(a.drain()).rejects.toThrow('warehouse unavailable');
  a.record(entry(3));
  refuse = false;
  expect(await a.drain()).toBe(4);
  expect(await count()).toBe(4);
  await a.close();
});

test('entries are serialised as recorded: across chunks, one larger than a chunk and non-ASCII text reach the journal in order; a refused commit keeps them', async () => {
  const a = open();
  // ~2 KB each: 100 of them fill several 64 KB chunks; #50 alone is 200 KB.
  const recorded = Array.from({ length: 100 }, (_, i) => entry(i, { output: JSON.stringify({ note: `Grüße – 東京 🛒 ${i}`, pad: 'x'.repeat(i === 50 ? 200_000 : 2_000) }) }));
  const journal = path.join(dir, 'pending.jsonl');
  // The disk refuses the first commit (the journal's path is a directory): nothing is lost, nothing reordered.
  await a.flush(); // (after the log has set aside any journal an earlier process left)
  await fsp.mkdir(journal);
  for (const e of recorded.slice(0, 60)) a.record(e);
  await expect(a.flush()).rejects.toThrow();
  expect(a.stats()).toMatchObject({ pending: 60, written: 0, dropped: 0 });
  await fsp.rmdir(journal);
  for (const e of recorded.slice(60)) a.record(e);
  await a.flush();
  expect(a.stats()).toMatchObject({ pending: 0, written: 100, dropped: 0 });
  const lines = (await fsp.readFile(journal, 'utf8')).split('\n').filter(Boolean);
  expect(lines.map((l) => JSON.parse(l) as PredictionLogEntry)).toEqual(recorded);
  expect(await a.drain()).toBe(100);
  expect(await w.query(`SELECT count(*)::INT AS n, max(length(output))::INT AS longest FROM shop_predictions.prediction_log WHERE output LIKE '%東京 🛒%'`)).toEqual([{ n: 100, longest: [...recorded[50]!.output!].length }]);
  await a.close();
});

test('record never blocks or throws: beyond the buffer bound entries are dropped and counted; close flushes and drains', async () => {
  const a = createJournalPredictionLog({ dir, warehouse: w, logger: silentLogger, maxBuffered: 3, commitMs: 3_600_000, drainMs: 3_600_000 });
  for (let i = 0; i < 5; i++) a.record(entry(i));
  expect(a.stats()).toEqual({ pending: 3, written: 0, dropped: 2 });
  await a.close();
  expect(await count()).toBe(3);
  a.record(entry(9)); // after close: dropped, not thrown
  expect(a.stats().dropped).toBe(3);
});

test('the background timers commit and drain on their own', async () => {
  const a = createJournalPredictionLog({ dir, warehouse: w, logger: silentLogger, commitMs: 10, drainMs: 30 });
  a.record(entry(1));
  const deadline = Date.now() + 10_000;
  while ((await w.query(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'prediction_log'`))[0]!['n'] === '0' || (await count()) < 1) {
    if (Date.now() > deadline) throw new Error('not drained within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(await count()).toBe(1);
  await a.close();
});

test('answers still in the journal when customers/redact or shop/redact ran never reach the table after it', async () => {
  const log = open();
  const other = 'other-store.myshopify.com';
  // c1 and c2 are served; c1 is redacted while their answers are still in the journal (committed, not drained).
  log.record(entry(1, { customer_id: 'c1' }));
  log.record(entry(2, { customer_id: 'c2' }));
  log.record(entry(4, { customer_id: 'c1', shop: other }));
  await log.flush();
  const audit = (action: PrivacyAuditRow['action'], shop: string, customerId: string | null) =>
    w.recordPrivacyAction({ audit_id: `a-${action}-${shop}`, shop, action, customer_id: customerId, webhook_id: `wh-${action}-${shop}`, requested_at: '2026-04-05T10:00:00.000Z', completed_at: '2026-04-05T10:00:01.000Z', details: '{}' });
  await w.redactCustomer({ shop: SHOP, customerId: 'c1', orderIds: [] });
  await audit('customers/redact', SHOP, 'c1');
  expect(await log.drain()).toBe(2);
  expect((await w.query(`SELECT shop, customer_id FROM shop_predictions.prediction_log ORDER BY shop, customer_id`)).map((r) => `${String(r['shop'])}/${String(r['customer_id'])}`)).toEqual([`${SHOP}/c2`, `${other}/c1`]);
  await log.close();

  // A journal a crashed process left (read back from disk by the next one), drained after a shop/redact of the other
  // shop: nothing of that shop lands.
  const b = open();
  b.record(entry(5, { customer_id: 'c5', shop: other }));
  b.record(entry(6, { customer_id: 'c6' }));
  await b.flush();
  await w.redactShop(other);
  await audit('shop/redact', other, null);
  const c = open();
  await c.drain();
  expect((await w.query(`SELECT shop, customer_id FROM shop_predictions.prediction_log ORDER BY shop, customer_id`)).map((r) => `${String(r['shop'])}/${String(r['customer_id'])}`)).toEqual([`${SHOP}/c2`, `${SHOP}/c6`]);
  await c.close();
});
