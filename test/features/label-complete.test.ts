// customer_labels.label_complete follows when the store's events happened, not when they landed (a replayed history lands today).
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import type { LandedEvent } from '../../functions/src/core/classify';
import type { Topic } from '../../functions/src/core/topics';
import { runFeatures } from '../../functions/src/features/runner';
import { planStore } from '../../functions/src/simulator/plan-store';
import { addDays } from '../../functions/src/simulator/zoned-time';

const TZ = 'Europe/London';
const START = '2026-01-05';
const DAYS = 100;
const LAST = addDays(START, DAYS - 1);

let w: DuckDbWarehouse;
afterAll(async () => w?.close());

test('a simulated history landed today: the last day has incomplete labels (with buyers unknown), a snapshot 35 days earlier complete ones with buyers', async () => {
  const plan = planStore({ days: DAYS, seed: 'labels-complete', timezone: TZ, shop: 'labels.myshopify.com', startDate: START, duplicates: false });
  // as the runtime lands a replay: the event's own time in X-Shopify-Triggered-At, received now (months later)
  const now = new Date().toISOString();
  const raw: LandedEvent[] = plan.deliveries.map((d) => ({
    shop: d.shop, topic: d.topic as Topic, webhook_id: d.webhookId, event_id: d.eventId, api_version: '2026-10',
    triggered_at: d.triggeredAt.toISOString(), received_at: now, payload: d.body,
  }));
  w = await openDuckDbWarehouse({ path: ':memory:' });
  await w.landEvents(raw);
  const labels = async (snapshot: string) => {
    const run = await runFeatures({ warehouse: w, snapshotDate: snapshot, timezone: TZ });
    expect(run.actions.filter((a) => a.status !== 'ok').map((a) => a.name)).toEqual([]);
    return w.query(`SELECT count(*)::INT AS n, sum(bought_within_30d::INT)::INT AS buyers, min(label_complete::INT)::INT AS lo, max(label_complete::INT)::INT AS hi
      FROM shop_features.customer_labels WHERE snapshot_date = DATE '${snapshot}'`);
  };
  const early = (await labels(addDays(LAST, -35)))[0]!;
  expect(Number(early['n'])).toBeGreaterThan(100);
  expect(Number(early['buyers'])).toBeGreaterThan(0);
  expect([Number(early['lo']), Number(early['hi'])]).toEqual([1, 1]);
  // the 30 days after the last simulated day are not in the data: nobody can have bought in them yet
  const last = (await labels(LAST))[0]!;
  expect(Number(last['buyers'])).toBe(0);
  expect([Number(last['lo']), Number(last['hi'])]).toEqual([0, 0]);
}, 120_000);
