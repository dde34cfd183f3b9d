// The pure "production model → predictions" modules the batch scores and the prediction routes share: one entity gives the same answer alone as in a batch; days of cover.
import { fitClv } from '../../functions/src/models/clv';
import { syntheticCustomers } from '../../functions/src/models/clv/synthetic';
import { trainRecommender } from '../../functions/src/models/recommend';
import { syntheticPurchases } from '../../functions/src/models/recommend/synthetic';
import { clvScore, clvScores, type CustomerRow } from '../../functions/src/serving/predict-customer';
import { daysOfCover, replenishment } from '../../functions/src/serving/predict-forecast';
import { productRecommendations, recommendFor } from '../../functions/src/serving/predict-recommend';
import type { VariantForecast } from '../../functions/src/training/models/forecast';

test('CLV: a customer scored alone gets the numbers (intervals included) it gets in a batch; intervals contain the estimate', () => {
  const customers = syntheticCustomers({ customers: 400, seed: 7 }).map((c) => ({ ...c, recency: Math.round(c.recency * 7), T: Math.round(c.T * 7) }));
  const fit = fitClv(customers, { unit: 'day' });
  const rows: CustomerRow[] = customers.map((c) => ({
    snapshot_date: '2026-04-05', customer_id: c.id, frequency: c.frequency, recency_days: c.recency, age_days: c.T, days_since_last: c.T - c.recency,
    monetary: c.monetary ?? 0, r_score: 3, f_score: 3, m_score: 3, segment: 'Loyal',
  }));
  const batch = clvScores(fit, rows, { snapshot: '2026-04-05' });
  expect(batch).toHaveLength(400);
  for (const i of [0, 17, 399]) expect(clvScore(fit, rows[i]!, { snapshot: '2026-04-05' })).toEqual(batch[i]);
  for (const s of batch) {
    expect(s.expected_purchases_90d_low! <= s.expected_purchases_90d && s.expected_purchases_90d <= s.expected_purchases_90d_high!).toBe(true);
    if (s.clv !== null) expect(s.clv_low! <= s.clv && s.clv <= s.clv_high!).toBe(true);
    expect(s.expected_next_order_date! > '2026-04-05').toBe(true);
  }
});

test('recommendations: a product alone gets the list the batch gives it, never itself; a cart excludes all its products', () => {
  const x = syntheticPurchases({ lines: 5_000, customers: 600, items: 60, seed: 3 });
  const model = trainRecommender(x);
  const all = productRecommendations(model, 5);
  expect(new Set(all.map((r) => r.product_id)).size).toBe(model.items.length);
  for (const p of [model.items[0]!, model.items[30]!]) {
    expect(recommendFor(model, [p], 5)).toEqual(all.filter((r) => r.product_id === p));
    expect(all.filter((r) => r.product_id === p).map((r) => r.rank)).toEqual([1, 2, 3, 4, 5]);
  }
  expect(all.some((r) => r.recommended_product_id === r.product_id)).toBe(false);
  const cart = [model.items[0]!, model.items[1]!];
  expect(recommendFor(model, cart, 5).some((r) => cart.includes(r.recommended_product_id))).toBe(false);
});

test('days of cover: when the cumulative forecast after the snapshot reaches the stock; beyond the horizon at its mean rate', () => {
  const v = { dates: ['2026-04-05', '2026-04-06', '2026-04-07', '2026-04-08'], forecast: [9, 2, 2, 2] };
  expect(daysOfCover(v, 5, '2026-04-05')).toBeCloseTo(2.5, 12); // the 04-05 forecast is not after the snapshot
  expect(daysOfCover(v, 9, '2026-04-05')).toBeCloseTo(4.5, 12); // 3 days cover 6, then 3 more at 2 a day
  expect(daysOfCover(v, 0, '2026-04-05')).toBe(0);
  expect(daysOfCover(v, -3, '2026-04-05')).toBe(0);
  expect(daysOfCover(v, null, '2026-04-05')).toBeNull();
  expect(daysOfCover({ dates: v.dates, forecast: [0, 0, 0, 0] }, 5, '2026-04-05')).toBeNull();
  expect(daysOfCover(v, 5, '2026-04-08')).toBeNull(); // no forecast day left
  const f: VariantForecast = { id: 'v1', model: 'ets', demandClass: 'smooth', dates: v.dates, forecast: v.forecast, lo: {}, hi: {}, leadTime: 7, serviceLevel: 0.95, expectedLeadTimeDemand: 14, reorderPoint: 20, safetyStock: 6, notes: [] };
  expect(replenishment(f, 20, '2026-04-04')).toMatchObject({ stock: 20, below_reorder_point: true, forecast_total: 15, horizon_days: 4, reorder_point: 20, safety_stock: 6 });
  expect(replenishment(f, null, '2026-04-04')).toMatchObject({ stock: null, below_reorder_point: null, days_of_cover: null });
});
