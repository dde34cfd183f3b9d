// Propensity evaluation on real data (UCI Online Retail): monthly RFM snapshots, model vs the R × F cell-rate baseline out of time.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ShopMlopsError } from '../core/errors';
import { fitRfCellBaseline, scoreRfCellBaseline } from '../models/propensity/baseline';
import { ECE_BINS, eceSamplingFloor, propensityMetrics, type PropensityMetrics } from '../models/propensity/metrics';
import { propensityLogOdds, scorePropensity, trainPropensity, type PropensityModel, type TrainPropensityOptions } from '../models/propensity/model';
import { catalogMix, prepareCatalogLines, withCatalogMix, type PreparedLines } from '../models/propensity/catalog-mix';
import { propensityRows, purchaseDays, type PurchaseHistory } from '../models/propensity/rfm-snapshot';
import type { PropensityRow } from '../models/propensity/rows';
import { readUciTransactionsFile, type UciReadReport } from '../models/propensity/uci-transactions';
import { calibrationOracles, type CalibrationOracles } from './propensity-oracles';
import type { EvalRow, EvalSection } from './types';

export const UCI_FILE = 'online_retail/online_retail_uci_2010-12_2011-12.csv';
export const TARGET_PRECISION = 0.78;
/** The calibration bound the real-data test asserts on the test snapshot (ECE, 10 equal-width bins). */
export const ECE_BOUND = 0.05;
/** Issue 17's calibration target (ECE, 10 equal-width bins), reported per test month. */
export const ECE_TARGET = 0.02;

/**
 * Rolling-origin folds over month-end snapshots. Each training snapshot's 30-day label window ends before the validation
 * snapshot, and the validation window before the test snapshot, so nothing is learnt from a later month. The data ends
 * 2011-12-09: the last snapshot with a complete window is 2011-11-08; 2011-10-31 is the last month end.
 */
export const PROPENSITY_FOLDS = [
  { train: ['2011-03-31', '2011-04-30', '2011-05-31', '2011-06-30', '2011-07-31'], validation: '2011-08-31', test: '2011-09-30', primary: true },
  { train: ['2011-04-30', '2011-05-31', '2011-06-30', '2011-07-31', '2011-08-31'], validation: '2011-09-30', test: '2011-10-31', primary: false },
] as const;

export interface PropensityFoldResult {
  validation: string;
  test: string;
  model: PropensityModel;
  testModel: PropensityMetrics;
  testBaseline: PropensityMetrics;
  /** Mean ECE a perfectly calibrated model with the test probabilities would show on this many customers. */
  testEceFloor: number;
  /** ECE the test month would show with its own base rate, or its own Platt map, known in advance (they read the test labels). */
  testEceOracle: CalibrationOracles;
  /** 30-day repeat rate of every snapshot of the fold (training months, validation, test), in date order. */
  monthRates: { snapshot: string; rate: number }[];
}

/** Trains and tests every fold on a purchase history (no I/O; exported for tests and benches); with `catalog` lines the rows carry the catalog terms. */
export function runPropensityFolds(history: PurchaseHistory, opts: TrainPropensityOptions = {}, catalog?: PreparedLines): PropensityFoldResult[] {
  const cache = new Map<string, PropensityRow[]>();
  const rowsAt = (s: string) => {
    let rows = cache.get(s);
    if (!rows) {
      rows = propensityRows(history, s);
      if (catalog) rows = withCatalogMix(rows, catalogMix(catalog, s));
      if (rows.some((r) => r.label_complete === false)) throw new ShopMlopsError('UNPROCESSABLE', `snapshot ${s}: the data ends before its 30-day label window does`);
      cache.set(s, rows);
    }
    return rows;
  };
  return PROPENSITY_FOLDS.map((fold) => {
    const model = trainPropensity(fold.train.flatMap(rowsAt), rowsAt(fold.validation), { targetPrecision: TARGET_PRECISION, ...opts });
    const test = rowsAt(fold.test);
    const y = test.map((r) => r.bought_within_30d);
    const p = scorePropensity(model, test);
    const baseline = fitRfCellBaseline(fold.train.flatMap(rowsAt));
    return {
      validation: fold.validation,
      test: fold.test,
      model,
      testModel: propensityMetrics(y, p, model.threshold.threshold),
      testBaseline: propensityMetrics(y, scoreRfCellBaseline(baseline, test), model.baseline.threshold.threshold),
      testEceFloor: eceSamplingFloor(p, { reps: 50, seed: `ece-floor-${fold.test}` }),
      testEceOracle: calibrationOracles(y, p, propensityLogOdds(model, test)),
      monthRates: [...fold.train, fold.validation, fold.test].map((s) => {
        const rows = rowsAt(s);
        return { snapshot: s, rate: rows.filter((r) => r.bought_within_30d).length / Math.max(1, rows.length) };
      }),
    };
  });
}

/** The numeric metrics of an eval row (null ones — no precision without predicted positives — are left out). */
function metricsRow(m: PropensityMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries({ auc: m.auc, precision: m.precision, recall: m.recall, brier: m.brier, ece: m.ece, logLoss: m.logLoss, threshold: m.threshold, predictedPositives: m.predictedPositives, meanPredicted: m.meanPredicted, baseRate: m.baseRate, customers: m.n })) {
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

const f3 = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf), for stating a z as a confidence. */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Variants evaluated next to the model (same folds): without the catalog terms, and the old single-month threshold rule. */
export interface PropensityVariants {
  rfmOnly?: PropensityFoldResult[];
  singleMonth?: PropensityFoldResult[];
}

export function propensitySection(results: PropensityFoldResult[], report: UciReadReport | null, seconds: number | null, variants: PropensityVariants = {}): EvalSection {
  const rows: EvalRow[] = [];
  const checks: EvalSection['checks'] = [];
  const notes: string[] = [];
  const catalog = results[0]?.model.transform.catalog === true;
  for (const [i, r] of results.entries()) {
    const m = r.model;
    const cal = m.calibration.method;
    rows.push({ model: `logistic L2 + ${cal}${catalog ? ' + catalog' : ''} (test ${r.test})`, baseline: false, metrics: metricsRow(r.testModel) });
    const rfm = variants.rfmOnly?.[i];
    if (rfm) rows.push({ model: `logistic L2 + ${cal}, RFM only (test ${r.test})`, baseline: false, metrics: metricsRow(rfm.testModel) });
    const single = variants.singleMonth?.[i];
    if (single) rows.push({ model: `same, threshold on the validation month alone (test ${r.test})`, baseline: false, metrics: metricsRow(single.testModel) });
    rows.push({ model: `R × F cell rate (test ${r.test})`, baseline: true, metrics: metricsRow(r.testBaseline) });
    // bounds that read the test labels (not models): the ECE if the month's base rate, or its own Platt map, were known in advance
    rows.push({ model: `oracle: test month's base rate known (test ${r.test})`, baseline: false, metrics: { ece: r.testEceOracle.baseRate, eceFloor: r.testEceFloor } });
    rows.push({ model: `oracle: Platt map fitted on the test month (test ${r.test})`, baseline: false, metrics: { ece: r.testEceOracle.platt, eceFloor: r.testEceFloor } });
    const tag = `test ${r.test}`;
    const mAuc = r.testModel.auc ?? NaN;
    const bAuc = r.testBaseline.auc ?? NaN;
    checks.push({ name: `model AUC ≥ baseline AUC (${tag})`, pass: mAuc >= bAuc, detail: `${f3(mAuc)} vs ${f3(bAuc)}` });
    checks.push({ name: `model Brier ≤ baseline Brier (${tag})`, pass: r.testModel.brier <= r.testBaseline.brier, detail: `${r.testModel.brier.toFixed(4)} vs ${r.testBaseline.brier.toFixed(4)}` });
    checks.push({
      name: `a threshold reaches precision ≥ ${TARGET_PRECISION} on validation ${r.validation}`,
      pass: m.threshold.status === 'met',
      detail:
        m.threshold.status === 'met'
          ? `p ≥ ${f3(m.threshold.threshold)}: precision ${f3(m.threshold.precision)}, recall ${f3(m.threshold.recall)} (${m.threshold.predictedPositives} customers)`
          : `unreachable: best precision ${f3(m.threshold.bestPrecision)} with ≥ ${m.threshold.minPredictedPositives} predicted positives`,
    });
    checks.push({
      name: `precision ≥ ${TARGET_PRECISION} at that threshold out of sample (${tag})`,
      pass: r.testModel.precision !== null && r.testModel.precision >= TARGET_PRECISION,
      detail: r.testModel.precision === null ? 'no threshold, nobody predicted positive' : `precision ${f3(r.testModel.precision)}, recall ${f3(r.testModel.recall)} (${r.testModel.predictedPositives} customers)`,
    });
    checks.push({ name: `model ECE ≤ ${ECE_TARGET} (${tag})`, pass: r.testModel.ece <= ECE_TARGET, detail: `${r.testModel.ece.toFixed(4)} (sampling floor of a perfectly calibrated model ≈ ${r.testEceFloor.toFixed(4)}; with the test month's own base rate known in advance ${r.testEceOracle.baseRate.toFixed(4)}, with its own Platt map ${r.testEceOracle.platt.toFixed(4)}; baseline ${r.testBaseline.ece.toFixed(4)}; mean predicted ${r.testModel.meanPredicted.toFixed(3)} vs rate ${r.testModel.baseRate.toFixed(3)})` });
    if (single && single.testModel.recall !== null && r.testModel.recall !== null) {
      notes.push(`test ${r.test}: the rolling threshold costs recall ${(single.testModel.recall - r.testModel.recall).toFixed(3)} (${f3(single.testModel.recall)} → ${f3(r.testModel.recall)}) against the single-month rule, whose precision was ${f3(single.testModel.precision)}`);
    }
    const rates = r.monthRates.map((mo) => mo.rate);
    const steps = rates.slice(1).map((v, j) => Math.abs(v - rates[j]!));
    notes.push(
      `test ${r.test}: the 30-day repeat rate by snapshot ${r.monthRates.map((mo) => `${mo.snapshot.slice(0, 7)} ${mo.rate.toFixed(3)}`).join(', ')} (mean month-to-month change ${(steps.reduce((a, v) => a + v, 0) / steps.length).toFixed(3)}); ` +
        `ECE ${r.testModel.ece.toFixed(4)}, ${r.testEceOracle.baseRate.toFixed(4)} if the test month's rate were known in advance, ${r.testEceOracle.platt.toFixed(4)} with a Platt map fitted on the test month itself, sampling floor ${r.testEceFloor.toFixed(4)}`,
    );
    if (rfm) notes.push(`test ${r.test}: catalog terms ${catalog ? 'add' : 'would add'} AUC ${(r.testModel.auc! - rfm.testModel.auc!).toFixed(4)}, Brier ${(r.testModel.brier - rfm.testModel.brier).toFixed(4)}, ECE ${(r.testModel.ece - rfm.testModel.ece).toFixed(4)} against RFM only`);
    const bt = m.baseline.threshold;
    const rolling = 'months' in m.threshold ? m.threshold : null;
    if (rolling) {
      notes.push(
        `threshold for test ${r.test}: p ≥ ${f3(m.threshold.threshold)} keeps the one-sided Wilson lower bound (z ${rolling.confidenceZ}, ≈ ${(100 * normalCdf(rolling.confidenceZ)).toFixed(0)} %) of the precision ≥ ${TARGET_PRECISION} in each of ${rolling.months.length} months: ` +
          rolling.months.map((mo) => `${mo.snapshot} ${f3(mo.precision)} (bound ${f3(mo.lowerBound)}, n ${mo.predictedPositives})`).join(', '),
      );
    }
    notes.push(
      `fold ${m.data.fitSnapshots[0]}..${m.data.fitSnapshots[m.data.fitSnapshots.length - 1]} → validation ${r.validation} → test ${r.test}: ` +
        `${m.data.fitRows} training rows (30-day repeat rate ${m.data.fitPositiveRate.toFixed(3)}), validation ${m.data.validationRows} (${m.data.validationPositiveRate.toFixed(3)}), ` +
        `test ${r.testModel.n} (${r.testModel.baseRate.toFixed(3)}); L2 ${m.l2} chosen by ${m.l2SelectedBy === 'validation' ? 'validation log loss' : '5-fold held-out log loss'}; ${cal} calibration on cross-fitted log-odds; ` +
        `validation AUC ${f3(m.validation.model.auc)} vs baseline ${f3(m.validation.baseline.auc)}, ECE ${m.validation.model.ece.toFixed(4)}; ` +
        `baseline threshold: ${bt.status === 'met' ? `p ≥ ${f3(bt.threshold)}, precision ${f3(bt.precision)}` : `unreachable (best cell precision ${f3(bt.bestPrecision)})`}.`,
    );
  }
  notes.push(`ECE: ${ECE_BINS} equal-width bins on [0, 1], Σ (n_b / n) · |mean p_b − observed rate_b|. Thresholds: most recall with precision ≥ ${TARGET_PRECISION} (Wilson lower bound, z 1) in the validation month and the last 3 training months scored out of fold, each with ≥ 20 predicted positives; predicted positive when p ≥ threshold. Catalog terms: distinct products, mean price band, re-buy affinity of the products bought (StockCode, UnitPrice).`);
  if (report) {
    notes.push(
      `UCI cleaning: ${report.rows} rows; dropped ${report.guestRows} without CustomerID, ${report.cancellationRows} of C invoices, ${report.nonPositiveQuantityRows} with Quantity ≤ 0; ` +
        `${report.invoices} invoices of ${report.customers} customers, ${report.firstDay} .. ${report.lastDay}; value = Σ Quantity × UnitPrice of product lines (${report.nonProductRows} postage/fee rows left out of the value); purchase days in UTC.`,
    );
  }
  if (seconds !== null) notes.push(`read + features + train + evaluate: ${seconds.toFixed(1)} s`);
  return { task: 'propensity', dataset: 'UCI Online Retail (2010-12 .. 2011-12), monthly snapshots', rows, checks, notes };
}

/** `dataDir` is the shared data root (holding online_retail/…), or the online_retail directory itself. */
export async function evaluatePropensity(dataDir: string): Promise<EvalSection> {
  const t0 = performance.now();
  const candidates = [path.join(dataDir, UCI_FILE), path.join(dataDir, path.basename(UCI_FILE))];
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new ShopMlopsError('BAD_REQUEST', `UCI Online Retail CSV not found under ${dataDir} (looked for ${candidates.join(', ')})`);
  const { transactions, lines, report } = await readUciTransactionsFile(file);
  const history = purchaseDays(transactions);
  const catalog = prepareCatalogLines(lines);
  const results = runPropensityFolds(history, {}, catalog);
  const rfmOnly = runPropensityFolds(history);
  const singleMonth = runPropensityFolds(history, { thresholdRule: 'validation' }, catalog);
  return propensitySection(results, report, (performance.now() - t0) / 1000, { rfmOnly, singleMonth });
}
