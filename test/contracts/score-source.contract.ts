// The write-back's ScoreSource contract as one jest suite: scores go in through the world's own PredictionStore, and every reader (DuckDB, BigQuery) must give the same newest batches back, rows normalised the same way.
import type { PredictionStore } from '../../functions/src/ports/prediction-store';
import type { PredictionBatch } from '../../functions/src/serving/prediction-tables';
import type { ScoreSource } from '../../functions/src/shopify/score-source';

export interface ScoreSourceHarness {
  /** The world's writer of batch scores (what the score step uses). */
  store: PredictionStore;
  scores: ScoreSource;
  cleanup(): Promise<void>;
}

const A = 'contract-a.myshopify.com';
const B = 'contract-b.myshopify.com';

const clvRow = (customer: string, clv: number | null, scoredAt: string) => ({
  customer_id: customer, rfm_segment: 'Loyal', expected_purchases_90d: 1.25, expected_purchases_90d_low: 0.5, expected_purchases_90d_high: 2,
  p_alive: 0.875, expected_next_order_date: '2026-12-24', expected_order_value: null, clv, clv_low: clv === null ? null : clv - 10, clv_high: clv === null ? null : clv + 10, clv_horizon_days: 365, scored_at: scoredAt,
});
const clv = (shop: string, snapshotDate: string, version: number, rows: ReturnType<typeof clvRow>[]): PredictionBatch => ({ table: 'customer_clv', key: { shop, snapshotDate, model: 'clv', version }, rows });

export function scoreSourceContract(name: string, make: () => Promise<ScoreSourceHarness>): void {
  describe(`ScoreSource contract: ${name}`, () => {
    let h: ScoreSourceHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => h.cleanup());

    test('no scores yet: no shops, no batches', async () => {
      expect(await h.scores.shops()).toEqual([]);
      expect(await h.scores.newest(A)).toEqual({});
    });

    test('rows come back normalised: 18-digit ids exact, dates as YYYY-MM-DD, timestamps ISO with milliseconds and Z, nulls kept, numbers and booleans typed, ordered by grain', async () => {
      await h.store.replace([
        clv(A, '2026-11-30', 3, [clvRow('820982911946154509', 310.5, '2026-12-01T02:03:04.567Z'), clvRow('820982911946154508', null, '2026-12-01T02:03:04.567Z')]),
        { table: 'customer_propensity', key: { shop: A, snapshotDate: '2026-11-30', model: 'propensity', version: 2 }, rows: [{ customer_id: '820982911946154508', rfm_segment: 'At risk', p_repeat_30d: 0.125, threshold: 0.5, will_repeat: false, scored_at: '2026-12-01T00:00:00.000Z' }] },
        {
          table: 'product_recommendations',
          key: { shop: A, snapshotDate: '2026-11-30', model: 'recommend', version: 1 },
          rows: [2, 1].map((rank) => ({ product_id: '8000000000001', rank, recommended_product_id: `800000000000${rank + 1}`, score: 1 / rank, source: 'similar', scored_at: '2026-12-01T00:00:00.000Z' })),
        },
      ]);
      const got = await h.scores.newest(A);
      expect(Object.keys(got).sort()).toEqual(['customer_clv', 'customer_propensity', 'product_recommendations']);
      expect(got.customer_clv).toEqual({
        snapshotDate: '2026-11-30',
        version: 3,
        rows: [
          { shop: A, snapshot_date: '2026-11-30', model: 'clv', version: 3, ...clvRow('820982911946154508', null, '2026-12-01T02:03:04.567Z') },
          { shop: A, snapshot_date: '2026-11-30', model: 'clv', version: 3, ...clvRow('820982911946154509', 310.5, '2026-12-01T02:03:04.567Z') },
        ],
      });
      expect(got.customer_propensity!.rows).toEqual([{ shop: A, snapshot_date: '2026-11-30', model: 'propensity', version: 2, customer_id: '820982911946154508', rfm_segment: 'At risk', p_repeat_30d: 0.125, threshold: 0.5, will_repeat: false, scored_at: '2026-12-01T00:00:00.000Z' }]);
      expect(got.product_recommendations!.rows.map((r) => [r['rank'], r['recommended_product_id'], r['score']])).toEqual([[1, '8000000000002', 1], [2, '8000000000003', 0.5]]);
    });

    test('the newest batch: the latest snapshot first, then the latest scored_at, then the highest version; older batches never mix in', async () => {
      await h.store.replace([
        clv(A, '2026-11-23', 9, [clvRow('1', 1, '2026-12-05T00:00:00.000Z')]), // highest version and latest scoring, but an older snapshot
        clv(A, '2026-11-30', 1, [clvRow('1', 2, '2026-12-02T00:00:00.000Z'), clvRow('2', 2, '2026-12-02T00:00:00.000Z')]),
        clv(A, '2026-11-30', 2, [clvRow('1', 3, '2026-12-03T00:00:00.000Z')]), // scored later: wins over version 1
        clv(A, '2026-11-30', 4, [clvRow('1', 4, '2026-12-01T00:00:00.000Z')]), // a higher version scored earlier: loses
      ]);
      const got = (await h.scores.newest(A)).customer_clv!;
      expect([got.snapshotDate, got.version, got.rows.map((r) => [r['customer_id'], r['clv']])]).toEqual(['2026-11-30', 2, [['1', 3]]]);
      // Scored at the same instant: the higher version.
      await h.store.replace([clv(A, '2026-11-30', 5, [clvRow('1', 5, '2026-12-03T00:00:00.000Z')])]);
      expect((await h.scores.newest(A)).customer_clv!.version).toBe(5);
    });

    test('shops: every shop with a write-back score, sorted; each shop reads only its own batches', async () => {
      await h.store.replace([clv(B, '2026-11-30', 1, [clvRow('7', 70, '2026-12-01T00:00:00.000Z')]), clv(A, '2026-11-29', 1, [clvRow('1', 10, '2026-12-01T00:00:00.000Z')])]);
      await h.store.replace([{ table: 'variant_replenishment', key: { shop: B, snapshotDate: '2026-11-30', model: 'forecast', version: 1 }, rows: [{ variant_id: '9', product_id: '8', forecast_model: 'ets', demand_class: 'smooth', horizon_days: 28, forecast_total: 30, lead_time_days: 7, service_level: 0.95, expected_lead_time_demand: 8, safety_stock: 3, reorder_point: 11, stock: 40, days_of_cover: 12.5, below_reorder_point: false, scored_at: '2026-12-01T00:00:00.000Z' }] }]);
      expect(await h.scores.shops()).toEqual([A, B]);
      expect((await h.scores.newest(A)).customer_clv!.rows.map((r) => r['customer_id'])).toEqual(['1']);
      const b = await h.scores.newest(B);
      expect(Object.keys(b).sort()).toEqual(['customer_clv', 'variant_replenishment']);
      expect(b.variant_replenishment!.rows[0]).toMatchObject({ variant_id: '9', days_of_cover: 12.5, below_reorder_point: false, reorder_point: 11 });
      expect(await h.scores.newest('nobody.myshopify.com')).toEqual({});
    });
  });
}
