// What the training pipeline needs from each model: train on the extracted datasets, build its holdout, score a model on it, and the artifact it registers.
import type { CoPurchaseRow, CustomerLabelRow, CustomerRfmRow, DatasetTable, DemandRow, OrderLineRow, ProductAttributeRow } from '../datasets';

export type TrainedModelName = 'clv' | 'propensity' | 'forecast' | 'recommend';

/** The datasets of one run, parsed (each step loads only those its model reads). */
export interface TrainingData {
  snapshot: string;
  customerRfm?: CustomerRfmRow[];
  customerLabels?: CustomerLabelRow[];
  demand?: DemandRow[];
  coPurchase?: CoPurchaseRow[];
  orderLines?: OrderLineRow[];
  productAttributes?: ProductAttributeRow[];
}

/** Pipeline parameters every model may read. */
export interface TrainingOptions {
  snapshot: string;
  holdoutDays: number;
  /** Forecast horizon (days). */
  horizon: number;
  leadTime: number;
  serviceLevel: number;
  clvHorizonDays: number;
  recK: number;
  recSource: 'order_lines' | 'co_purchase';
  /** Propensity snapshots chosen by the extract step (validation = the latest with complete labels). */
  propensity: PropensityPlan;
}

export interface PropensityPlan {
  validation: string | null;
  train: string[];
  reason?: string;
}

/** The JSON a train step writes, the register step stores under models/<model>/<run id>/model.json, and compare reads back. */
export interface ModelArtifact<P = unknown, E = unknown> {
  format: 'shop-mlops/training-model@1';
  model: TrainedModelName;
  snapshotDate: string;
  /** False when the data could not train the model (then production/evaluation are null and `reason` says why). */
  trained: boolean;
  reason?: string;
  /** The model that serves: fitted on everything up to the snapshot. */
  production: P | null;
  /** The model scored on the holdout: fitted only on data up to `trainedThrough`, which must precede the holdout. */
  evaluation: { trainedThrough: string; model: E } | null;
  /** Training summary numbers (sizes, parameters). */
  summary: Record<string, number>;
  notes: string[];
}

export interface Score {
  /** The primary holdout metric; null when the holdout has nothing to score. */
  primary: number | null;
  metrics: Record<string, number>;
}

/** One model as the pipeline drives it. */
export interface ModelAdapter<H = unknown> {
  name: TrainedModelName;
  /** Datasets its train step reads. */
  datasets: readonly DatasetTable[];
  /** Datasets its holdout is built from (evaluate and compare steps). */
  holdoutDatasets: readonly DatasetTable[];
  primary: { metric: string; better: 'lower' | 'higher'; description: string };
  train(data: TrainingData, o: TrainingOptions): ModelArtifact;
  holdout(data: TrainingData, o: TrainingOptions): H;
  /** The first day whose data the holdout measures: an evaluation fit may only have seen days before it. */
  holdoutFrom(h: H): string;
  /** Scores an artifact's evaluation model on the holdout (the challenger's, and the champion's in compare). */
  score(artifact: ModelArtifact, h: H, o: TrainingOptions): Score;
}

export const ARTIFACT_FORMAT = 'shop-mlops/training-model@1';

/** Finite numbers only (trackers and registries refuse NaN). */
export function finiteMetrics(m: Record<string, number | null | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

export function notTrained(model: TrainedModelName, snapshotDate: string, reason: string): ModelArtifact {
  return { format: ARTIFACT_FORMAT, model, snapshotDate, trained: false, reason, production: null, evaluation: null, summary: {}, notes: [] };
}
