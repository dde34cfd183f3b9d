// The MonitoringStore port's contract as one jest suite; every adapter (embedded DuckDB, BigQuery) runs it unchanged.
import { createHash } from 'node:crypto';
import { ShopMlopsError } from '../../functions/src/core/errors';
import type { DriftResult, DriftRun, MonitorDecision, MonitoringStore, RetrainRequest } from '../../functions/src/ports/monitoring-store';

export interface MonitoringStoreHarness {
  store: MonitoringStore;
  /** A second instance over the same storage (another process, another function instance). */
  another(): MonitoringStore;
  cleanup(): Promise<void>;
}

const SHOP = 'contract-store.myshopify.com';
const OTHER = 'other-store.myshopify.com';

export const decisionId = (shop: string, model: string, revision: number, action: string): string => createHash('sha256').update(`${shop}\n${model}\n${revision}\n${action}`).digest('hex');

export function decision(o: Partial<MonitorDecision> & { revision_before?: number } = {}): MonitorDecision {
  const shop = o.shop ?? SHOP;
  const model = o.model ?? 'propensity';
  const revision = o.revision_before ?? 3;
  const action = o.action ?? 'rollback';
  return {
    decision_id: decisionId(shop, model, revision, action),
    shop,
    model,
    decided_at: '2026-05-01T03:00:00.000Z',
    action,
    reason: 'precision_below_threshold',
    version: 4,
    precision: { metric: 'precision', trials: 412, successes: 289, value: 289 / 412, low: 0.6559, high: 0.7445, confidence: 0.95, threshold: 0.78, from: '2026-04-20', to: '2026-04-30' },
    guardrails: [{ metric: 'conversion', champion: { units: 9000, mean: 0.031 }, challenger: { units: 480, mean: 0.029 }, difference: -0.002, low: -0.011, high: 0.007, alpha: 0.05, since: '2026-04-20T00:00:00.000Z' }],
    before: { champion: { version: 3, percent: 95 }, challenger: { version: 4, percent: 5 }, holdout: 0 },
    after: { champion: { version: 3, percent: 100 }, challenger: null, holdout: 0 },
    revision_before: revision,
    revision_after: revision + 1,
    flow_event: { trigger: 'model_rolled_back', shop, model, version: 4, precision: 289 / 412, reason: 'precision_below_threshold' },
    ...o,
  };
}

const run = (o: Partial<DriftRun> = {}): DriftRun => ({
  shop: SHOP, run_date: '2026-05-01', subject: 'features', model: 'propensity', computed_at: '2026-05-01T02:00:00.000Z',
  features_tested: 2, features_drifted: 1, correction: 'benjamini-hochberg', alpha: 0.05, drifted: true, ...o,
});
const result = (feature: string, o: Partial<DriftResult> = {}): DriftResult => ({
  shop: SHOP, run_date: '2026-05-01', subject: 'features', model: 'propensity', feature, kind: 'continuous',
  reference: 'shop_features.customer_rfm@2026-04-01', current: 'shop_features.customer_rfm@2026-04-30', n_reference: 5000, n_current: 5200,
  psi: 0.31, ks_statistic: 0.12, ks_p_value: 1.2e-9, js_divergence: null, p_adjusted: 2.4e-9, material: true, drifted: true, level: 'alert', ...o,
});
const claim = (id: string, models: string[], requested_at: string, o: { shop?: string; trigger?: RetrainRequest['trigger'] } = {}) => ({
  request_id: id, shop: o.shop ?? SHOP, models, trigger: o.trigger ?? 'velocity', reason: 'orders per hour 3.1x the 168 h baseline', requested_at,
});

async function rejectsWith(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ShopMlopsError);
  expect([(err as ShopMlopsError).code, (err as Error).message]).toEqual([code, expect.stringMatching(text)]);
}

export function monitoringStoreContract(name: string, make: () => Promise<MonitoringStoreHarness>): void {
  describe(`MonitoringStore contract: ${name}`, () => {
    let h: MonitoringStoreHarness;
    let s: MonitoringStore;
    beforeEach(async () => {
      h = await make();
      s = h.store;
    });
    afterEach(async () => {
      await s.close();
      await h.cleanup();
    });

    test('a new store reads empty everywhere', async () => {
      expect([await s.decisions(), await s.driftRuns(), await s.driftResults(), await s.retrainRequests()]).toEqual([[], [], [], []]);
    });

    test('a decision reads back exactly (evidence, splits, Flow event); the same decision_id never records twice', async () => {
      const d = decision();
      expect(await s.recordDecision(d)).toBe(true);
      expect(await s.decisions()).toEqual([d]);
      // The same evidence acted on again (another instance, a retried pass): nothing written, even with other content.
      expect(await h.another().recordDecision({ ...d, decided_at: '2026-05-01T04:00:00.000Z', version: 9 })).toBe(false);
      expect(await h.another().decisions()).toEqual([d]);
    });

    test('decisions filter by shop, model and since, oldest first; timestamps come back as UTC ISO with milliseconds', async () => {
      const late = decision({ revision_before: 5, action: 'promote', reason: 'guardrails_held', decided_at: '2026-05-03T10:00:00+02:00', precision: null, guardrails: [], before: null });
      const early = decision({ revision_before: 1, decided_at: '2026-04-28T00:00:00Z' });
      const other = decision({ shop: OTHER, decided_at: '2026-05-02T00:00:00.000Z' });
      const recommend = decision({ model: 'recommend', decided_at: '2026-05-02T01:00:00.000Z' });
      for (const d of [late, early, other, recommend]) expect(await s.recordDecision(d)).toBe(true);
      const ids = (ds: MonitorDecision[]) => ds.map((d) => d.decision_id);
      expect(ids(await s.decisions())).toEqual(ids([early, other, recommend, late]));
      expect((await s.decisions({ shop: SHOP })).map((d) => d.decided_at)).toEqual(['2026-04-28T00:00:00.000Z', '2026-05-02T01:00:00.000Z', '2026-05-03T08:00:00.000Z']);
      expect(ids(await s.decisions({ shop: SHOP, model: 'propensity' }))).toEqual(ids([early, late]));
      expect(ids(await s.decisions({ since: '2026-05-02T00:30:00Z' }))).toEqual(ids([recommend, late]));
      expect(ids(await s.decisions({ since: '2026-05-02' }))).toEqual(ids([other, recommend, late]));
      expect((await s.decisions({ model: 'propensity', since: '2026-05-03T00:00:00Z' }))[0]).toEqual({ ...late, decided_at: '2026-05-03T08:00:00.000Z' });
    });

    test('an invalid decision is refused with every problem named, and nothing is written', async () => {
      await rejectsWith(s.recordDecision({ ...decision(), decision_id: 'abc', precision: { ...decision().precision!, value: Number.NaN } }), 'BAD_REQUEST', /decision_id: .*sha256.*precision\.value/s);
      await rejectsWith(s.recordDecision({ ...decision(), shop: 'not a shop' }), 'BAD_REQUEST', /shop: must be a shop domain/);
      expect(await s.decisions()).toEqual([]);
    });

    test('a night of drift reads back; recording the same (shop, night, subject, model) again replaces it, other keys stay', async () => {
      const cat = result('segment', { kind: 'categorical', psi: 0.04, ks_statistic: null, ks_p_value: null, js_divergence: 0.02, p_adjusted: 0.3, material: false, drifted: false, level: 'ok' });
      await s.recordDrift(run(), [result('recency_days'), cat]);
      // the shop-wide set (model null) and the prediction subject are other keys
      await s.recordDrift(run({ model: null, features_tested: 1 }), [result('units', { model: null })]);
      await s.recordDrift(run({ subject: 'predictions', features_tested: 1, features_drifted: 0, drifted: false }), [result('p_repeat_30d', { subject: 'predictions', drifted: false, level: 'warn', psi: 0.12 })]);
      expect(await s.driftRuns()).toEqual([run({ model: null, features_tested: 1 }), run(), run({ subject: 'predictions', features_tested: 1, features_drifted: 0, drifted: false })]);
      expect((await s.driftResults()).map((r) => [r.subject, r.model, r.feature])).toEqual([['features', null, 'units'], ['features', 'propensity', 'recency_days'], ['features', 'propensity', 'segment'], ['predictions', 'propensity', 'p_repeat_30d']]);
      expect((await s.driftResults()).find((r) => r.feature === 'segment')).toEqual(cat);

      const rerun = run({ computed_at: '2026-05-01T05:00:00.000Z', features_tested: 1, features_drifted: 0, drifted: false });
      await h.another().recordDrift(rerun, [result('recency_days', { psi: 0.02, drifted: false, material: false, level: 'ok' })]);
      expect((await s.driftRuns()).filter((r) => r.model === 'propensity' && r.subject === 'features')).toEqual([rerun]);
      expect((await s.driftResults()).map((r) => [r.subject, r.model, r.feature, r.psi])).toEqual([['features', null, 'units', 0.31], ['features', 'propensity', 'recency_days', 0.02], ['predictions', 'propensity', 'p_repeat_30d', 0.12]]);
    });

    test('drift reads filter by shop and since (the night\'s date); a result of another key or an invalid value is refused', async () => {
      await s.recordDrift(run({ run_date: '2026-04-30' }), [result('frequency', { run_date: '2026-04-30' })]);
      await s.recordDrift(run(), [result('frequency')]);
      await s.recordDrift(run({ shop: OTHER }), [result('frequency', { shop: OTHER })]);
      expect((await s.driftRuns({ shop: SHOP })).map((r) => r.run_date)).toEqual(['2026-04-30', '2026-05-01']);
      expect((await s.driftRuns({ since: '2026-05-01' })).map((r) => r.shop)).toEqual([OTHER, SHOP].sort());
      expect((await s.driftResults({ shop: SHOP, since: '2026-05-01T23:00:00Z' })).map((r) => [r.shop, r.run_date])).toEqual([[SHOP, '2026-05-01']]);
      await rejectsWith(s.recordDrift(run({ run_date: '2026-05-02' }), [result('frequency')]), 'BAD_REQUEST', /belongs to/);
      await rejectsWith(s.recordDrift(run({ run_date: '2026-05-02' }), [result('frequency', { run_date: '2026-05-02', psi: Number.POSITIVE_INFINITY })]), 'BAD_REQUEST', /psi/);
      expect((await s.driftRuns()).map((r) => r.run_date)).not.toContain('2026-05-02');
    });

    test('claimRetrain: the first request starts a run; one sharing a model within the window joins it; others start their own', async () => {
      const since = '2026-05-01T09:00:00.000Z';
      const a = await s.claimRetrain(claim('a', ['propensity', 'clv', 'clv'], '2026-05-01T10:00:00.000Z'), since);
      expect(a).toEqual({ ...claim('a', ['clv', 'propensity'], '2026-05-01T10:00:00.000Z'), status: 'started', run_request_id: 'a', run_id: null, finished_at: null, error: null });
      const b = await h.another().claimRetrain(claim('b', ['propensity'], '2026-05-01T10:05:00.000Z', { trigger: 'drift' }), since);
      expect([b.status, b.run_request_id, b.trigger]).toEqual(['coalesced', 'a', 'drift']);
      // no model in common, another shop, or the window opened after `a`: a run of its own
      expect((await s.claimRetrain(claim('c', ['recommend'], '2026-05-01T10:06:00.000Z'), since)).status).toBe('started');
      expect((await s.claimRetrain(claim('d', ['clv'], '2026-05-01T10:07:00.000Z', { shop: OTHER }), since)).status).toBe('started');
      expect(await s.claimRetrain(claim('e', ['clv'], '2026-05-01T10:30:00.000Z'), '2026-05-01T10:10:00.000Z')).toMatchObject({ status: 'started', run_request_id: 'e' });
      // the same request again (a retried delivery) is what it already is, not a second row
      expect(await s.claimRetrain(claim('b', ['propensity'], '2026-05-01T10:05:00.000Z', { trigger: 'drift' }), since)).toEqual(b);
      expect((await s.retrainRequests()).map((r) => [r.request_id, r.status, r.run_request_id])).toEqual([['a', 'started', 'a'], ['b', 'coalesced', 'a'], ['c', 'started', 'c'], ['d', 'started', 'd'], ['e', 'started', 'e']]);
      expect((await s.retrainRequests({ shop: SHOP, since: '2026-05-01T10:05:00Z' })).map((r) => r.request_id)).toEqual(['b', 'c', 'e']);
    });

    test('claimRetrain: a burst of racing requests on two instances starts exactly one run, every other request joins it', async () => {
      const other = h.another();
      const out = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : s).claimRetrain(claim(`burst-${String(i).padStart(2, '0')}`, ['propensity'], `2026-05-01T10:00:${String(i).padStart(2, '0')}.000Z`, { trigger: 'external' }), '2026-05-01T09:00:00Z')));
      const started = out.filter((r) => r.status === 'started');
      expect(started).toHaveLength(1);
      expect(out.map((r) => r.run_request_id)).toEqual(out.map(() => started[0]!.request_id));
      const stored = await s.retrainRequests();
      expect(stored.filter((r) => r.status === 'started').map((r) => r.request_id)).toEqual([started[0]!.request_id]);
      expect(stored).toHaveLength(20);
    });

    test('updateRetrain sets the run id, then the outcome; a finished run no longer absorbs requests unless it succeeded; unknown ids are NOT_FOUND', async () => {
      await s.claimRetrain(claim('a', ['propensity'], '2026-05-01T10:00:00.000Z'), '2026-05-01T09:00:00Z');
      await s.updateRetrain('a', { run_id: 'run-20260501-1' });
      await h.another().updateRetrain('a', { status: 'failed', finished_at: '2026-05-01T12:10:00+02:00', error: 'train step failed: too few customers' });
      expect((await s.retrainRequests())[0]).toEqual({ ...claim('a', ['propensity'], '2026-05-01T10:00:00.000Z'), status: 'failed', run_request_id: 'a', run_id: 'run-20260501-1', finished_at: '2026-05-01T10:10:00.000Z', error: 'train step failed: too few customers' });
      // a failed run is retried by the next request; a succeeded one still covers its window
      const b = await s.claimRetrain(claim('b', ['propensity'], '2026-05-01T10:20:00.000Z'), '2026-05-01T09:00:00Z');
      expect([b.status, b.run_request_id]).toEqual(['started', 'b']);
      await s.updateRetrain('b', { run_id: 'run-2', status: 'succeeded', finished_at: '2026-05-01T10:40:00.000Z' });
      expect(await s.claimRetrain(claim('c', ['propensity'], '2026-05-01T10:45:00.000Z'), '2026-05-01T09:00:00Z')).toMatchObject({ status: 'coalesced', run_request_id: 'b' });
      await rejectsWith(s.updateRetrain('nope', { status: 'succeeded' }), 'NOT_FOUND', /nope/);
      await rejectsWith(s.updateRetrain('a', { status: 'done' as never }), 'BAD_REQUEST', /status/);
    });

    test('shop/redact deletes the shop\'s rows in every table and nothing of another shop', async () => {
      for (const shop of [SHOP, OTHER]) {
        await s.recordDecision(decision({ shop, flow_event: { ...decision().flow_event, shop } }));
        await s.recordDrift(run({ shop }), [result('frequency', { shop })]);
        await s.claimRetrain(claim(`r-${shop}`, ['clv'], '2026-05-01T10:00:00.000Z', { shop }), '2026-05-01T09:00:00Z');
      }
      await s.redactShop(SHOP);
      const shops = async () => [...(await s.decisions()), ...(await s.driftRuns()), ...(await s.driftResults()), ...(await s.retrainRequests())].map((r) => r.shop);
      expect(await shops()).toEqual([OTHER, OTHER, OTHER, OTHER]);
      expect(await s.decisions({ shop: OTHER })).toHaveLength(1);
    });
  });
}
