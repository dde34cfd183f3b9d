// Done-when of issue 15 (metafields): on the simulator's store, score, install, write every customer's and product's metafields through the contract server in one bulk operation (crashing mid-run and resuming without a second write; completion from the bulk_operations/finish webhook landed by the runtime), then a metafieldsSet delta after a rescoring.
import { getJwt } from '@shopify/shopify-api/test-helpers';
import { runDemo } from '../../functions/src/runtime/demo';
import { desiredMetafields } from '../../functions/src/shopify/metafield-values';
import { renderBlock } from '../extensions/support/theme-block';
import { writtenMetafields, type ShopWriteReport } from '../../functions/src/shopify/metafields-job';
import { shopifyPaths } from '../../functions/src/shopify/embedded-shopify';
import { duckDbScoreSource } from '../../functions/src/shopify/score-source';
import { scoreVersions } from '../../functions/src/training/score';
import { createTrainingServices } from '../../functions/src/training/services';
import { startAdminContractServer } from '../../functions/src/testing/admin-graphql-contract-server';
import { SECRET, startTestRuntime } from '../helpers/runtime';

const API_KEY = 'e2e-api-key';

test('simulated store → scores → one bulk operation (a crash mid-run resumed, nothing written twice) → a metafieldsSet delta after rescoring', async () => {
  const server = await startAdminContractServer({ apiKey: API_KEY, apiSecret: SECRET, bulkLineDelayMs: 1 });
  const rt = await startTestRuntime({ shopifyApiKey: API_KEY, shopifyAdminOrigin: server.url });
  server.webhookUrl = `${rt.url}/webhooks`;
  try {
    const demo = await runDemo(rt, { dataDir: rt.dataDir, days: 90, seed: 42, endDate: '2026-11-25', secret: SECRET });
    const shop = demo.training && 'shop' in demo.training ? demo.training.shop! : '';
    expect(shop).toMatch(/\.myshopify\.com$/);
    const installed = await fetch(`${rt.url}/shopify/install`, { method: 'POST', headers: { authorization: `Bearer ${(await getJwt(shop.replace('.myshopify.com', ''), API_KEY, SECRET)).token}` } });
    expect(installed.status).toBe(200);

    const scores = duckDbScoreSource(rt.warehouse.execute);
    const batches = await scores.newest(shop);
    const customers = new Set(batches.customer_clv!.rows.map((r) => `gid://shopify/Customer/${String(r['customer_id'])}`));
    const products = new Set(batches.product_recommendations!.rows.map((r) => `gid://shopify/Product/${String(r['product_id'])}`));
    const variants = new Set(batches.variant_replenishment!.rows.map((r) => `gid://shopify/ProductVariant/${String(r['variant_id'])}`));
    expect(customers.size).toBeGreaterThan(100);
    expect(products.size).toBeGreaterThan(10);

    const writeBack = async (mode: string) => {
      const res = await fetch(`${rt.url}/admin/metafields`, { method: 'POST', headers: { authorization: `Bearer ${rt.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });
      return { status: res.status, body: (await res.json()) as { reports?: ShopWriteReport[]; error?: { message: string } } };
    };

    // Crash: bulkOperationRunMutation reaches Shopify and starts the operation, but its answer never comes back.
    server.faults.push({ field: 'bulkOperationRunMutation', nth: 1, when: 'after' });
    const crashed = await writeBack('full');
    expect(crashed.status).toBe(503);
    expect(server.ops).toHaveLength(1);
    // The next run finds the operation it started (currentBulkOperation), waits for it, reads its results.
    const resumed = await writeBack('auto');
    expect(resumed.status).toBe(200);
    const r = resumed.body.reports!.find((x) => x.shop === shop)!;
    expect(r.resumed).toMatchObject({ operations: 1, rejected: 0, requeuedLines: 0 });
    expect(r.changed).toBe(0);
    expect(server.ops).toHaveLength(1); // one bulk operation wrote everything
    const desired = desiredMetafields(await scores.newest(shop));
    expect(r.resumed!.written).toBe(desired.length);
    for (const m of desired) expect(server.metafieldsOf(shop, m.ownerId)[m.key]?.value).toBe(m.value);
    for (const owner of [...customers, ...products, ...variants]) expect(Object.keys(server.metafieldsOf(shop, owner)).length).toBeGreaterThan(0);
    for (const c of customers) expect(server.metafieldsOf(shop, c)['model_versions']).toBeDefined();
    // The finish webhook was signed by the server, verified and landed by the runtime.
    await rt.loader.drain(30_000);
    expect((await rt.warehouse.query("SELECT count(*)::INT AS n FROM shop_raw.events WHERE topic = 'bulk_operations/finish'"))[0]!['n']).toBe(1);

    // Rescoring: the recommend model's other registered version (the demo trained twice) becomes the newest batch → only products change.
    const other = batches.product_recommendations!.version === 2 ? 1 : 2;
    const services = createTrainingServices({ mode: 'embedded', dataDir: rt.dataDir, warehouse: rt.warehouse });
    await scoreVersions(services, { shop, models: ['recommend'], version: other });
    const after = desiredMetafields(await scores.newest(shop));
    const before = new Map(desired.map((m) => [`${m.ownerId}|${m.key}`, m.value]));
    const changed = after.filter((m) => before.get(`${m.ownerId}|${m.key}`) !== m.value);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((m) => m.ownerId.startsWith('gid://shopify/Product/'))).toBe(true);
    const setsBefore = server.calls.filter((c) => c === 'metafieldsSet').length;
    const delta = await writeBack('delta');
    expect(delta.status).toBe(200);
    const d = delta.body.reports!.find((x) => x.shop === shop)!;
    expect(d.delta).toMatchObject({ written: changed.length, rejected: [] });
    expect(server.calls.filter((c) => c === 'metafieldsSet').length - setsBefore).toBe(Math.ceil(changed.length / 25));
    for (const m of after) expect(server.metafieldsOf(shop, m.ownerId)[m.key]?.value).toBe(m.value);

    // Nothing was ever written twice, and what the journal says is written is what the shop holds.
    expect(server.writes.filter((w) => w.redundant)).toEqual([]);
    const product = [...products][0]!;
    const written = await writtenMetafields(shopifyPaths(rt.dataDir).metafields, shop, product);
    expect(Object.fromEntries(Object.entries(server.metafieldsOf(shop, product)).map(([k, v]) => [k, { type: v.type, value: v.value }]))).toEqual(written);
    expect(written['recommendations_version']).toEqual({ type: 'single_line_text_field', value: String(other) });

    // The theme block renders that product's recommendations from the metafields as written (Shopify resolves a
    // list.product_reference value into products: here from the store's own catalog), best first, server-side.
    const catalog = new Map(
      (await rt.warehouse.query(`SELECT p.product_id, p.title, MIN(v.price) AS price FROM shop_staging.products AS p JOIN shop_staging.variants AS v ON v.shop = p.shop AND v.product_id = p.product_id WHERE p.shop = '${shop}' GROUP BY 1, 2`)).map((row) => [
        `gid://shopify/Product/${String(row['product_id'])}`,
        { id: String(row['product_id']), title: String(row['title']), handle: `p-${String(row['product_id'])}`, url: `/products/p-${String(row['product_id'])}`, price: Math.round(Number(row['price']) * 100), available: true, featured_image: { src: `https://cdn.example/${String(row['product_id'])}.jpg` } },
      ]),
    );
    const ids = JSON.parse(written['recommended_products']!.value) as string[];
    expect(ids.length).toBeGreaterThan(0);
    const html = await renderBlock({ id: product.split('/').pop(), title: 'Viewed product', metafields: { '$app:shop_mlops': { recommended_products: { value: ids.map((id) => catalog.get(id)!) }, recommendations_version: { value: written['recommendations_version']!.value } } } });
    expect(html).toContain(`data-version="${String(other)}"`);
    expect([...html.matchAll(/<li class="shop-mlops-recs__item" data-product-id="(\d+)"/g)].map((m) => `gid://shopify/Product/${m[1]}`)).toEqual(ids);
    expect(html).toContain(catalog.get(ids[0]!)!.title);
  } finally {
    await rt.close();
    await server.idle();
    await server.close();
  }
}, 600_000);
