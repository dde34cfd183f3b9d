// Shared set-up for the Shopify tests: scores in a real DuckDB, the Admin GraphQL contract server, the library routed to it, a file session store.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createDuckDbPredictionStore } from '../../functions/src/adapters/embedded/duckdb-prediction-store';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createFileSessionStorage } from '../../functions/src/adapters/embedded/file-session-storage';
import type { SessionStorage } from '../../functions/src/ports/session-storage';
import type { PredictionBatch } from '../../functions/src/serving/prediction-tables';
import { createAdminLibrary, routeShopifyAdminTo, type AdminLibrary } from '../../functions/src/shopify/admin-library';
import type { MetafieldsJobDeps } from '../../functions/src/shopify/metafields-job';
import { duckDbScoreSource } from '../../functions/src/shopify/score-source';
import { startAdminContractServer, type ContractServer, type ContractServerOptions } from '../../functions/src/testing/admin-graphql-contract-server';

export const SHOP = 'meta-store.myshopify.com';
export const API_KEY = 'meta-api-key';
export const API_SECRET = 'meta-api-secret';
export const TOKEN = 'shpat_meta_offline';

export interface Harness {
  dir: string;
  warehouse: DuckDbWarehouse;
  server: ContractServer;
  sessions: SessionStorage;
  library: AdminLibrary;
  deps(extra?: Partial<MetafieldsJobDeps>): MetafieldsJobDeps & { dir: string };
  score(batches: PredictionBatch[]): Promise<void>;
  close(): Promise<void>;
}

/** Batches for `customers` customers, `variants` variants and `products` products at `version` (values shift with it). */
export function syntheticBatches(o: { customers: number; variants: number; products: number; version: number; shop?: string }): PredictionBatch[] {
  const shop = o.shop ?? SHOP;
  const key = (model: 'clv' | 'propensity' | 'forecast' | 'recommend') => ({ shop, snapshotDate: '2026-11-30', model, version: o.version });
  const at = `2026-12-0${o.version}T00:00:00.000Z`;
  const cid = (i: number) => String(7_000_000_000_000 + i);
  return [
    {
      table: 'customer_clv',
      key: key('clv'),
      rows: Array.from({ length: o.customers }, (_, i) => ({
        customer_id: cid(i), rfm_segment: i % 3 ? 'loyal' : 'at_risk', expected_purchases_90d: 0.5 + i / 100, expected_purchases_90d_low: 0.2, expected_purchases_90d_high: 1.1 + i / 100,
        p_alive: 0.9 - i / (o.customers * 2), expected_next_order_date: '2027-01-15', expected_order_value: 40 + o.version, clv: 200, clv_low: 100, clv_high: 300, clv_horizon_days: 365, scored_at: at,
      })),
    },
    { table: 'customer_propensity', key: key('propensity'), rows: Array.from({ length: o.customers }, (_, i) => ({ customer_id: cid(i), rfm_segment: 'loyal', p_repeat_30d: 0.1 + i / (o.customers * 4), threshold: 0.5, will_repeat: false, scored_at: at })) },
    {
      table: 'variant_replenishment',
      key: key('forecast'),
      rows: Array.from({ length: o.variants }, (_, i) => ({
        variant_id: String(9_000_000 + i), product_id: String(8_000_000 + (i % Math.max(1, o.products))), forecast_model: 'ets', demand_class: 'smooth', horizon_days: 28, forecast_total: 30 + i,
        lead_time_days: 7, service_level: 0.95, expected_lead_time_demand: 8, safety_stock: 3, reorder_point: 11 + i, stock: 40, days_of_cover: 12.5, below_reorder_point: false, scored_at: at,
      })),
    },
    {
      table: 'product_recommendations',
      key: key('recommend'),
      rows: Array.from({ length: o.products }, (_, p) => [1, 2, 3].map((rank) => ({ product_id: String(8_000_000 + p), rank, recommended_product_id: String(8_000_000 + ((p + rank) % o.products)), score: 1 / rank, source: 'similar', scored_at: at }))).flat(),
    },
  ];
}

export async function startHarness(opts: Partial<ContractServerOptions> = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-meta-'));
  const warehouse = await openDuckDbWarehouse({ path: path.join(dir, 'warehouse.duckdb') });
  const server = await startAdminContractServer({ apiKey: API_KEY, apiSecret: API_SECRET, tokens: { [TOKEN]: SHOP }, ...opts });
  routeShopifyAdminTo(server.url);
  const sessions = createFileSessionStorage(path.join(dir, 'sessions'));
  await sessions.store({ shop: SHOP, accessToken: TOKEN, scope: 'write_products,write_customers', installedAt: new Date().toISOString() });
  const library = createAdminLibrary({ apiKey: API_KEY, apiSecret: API_SECRET });
  const store = createDuckDbPredictionStore(warehouse);
  return {
    dir,
    warehouse,
    server,
    sessions,
    library,
    deps: (extra = {}) => ({ dir: path.join(dir, 'metafields'), scores: duckDbScoreSource(warehouse.execute), sessions, library, pollMs: 20, ...extra }),
    score: async (b) => void (await store.replace(b)),
    close: async () => {
      await server.idle();
      await server.close();
      await warehouse.close();
    },
  };
}

/** Every (owner, key) written with a value it already held: must stay empty. */
export const duplicateWrites = (s: ContractServer) => s.writes.filter((w) => w.redundant);
