// Repeat-purchase propensity: train (L2 logistic + calibration + precision-targeted threshold) and score; the model is plain JSON.
import { ShopMlopsError } from '../../core/errors';
import { daysBetween } from '../../core/shop-days';
import { fitRfCellBaseline, scoreRfCellBaseline, type RfCellBaseline } from './baseline';
import { calibrate, fitCalibration, type CalibrationMap, type CalibrationMethod } from './calibration';
import { foldFit } from './fold-fit';
import { linearPredictor, sigmoid } from './logistic';
import { propensityMetrics, type PropensityMetrics } from './metrics';
import { assertRows, type PropensityRow, type RfmRow } from './rows';
import { chooseThreshold, chooseThresholdAcrossMonths, type RollingThresholdChoice, type ThresholdChoice, type ThresholdMonth } from './threshold';
import { columnNames, design, fitTransform, type FeatureTransform } from './transform';

export interface TrainPropensityOptions {
  /**
   * L2 penalty on the standardised coefficients (not the intercept), in log-likelihood units: a number, a list to choose
   * from, or 'cv' (default) = L2_GRID; a list is decided by the held-out log loss of the calibration folds.
   */
  l2?: number | readonly number[] | 'cv';
  /**
   * What chooses among several penalties: 'validation' (default) = the log loss of the calibrated probabilities on the
   * validation rows (a later snapshot: out of time, like the use); 'cross-fit' = the held-out log loss of the
   * calibration folds (same snapshots as the training).
   */
  l2SelectedBy?: 'validation' | 'cross-fit';
  /** Default 'platt'. */
  calibration?: CalibrationMethod;
  /**
   * Where the calibration map's held-out log-odds come from. 'cross-fit' (default): the customers are split in
   * `calibrationFolds` folds by a hash of customer_id (a customer's snapshots stay in one fold); each fold is scored by a
   * logistic fit on the other folds, and the model itself is then fitted on all training rows. 'last-snapshot': the
   * latest training snapshot is held out and the model is the fit on the earlier ones. A number in (0, 1): that share of
   * the customers is held out and the model is the fit on the rest.
   */
  calibrationHoldout?: 'cross-fit' | 'last-snapshot' | number;
  /** Folds of 'cross-fit'. Default 5. */
  calibrationFolds?: number;
  /** 'cross-fit': fit every fold to convergence instead of one Newton step from the all-rows fit. Default false. */
  exactFolds?: boolean;
  /** Precision the threshold must reach on the validation rows. Default 0.78. */
  targetPrecision?: number;
  /** Fewest predicted positives a threshold may leave on the validation rows. Default 20. */
  minPredictedPositives?: number;
  /**
   * Margin for the threshold: the cut's precision must reach the target with this one-sided Wilson margin (1.645 ≈ 95 %
   * confidence). Default 1 (≈ 84 %) in every month of 'rolling-min', 0 (the point estimate) for 'validation'.
   */
  precisionConfidenceZ?: number;
  /** Newton iterations. Default 50. */
  maxIterations?: number;
  /**
   * How the threshold is chosen. 'rolling-min' (default): the target must hold in every one of several months — the
   * validation snapshot and the latest `thresholdMonths` training snapshots scored out of fold (cross-fitted) — each with
   * the Wilson margin `precisionConfidenceZ`. 'validation': on the validation snapshot alone (the earlier rule).
   */
  thresholdRule?: 'rolling-min' | 'validation';
  /** Training snapshots (latest first) that join the validation snapshot in 'rolling-min'. Default 3. */
  thresholdMonths?: number;
}

export interface PropensityModel {
  kind: 'shop-mlops/propensity';
  version: 1;
  label: 'bought_within_30d';
  horizonDays: 30;
  transform: FeatureTransform;
  /** Logistic coefficients by design column (intercept first), on the standardised continuous terms. */
  coefficients: Record<string, number>;
  l2: number;
  /** How the penalty was chosen, and each penalty tried: the held-out log loss of the calibration folds and the criterion. */
  l2SelectedBy: 'validation' | 'cross-fit';
  l2Selection: { l2: number; heldOutLogLoss: number; criterion: number }[];
  /** Maps the logistic log-odds to a calibrated probability. */
  calibration: CalibrationMap;
  /** Chosen on the validation rows (and, 'rolling-min', earlier months scored out of fold); decisions are p ≥ threshold.threshold. */
  threshold: ThresholdChoice | RollingThresholdChoice;
  baseline: RfCellBaseline & { threshold: ThresholdChoice };
  data: {
    fitSnapshots: string[];
    calibrationSnapshots: string[];
    validationSnapshots: string[];
    fitRows: number;
    calibrationRows: number;
    validationRows: number;
    fitPositiveRate: number;
    calibrationPositiveRate: number;
    validationPositiveRate: number;
  };
  fit: { iterations: number; converged: boolean; objective: number; gradientNorm: number };
  /** Metrics on the validation rows at each one's own threshold. */
  validation: { model: PropensityMetrics; uncalibrated: PropensityMetrics; baseline: PropensityMetrics };
  warnings: string[];
}

/** Math functions as module constants: global lookups are slow inside VM contexts (jest), which hot loops feel. */
const { log, max, min } = Math;

/** Default one-sided Wilson z of 'rolling-min' (≈ 84 % per month). */
export const ROLLING_Z = 1;

/** Penalties 'cv' chooses from (log-likelihood units on standardised terms). */
export const L2_GRID: readonly number[] = [1000, 100, 10, 1];

/** Stable 32-bit FNV-1a hash of a string → [0, 1). */
function unitHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 4294967296;
}

const labelsOf = (rows: readonly PropensityRow[]) => Uint8Array.from(rows, (r) => (r.bought_within_30d ? 1 : 0));
const distinctSorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

type Holdout = 'cross-fit' | 'last-snapshot' | number;

/** Calibration folds: which rows are held out of which logistic fit. Folds go by customer, so a customer's snapshots stay together. */
function calibrationFolds(rows: readonly PropensityRow[], holdout: Holdout, folds: number): { fold: Int32Array; k: number } {
  const fold = new Int32Array(rows.length);
  if (holdout === 'cross-fit') {
    if (!(Number.isInteger(folds) && folds >= 2)) throw new ShopMlopsError('BAD_REQUEST', `calibrationFolds must be an integer ≥ 2, got ${folds}`);
    rows.forEach((r, i) => (fold[i] = Math.min(folds - 1, Math.floor(unitHash(r.customer_id) * folds))));
    return { fold, k: folds };
  }
  if (holdout === 'last-snapshot') {
    const snapshots = distinctSorted(rows.map((r) => r.snapshot_date));
    if (snapshots.length < 2) throw new ShopMlopsError('UNPROCESSABLE', `calibrationHoldout 'last-snapshot' needs training rows of at least 2 snapshots, got ${snapshots.length}`);
    const last = snapshots[snapshots.length - 1]!;
    rows.forEach((r, i) => (fold[i] = r.snapshot_date === last ? 0 : -1));
    return { fold, k: 1 };
  }
  if (!(holdout > 0 && holdout < 1)) throw new ShopMlopsError('BAD_REQUEST', `calibrationHoldout must be 'cross-fit', 'last-snapshot' or a fraction in (0, 1), got ${String(holdout)}`);
  rows.forEach((r, i) => (fold[i] = unitHash(r.customer_id) < holdout ? 0 : -1));
  return { fold, k: 1 };
}

function requireBothClasses(positives: number, rows: number, what: string, min = 1): void {
  if (positives < min || rows - positives < min) {
    throw new ShopMlopsError('UNPROCESSABLE', `${what}: ${rows} rows with ${positives} buyers; need at least ${min} buyers and ${min} non-buyers`);
  }
}

const rate = (rows: readonly PropensityRow[]) => (rows.length === 0 ? 0 : rows.reduce((s, r) => s + (r.bought_within_30d ? 1 : 0), 0) / rows.length);

/**
 * Trains on `trainRows` (earlier snapshots) and chooses the threshold on `validationRows` (a later snapshot):
 * 1. logistic regression (L2, Newton/IRLS) on the transformed RFM features, for each penalty of the grid, with held-out
 *    log-odds of every training row from 5 customer folds (cross-fitting; or a single holdout);
 * 2. a calibration map (Platt by default) fitted on those held-out log-odds; the penalty whose calibrated probabilities
 *    have the lowest validation log loss is kept (or the lowest held-out log loss, `l2SelectedBy: 'cross-fit'`);
 * 3. the threshold on the calibrated validation probabilities: most recall with precision ≥ target (or 'unreachable');
 * 4. the R × F baseline from all training rows, with its own threshold chosen the same way; validation metrics of all.
 */
export function trainPropensity(trainRows: readonly PropensityRow[], validationRows: readonly PropensityRow[], opts: TrainPropensityOptions = {}): PropensityModel {
  assertRows(trainRows, 'training', true);
  assertRows(validationRows, 'validation', true);
  const grid = opts.l2 === undefined || opts.l2 === 'cv' ? [...L2_GRID] : Array.isArray(opts.l2) ? [...opts.l2] : [opts.l2];
  if (grid.length === 0 || grid.some((v) => !(v >= 0 && Number.isFinite(v)))) throw new ShopMlopsError('BAD_REQUEST', `l2 must be 'cv', a number ≥ 0 or a list of them, got ${JSON.stringify(opts.l2)}`);
  const method = opts.calibration ?? 'platt';
  const rule = opts.thresholdRule ?? 'rolling-min';
  const thresholdOpts = { targetPrecision: opts.targetPrecision ?? 0.78, minPredictedPositives: opts.minPredictedPositives ?? 20, confidenceZ: opts.precisionConfidenceZ ?? (rule === 'rolling-min' ? ROLLING_Z : 0) };
  const warnings: string[] = [];

  const trainSnaps = distinctSorted(trainRows.map((r) => r.snapshot_date));
  const valSnaps = distinctSorted(validationRows.map((r) => r.snapshot_date));
  if (validationRows.length === 0) throw new ShopMlopsError('UNPROCESSABLE', 'no validation rows');
  if (trainSnaps.length > 0 && valSnaps[0]! <= trainSnaps[trainSnaps.length - 1]!) {
    throw new ShopMlopsError('UNPROCESSABLE', `validation snapshots must be later than the training ones: training up to ${trainSnaps[trainSnaps.length - 1]}, validation from ${valSnaps[0]}`);
  }
  const lastTrain = trainSnaps[trainSnaps.length - 1];
  if (lastTrain !== undefined && daysBetween(lastTrain, valSnaps[0]!) < 30) {
    warnings.push(`the labels of training snapshot ${trainSnaps[trainSnaps.length - 1]} cover days after validation snapshot ${valSnaps[0]}: validation is not fully out of time`);
  }

  // 1–2. logistic fits with held-out log-odds for the calibration map and the penalty choice
  const holdout: Holdout = opts.calibrationHoldout ?? 'cross-fit';
  const { fold, k } = calibrationFolds(trainRows, holdout, opts.calibrationFolds ?? 5);
  const y = labelsOf(trainRows);
  const n = trainRows.length;
  const foldPos = new Array<number>(k).fill(0);
  const foldRows = new Array<number>(k).fill(0);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    pos += y[i]!;
    const j = fold[i]!;
    if (j >= 0) {
      foldPos[j]! += y[i]!;
      foldRows[j]!++;
    }
  }
  const heldPos = foldPos.reduce((a, b) => a + b, 0);
  const heldRows = foldRows.reduce((a, b) => a + b, 0);
  for (let j = 0; j < k; j++) requireBothClasses(pos - foldPos[j]!, n - foldRows[j]!, `logistic fit rows (calibration fold ${j + 1} of ${k})`, 2);
  requireBothClasses(heldPos, heldRows, 'calibration rows', 1);
  // centres and scales use no labels: fitted once on all training rows
  const transform = fitTransform(trainRows);
  const X = design(transform, trainRows);
  const valX = design(transform, validationRows);
  const valY = labelsOf(validationRows);
  const heldList: number[] = [];
  const calSnapshots = new Set<string>();
  const fitSnapshots = new Set<string>();
  for (let i = 0; i < n; i++) {
    if (fold[i]! < 0 || k > 1) fitSnapshots.add(trainRows[i]!.snapshot_date);
    if (fold[i]! < 0) continue;
    calSnapshots.add(trainRows[i]!.snapshot_date);
    heldList.push(i);
  }
  const heldIdx = Int32Array.from(heldList);
  const calY = new Uint8Array(heldIdx.length);
  for (let m = 0; m < heldIdx.length; m++) calY[m] = y[heldIdx[m]!]!;
  const maps = new Map<Float64Array, CalibrationMap>();
  const calibrationFrom = (heldOutEta: Float64Array) => {
    let map = maps.get(heldOutEta);
    if (!map) {
      const eta = new Float64Array(heldIdx.length);
      for (let m = 0; m < heldIdx.length; m++) eta[m] = heldOutEta[heldIdx[m]!]!;
      maps.set(heldOutEta, (map = fitCalibration(method, eta, calY)));
    }
    return map;
  };
  // out of time: the validation log loss of the calibrated probabilities each penalty gives
  const validationLogLoss = (beta: number[], map: CalibrationMap) => {
    const eta = linearPredictor(valX, beta);
    let loss = 0;
    for (let i = 0; i < eta.length; i++) {
      const q = min(1 - 1e-15, max(1e-15, calibrate(map, eta[i]!)));
      loss -= valY[i] ? log(q) : log(1 - q);
    }
    return loss / max(1, eta.length);
  };
  const selectBy = opts.l2SelectedBy ?? 'validation';
  const folded = foldFit(X, y, fold, k, grid, {
    refitAll: holdout === 'cross-fit',
    exactFolds: opts.exactFolds ?? false,
    maxIterations: opts.maxIterations ?? 50,
    criterion: selectBy === 'validation' ? (fit, eta) => validationLogLoss(fit.beta, calibrationFrom(eta)) : undefined,
  });
  const lr = folded.model;
  if (!lr.converged) warnings.push(`logistic regression did not converge in ${lr.iterations} iterations (largest gradient ${lr.gradientNorm.toExponential(2)})`);
  const calibration = calibrationFrom(folded.heldOutEta);
  // cross-fitting fits the model on every training row; a holdout leaves its rows out
  const fitRowCount = k > 1 ? n : n - heldRows;
  const fitPos = k > 1 ? pos : pos - heldPos;

  const names = columnNames(transform);
  const coefficients = Object.fromEntries(names.map((name, j) => [name, lr.beta[j]!]));

  const valEta = linearPredictor(valX, lr.beta);
  const valP = Array.from(valEta, (e) => calibrate(calibration, e));
  let threshold: ThresholdChoice | RollingThresholdChoice;
  if (rule === 'rolling-min') {
    const back = opts.thresholdMonths ?? 3;
    if (!(Number.isInteger(back) && back >= 0)) throw new ShopMlopsError('BAD_REQUEST', `thresholdMonths must be an integer ≥ 0, got ${back}`);
    const months: ThresholdMonth[] = (back === 0 ? [] : distinctSorted(calSnapshots).slice(-back)).map((snapshot) => {
      const idx = heldList.filter((i) => trainRows[i]!.snapshot_date === snapshot);
      return { snapshot, labels: idx.map((i) => y[i]!), probs: idx.map((i) => calibrate(calibration, folded.heldOutEta[i]!)) };
    });
    months.push({ snapshot: valSnaps.join('+'), labels: valY, probs: valP });
    threshold = chooseThresholdAcrossMonths(months, thresholdOpts);
  } else threshold = chooseThreshold(valY, valP, thresholdOpts);
  if (threshold.status === 'unreachable') {
    warnings.push(`no threshold reaches precision ${thresholdOpts.targetPrecision} on the validation rows${rule === 'rolling-min' ? ' in every month of the rolling check' : ''} (best ${threshold.bestPrecision?.toFixed(3) ?? 'n/a'}): nobody is predicted positive`);
  }
  const rawP = Array.from(valEta, sigmoid);
  const rawThreshold = chooseThreshold(valY, rawP, thresholdOpts);

  const baseline = fitRfCellBaseline(trainRows);
  const baseP = scoreRfCellBaseline(baseline, validationRows);
  const baseThreshold = chooseThreshold(valY, baseP, thresholdOpts);

  return {
    kind: 'shop-mlops/propensity',
    version: 1,
    label: 'bought_within_30d',
    horizonDays: 30,
    transform,
    coefficients,
    l2: folded.l2,
    l2SelectedBy: selectBy,
    l2Selection: folded.selection,
    calibration,
    threshold,
    baseline: { ...baseline, threshold: baseThreshold },
    data: {
      fitSnapshots: distinctSorted(fitSnapshots),
      calibrationSnapshots: distinctSorted(calSnapshots),
      validationSnapshots: valSnaps,
      fitRows: fitRowCount,
      calibrationRows: heldRows,
      validationRows: validationRows.length,
      fitPositiveRate: fitPos / Math.max(1, fitRowCount),
      calibrationPositiveRate: heldPos / Math.max(1, heldRows),
      validationPositiveRate: rate(validationRows),
    },
    fit: { iterations: lr.iterations, converged: lr.converged, objective: lr.objective, gradientNorm: lr.gradientNorm },
    validation: {
      model: propensityMetrics(valY, valP, threshold.threshold),
      uncalibrated: propensityMetrics(valY, rawP, rawThreshold.threshold),
      baseline: propensityMetrics(valY, baseP, baseThreshold.threshold),
    },
    warnings,
  };
}

function coefficientVector(model: PropensityModel): number[] {
  return columnNames(model.transform).map((name) => {
    const v = model.coefficients[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ShopMlopsError('BAD_REQUEST', `propensity model: coefficient ${name} is missing or not a number`);
    return v;
  });
}

/** Uncalibrated logistic log-odds of each row (diagnostics). */
export function propensityLogOdds(model: PropensityModel, rows: readonly RfmRow[]): Float64Array {
  assertRows(rows, 'scoring', false);
  return linearPredictor(design(model.transform, rows), coefficientVector(model));
}

/** Calibrated P(an order within 30 days) of each customer_rfm row, in row order. */
export function scorePropensity(model: PropensityModel, rows: readonly RfmRow[]): number[] {
  if (model.kind !== 'shop-mlops/propensity' || model.version !== 1) throw new ShopMlopsError('BAD_REQUEST', `not a version-1 propensity model: ${String(model.kind)} v${String(model.version)}`);
  return Array.from(propensityLogOdds(model, rows), (e) => calibrate(model.calibration, e));
}

/** The model's decisions for probabilities: p ≥ threshold (all false when no threshold reached the target). */
export function decidePropensity(model: PropensityModel, probs: readonly number[]): boolean[] {
  const t = model.threshold.threshold;
  return probs.map((p) => t !== null && p >= t);
}
