// Demand evaluation on the real panels: the selected model beats seasonal naive and the 28-day mean, 80 % intervals cover 75–85 %.
import * as path from 'node:path';
import { evaluateDemand } from '../../functions/src/eval/demand';
import type { EvalSection } from '../../functions/src/eval/types';
import { testNeedingShared } from '../helpers/shared';

const DATA = path.resolve(__dirname, '../../../shared/data');
const files = ['demand/online_retail_top50_daily_units.csv', 'demand/m5_subset/sales_train_validation_10series.csv', 'demand/m5_subset/calendar.csv'].map((f) => path.join(DATA, f));
const maybe = testNeedingShared(files, 'the demand evaluation');

let sections: EvalSection[] = [];
const metric = (s: EvalSection, model: string, m: string) => s.rows.find((r) => r.model === model)!.metrics[m]!;

maybe('both panels: every check holds, with the numbers behind them', async () => {
  sections = await evaluateDemand(DATA);
  expect(sections.map((s) => s.dataset)).toEqual(['online_retail_top50 (UCI, daily units)', 'm5_subset (Walmart item × store)']);
  for (const s of sections) {
    expect(s.task).toBe('demand');
    expect(s.rows.map((r) => r.model).slice(0, 14)).toEqual([
      'selected', 'selected, no catalog', 'selected, per-series models only (before)', 'seasonal naive', '28-day mean', 'wmean', 'ets', 'croston', 'sba', 'tsb', 'combo',
      'gbt (global, catalog)', 'gbt (global, no catalog)', '30-day history: pooled by product type',
    ]);
    expect(s.rows.filter((r) => r.baseline).map((r) => r.model)).toEqual(['seasonal naive', '28-day mean', '30-day history: no pooling', '60-day history: no pooling', '90-day history: no pooling']);
    // every check holds but issue 17's RMSSE targets (0.83 / 0.75), which the eval reports as they are
    for (const c of s.checks.filter((c) => !c.name.includes('issue 17'))) expect({ check: c.name, pass: c.pass, detail: c.detail }).toEqual({ check: c.name, pass: true, detail: c.detail });
    const sel = (m: string) => metric(s, 'selected', m);
    for (const base of ['seasonal naive', '28-day mean']) {
      expect(sel('rmsse')).toBeLessThan(metric(s, base, 'rmsse'));
      expect(sel('mase')).toBeLessThan(metric(s, base, 'mase'));
    }
    expect(sel('coverage80')).toBeGreaterThanOrEqual(0.75);
    expect(sel('coverage80')).toBeLessThanOrEqual(0.85);
    expect(sel('coverage95')).toBeGreaterThan(sel('coverage80'));
  }
  const [uci, m5] = sections as [EvalSection, EvalSection];
  expect(metric(uci, 'selected', 'series')).toBe(50);
  expect(metric(m5, 'selected', 'series')).toBe(10);
  // measured values (2026-12): UCI 0.860 / 0.927 vs the 28-day mean's 0.910 / 1.068; M5 0.779 / 1.144 vs 0.788 / 1.145
  expect(metric(uci, 'selected', 'rmsse')).toBeLessThan(0.88);
  expect(metric(m5, 'selected', 'rmsse')).toBeLessThan(0.785);
  // the oracle bounds (they read the holdout): no single model beats the best-per-series pick; M5's target 0.75 is about
  // what a flat forecast at each series' own held-out mean scores (0.747), below what a perfect selector reaches (0.765)
  for (const s of sections) {
    const best = metric(s, 'oracle: best of every model per series', 'rmsse');
    for (const m of ['wmean', 'ets', 'tsb', 'combo', 'gbt (global, catalog)', '28-day mean']) expect(best).toBeLessThanOrEqual(metric(s, m, 'rmsse'));
  }
  expect(metric(m5, 'oracle: best of every model per series', 'rmsse')).toBeGreaterThan(0.75);
  expect(metric(m5, 'oracle: flat at the held-out mean', 'rmsse')).toBeCloseTo(0.7473, 3);
  expect(metric(uci, 'oracle: best of every model per series', 'rmsse')).toBeCloseTo(0.8195, 3);
  // pooling on UCI histories cut to 30 days: below the same selection without pooling (0.860 vs 0.909)
  expect(metric(uci, '30-day history: pooled by product type', 'rmsse')).toBeLessThan(metric(uci, '30-day history: no pooling', 'rmsse'));
}, 900_000);
