// Shapes shared by the model evaluations that `npm run eval` prints side by side (model vs baselines, per task and dataset).

export interface EvalRow {
  /** Model or baseline name, e.g. 'sba', 'seasonal naive', 'popularity'. */
  model: string;
  /** True for the reference rows the model must beat. */
  baseline: boolean;
  metrics: Record<string, number>;
}

export interface EvalSection {
  task: 'clv' | 'propensity' | 'demand' | 'recommendations';
  dataset: string;
  rows: EvalRow[];
  /** Quality targets from the issue, each with whether it holds. */
  checks: { name: string; pass: boolean; detail: string }[];
  notes: string[];
}
