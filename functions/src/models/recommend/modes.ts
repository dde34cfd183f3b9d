// Per-shop choices made on a validation holdout: the repeat-purchase weight ρ and the catalog blend's γ, κ, δ, β.
import { scoreOnHoldout, type TemporalHoldout } from './holdout';
import type { CatalogItem } from './catalog';
import type { RankingMetrics } from './metrics';
import { trainRecommender, type RecommenderModel, type RecommenderParams } from './model';

/** ρ values tried for the repeat-purchase mode (0 = off: only items new to the customer). */
export const REPEAT_GRID = [0, 0.05, 0.2, 1, 5, 20];

/** The same model with another repeat weight (a scoring-time setting: no retraining). */
export function withRepeatWeight(model: RecommenderModel, repeatWeight: number): RecommenderModel {
  return { ...model, params: { ...model.params, repeatWeight } };
}

export interface RepeatChoice {
  repeatWeight: number;
  trials: { repeatWeight: number; metrics: RankingMetrics }[];
}

/**
 * Repeat mode on or off for this shop: every ρ of the grid scored on the holdout with every test purchase a hit (re-buys
 * included); the best precision@k wins, ties to the smaller ρ. A catalogue customers buy again (consumables, wholesale
 * restocking) picks ρ > 0; one where nobody re-buys loses precision by recommending back and keeps ρ = 0.
 */
export function chooseRepeatWeight(model: RecommenderModel, h: TemporalHoldout, k: number, grid: readonly number[] = REPEAT_GRID): RepeatChoice {
  const trials = grid.map((repeatWeight) => ({ repeatWeight, metrics: scoreOnHoldout(withRepeatWeight(model, repeatWeight), h, k, { repeats: true }) }));
  const best = trials.reduce((b, t) => (t.metrics.precision > b.metrics.precision ? t : b));
  return { repeatWeight: best.repeatWeight, trials };
}

/** Catalog blend settings tried on validation (docs/models/recommend.md reports the surface). */
export const CATALOG_GRID: Pick<Required<RecommenderParams>, 'contentWeight' | 'historySaturation' | 'launchBoost' | 'contentDirectWeight'>[] = [0.5, 1, 2].flatMap((contentWeight) =>
  [10, 30].flatMap((historySaturation) => [0, 0.25, 0.5, 1].flatMap((launchBoost) => [0, 0.2].map((contentDirectWeight) => ({ contentWeight, historySaturation, launchBoost, contentDirectWeight })))),
);

/** Every catalog setting trained with the catalog on the holdout and scored (new items); the best precision@k wins. */
export function tuneCatalogBlend(h: TemporalHoldout, k: number, catalog: readonly CatalogItem[], base: Partial<RecommenderParams> = {}, grid = CATALOG_GRID): { best: (typeof grid)[number]; trials: { params: (typeof grid)[number]; metrics: RankingMetrics }[] } {
  const trials = grid.map((params) => ({ params, metrics: scoreOnHoldout(trainRecommender(h.train, { ...base, ...params }, catalog), h, k) }));
  const best = trials.reduce((b, t) => (t.metrics.precision > b.metrics.precision ? t : b));
  return { best: best.params, trials };
}
