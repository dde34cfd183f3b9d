// Recommendations in the training pipeline: item-kNN from the order lines (or co_purchase), holdout = a temporal split at the cut (items new to each customer after it).
import { ShopMlopsError } from '../../core/errors';
import { DEFAULT_PARAMS, ORDER_LEVEL_PARAMS, chooseRepeatWeight, interactionsFrom, popularityModel, scoreOnHoldout, temporalHoldout, trainFromCoPurchase, trainRecommender, withRepeatWeight, type CatalogItem, type Interactions, type RecommenderModel, type TemporalHoldout } from '../../models/recommend';
import { addDays } from '../../core/shop-days';
import type { OrderLineRow, ProductAttributeRow } from '../datasets';
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

/**
 * The recommender's catalog (one item per product, as the lines name items) from shop_features.product_attributes rows
 * (one per variant): the product's title tokens, type, vendor and tags, its variants' option values, its lowest price
 * band, and its earliest creation (the table's snapshot_date − age_days). With `asOf`, products created after it are left
 * out (the evaluation model before the holdout cut must not know later products).
 */
export function catalogFromAttributes(rows: readonly ProductAttributeRow[], asOf?: string): CatalogItem[] {
  const byProduct = new Map<string, CatalogItem & { createdAt: number; optionValues: string[] }>();
  const cutMs = asOf === undefined ? Infinity : dayMs(asOf);
  for (const r of rows) {
    const created = dayMs(addDays(r.snapshot_date, -r.age_days));
    if (created > cutMs) continue;
    let c = byProduct.get(r.product_id);
    if (!c) byProduct.set(r.product_id, (c = { item: r.product_id, title: r.title, titleTokens: r.title_tokens, productType: r.product_type, vendor: r.vendor, tags: r.tags, priceBand: r.price_band, optionValues: [], createdAt: created }));
    c.priceBand = Math.min(c.priceBand ?? r.price_band, r.price_band);
    c.createdAt = Math.min(c.createdAt, created);
    for (const o of [r.option1, r.option2, r.option3]) if (o && !c.optionValues.includes(o)) c.optionValues.push(o);
  }
  return [...byProduct.values()];
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

/**
 * Holdout metrics on the products new to each customer, with the repeat mode off (so a champion and a challenger are
 * compared on the same ranking whatever their ρ); the repeat protocol's precision is recorded at training.
 */
export function scoreRecommender(model: RecommenderModel, h: RecommendHoldout): Score {
  if (h.holdout.customers.length === 0) return { primary: null, metrics: finiteMetrics({ 'recommend.holdout_customers': 0 }) };
  const m = scoreOnHoldout(withRepeatWeight(model, 0), h.holdout, h.k);
  return {
    primary: m.ndcg,
    metrics: finiteMetrics({ 'recommend.holdout_ndcg': m.ndcg, 'recommend.holdout_recall': m.recall, 'recommend.holdout_precision': m.precision, 'recommend.holdout_coverage': m.coverage, 'recommend.holdout_customers': m.customers, 'recommend.holdout_k': m.k }),
  };
}

const paramsFor = (o: TrainingOptions) => (o.recSource === 'co_purchase' ? ORDER_LEVEL_PARAMS : DEFAULT_PARAMS);

export const recommendAdapter: ModelAdapter<RecommendHoldout> = {
  name: 'recommend',
  datasets: ['shop_staging.order_lines', 'shop_features.co_purchase', 'shop_features.product_attributes'],
  holdoutDatasets: ['shop_staging.order_lines'],
  primary: { metric: 'recommend.holdout_ndcg', better: 'higher', description: 'NDCG@k of the products each customer bought for the first time after the cut' },

  train(data: TrainingData, o: TrainingOptions) {
    const lines = data.orderLines ?? [];
    const all = interactionsFromLines(lines);
    if (all.length === 0) throw new ShopMlopsError('UNPROCESSABLE', `no product lines with a customer up to ${o.snapshot}`);
    const h = recommendHoldout(lines, o.snapshot, o.holdoutDays, o.recK);
    if (h.holdout.train.length === 0) throw new ShopMlopsError('UNPROCESSABLE', `no product lines on or before the holdout cut ${h.cut}`);
    const params = paramsFor(o);
    // The catalog (shop_features.product_attributes): content similarity for products with little history, launch-aware
    // rates; the evaluation model sees only the products that existed at the cut.
    const catalog = catalogFromAttributes(data.productAttributes ?? []);
    const catalogAtCut = catalogFromAttributes(data.productAttributes ?? [], h.cut);
    // co_purchase is built through the snapshot, so the evaluation model (before the cut) comes from the lines with the
    // order-level settings trainFromCoPurchase is equivalent to.
    const trainedAtCut = trainRecommender(h.holdout.train, params, catalogAtCut);
    // Repeat-purchase mode for this shop: ρ chosen on the holdout with every purchase a hit (re-buys included).
    const repeat = h.holdout.customers.length ? chooseRepeatWeight(trainedAtCut, h.holdout, h.k) : { repeatWeight: 0, trials: [] };
    const evaluation = withRepeatWeight(trainedAtCut, repeat.repeatWeight);
    const production = withRepeatWeight(o.recSource === 'co_purchase' ? trainFromCoPurchase(data.coPurchase ?? [], all, params, catalog) : trainRecommender(all, params, catalog), repeat.repeatWeight);
    const pop = scoreOnHoldout(popularityModel(evaluation), h.holdout, h.k);
    const repeatPrecision = repeat.trials.find((t) => t.repeatWeight === repeat.repeatWeight)?.metrics.precision;
    return {
      format: ARTIFACT_FORMAT,
      model: 'recommend',
      snapshotDate: o.snapshot,
      trained: true,
      production,
      evaluation: { trainedThrough: h.cut, model: evaluation },
      summary: finiteMetrics({ 'recommend.items': production.items.length, 'recommend.customers': production.stats.customers, 'recommend.lines': production.stats.lines, 'recommend.pairs': production.stats.candidatePairs, 'recommend.popularity_ndcg': h.holdout.customers.length ? pop.ndcg : undefined, 'recommend.catalog_products': catalog.length, 'recommend.repeat_weight': repeat.repeatWeight, 'recommend.holdout_precision_repeats': repeatPrecision }),
      notes: [`source ${o.recSource}`, `catalog: ${catalog.length} products`, `repeat mode ${repeat.repeatWeight > 0 ? `on (ρ = ${repeat.repeatWeight})` : 'off'}`],
    };
  },

  holdout: (data, o) => recommendHoldout(data.orderLines ?? [], o.snapshot, o.holdoutDays, o.recK),
  holdoutFrom: (h) => addDays(h.cut, 1),
  score(artifact, h) {
    if (!artifact.trained || !artifact.evaluation) return { primary: null, metrics: {} };
    return scoreRecommender(artifact.evaluation.model as RecommenderModel, h);
  },
};
