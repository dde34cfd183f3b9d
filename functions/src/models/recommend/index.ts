// Public API of the recommender: what the training pipeline, the CLI verb and the evaluation call.
export { InteractionsBuilder, interactionsFrom, filterLines, splitAt, type Interactions } from './interactions';
export { DEFAULT_PARAMS, ORDER_LEVEL_PARAMS, MODEL_FORMAT, trainRecommender, trainFromCoPurchase, popularityModel, type CoPurchaseRow, type RecommenderModel, type RecommenderParams } from './model';
export { recommend, recommendAll, distinctRecommended, repeatWeightOf, type BatchOptions, type BatchRecommendations, type HistoryEntry, type Recommendation, type RecommendOptions } from './recommender';
export { evaluateRecs, type RankingCase, type RankingMetrics } from './metrics';
export { temporalHoldout, scoreOnHoldout, evaluateOnHoldout, recommendedOnHoldout, trainingPurchases, sparseItemReach, type TemporalHoldout, type SparseItemReach } from './holdout';
export { tuneOnHoldout, DEFAULT_GRID, type TuningGrid, type TuningResult } from './tune';
export { catalogItemSchema, titleTokens, priceBands, contentNeighbours, PRICE_BANDS, type CatalogItem } from './catalog';
export { chooseRepeatWeight, withRepeatWeight, tuneCatalogBlend, REPEAT_GRID, CATALOG_GRID, type RepeatChoice } from './modes';
