// Batch scoring: a registered version (default each model's champion) scores the snapshot's customers, variants and products into shop_predictions.* through the PredictionStore.
import { ShopMlopsError } from '../core/errors';
import type { ArtifactStore } from '../ports/artifact-store';
import type { ModelRegistries } from '../ports/model-registry';
import type { PredictionWrite, PredictionWriter } from '../ports/prediction-store';
import { DEFAULT_CLV_HORIZON_DAYS, parseCustomerRows, type CustomerRow } from '../serving/predict-customer';
import { DEFAULT_K } from '../serving/predict-recommend';
import { scoreBatches, type ScoringInputs } from '../serving/score-batches';
import * as sql from './extract-sql';
import { parseArtifact, versionKey } from './model-steps';
import type { TrainedModelName } from './models/types';
import type { FeatureReader } from './services';

export const SCORED_MODELS: readonly TrainedModelName[] = ['clv', 'propensity', 'forecast', 'recommend'];

export interface ScoringServices {
  features: FeatureReader;
  artifacts: ArtifactStore;
  registries: ModelRegistries;
  predictions: PredictionWriter;
}

export interface ScoreRequest {
  /** Default: the only shop in customer_rfm. */
  shop?: string;
  /** Default: the latest customer_rfm snapshot of the shop. */
  snapshotDate?: string;
  /** Default: all four. */
  models?: readonly TrainedModelName[];
  /** A version number or an alias; default 'champion'. */
  version?: number | string;
  k?: number;
  clvHorizonDays?: number;
  /** Scoring time (scored_at); default now. */
  now?: Date;
}

export interface ModelScore {
  model: TrainedModelName;
  version: number | null;
  /** Why nothing was written (no such version, an untrained artifact). */
  skipped?: string;
  tables: PredictionWrite[];
}

export interface ScoreReport {
  shop: string;
  snapshotDate: string;
  models: ModelScore[];
}

/** The shop asked for, else the only shop in customer_rfm (several → BAD_REQUEST listing them, like the training pipeline's `shop`). */
export async function resolveShop(features: FeatureReader, shop?: string): Promise<string> {
  if (!shop) {
    const shops = (await features.query(sql.shopsSql())).map((r) => String(r['shop']));
    if (shops.length === 0) throw new ShopMlopsError('UNPROCESSABLE', 'shop_features.customer_rfm is empty: build the feature tables first (`shop-mlops features`)');
    if (shops.length > 1) throw new ShopMlopsError('BAD_REQUEST', `the warehouse holds ${shops.length} shops (${shops.join(', ')}): pick one`);
    shop = shops[0]!;
  }
  sql.assertShop(shop);
  return shop;
}

async function resolveShopAndSnapshot(features: FeatureReader, req: ScoreRequest): Promise<{ shop: string; snapshot: string }> {
  const shop = await resolveShop(features, req.shop);
  let snapshot = req.snapshotDate;
  if (snapshot) sql.assertDay(snapshot, 'snapshot_date');
  else {
    const latest = (await features.query(sql.latestSnapshotSql(shop)))[0]?.['snapshot_date'];
    if (latest === null || latest === undefined) throw new ShopMlopsError('UNPROCESSABLE', `shop_features.customer_rfm has no rows for ${shop}`);
    snapshot = String(latest).slice(0, 10);
  }
  return { shop, snapshot };
}

/** Scores each requested model's version at the snapshot and replaces its rows in shop_predictions. */
export async function scoreVersions(services: ScoringServices, req: ScoreRequest = {}): Promise<ScoreReport> {
  const { features, artifacts, registries, predictions } = services;
  const { shop, snapshot } = await resolveShopAndSnapshot(features, req);
  const registry = registries.forShop(shop);
  const models = req.models ?? SCORED_MODELS;
  const ref = req.version ?? 'champion';
  let customers: CustomerRow[] | undefined;
  let variants: { stock: Map<string, number>; productOf: Map<string, string> } | undefined;
  const out: ModelScore[] = [];
  for (const model of models) {
    const v = await registry.getVersion(model, ref);
    if (!v) {
      out.push({ model, version: null, skipped: `${model} has no version ${JSON.stringify(ref)}`, tables: [] });
      continue;
    }
    const key = typeof v.params['artifact_key'] === 'string' ? v.params['artifact_key'] : versionKey(model, v.runId);
    const stored = await artifacts.get(`${key}/model.json`);
    if (stored === null) throw new ShopMlopsError('NOT_FOUND', `${model} v${v.version}: no model.json under ${key}`);
    const artifact = parseArtifact(JSON.parse(stored.toString('utf8')), `${model} v${v.version} (${key}/model.json)`);
    if (!artifact.trained || artifact.production === null) {
      out.push({ model, version: v.version, skipped: `${model} v${v.version} holds no trained model`, tables: [] });
      continue;
    }
    if ((model === 'clv' || model === 'propensity') && !customers) {
      customers = parseCustomerRows(await features.query(sql.customerRfmSql(shop, [snapshot])), `shop_features.customer_rfm at ${snapshot}`);
      if (customers.length === 0) throw new ShopMlopsError('UNPROCESSABLE', `shop_features.customer_rfm has no rows for ${shop} at ${snapshot}`);
    }
    if (model === 'forecast' && !variants) {
      variants = { stock: new Map(), productOf: new Map() };
      for (const r of await features.query(sql.variantStockSql(shop, snapshot))) {
        const id = String(r['variant_id']);
        if (r['product_id'] !== null && r['product_id'] !== undefined) variants.productOf.set(id, String(r['product_id']));
        if (r['stock'] !== null && r['stock'] !== undefined) variants.stock.set(id, Number(r['stock']));
      }
    }
    const inputs: ScoringInputs = {
      shop,
      snapshotDate: snapshot,
      customers: customers ?? [],
      stock: variants?.stock ?? new Map(),
      productOf: variants?.productOf ?? new Map(),
      k: req.k ?? DEFAULT_K,
      clvHorizonDays: req.clvHorizonDays ?? DEFAULT_CLV_HORIZON_DAYS,
      scoredAt: (req.now ?? new Date()).toISOString(),
    };
    const batches = scoreBatches(model, v.version, artifact.production, inputs);
    out.push({ model, version: v.version, tables: await predictions.replace(batches) });
  }
  return { shop, snapshotDate: snapshot, models: out };
}
