// A registered version's production model → the prediction batches it writes (rows of its shop_predictions tables), pure.
import type { TrainedModelName } from '../training/models/types';
import { clvProduction, clvScores, propensityProduction, propensityScores, type CustomerRow } from './predict-customer';
import { forecastProduction, forecastScores } from './predict-forecast';
import { productRecommendations, recommendProduction } from './predict-recommend';
import type { PredictionBatch, PredictionKey, PredictionRow, PredictionTableName } from './prediction-tables';

/** What scoring a version reads besides its model: the snapshot's customers, the variants' stock and products. */
export interface ScoringInputs {
  shop: string;
  snapshotDate: string;
  /** customer_rfm rows of the snapshot (clv, propensity). */
  customers: readonly CustomerRow[];
  /** Units available per variant at the snapshot (forecast); a variant not here is untracked. */
  stock: ReadonlyMap<string, number>;
  /** Product of each variant (forecast). */
  productOf: ReadonlyMap<string, string>;
  /** Recommendations per product. */
  k: number;
  clvHorizonDays: number;
  /** ISO timestamp written as scored_at. */
  scoredAt: string;
}

/** The batches (one per table of the model) a version's production fit scores. */
export function scoreBatches(model: TrainedModelName, version: number, production: unknown, x: ScoringInputs): PredictionBatch[] {
  const key: PredictionKey = { shop: x.shop, snapshotDate: x.snapshotDate, model, version };
  const keyCols = { shop: x.shop, snapshot_date: x.snapshotDate, model, version };
  const batch = (table: PredictionTableName, rows: object[]): PredictionBatch => ({ table, key, rows: rows.map((r) => ({ ...keyCols, ...r, scored_at: x.scoredAt }) as PredictionRow) });
  switch (model) {
    case 'clv':
      return [batch('customer_clv', clvScores(clvProduction(production), x.customers, { snapshot: x.snapshotDate, clvHorizonDays: x.clvHorizonDays }))];
    case 'propensity':
      return [batch('customer_propensity', propensityScores(propensityProduction(production), x.customers))];
    case 'forecast': {
      const s = forecastScores(forecastProduction(production), x.stock, x.snapshotDate);
      const product = (r: { variant_id: string }) => ({ product_id: x.productOf.get(r.variant_id) ?? null });
      return [batch('variant_forecast', s.days.map((d) => ({ ...d, ...product(d) }))), batch('variant_replenishment', s.replenishment.map((r) => ({ ...r, ...product(r) })))];
    }
    case 'recommend':
      return [batch('product_recommendations', productRecommendations(recommendProduction(production), x.k))];
  }
}
