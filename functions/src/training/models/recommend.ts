// Recommendations in the training pipeline: item-kNN from the order lines (or co_purchase), holdout = a temporal split at the cut (items new to each customer after it).
import { ShopMlopsError } from '../../core/errors';
import { DEFAULT_PARAMS, ORDER_LEVEL_PARAMS, interactionsFrom, popularityModel, scoreOnHoldout, temporalHoldout, trainFromCoPurchase, trainRecommender, type Interactions, type RecommenderModel, type TemporalHoldout } from '../../models/recommend';
import { addDays } from '../../core/shop-days';
import type { OrderLineRow } from '../datasets';
import { ARTIFACT_FORMAT, finiteMetrics, type ModelAdapter, type Score, type TrainingData, type TrainingOptions } from './types';

const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);

/** Product lines with a customer and units kept (net of refunds): customer, product, order, the order's day. */
export function interactionsFromLines(lines: readonly OrderLineRow[]): Interactions {
  const rows: { customer: string; item: string; order: string; time: number }[] = [];
  for (const l of lines) {
    if (l.is_non_product || l.customer_id === null || l.product_id === null || l.net_quantity <= 0) continue;
    rows.push({ customer: l.customer_id, item: l.product_id, order: l.order_id, time: dayMs(l.order_date) });
  }
  return interactionsFrom(rows);
}

export interface RecommendHoldout {
  cut: string;
  holdout: TemporalHoldout;
  k: number;
}

/** Train on lines up to the cut; evaluate customers who bought on both sides on the products new to them in (cut, snapshot]. */
export function recommendHoldout(lines: readonly OrderLineRow[], snapshot: string, days: number, k: number): RecommendHoldout {
  const cut = addDays(snapshot, -days);
  const x = interactionsFromLines(lines);
  return { cut, k, holdout: temporalHoldout(x, dayMs(addDays(cut, 1)), dayMs(addDays(snapshot, 1))) };
}

export function scoreRecommender(model: RecommenderModel, h: RecommendHoldout): Score {
  if (h.holdout.customers.length === 0) return { primary: null, metrics: finiteMetrics({ 'recommend.holdout_customers': 0 }) };
  const m = scoreOnHoldout(model, h.holdout, h.k);
  return {
    primary: m.ndcg,
    metrics: finiteMetrics({ 'recommend.holdout_ndcg': m.ndcg, 'recommend.holdout_recall': m.recall, 'recommend.holdout_precision': m.precision, 'recommend.holdout_coverage': m.coverage, 'recommend.holdout_customers': m.customers, 'recommend.holdout_k': m.k }),
  };
}

const paramsFor = (o: TrainingOptions) => (o.recSource === 'co_purchase' ? ORDER_LEVEL_PARAMS : DEFAULT_PARAMS);

export const recommendAdapter: ModelAdapter<RecommendHoldout> = {
  name: 'recommend',
  datasets: ['shop_staging.order_lines', 'shop_features.co_purchase'],
  holdoutDatasets: ['shop_staging.order_lines'],
  primary: { metric: 'recommend.holdout_ndcg', better: 'higher', description: 'NDCG@k of the products each customer bought for the first time after the cut' },

  train(data: TrainingData, o: TrainingOptions) {
    const lines = data.orderLines ?? [];
    const all = interactionsFromLines(lines);
    if (all.length === 0) throw new ShopMlopsError('UNPROCESSABLE', `no product lines with a customer up to ${o.snapshot}`);
    const h = recommendHoldout(lines, o.snapshot, o.holdoutDays, o.recK);
    if (h.holdout.train.length === 0) throw new ShopMlopsError('UNPROCESSABLE', `no product lines on or before the holdout cut ${h.cut}`);
    const params = paramsFor(o);
    // co_purchase is built through the snapshot, so the evaluation model (before the cut) comes from the lines with the
    // order-level settings trainFromCoPurchase is equivalent to.
    const evaluation = trainRecommender(h.holdout.train, params);
    const production = o.recSource === 'co_purchase' ? trainFromCoPurchase(data.coPurchase ?? [], all, params) : trainRecommender(all, params);
    const pop = scoreOnHoldout(popularityModel(evaluation), h.holdout, h.k);
    return {
      format: ARTIFACT_FORMAT,
      model: 'recommend',
      snapshotDate: o.snapshot,
      trained: true,
      production,
      evaluation: { trainedThrough: h.cut, model: evaluation },
      summary: finiteMetrics({ 'recommend.items': production.items.length, 'recommend.customers': production.stats.customers, 'recommend.lines': production.stats.lines, 'recommend.pairs': production.stats.candidatePairs, 'recommend.popularity_ndcg': h.holdout.customers.length ? pop.ndcg : undefined }),
      notes: [`source ${o.recSource}`],
    };
  },

  holdout: (data, o) => recommendHoldout(data.orderLines ?? [], o.snapshot, o.holdoutDays, o.recK),
  holdoutFrom: (h) => addDays(h.cut, 1),
  score(artifact, h) {
    if (!artifact.trained || !artifact.evaluation) return { primary: null, metrics: {} };
    return scoreRecommender(artifact.evaluation.model as RecommenderModel, h);
  },
};
