// Repeat-purchase propensity in the training pipeline: which label snapshots to use, training on the earlier ones, the latest complete one as the holdout (validation).
import { ShopMlopsError } from '../../core/errors';
import { propensityMetrics, scorePropensity, trainPropensity, type PropensityModel, type PropensityRow } from '../../models/propensity';
import { addDays } from '../../core/shop-days';
import type { CustomerLabelRow, CustomerRfmRow } from '../datasets';
import { ARTIFACT_FORMAT, finiteMetrics, type ModelAdapter, type PropensityPlan, type TrainingData } from './types';

/** Labels cover 30 days after their snapshot. */
export const LABEL_DAYS = 30;

export interface LabelSnapshot {
  snapshot_date: string;
  customers: number;
  /** Every label of the snapshot is complete. */
  complete: boolean;
}

/**
 * Validation = the latest snapshot (≤ the run's snapshot) whose labels are all complete. Training = up to `maxTrain`
 * complete snapshots, the latest at least LABEL_DAYS before validation (so their labels end before it starts), each at least
 * LABEL_DAYS before the next; when none is that old, the latest earlier complete snapshot (the model warns about the overlap).
 */
export function planPropensity(snapshots: readonly LabelSnapshot[], maxTrain = 3): PropensityPlan {
  const complete = snapshots.filter((s) => s.complete && s.customers > 0).map((s) => s.snapshot_date).sort();
  const validation = complete.at(-1);
  if (!validation) return { validation: null, train: [], reason: 'no snapshot with complete labels yet (labels need 30 days of data after their snapshot)' };
  const earlier = complete.filter((d) => d < validation).reverse();
  if (earlier.length === 0) return { validation, train: [], reason: `only one snapshot with complete labels (${validation}); training needs an earlier one` };
  const train: string[] = [];
  let limit = addDays(validation, -LABEL_DAYS);
  for (const d of earlier) {
    if (train.length >= maxTrain) break;
    if (d <= limit) {
      train.push(d);
      limit = addDays(d, -LABEL_DAYS);
    }
  }
  if (train.length === 0) train.push(earlier[0]!);
  return { validation, train: train.sort() };
}

/** customer_rfm ⋈ customer_labels of the given snapshots. */
export function propensityRows(rfm: readonly CustomerRfmRow[], labels: readonly CustomerLabelRow[], snapshots: readonly string[]): PropensityRow[] {
  const want = new Set(snapshots);
  const label = new Map(labels.filter((l) => want.has(l.snapshot_date)).map((l) => [`${l.snapshot_date}|${l.customer_id}`, l]));
  const out: PropensityRow[] = [];
  for (const r of rfm) {
    if (!want.has(r.snapshot_date)) continue;
    const l = label.get(`${r.snapshot_date}|${r.customer_id}`);
    if (!l) continue;
    out.push({ ...r, bought_within_30d: l.bought_within_30d, label_complete: l.label_complete });
  }
  return out;
}

export interface PropensityHoldout {
  validation: string | null;
  rows: PropensityRow[];
}

export const propensityAdapter: ModelAdapter<PropensityHoldout> = {
  name: 'propensity',
  datasets: ['shop_features.customer_rfm', 'shop_features.customer_labels'],
  holdoutDatasets: ['shop_features.customer_rfm', 'shop_features.customer_labels'],
  primary: { metric: 'propensity.holdout_brier', better: 'lower', description: 'Brier score (mean squared error of the calibrated probabilities) on the validation snapshot' },

  train(data: TrainingData, o) {
    const plan = o.propensity;
    if (!plan.validation || plan.train.length === 0) throw new ShopMlopsError('UNPROCESSABLE', plan.reason ?? 'no label snapshots to train on');
    const rfm = data.customerRfm ?? [];
    const labels = data.customerLabels ?? [];
    const trainRows = propensityRows(rfm, labels, plan.train);
    const validationRows = propensityRows(rfm, labels, [plan.validation]);
    const model = trainPropensity(trainRows, validationRows);
    const v = model.validation.model;
    return {
      format: ARTIFACT_FORMAT,
      model: 'propensity',
      snapshotDate: o.snapshot,
      trained: true,
      production: model,
      // Trained on the training snapshots only: the validation snapshot is its holdout.
      evaluation: { trainedThrough: plan.train.at(-1)!, model },
      summary: finiteMetrics({
        'propensity.train_rows': trainRows.length,
        'propensity.validation_rows': validationRows.length,
        'propensity.train_snapshots': plan.train.length,
        'propensity.l2': model.l2,
        'propensity.threshold': model.threshold.threshold ?? undefined,
        'propensity.baseline_brier': model.validation.baseline.brier,
        'propensity.baseline_auc': model.validation.baseline.auc ?? undefined,
        'propensity.validation_auc': v.auc ?? undefined,
      }),
      notes: [`trained on snapshots ${plan.train.join(', ')}; validated on ${plan.validation}`, ...model.warnings],
    };
  },

  holdout(data, o) {
    const v = o.propensity.validation;
    return { validation: v, rows: v ? propensityRows(data.customerRfm ?? [], data.customerLabels ?? [], [v]) : [] };
  },
  // The validation snapshot's features and labels: a comparable model was trained on earlier snapshots only.
  holdoutFrom: (h) => h.validation ?? '9999-12-31',
  score(artifact, h) {
    if (!artifact.trained || !artifact.evaluation || h.rows.length === 0) return { primary: null, metrics: {} };
    const model = artifact.evaluation.model as PropensityModel;
    const probs = scorePropensity(model, h.rows);
    const m = propensityMetrics(
      h.rows.map((r) => r.bought_within_30d),
      probs,
      model.threshold.threshold,
    );
    return {
      primary: m.brier,
      metrics: finiteMetrics({ 'propensity.holdout_brier': m.brier, 'propensity.holdout_log_loss': m.logLoss, 'propensity.holdout_auc': m.auc ?? undefined, 'propensity.holdout_ece': m.ece, 'propensity.holdout_precision': m.precision ?? undefined, 'propensity.holdout_recall': m.recall ?? undefined, 'propensity.holdout_rows': m.n, 'propensity.holdout_base_rate': m.baseRate }),
    };
  },
};
