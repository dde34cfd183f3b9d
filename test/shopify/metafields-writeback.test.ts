// The metafields write-back against the Admin GraphQL contract server: definitions, metafieldsSet deltas (25 per call, only changes), THROTTLED answers, user errors, chained bulk files, a bulk operation failing half-way, crashes at each step resumed without a second write.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBulkFinishSignals } from '../../functions/src/shopify/bulk-finish-signals';
import { desiredMetafields } from '../../functions/src/shopify/metafield-values';
import { metafieldDefinitions, METAFIELD_CONTRACT } from '../../functions/src/shopify/metafield-contract';
import { writeBackShop, writtenMetafields } from '../../functions/src/shopify/metafields-job';
import { duckDbScoreSource } from '../../functions/src/shopify/score-source';
import { duplicateWrites, SHOP, startHarness, syntheticBatches, type Harness } from './support';

let h: Harness;
afterEach(async () => h?.close());

/** What the server holds for every desired value equals it. */
async function expectAllWritten(harness: Harness) {
  const desired = desiredMetafields(await duckDbScoreSource(harness.warehouse.execute).newest(SHOP));
  expect(desired.length).toBeGreaterThan(0);
  for (const m of desired) expect(harness.server.metafieldsOf(SHOP, m.ownerId)[m.key]).toEqual({ namespace: '$app:shop_mlops', type: m.type, value: m.value });
  return desired;
}

test('first run creates every definition of the contract once; small changes go as metafieldsSet, 25 per call, only what changed', async () => {
  h = await startHarness();
  await h.score(syntheticBatches({ customers: 4, variants: 3, products: 3, version: 1 }));
  const first = await writeBackShop(SHOP, 'auto', h.deps());
  const keys = Object.values(METAFIELD_CONTRACT).reduce((n, k) => n + Object.keys(k).length, 0);
  expect(first.definitions).toEqual({ created: keys, existing: 0 });
  expect(h.server.definitions.map((d) => `${String(d['ownerType'])}.${String(d['key'])}:${String(d['type'])}`).sort()).toEqual(metafieldDefinitions().map((d) => `${d.ownerType}.${d.key}:${d.type}`).sort());
  expect(h.server.definitions.every((d) => d['namespace'] === '$app:shop_mlops' && d['pin'] === true)).toBe(true);
  const desired = await expectAllWritten(h);
  expect(first.delta).toMatchObject({ calls: Math.ceil(desired.length / 25), written: desired.length, rejected: [] });
  expect(h.server.calls.filter((c) => c === 'metafieldsSet')).toHaveLength(Math.ceil(desired.length / 25));

  // Nothing changed: nothing sent.
  const before = h.server.calls.length;
  const again = await writeBackShop(SHOP, 'auto', h.deps());
  expect(again).toMatchObject({ changed: 0, definitions: null, delta: { calls: 0 } });
  expect(h.server.calls.slice(before).filter((c) => c === 'metafieldsSet' || c === 'metafieldDefinitionCreate')).toEqual([]);

  // A new recommend version for the same products: only the products' two keys change.
  const [, , , recs] = syntheticBatches({ customers: 4, variants: 3, products: 3, version: 2 });
  await h.score([{ ...recs!, rows: recs!.rows.map((r) => ({ ...r, recommended_product_id: String(8_000_000 + ((Number(r['product_id']) - 8_000_000 + 2 * Number(r['rank'])) % 3)) })) }]);
  const delta = await writeBackShop(SHOP, 'auto', h.deps());
  expect(delta.changed).toBe(6);
  expect(h.server.writes.slice(-6).map((w) => w.key).sort()).toEqual(['recommendations_version', 'recommendations_version', 'recommendations_version', 'recommended_products', 'recommended_products', 'recommended_products']);
  await expectAllWritten(h);
  expect(duplicateWrites(h.server)).toEqual([]);
  expect(await writtenMetafields(h.deps().dir, SHOP, 'gid://shopify/Product/8000000')).toEqual({
    recommended_products: { type: 'list.product_reference', value: JSON.stringify(['gid://shopify/Product/8000002', 'gid://shopify/Product/8000001', 'gid://shopify/Product/8000000']) },
    recommendations_version: { type: 'single_line_text_field', value: '2' },
  });
});

test('THROTTLED answers are waited out from extensions.cost.throttleStatus (a small plan bucket), and every value still lands once', async () => {
  // A 40-point bucket refilling at 100 points/s: four metafieldsSet calls in a row drain it.
  h = await startHarness({ bucket: { max: 40, restoreRate: 100 } });
  await h.score(syntheticBatches({ customers: 30, variants: 0, products: 0, version: 1 }));
  h.server.throttleNext = 2;
  const r = await writeBackShop(SHOP, 'delta', h.deps());
  expect(h.server.calls.filter((c) => c.endsWith(':THROTTLED')).length).toBeGreaterThanOrEqual(2);
  expect(r.throttledMs).toBeGreaterThan(0);
  await expectAllWritten(h);
  expect(duplicateWrites(h.server)).toEqual([]);
});

test('user errors: a value the shop refuses is reported and the other 24 of its call are still written', async () => {
  const missing = 'gid://shopify/Customer/7000000000002';
  h = await startHarness({ ownerExists: (gid) => gid !== missing });
  await h.score(syntheticBatches({ customers: 5, variants: 0, products: 0, version: 1 }));
  const r = await writeBackShop(SHOP, 'delta', h.deps());
  expect(r.delta!.rejected.map((x) => x.slot.split('|')[0])).toEqual(Array(8).fill(missing));
  expect(r.delta!.rejected[0]!.message).toBe('Owner does not exist.');
  expect(h.server.metafieldsOf(SHOP, missing)).toEqual({});
  expect(Object.keys(h.server.metafieldsOf(SHOP, 'gid://shopify/Customer/7000000000001')).sort()).toEqual(Object.keys(METAFIELD_CONTRACT.CUSTOMER).sort());
  expect(duplicateWrites(h.server)).toEqual([]);
});

test('full rescoring: JSONL files under the size limit, one bulk operation after another, every value written once', async () => {
  h = await startHarness();
  await h.score(syntheticBatches({ customers: 120, variants: 20, products: 10, version: 1 }));
  const r = await writeBackShop(SHOP, 'full', h.deps({ maxChunkBytes: 16 * 1024 }));
  const desired = await expectAllWritten(h);
  expect(h.server.ops.length).toBeGreaterThanOrEqual(3);
  expect(r.bulk).toMatchObject({ operations: h.server.ops.length, written: desired.length, rejected: 0, requeuedLines: 0 });
  expect([...h.server.uploads.values()].every((f) => Buffer.byteLength(f) <= 16 * 1024)).toBe(true);
  expect([...h.server.uploads.values()].flatMap((f) => f.trim().split('\n')).every((l) => (JSON.parse(l) as { metafields: unknown[] }).metafields.length <= 25)).toBe(true);
  expect(h.server.writes.every((w) => w.via === 'bulk')).toBe(true);
  expect(duplicateWrites(h.server)).toEqual([]);
});

test('a bulk operation that fails half-way: its partial results count, the lines it never ran go again, none twice', async () => {
  h = await startHarness();
  await h.score(syntheticBatches({ customers: 60, variants: 0, products: 0, version: 1 }));
  h.server.failNextBulkAfterLines = 7;
  const r = await writeBackShop(SHOP, 'full', h.deps());
  expect(h.server.ops.map((o) => o.status)).toEqual(['FAILED', 'COMPLETED']);
  expect(h.server.ops[0]!.results).toHaveLength(7);
  expect(r.bulk!.requeuedLines).toBe(h.server.ops[1]!.lines);
  await expectAllWritten(h);
  expect(duplicateWrites(h.server)).toEqual([]);
});

describe('a crash at each step resumes without writing twice', () => {
  const cases = [
    { name: 'bulkOperationRunMutation applied, its answer lost', fault: { field: 'bulkOperationRunMutation', nth: 2, when: 'after' as const } },
    { name: 'the second file uploaded, its answer lost', fault: { field: 'upload', nth: 2, when: 'after' as const } },
    { name: 'polling cut off while the operation runs', fault: { field: 'node', nth: 3, when: 'before' as const } },
  ];
  test.each(cases)('full run: $name', async ({ fault }) => {
    h = await startHarness({ bulkLineDelayMs: 2 });
    await h.score(syntheticBatches({ customers: 80, variants: 10, products: 6, version: 1 }));
    h.server.faults.push(fault);
    await expect(writeBackShop(SHOP, 'full', h.deps({ maxChunkBytes: 24 * 1024 }))).rejects.toThrow(/Admin API call failed|fetch failed|other side closed|socket/i);
    const opsBefore = h.server.ops.length;
    // A new process: fresh objects over the same journal.
    const r = await writeBackShop(SHOP, 'auto', h.deps({ maxChunkBytes: 24 * 1024 }));
    expect(r.resumed).not.toBeNull();
    expect(r.changed).toBe(0);
    await expectAllWritten(h);
    expect(duplicateWrites(h.server)).toEqual([]);
    if (fault.field === 'bulkOperationRunMutation') expect(h.server.ops.length).toBe(opsBefore + (r.resumed!.operations - 1));
  });

  test('delta: metafieldsSet applied, its answer lost; the resumed run reads it back and does not resend it', async () => {
    h = await startHarness();
    await h.score(syntheticBatches({ customers: 12, variants: 0, products: 0, version: 1 }));
    h.server.faults.push({ field: 'metafieldsSet', nth: 2, when: 'after' });
    await expect(writeBackShop(SHOP, 'delta', h.deps())).rejects.toThrow();
    const setsBefore = h.server.calls.filter((c) => c === 'metafieldsSet').length;
    const r = await writeBackShop(SHOP, 'delta', h.deps());
    expect(r.delta!.reconciled).toBe(25);
    await expectAllWritten(h);
    expect(duplicateWrites(h.server)).toEqual([]);
    const total = (await duckDbScoreSource(h.warehouse.execute).newest(SHOP)) && desiredMetafields(await duckDbScoreSource(h.warehouse.execute).newest(SHOP)).length;
    expect(h.server.calls.filter((c) => c === 'metafieldsSet').length - setsBefore).toBe(Math.ceil((total - 50) / 25));
  });
});

test('an uninstalled shop is skipped: no call reaches Shopify', async () => {
  h = await startHarness();
  await h.score(syntheticBatches({ customers: 3, variants: 0, products: 0, version: 1 }));
  await h.sessions.uninstall(SHOP, new Date().toISOString());
  expect(await writeBackShop(SHOP, 'auto', h.deps())).toMatchObject({ skipped: 'uninstalled' });
  expect(h.server.calls).toEqual([]);
});

test('a bulk operation\'s completion comes from its bulk_operations/finish webhook (verified by the library), not from a poll 10 minutes away', async () => {
  h = await startHarness({ bulkLineDelayMs: 10 });
  const signals = createBulkFinishSignals();
  const topics: string[] = [];
  const read = (req: IncomingMessage) => new Promise<string>((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
  const receiver = createServer((req, res) => {
    void read(req).then(async (rawBody) => {
      const v = await h.library.webhooks.validate({ rawBody, rawRequest: req, rawResponse: res });
      if (v.valid) {
        topics.push(v.topic);
        signals.notify(JSON.parse(rawBody));
      }
      res.writeHead(v.valid ? 200 : 401).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  h.server.webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`;
  try {
    await h.score(syntheticBatches({ customers: 40, variants: 0, products: 0, version: 1 }));
    // A 10-minute polling interval: only the webhook can end the wait within the test's timeout.
    const r = await writeBackShop(SHOP, 'full', h.deps({ signals, pollMs: 600_000 }));
    expect(r.bulk).toMatchObject({ operations: 1, rejected: 0 });
    expect(topics).toEqual(['BULK_OPERATIONS_FINISH']);
    expect(h.server.calls.filter((c) => c === 'node').length).toBe(2);
    await expectAllWritten(h);
  } finally {
    await new Promise((r) => receiver.close(r));
  }
});

test('the journal is compacted after a run once large: the same state, a smaller file, and the next run still sends nothing unchanged', async () => {
  h = await startHarness();
  await h.score(syntheticBatches({ customers: 30, variants: 4, products: 4, version: 1 }));
  await writeBackShop(SHOP, 'delta', h.deps({ compactAboveBytes: Number.MAX_SAFE_INTEGER }));
  const { statSync } = await import('node:fs');
  const file = `${h.deps().dir}/${SHOP}/journal.jsonl`;
  const big = statSync(file).size;
  const before = await writtenMetafields(h.deps().dir, SHOP, 'gid://shopify/Customer/7000000000003');
  await writeBackShop(SHOP, 'auto', h.deps({ compactAboveBytes: 1 }));
  expect(statSync(file).size).toBeLessThan(big);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(await writtenMetafields(h.deps().dir, SHOP, 'gid://shopify/Customer/7000000000003')).toEqual(before);
  const calls = h.server.calls.length;
  expect(await writeBackShop(SHOP, 'auto', h.deps())).toMatchObject({ changed: 0, definitions: null });
  expect(h.server.calls.slice(calls).filter((c) => c === 'metafieldsSet')).toEqual([]);
});

test('a staged file that expired before a resumed run starts its operation is staged again', async () => {
  h = await startHarness();
  await h.score(syntheticBatches({ customers: 10, variants: 0, products: 0, version: 1 }));
  // A crash before bulkOperationRunMutation reaches Shopify; then the staged file expires.
  h.server.faults.push({ field: 'bulkOperationRunMutation', nth: 1, when: 'before' });
  await expect(writeBackShop(SHOP, 'full', h.deps())).rejects.toThrow();
  h.server.uploads.clear();
  const r = await writeBackShop(SHOP, 'auto', h.deps());
  expect(r.resumed).toMatchObject({ operations: 1, rejected: 0 });
  expect(h.server.uploads.size).toBe(1);
  await expectAllWritten(h);
  expect(duplicateWrites(h.server)).toEqual([]);
});

test('a token Shopify no longer accepts (401) stops the run as FORBIDDEN, not as an outage to retry', async () => {
  h = await startHarness();
  await h.score(syntheticBatches({ customers: 2, variants: 0, products: 0, version: 1 }));
  await h.sessions.store({ shop: SHOP, accessToken: 'shpat_revoked', scope: '', installedAt: new Date().toISOString() });
  await expect(writeBackShop(SHOP, 'auto', h.deps())).rejects.toMatchObject({ code: 'FORBIDDEN', retryable: false });
  expect(h.server.writes).toEqual([]);
});
