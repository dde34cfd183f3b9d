// A simulated store landed in an embedded data dir with the feature tables built at two snapshots (30 days apart, both with complete labels).
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { openDuckDbWarehouse } from '../../../functions/src/adapters/embedded/duckdb-warehouse';
import type { LandedEvent } from '../../../functions/src/core/classify';
import type { Topic } from '../../../functions/src/core/topics';
import { runFeatures } from '../../../functions/src/features/runner';
import { planStore } from '../../../functions/src/simulator/plan-store';

export const SHOP = 'train-store.myshopify.com';
/** 125 days from 2026-01-05: the last day is 2026-05-09, so both snapshots' 30-day labels are complete. */
export const DAYS = 125;
export const START = '2026-01-05';
export const EARLIER = '2026-03-06';
export const SNAPSHOT = '2026-04-05';

/** Lands the simulated deliveries (as the runtime would) into <dataDir>/warehouse.duckdb and builds the features at EARLIER, then SNAPSHOT. */
export async function buildTrainingStore(dataDir: string): Promise<{ deliveries: number; seconds: number }> {
  const t0 = performance.now();
  mkdirSync(dataDir, { recursive: true });
  const plan = planStore({ days: DAYS, seed: 'training-2026', timezone: 'UTC', shop: SHOP, startDate: START });
  const raw: LandedEvent[] = plan.deliveries.map((d) => ({
    shop: d.shop,
    topic: d.topic as Topic,
    webhook_id: d.webhookId,
    event_id: d.eventId,
    api_version: '2026-10',
    triggered_at: d.triggeredAt.toISOString(),
    received_at: d.triggeredAt.toISOString(),
    payload: d.body,
  }));
  const w = await openDuckDbWarehouse({ path: path.join(dataDir, 'warehouse.duckdb') });
  try {
    await w.landEvents(raw);
    for (const snapshotDate of [EARLIER, SNAPSHOT]) {
      const r = await runFeatures({ warehouse: w, snapshotDate, timezone: 'UTC' });
      const failed = r.actions.filter((a) => a.status !== 'ok');
      if (failed.length) throw new Error(`features at ${snapshotDate}: ${failed.map((a) => `${a.name}: ${a.error}`).join('; ')}`);
    }
  } finally {
    await w.close();
  }
  return { deliveries: raw.length, seconds: (performance.now() - t0) / 1000 };
}

/** Runs SQL on the store's DuckDB file (no runtime may hold it). */
export async function execOnStore(dataDir: string, sql: string): Promise<void> {
  const w = await openDuckDbWarehouse({ path: path.join(dataDir, 'warehouse.duckdb') });
  try {
    await w.execute(sql);
  } finally {
    await w.close();
  }
}

/** Rows of a query on the store's DuckDB file (opened read-only; no runtime may hold it). */
export async function queryStore(dataDir: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const w = await openDuckDbWarehouse({ path: path.join(dataDir, 'warehouse.duckdb'), readOnly: true });
  try {
    return await w.query(sql);
  } finally {
    await w.close();
  }
}
