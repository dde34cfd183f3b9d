// The dashboard's Vega-Lite spec builders (hosting/dashboard/specs.js) on route-shaped inputs: valid Vega-Lite that a headless Vega view runs, the rows each chart draws, null for nothing to draw.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

interface Rendered {
  name: string;
  spec: Record<string, unknown> | null;
  rows?: Record<string, unknown>[];
  marks?: number;
}

/** Node 24 of the repo (npm scripts' node), running the ES module the page loads. */
function render(cases: { name: string; fn: string; args: unknown[] }[]): Record<string, Rendered> {
  const node = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'node');
  const out = execFileSync(node, ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', path.join(__dirname, 'support', 'render-specs.mjs')], { input: JSON.stringify(cases), maxBuffer: 64 << 20 }).toString();
  return Object.fromEntries((JSON.parse(out) as Rendered[]).map((r) => [r.name, r]));
}

const split = (champion: number, challenger: number | null, pc: number) => ({ champion: { version: champion, percent: 100 - pc }, challenger: challenger === null ? null : { version: challenger, percent: pc }, holdout: 0 });
const endpoints = [
  { model: 'propensity', split: split(1, 2, 0), history: [{ at: '2026-04-15T00:00:00.000Z', action: 'deploy', actor: 't', reason: 'r', version: 1, after: split(1, null, 0) }, { at: '2026-04-15T01:00:00.000Z', action: 'split', actor: 't', reason: 'canary', version: null, after: split(1, 2, 25) }, { at: '2026-05-18T06:00:00.000Z', action: 'split', actor: 'monitor', reason: 'rollback', version: null, after: split(1, 2, 0) }] },
  { model: 'clv', split: null, history: [] },
];
const day = (date: string, version: number, arm: string, n: number, s: number, value: number) => ({ model: 'propensity', version, arm, metric: 'precision', date, n, successes: s, value, low: value - 0.05, high: value + 0.05 });
const live = [day('2026-04-15', 2, 'challenger', 350, 59, 0.169), day('2026-04-16', 2, 'challenger', 365, 65, 0.178), day('2026-04-15', 1, 'champion', 0, 0, 0), { ...day('2026-04-15', 2, 'challenger', 350, 59, 0.169), metric: 'recall' }];
const rollback = { kind: 'decision', at: '2026-05-18T06:00:00.000Z', model: 'propensity', action: 'rollback', reason: 'precision_below_threshold', version: 2, precision: { metric: 'precision', trials: 1085, successes: 188, value: 0.173, low: 0.152, high: 0.197, confidence: 0.95, threshold: 0.25, from: '2026-04-15', to: '2026-04-18' }, guardrails: [], before: split(1, 2, 25), after: split(1, 2, 0) };
const forecast = { variant_id: '42', product_id: '7', batch: { version: 1, snapshot_date: '2026-04-14' }, history: [{ date: '2026-04-13', units: 3 }, { date: '2026-04-14', units: 5 }], forecast: [{ date: '2026-04-15', forecast: 4, lo80: 2, hi80: 6, lo95: 1, hi95: 8 }, { date: '2026-04-16', forecast: 4.5, lo80: 2, hi80: 7, lo95: 1, hi95: 9 }], replenishment: { stock: 20, reorder_point: 12.5, safety_stock: 3, lead_time_days: 7, service_level: 0.95, days_of_cover: 4.7, forecast_model: 'ets', demand_class: 'smooth' } };

test('each spec builder gives Vega-Lite a headless Vega view runs, with the rows the chart draws', () => {
  const r = render([
    { name: 'split', fn: 'splitSpec', args: [endpoints] },
    { name: 'history', fn: 'splitHistorySpec', args: [endpoints] },
    { name: 'live', fn: 'liveSpec', args: [live, 'propensity', { metric: 'precision', threshold: 0.25 }] },
    { name: 'drift', fn: 'driftSpec', args: [[{ run_date: '2026-05-16', subject: 'features', model: 'clv', feature: 'frequency', kind: 'continuous', psi: 0.31, p_adjusted: 0.001, drifted: true, level: 'alert', n_reference: 900, n_current: 950 }, { run_date: '2026-05-16', subject: 'predictions', model: 'clv', feature: 'clv', kind: 'continuous', psi: 0.02, p_adjusted: 0.5, drifted: false, level: 'ok', n_reference: 900, n_current: 950 }]] },
    { name: 'timeline', fn: 'timelineSpec', args: [[rollback, { kind: 'retrain', at: '2026-05-17T03:00:00.000Z', models: ['clv', 'propensity'], trigger: 'drift', reason: 'features drifted', status: 'succeeded', run_id: 'x' }]] },
    { name: 'demand', fn: 'demandSpec', args: [forecast] },
    { name: 'stock', fn: 'stockSpec', args: [forecast] },
    { name: 'clv', fn: 'clvSpec', args: [{ batch: { version: 1, snapshot_date: '2026-04-14' }, clv: [{ low: 0, high: 10, customers: 5 }, { low: 10, high: 20, customers: 2 }], segments: [] }] },
    { name: 'segments', fn: 'segmentsSpec', args: [{ batch: { version: 1, snapshot_date: '2026-04-14' }, clv: [], segments: [{ segment: 'champions', customers: 12, clv_mean: 80, p_alive_mean: 0.9 }, { segment: 'lost', customers: 40, clv_mean: 2, p_alive_mean: 0.2 }] }] },
    { name: 'ingest', fn: 'ingestSpec', args: [{ perMinute: [{ minute: '2026-12-06T23:00:00.000Z', events: 10 }, { minute: '2026-12-06T23:01:00.000Z', events: 0 }], quarantine: 0 }] },
  ]);
  for (const x of Object.values(r)) expect([x.name, (x.marks ?? 0) > 0]).toEqual([x.name, true]);
  // The split: only endpoints with a split; the challenger's 0 % after the rollback is a bar of width 0, still a row.
  expect(r['split']!.rows!.map((x) => [x['model'], x['arm'], x['percent']])).toEqual([['propensity', 'champion', 100], ['propensity', 'challenger', 0]]);
  expect(r['history']!.rows!.map((x) => x['challenger'])).toEqual([0, 25, 0]);
  // Live: the policy metric of the model's versions with outcomes, not recall, not an empty champion day.
  expect(r['live']!.rows!.map((x) => [x['date'], x['version'], x['value']])).toEqual([['2026-04-15', 'v2 (challenger)', 0.169], ['2026-04-16', 'v2 (challenger)', 0.178]]);
  expect(JSON.stringify(r['live']!.spec)).toContain('"threshold":0.25');
  expect(r['drift']!.rows!.map((x) => [x['feature'], x['drifted']])).toEqual([['clv · frequency', 'drifted'], ['scores · clv', '']]);
  // The timeline: one point per model of each event; the rollback's words carry its evidence.
  expect(r['timeline']!.rows!.map((x) => [x['model'], x['what']])).toEqual([['propensity', 'rollback'], ['clv', 'retrain'], ['propensity', 'retrain']]);
  expect(r['timeline']!.rows![0]!['detail']).toBe('monitor rolled back propensity v2 (precision below threshold): precision 0.173 (95 % interval 0.152–0.197, n = 1085) vs threshold 0.25');
  expect(r['demand']!.rows!.map((x) => [x['series'], x['units']])).toEqual([['sold', 3], ['sold', 5], ['forecast', 4], ['forecast', 4.5]]);
  // Projected stock: 20 at the snapshot, less each day's forecast.
  expect(r['stock']!.rows!.map((x) => x['stock'])).toEqual([20, 16, 11.5]);
  expect(r['segments']!.rows!.map((x) => x['segment'])).toEqual(['champions', 'lost']);
});

test('nothing to draw gives null (the card shows its empty state)', () => {
  const r = render([
    { name: 'split', fn: 'splitSpec', args: [[{ model: 'clv', split: null, history: [] }]] },
    { name: 'live', fn: 'liveSpec', args: [[day('2026-04-15', 1, 'champion', 0, 0, 0)].map((d) => ({ ...d, value: null })), 'propensity', { metric: 'precision', threshold: 0.25 }] },
    { name: 'drift', fn: 'driftSpec', args: [[]] },
    { name: 'timeline', fn: 'timelineSpec', args: [[]] },
    { name: 'demand', fn: 'demandSpec', args: [{ variant_id: '1', batch: null, history: [], forecast: [], replenishment: null }] },
    { name: 'stock', fn: 'stockSpec', args: [{ ...forecast, replenishment: { ...forecast.replenishment, stock: null } }] },
    { name: 'clv', fn: 'clvSpec', args: [{ batch: null, clv: [], segments: [] }] },
    { name: 'ingest', fn: 'ingestSpec', args: [{ perMinute: [], quarantine: 0 }] },
  ]);
  expect(Object.values(r).filter((x) => x.spec !== null).map((x) => x.name)).toEqual([]);
});
