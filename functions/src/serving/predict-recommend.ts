// Product recommendations from a production item-kNN model, pure: a product's (or a cart's) top-k products with score and rank; every product in batch.
import { ShopMlopsError } from '../core/errors';
import { interactionsFrom, MODEL_FORMAT, recommend, recommendAll, type RecommenderModel } from '../models/recommend';

export const DEFAULT_K = 10;

export interface ProductRecommendation {
  product_id: string;
  rank: number;
  recommended_product_id: string;
  score: number;
  source: 'similar' | 'popular';
}

export function recommendProduction(production: unknown): RecommenderModel {
  const m = production as RecommenderModel | null;
  if (!m || m.format !== MODEL_FORMAT) throw new ShopMlopsError('UNPROCESSABLE', `not a recommender model (${MODEL_FORMAT})`);
  return m;
}

/**
 * Top-k products to show with the given products (a product page: one; a cart: several), best first: summed item-kNN
 * similarity to them, popularity fill; never one of them. No recency weighting (they are what the shopper looks at now).
 */
export function recommendFor(model: RecommenderModel, productIds: readonly string[], k = DEFAULT_K): ProductRecommendation[] {
  const key = productIds.join(',');
  return recommend(model, productIds, { k, halfLifeDays: 0, excludeHistory: true }).map((r, i) => ({ product_id: key, rank: i + 1, recommended_product_id: r.item, score: r.score, source: r.source }));
}

/** Every product of the model's catalogue with its top-k (the same lists as recommendFor one product). */
export function productRecommendations(model: RecommenderModel, k = DEFAULT_K): ProductRecommendation[] {
  const products = model.items;
  if (products.length === 0) return [];
  const history = interactionsFrom(products.map((p) => ({ customer: p, item: p, time: 0 })));
  const b = recommendAll(model, history, { k, halfLifeDays: 0, excludeHistory: true });
  const out: ProductRecommendation[] = [];
  for (let c = 0; c < history.customerIds.length; c++) {
    for (let r = 0; r < k; r++) {
      const i = b.items[c * k + r]!;
      if (i < 0) break;
      out.push({ product_id: history.customerIds[c]!, rank: r + 1, recommended_product_id: model.items[i]!, score: b.scores[c * k + r]!, source: b.source[c * k + r] === 0 ? 'similar' : 'popular' });
    }
  }
  return out;
}
