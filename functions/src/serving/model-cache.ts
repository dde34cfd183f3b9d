// Registered versions loaded for online prediction: the shop's registry → artifact → production model, once per (shop, model, version), cached, deduplicated while loading.
import { ShopMlopsError } from '../core/errors';
import type { ClvFit } from '../models/clv';
import type { PropensityModel } from '../models/propensity';
import type { RecommenderModel } from '../models/recommend';
import type { ArtifactStore } from '../ports/artifact-store';
import type { ModelRegistries } from '../ports/model-registry';
import { parseArtifact, versionKey } from '../training/model-steps';
import type { VariantForecast } from '../training/models/forecast';
import type { TrainedModelName } from '../training/models/types';
import { clvProduction, propensityProduction } from './predict-customer';
import { forecastProduction, type ForecastProduction } from './predict-forecast';
import { recommendProduction } from './predict-recommend';

interface Loaded<M extends TrainedModelName, P> {
  model: M;
  version: number;
  /** The training snapshot of the version. */
  snapshot: string;
  production: P;
}
export type LoadedModel =
  | Loaded<'clv', ClvFit>
  | Loaded<'propensity', PropensityModel>
  | (Loaded<'forecast', ForecastProduction> & { byVariant: Map<string, VariantForecast> })
  | Loaded<'recommend', RecommenderModel>;

export const SERVED_MODELS: readonly TrainedModelName[] = ['clv', 'propensity', 'forecast', 'recommend'];

export interface ModelCacheOptions {
  registries: ModelRegistries;
  artifacts: ArtifactStore;
  /** Versions kept loaded (least recently used beyond this are dropped). */
  maxVersions?: number;
}

export interface ModelCache {
  /** The loaded version (loading it once; concurrent callers share the load). NOT_FOUND: no such version or files; UNPROCESSABLE: not a servable model; UNAVAILABLE: the registry or store failed. */
  get(shop: string, model: string, version: number): Promise<LoadedModel>;
  /** The registry's version holding an alias (the champion when no endpoint is deployed); null when none. */
  aliasVersion(shop: string, model: string, alias: string): Promise<number | null>;
  /** Loads a version ahead of traffic (the Endpoints warm-up hook). */
  warm(target: { shop: string; model: string; version: number }): Promise<void>;
  isLoaded(shop: string, model: string, version: number): boolean;
}

function isServedModel(m: string): m is TrainedModelName {
  return (SERVED_MODELS as readonly string[]).includes(m);
}

/** A version's production model, from its registry entry and model.json. */
async function load(o: ModelCacheOptions, shop: string, model: string, version: number): Promise<LoadedModel> {
  if (!isServedModel(model)) throw new ShopMlopsError('NOT_FOUND', `no served model named ${model}`);
  let v;
  let stored: Buffer | null;
  let key: string;
  try {
    v = await o.registries.forShop(shop).getVersion(model, version);
    if (!v) throw new ShopMlopsError('NOT_FOUND', `model ${model} has no version ${version}`);
    key = typeof v.params['artifact_key'] === 'string' ? v.params['artifact_key'] : versionKey(model, v.runId);
    stored = await o.artifacts.get(`${key}/model.json`);
  } catch (err) {
    throw ShopMlopsError.fromUnknown(err, 'UNAVAILABLE');
  }
  if (stored === null) throw new ShopMlopsError('NOT_FOUND', `${model} v${version}: no model.json under ${key}`);
  try {
    const artifact = parseArtifact(JSON.parse(stored.toString('utf8')), `${model} v${version}`);
    if (!artifact.trained || artifact.production === null) throw new ShopMlopsError('UNPROCESSABLE', `${model} v${version} holds no trained model`);
    const base = { version, snapshot: artifact.snapshotDate };
    switch (model) {
      case 'clv':
        return { ...base, model, production: clvProduction(artifact.production) };
      case 'propensity':
        return { ...base, model, production: propensityProduction(artifact.production) };
      case 'forecast': {
        const production = forecastProduction(artifact.production);
        return { ...base, model, production, byVariant: new Map(production.variants.map((x) => [x.id, x])) };
      }
      case 'recommend':
        return { ...base, model, production: recommendProduction(artifact.production) };
    }
  } catch (err) {
    throw ShopMlopsError.fromUnknown(err, 'UNPROCESSABLE');
  }
}

export function createModelCache(o: ModelCacheOptions): ModelCache {
  const max = o.maxVersions ?? 16;
  const loaded = new Map<string, LoadedModel>();
  const loading = new Map<string, Promise<LoadedModel>>();
  const key = (shop: string, model: string, version: number) => `${shop} ${model}@${version}`;

  const get = (shop: string, model: string, version: number): Promise<LoadedModel> => {
    const k = key(shop, model, version);
    const hit = loaded.get(k);
    if (hit) {
      loaded.delete(k); // most recently used last
      loaded.set(k, hit);
      return Promise.resolve(hit);
    }
    let p = loading.get(k);
    if (!p) {
      p = load(o, shop, model, version).then(
        (m) => {
          loading.delete(k);
          loaded.set(k, m);
          while (loaded.size > max) loaded.delete(loaded.keys().next().value!);
          return m;
        },
        (err: unknown) => {
          loading.delete(k); // a failed load is retried by the next request
          throw err;
        },
      );
      loading.set(k, p);
    }
    return p;
  };

  return {
    get,
    async aliasVersion(shop, model, alias) {
      try {
        return (await o.registries.forShop(shop).getVersion(model, alias))?.version ?? null;
      } catch (err) {
        throw ShopMlopsError.fromUnknown(err, 'UNAVAILABLE');
      }
    },
    warm: async (t) => {
      await get(t.shop, t.model, t.version);
    },
    isLoaded: (shop, model, version) => loaded.has(key(shop, model, version)),
  };
}
