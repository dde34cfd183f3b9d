// Features benchmark: 1M orders (+10 % updates) written straight into shop_raw.events, full build then one more day incrementally.
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { runFeatures, type RunReport } from '../../functions/src/features/runner';
import { orderBody, type PayloadContext } from '../../functions/src/simulator/payloads';
import type { CustomerState, OrderState, ProductState, VariantState } from '../../functions/src/simulator/store-model';
import type { BenchResult, BenchRow } from './run';

const ORDERS = Number(process.env['BENCH_ORDERS'] ?? 1_000_000);
const CUSTOMERS = Number(process.env['BENCH_CUSTOMERS'] ?? 100_000);
const VARIANTS = 5_000;
const DAYS = 730;
const START = Date.parse('2024-01-01T00:00:00Z');
const SHOP = 'bench-store.myshopify.com';
const ctx: PayloadContext = { timeZone: 'UTC', currency: 'USD', shop: SHOP, locationId: '24826418' };

/** Deterministic xorshift PRNG so runs are comparable. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function catalogue(): { products: ProductState[]; variants: VariantState[] } {
  const products: ProductState[] = [];
  const variants: VariantState[] = [];
  for (let p = 0; p < VARIANTS / 5; p++) {
    const id = String(7_000_000_000_000_000_000n + BigInt(p));
    const product: ProductState = {
      id, title: `Product ${p}`, handle: `product-${p}`, productType: 'Bench', vendor: 'Bench Co', tags: '', optionName: 'Size',
      createdAt: new Date(START), updatedAt: new Date(START), launchDay: 0, growthPerYear: 0, peakDay: 0, seasonAmp: 0, bulkShare: 0, isGiftCard: false, variants: [],
    };
    for (let v = 0; v < 5; v++) {
      const variant: VariantState = {
        id: String(8_000_000_000_000_000_000n + BigInt(p * 5 + v)), productId: id, inventoryItemId: String(9_000_000_000_000_000_000n + BigInt(p * 5 + v)),
        sku: `SKU-${p}-${v}`, title: `S${v}`, position: v, priceCents: 500 + ((p * 37 + v * 11) % 9500), compareAtCents: null, grams: 100,
        weight: 1, available: 100, reorderPoint: 10, reorderQty: 50, leadDays: 7, restockPending: false, stockouts: 0,
      };
      product.variants.push(variant);
      variants.push(variant);
    }
    products.push(product);
  }
  return { products, variants };
}

function customer(i: number): CustomerState {
  return {
    id: String(6_000_000_000_000_000_000n + BigInt(i)), firstName: 'Ann', lastName: `Buyer${i}`, email: `buyer${i}@example.com`, phone: null,
    address: { id: String(5_000_000_000_000_000_000n + BigInt(i)), address1: '1 Main St', city: 'Springfield', province: 'Ohio', province_code: 'OH', zip: '45501', country: 'United States', country_code: 'US' },
    acceptsMarketing: false, createdAt: new Date(START), updatedAt: new Date(START), rate: 0, dropout: 0, alive: true, ordersCount: 0, totalSpentCents: 0,
    lastOrderId: null, lastOrderName: null, note: null, tags: '',
  };
}

interface RawRow { webhook_id: string; topic: string; triggered_at: string; payload: string }

/** Orders over [fromDay, toDay) as simulator-shaped bodies; ~10 % also get an orders/updated a day later. */
function* orders(n: number, fromDay: number, toDay: number, firstNumber: number, cat: ReturnType<typeof catalogue>, rand: () => number): Generator<RawRow> {
  const span = (toDay - fromDay) * 86_400_000;
  for (let i = 0; i < n; i++) {
    const created = new Date(START + fromDay * 86_400_000 + Math.floor((i / n) * span + rand() * (span / n)));
    const c = rand() < 0.9 ? customer(Math.floor(Math.pow(rand(), 1.6) * CUSTOMERS)) : null;
    const lines = Array.from({ length: 1 + Math.floor(rand() * rand() * 4) }, (_, k) => {
      const vi = Math.floor(Math.pow(rand(), 2) * VARIANTS);
      const v = cat.variants[vi]!;
      return { id: String(4_000_000_000_000_000_000n + BigInt((firstNumber + i) * 8 + k)), variant: v, product: cat.products[Math.floor(vi / 5)]!, quantity: 1 + Math.floor(rand() * 2), priceCents: v.priceCents, refundedQuantity: 0 };
    });
    const subtotal = lines.reduce((s, l) => s + l.quantity * l.priceCents, 0);
    const number = firstNumber + i;
    const o: OrderState = {
      id: String(3_000_000_000_000_000_000n + BigInt(number)), number, name: `#${number}`, token: `tok${number}`.padEnd(32, '0'), createdAt: created, updatedAt: created, processedAt: created,
      customer: c, email: c?.email ?? null, guestName: c ? null : { first: 'Guest', last: 'Buyer' }, address: c?.address ?? customer(0).address, lines,
      subtotalCents: subtotal, shippingCents: 500, taxCents: 0, totalCents: subtotal + 500, gateway: 'shopify_payments', financialStatus: 'paid', fulfillmentStatus: null,
      cancelledAt: null, cancelReason: null, refunds: [], tags: '', note: null, shippingLineId: String(2_000_000_000_000_000_000n + BigInt(number)),
    } as OrderState;
    yield { webhook_id: `bench-${number}-c`, topic: 'orders/create', triggered_at: created.toISOString(), payload: orderBody(ctx, o) };
    if (rand() < 0.1) {
      o.updatedAt = new Date(created.getTime() + 86_400_000);
      o.fulfillmentStatus = 'fulfilled';
      yield { webhook_id: `bench-${number}-u`, topic: 'orders/updated', triggered_at: o.updatedAt.toISOString(), payload: orderBody(ctx, o) };
    }
  }
}

async function write(dbPath: string, rows: Iterable<RawRow>): Promise<number> {
  const inst = await DuckDBInstance.create(dbPath);
  const conn = await inst.connect();
  const app = await conn.createAppender('events', 'shop_raw');
  let n = 0;
  for (const r of rows) {
    app.appendVarchar(SHOP);
    app.appendVarchar(r.topic);
    app.appendVarchar(r.webhook_id);
    app.appendVarchar(r.webhook_id);
    app.appendVarchar('2026-10');
    app.appendVarchar(r.triggered_at);
    app.appendVarchar(r.triggered_at);
    app.appendVarchar(r.payload);
    app.endRow();
    if (++n % 100_000 === 0) {
      app.flushSync();
      process.stderr.write(`  ${n} events written\n`);
    }
  }
  app.flushSync();
  app.closeSync();
  conn.closeSync();
  inst.closeSync();
  return n;
}

function peakRss(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return { stop: () => (clearInterval(t), Math.max(peak, process.memoryUsage().rss)) };
}

const dayOf = (d: number) => new Date(START + d * 86_400_000).toISOString().slice(0, 10);

/** Writes the bench store's raw events into a new warehouse at dbPath (also used to keep a store for experiments). */
export async function writeStore(dbPath: string): Promise<{ written: number; seconds: number; more: () => Promise<number> }> {
  await (await openDuckDbWarehouse({ path: dbPath })).close(); // creates the raw tables
  const cat = catalogue();
  const rand = rng(42);
  const t0 = performance.now();
  const written = await write(dbPath, orders(ORDERS, 0, DAYS, 1000, cat, rand));
  // One more day of events (for the incremental run), from the same generator state.
  const more = () => write(dbPath, orders(Math.round(ORDERS / DAYS), DAYS, DAYS + 1, 1000 + ORDERS, cat, rand));
  return { written, seconds: (performance.now() - t0) / 1000, more };
}

export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-mlops-bench-features-'));
  const dbPath = path.join(dir, 'warehouse.duckdb');
  const store = await writeStore(dbPath);
  const { written, seconds: writeSeconds } = store;
  const w = await openDuckDbWarehouse({ path: dbPath });
  const rows: BenchRow[] = [];

  // Baseline: one DuckDB pass extracting the order lines from the raw JSON.
  let mem = peakRss();
  const t = performance.now();
  await w.execute(`CREATE OR REPLACE TABLE bench_lines AS
    SELECT order_id, json_extract_string(l, '$.variant_id') AS variant_id,
           CAST(json_extract_string(l, '$.quantity') AS INTEGER) AS quantity, CAST(json_extract_string(l, '$.price') AS DECIMAL(18,2)) AS price
    FROM (SELECT json_extract_string(payload, '$.id') AS order_id, unnest(json_extract(payload, '$.line_items[*]')) AS l
          FROM shop_raw.events WHERE topic = 'orders/create')`);
  const baseline = (performance.now() - t) / 1000;
  const baselineRows = Number((await w.execute('SELECT count(*) AS n FROM bench_lines'))[0]!['n']);
  rows.push({ name: 'baseline: one pass extracting order lines', seconds: baseline, rows: baselineRows, 'rows/s': Math.round(baselineRows / baseline), 'peak RSS MiB': Math.round(mem.stop() / 2 ** 20), ratio: 1 });

  const report = (label: string, r: RunReport, peak: number) => {
    for (const a of r.actions) rows.push({ name: `${label}: ${a.name}`, seconds: a.seconds, rows: a.rows ?? '', 'rows/s': a.rows ? Math.round(a.rows / Math.max(a.seconds, 1e-3)) : '', 'peak RSS MiB': '', ratio: a.status === 'ok' ? '' : a.status });
    rows.push({ name: `${label}: total`, seconds: r.seconds, rows: '', 'rows/s': '', 'peak RSS MiB': Math.round(peak / 2 ** 20), ratio: r.seconds / baseline });
  };
  mem = peakRss();
  const full = await runFeatures({ warehouse: w, snapshotDate: dayOf(DAYS - 1), fullRefresh: true });
  report('full build', full, mem.stop());

  // One more day of events, then the incremental run.
  await w.close();
  const extra = await store.more();
  const w2 = await openDuckDbWarehouse({ path: dbPath });
  mem = peakRss();
  const inc = await runFeatures({ warehouse: w2, snapshotDate: dayOf(DAYS) });
  report('incremental (+1 day)', inc, mem.stop());
  await w2.close();

  return {
    name: 'features',
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    rows,
    targets: [
      { metric: 'full build seconds', target: '<= 60', value: Number(full.seconds.toFixed(1)), pass: full.ok && full.seconds <= 60 },
      { metric: 'incremental seconds', target: '<= 5', value: Number(inc.seconds.toFixed(1)), pass: inc.ok && inc.seconds <= 5 },
    ],
    notes: [`${written} raw events (${ORDERS} orders/create + ~10 % orders/updated, ${CUSTOMERS} customers, ${VARIANTS} variants, ${DAYS} days) written in ${writeSeconds.toFixed(0)} s; +${extra} events for the incremental day`, `full build ok: ${full.ok}; incremental ok: ${inc.ok}`],
  };
}
