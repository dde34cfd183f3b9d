// Catalog terms of the propensity model (hand-computed store) and the threshold that must hold in every rolling month.
import { catalogMix, withCatalogMix } from '../../functions/src/models/propensity/catalog-mix';
import { design, fitTransform } from '../../functions/src/models/propensity/transform';
import { chooseThreshold, chooseThresholdAcrossMonths } from '../../functions/src/models/propensity/threshold';
import type { RfmRow } from '../../functions/src/models/propensity/rows';

const lines = [
  { customerId: 'A', day: '2011-01-01', product: 'P1', quantity: 2, unitPrice: 1 },
  { customerId: 'B', day: '2011-01-01', product: 'P1', quantity: 1, unitPrice: 1 },
  { customerId: 'B', day: '2011-01-01', product: 'P2', quantity: 1, unitPrice: 3 },
  { customerId: 'A', day: '2011-01-02', product: 'P1', quantity: 1, unitPrice: 1 },
  { customerId: 'C', day: '2011-01-03', product: 'P2', quantity: 4, unitPrice: 3 },
];

test('catalogMix: distinct products, price percentile of the lines, re-buy share of the other buyers shrunk toward the shop rate', () => {
  const mix = catalogMix(lines, '2011-01-03');
  // P1 bought by A (2 days) and B; P2 by B and C: shop rate 1 / 4; prior 5 pseudo-buyers
  const prior = 5 * 0.25;
  expect(mix.get('A')).toEqual({ distinct_products: 1, mean_price_band: 0, rebuy_affinity: (0 + prior) / (1 + 5) });
  const b = mix.get('B')!;
  expect(b.distinct_products).toBe(2);
  expect(b.mean_price_band).toBe(0.5);
  expect(b.rebuy_affinity).toBeCloseTo(((1 + prior) / 6 + prior / 6) / 2, 12);
  expect(mix.get('C')).toEqual({ distinct_products: 1, mean_price_band: 1, rebuy_affinity: prior / 6 });
  // nothing after the snapshot is read: on 2011-01-01 nobody has re-bought yet and C is unknown
  const early = catalogMix(lines, '2011-01-01');
  expect(early.has('C')).toBe(false);
  expect(early.get('A')!.rebuy_affinity).toBe(0);
});

test('a model trained with catalog terms needs them to score; rows without lines get neutral values', () => {
  const row = (id: string): RfmRow => ({ snapshot_date: '2011-01-03', customer_id: id, frequency: 1, recency_days: 1, age_days: 2, days_since_last: 1, monetary: 3, r_score: 3, f_score: 3, m_score: 3, segment: 'Loyal' });
  const rows = withCatalogMix([row('A'), row('B'), row('Z')], catalogMix(lines, '2011-01-03'));
  expect(rows[2]).toMatchObject({ distinct_products: 0, mean_price_band: 0.5 });
  const t = fitTransform(rows);
  expect(t.catalog).toBe(true);
  expect(t.continuous.map((c) => c.name).slice(-3)).toEqual(['log1p_distinct_products', 'mean_price_band', 'rebuy_affinity']);
  expect(design(t, rows).nd).toBe(1 + 12);
  expect(() => design(t, [row('A')])).toThrow(/UNPROCESSABLE|no catalog terms/);
  expect(fitTransform([row('A')]).catalog).toBeUndefined();
});

test('chooseThresholdAcrossMonths: the lowest cut whose precision holds in every month (the single-month rule goes lower)', () => {
  const earlier = { snapshot: '2011-05-31', probs: [0.9, 0.8, 0.7, 0.6], labels: [1, 1, 0, 1] };
  const validation = { snapshot: '2011-06-30', probs: [0.95, 0.85, 0.75, 0.65], labels: [1, 1, 1, 1] };
  const opts = { targetPrecision: 0.78, minPredictedPositives: 1 };
  expect(chooseThreshold(validation.labels, validation.probs, opts).threshold).toBe(0.65);
  const r = chooseThresholdAcrossMonths([earlier, validation], opts);
  // p ≥ 0.65 takes 0.9, 0.8, 0.7 in May: precision 2 / 3
  expect(r).toMatchObject({ status: 'met', threshold: 0.75, precision: 1, recall: 0.75, predictedPositives: 3 });
  expect(r.months).toEqual([
    { snapshot: '2011-05-31', precision: 1, recall: 2 / 3, predictedPositives: 2, lowerBound: 1 },
    { snapshot: '2011-06-30', precision: 1, recall: 0.75, predictedPositives: 3, lowerBound: 1 },
  ]);
  // with a Wilson margin two customers of two are not enough evidence for 0.78
  expect(chooseThresholdAcrossMonths([earlier, validation], { ...opts, confidenceZ: 1 }).status).toBe('unreachable');
});
