// The training pipeline's pure rules: champion/challenger decisions, propensity snapshot choice, dataset validation messages, SQL quoting, world configuration.
import { decide } from '../../functions/src/training/compare';
import { checkDataset, describeFailures } from '../../functions/src/training/datasets';
import { customerRfmSql, latestSnapshotSql } from '../../functions/src/training/extract-sql';
import { planPropensity } from '../../functions/src/training/models/propensity';
import { checkOptions } from '../../functions/src/training/options';
import { createTrainingServices, trainingWorldFromEnv } from '../../functions/src/training/services';
import { scalarParams } from '../../functions/src/training/tracking';

describe('decide: the challenger does not lose when its primary metric is no worse than the champion’s on the same holdout', () => {
  const champ = (score: number | null, comparable = true) => ({ version: 3, score, comparable });
  test.each([
    ['lower', 0.5, champ(0.6), 'win', true],
    ['lower', 0.6, champ(0.6), 'tie', true],
    ['lower', 0.6 + 1e-12, champ(0.6), 'tie', true], // float noise is not a loss
    ['lower', 0.61, champ(0.6), 'lose', false],
    ['higher', 0.61, champ(0.6), 'win', true],
    ['higher', 0.59, champ(0.6), 'lose', false],
    ['higher', 0.59, null, 'no_champion', true],
    ['lower', 0.5, champ(0.1, false), 'incomparable', false],
    ['lower', 0.5, champ(null), 'incomparable', false],
    ['lower', null, champ(0.6), 'unscored', false],
    ['lower', null, null, 'unscored', false],
  ] as const)('%s is better: challenger %p vs %p → %s', (better, challenger, champion, verdict, promote) => {
    expect(decide('m', better, challenger, champion)).toMatchObject({ verdict, promote });
  });
});

describe('planPropensity', () => {
  const s = (snapshot_date: string, complete = true, customers = 100) => ({ snapshot_date, complete, customers });
  test('validation = the latest complete snapshot; training = complete snapshots at least 30 days apart, the latest ≥ 30 days before it', () => {
    const daily = Array.from({ length: 120 }, (_, i) => s(new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10), i < 100));
    expect(planPropensity(daily, 3)).toEqual({ validation: '2026-04-10', train: ['2026-01-10', '2026-02-09', '2026-03-11'] });
    expect(planPropensity(daily, 1)).toEqual({ validation: '2026-04-10', train: ['2026-03-11'] });
  });
  test('falls back to the latest earlier snapshot when none is 30 days older; says why when nothing can train', () => {
    expect(planPropensity([s('2026-03-20'), s('2026-04-01'), s('2026-04-10', false)])).toEqual({ validation: '2026-04-01', train: ['2026-03-20'] });
    expect(planPropensity([s('2026-04-01')])).toMatchObject({ validation: '2026-04-01', train: [], reason: expect.stringContaining('only one snapshot') });
    expect(planPropensity([s('2026-04-01', false)])).toMatchObject({ validation: null, train: [], reason: expect.stringContaining('no snapshot with complete labels') });
  });
});

describe('checkDataset', () => {
  const rfm = (over: Record<string, unknown> = {}) => ({ shop: 's', snapshot_date: '2026-04-05', customer_id: '7', frequency: '2', recency_days: '10', age_days: '30', days_since_last: '20', monetary: 12.5, r_score: '3', f_score: '4', m_score: '5', segment: 'Loyal', ...over });
  test('coerces warehouse strings to numbers and accepts good rows', () => {
    const c = checkDataset('shop_features.customer_rfm', [rfm()]);
    expect(c.failures).toEqual([]);
    expect(c.rows[0]).toMatchObject({ frequency: 2, age_days: 30, r_score: 3 });
  });
  test('groups failures by column with their row count and first row', () => {
    const rows = [rfm({ customer_id: '1' }), rfm({ customer_id: null }), rfm({ customer_id: '3', frequency: -1 }), rfm({ customer_id: '4', frequency: '-2' }), rfm({ customer_id: '5', segment: 'VIP' }), rfm({ customer_id: '6', recency_days: 31 }), rfm({ customer_id: '1' })];
    const c = checkDataset('shop_features.customer_rfm', rows);
    expect(c.failures.map((f) => [f.column, f.rows, f.firstRow])).toEqual([
      ['customer_id', 1, 2],
      ['frequency', 2, 3],
      ['segment', 1, 5],
      ['recency_days', 1, 6],
      ['customer_id', 1, 7],
    ]);
    const msg = describeFailures('shop_features.customer_rfm', rows.length, c.failures);
    expect(msg).toContain('column customer_id: 1 of 7 row(s) is null; first at row 2 (snapshot_date 2026-04-05, customer_id null), got null');
    expect(msg).toContain('column frequency: 2 of 7 row(s) must be ≥ 0; first at row 3 (snapshot_date 2026-04-05, customer_id 3), got -1');
    expect(msg).toContain('column recency_days: 1 of 7 row(s) must be ≤ age_days (30)');
    expect(msg).toContain('column customer_id: 1 of 7 row(s) duplicate key (shop, snapshot_date, customer_id)');
    expect(c.rows.length).toBe(2);
  });
  test('nullable columns accept null; value ranges of the other tables', () => {
    const demand = { shop: 's', variant_id: 'v', product_id: null, date: '2026-01-01', units: '0', revenue: 0, avg_price: null, in_stock: null };
    expect(checkDataset('shop_features.variant_daily_demand', [demand]).failures).toEqual([]);
    const co = { shop: 's', snapshot_date: '2026-01-01', product_a: 'a', product_b: 'b', orders_together: '3', orders_with_a: '4', orders_with_b: '5', baskets: '9', support: 0.3, confidence: 1.5, lift: 1 };
    expect(checkDataset('shop_features.co_purchase', [co]).failures.map((f) => `${f.column}: ${f.message}`)).toEqual(['confidence: must be in [0, 1]']);
    expect(checkDataset('shop_features.co_purchase', [{ ...co, confidence: 0.5, orders_with_a: '2' }]).failures.map((f) => `${f.column}: ${f.message}`)).toEqual(['orders_together: must be ≤ orders_with_a and orders_with_b (2)']);
  });
});

test('SQL takes only validated dates and shop domains', () => {
  expect(customerRfmSql('a.myshopify.com', ['2026-01-02'])).toContain("shop = 'a.myshopify.com' AND snapshot_date IN (DATE '2026-01-02')");
  expect(() => latestSnapshotSql("x' OR '1'='1")).toThrow('shop must be a shop domain');
  expect(() => customerRfmSql('a', ["2026-01-02'"])).toThrow('must be a date YYYY-MM-DD');
});

test('options are range-checked by name; the world comes from the environment with every missing gcp key named', () => {
  expect(() => checkOptions({ holdout_days: 3, service_level: 1, rec_source: 'x' })).toThrow(/holdout_days must be ≥ 7 \(got 3\); parameter service_level must be in \(0, 1\) \(got 1\); parameter rec_source must be 'order_lines' or 'co_purchase'/);
  expect(trainingWorldFromEnv({})).toEqual({ mode: 'embedded', dataDir: '.shop-mlops' });
  expect(() => trainingWorldFromEnv({ SHOP_MLOPS_MODE: 'gcp' })).toThrow('training in gcp mode needs GOOGLE_CLOUD_PROJECT, SHOP_MLOPS_ARTIFACT_BUCKET, SHOP_MLOPS_VERTEX_LOCATION (or GOOGLE_CLOUD_REGION)');
  expect(trainingWorldFromEnv({ SHOP_MLOPS_MODE: 'gcp', GOOGLE_CLOUD_PROJECT: 'p', SHOP_MLOPS_ARTIFACT_BUCKET: 'b', GOOGLE_CLOUD_REGION: 'europe-west1' })).toMatchObject({ mode: 'gcp', project: 'p', bucket: 'b', location: 'europe-west1' });
  expect(scalarParams({ a: 1, b: 'x', c: true, d: { e: [1] }, f: Infinity })).toEqual({ a: 1, b: 'x', c: true, d: '{"e":[1]}', f: 'null' });
});

test('gcp services: BigQuery features, the artifact bucket and the Vertex registry, built without touching the network', async () => {
  const s = createTrainingServices(trainingWorldFromEnv({ SHOP_MLOPS_MODE: 'gcp', GOOGLE_CLOUD_PROJECT: 'demo-shop-mlops', SHOP_MLOPS_ARTIFACT_BUCKET: 'shop-artifacts', SHOP_MLOPS_VERTEX_LOCATION: 'us-central1' }));
  expect(s.world).toBe('gcp');
  expect(s.features).toMatchObject({ dialect: 'bigquery', source: 'bigquery:demo-shop-mlops' });
  expect(s.artifacts.uri('models/clv/training-x/model.json')).toBe('gs://shop-artifacts/models/clv/training-x/model.json');
  await s.close();
});
