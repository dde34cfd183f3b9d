// Hyper-parameter choice on a validation holdout inside the training period: grid search on precision@k.
import type { TemporalHoldout } from './holdout';
import { scoreOnHoldout } from './holdout';
import type { RankingMetrics } from './metrics';
import { popularityModel, trainRecommender, type RecommenderParams } from './model';

/** Values tried per parameter; halfLifeDays is a scoring-time parameter, so each trained model is scored once per value. */
export interface TuningGrid {
  unit: RecommenderParams['unit'][];
  maxUnitItems: number[];
  unitWeighting: RecommenderParams['unitWeighting'][];
  shrinkage: number[];
  alpha: number[];
  neighbours: number[];
  halfLifeDays: number[];
}

/** The grid docs/models/recommend.md reports (2,100 combinations, 700 trainings). */
export const DEFAULT_GRID: TuningGrid = {
  unit: ['order', 'customer'],
  maxUnitItems: [25, 50, 100],
  unitWeighting: ['none', 'inverse-log'],
  shrinkage: [2, 5, 10, 20, 50],
  alpha: [0, 0.1, 0.2, 0.3, 0.5],
  neighbours: [10, 20, 50, 100],
  halfLifeDays: [0, 30, 90],
};

export interface TuningTrial {
  params: Partial<RecommenderParams>;
  metrics: RankingMetrics;
}

export interface TuningResult {
  best: TuningTrial;
  popularity: RankingMetrics;
  trials: TuningTrial[];
}

/**
 * Every grid combination trained on the holdout's training lines and scored on its validation window; the best by
 * precision@k wins (ties: the earlier combination, i.e. the simpler settings listed first). Order-level units ignore
 * maxUnitItems and unitWeighting (orders are small), so those are not repeated for them.
 */
export function tuneOnHoldout(h: TemporalHoldout, k: number, grid: TuningGrid = DEFAULT_GRID, onTrial?: (t: TuningTrial, i: number) => void): TuningResult {
  const trials: TuningTrial[] = [];
  let popularity: RankingMetrics | null = null;
  for (const unit of grid.unit) {
    const caps = unit === 'order' ? [0] : grid.maxUnitItems;
    const weightings = unit === 'order' ? (['none'] as const) : grid.unitWeighting;
    for (const maxUnitItems of caps)
      for (const unitWeighting of weightings)
        for (const shrinkage of grid.shrinkage)
          for (const alpha of grid.alpha)
            for (const neighbours of grid.neighbours) {
              const trained = trainRecommender(h.train, { unit, maxUnitItems, unitWeighting, shrinkage, alpha, neighbours });
              popularity ??= scoreOnHoldout(popularityModel(trained), h, k);
              for (const halfLifeDays of grid.halfLifeDays) {
                const t: TuningTrial = { params: { unit, maxUnitItems, unitWeighting, shrinkage, alpha, neighbours, halfLifeDays }, metrics: scoreOnHoldout(trained, h, k, { halfLifeDays }) };
                trials.push(t);
                onTrial?.(t, trials.length - 1);
              }
            }
  }
  if (trials.length === 0 || popularity === null) throw new RangeError('empty tuning grid');
  const best = trials.reduce((b, t) => (t.metrics.precision > b.metrics.precision ? t : b));
  return { best, popularity, trials };
}
