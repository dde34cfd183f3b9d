// What training steps receive (feature reader, model artifact store, model registry) and the factory for both worlds: embedded files + DuckDB, or BigQuery + GCS + Vertex AI.
import * as path from 'node:path';
import { z } from 'zod';
import type { AppConfig } from '../core/config';
import { ShopMlopsError } from '../core/errors';
import { silentLogger, type Logger } from '../core/log';
import type { ArtifactStore } from '../ports/artifact-store';
import type { Endpoints } from '../ports/endpoints';
import type { ModelRegistries } from '../ports/model-registry';
import type { PredictionWriter } from '../ports/prediction-store';
import type { RunTracker } from '../ports/run-tracker';
import type { Row } from '../ports/warehouse';
import { createFileArtifactStore } from '../adapters/embedded/file-artifact-store';
import { createFileModelRegistries } from '../adapters/embedded/file-model-registry';
import { createFileRunTracker } from '../adapters/embedded/file-run-tracker';
import { findRunningRuntime, type RuntimeInfo } from '../runtime/runtime-file';
import { createDuckDbPredictionStore, type DuckDbTransactions } from '../adapters/embedded/duckdb-prediction-store';
import { createJournalEndpoints } from '../adapters/embedded/journal-endpoints';
import type { VertexClientOptions } from '../adapters/gcp/vertex-common';
import type { Storage } from '@google-cloud/storage';
import { DEFAULT_SERVING_IMAGE } from '../serving/serving-image';

/** The embedded data dir layout (loaded lazily: the runtime module is heavy and a cloud step never needs it). */
const paths = (dataDir: string) => (require('../runtime/local-runtime') as typeof import('../runtime/local-runtime')).paths(dataDir);

/** Read-only SQL over the feature tables. */
export interface FeatureReader {
  readonly dialect: 'duckdb' | 'bigquery';
  /** For people and the data snapshot: 'duckdb:<file>' (or '…via runtime'), 'bigquery:<project>'. */
  readonly source: string;
  query(sql: string): Promise<Row[]>;
}

/** ctx.services of every training step. Steps never learn which world they run in beyond `world` (for messages). */
export interface TrainingServices {
  world: 'embedded' | 'gcp';
  features: FeatureReader;
  /** Where registered versions' files go (`models/<model>/<run id>/...`); the registry's artifact store. */
  artifacts: ArtifactStore;
  /** Every shop's model registry (a run registers under the shop it trained for). */
  registries: ModelRegistries;
  /** Where batch scores go (shop_predictions.*): the warehouse the features come from. */
  predictions: PredictionWriter;
}

export type TrainingWorld =
  | {
      mode: 'embedded';
      dataDir: string;
      /** 'auto' (default): through the running runtime's admin SQL route when it runs, else DuckDB opened read-only. */
      via?: 'auto' | 'runtime' | 'direct';
      /** An open warehouse to read (and write scores to) instead (in the runtime's own process, e.g. the demo: `rt.warehouse`); not closed here. */
      warehouse?: { query(sql: string): Promise<Row[]> } & Partial<DuckDbTransactions>;
    }
  | {
      mode: 'gcp';
      project: string;
      /** Vertex AI region (registry, experiments). */
      location: string;
      /** The artifact bucket (models/<model>/<run id>/...). */
      bucket: string;
      /** BigQuery job location (the datasets' location), e.g. 'US'. */
      bigqueryLocation?: string;
      /** Serving container recorded with each Vertex model version. */
      servingImage: string;
      /** Clients pointed elsewhere (tests: the in-process Vertex and GCS fakes); default the regional endpoints and ADC. */
      clients?: { vertex?: VertexClientOptions; storage?: Storage };
    };

/** A prebuilt Vertex prediction image: Vertex refuses custom models without a serving container even when nothing is deployed. */
export { DEFAULT_SERVING_IMAGE };

const envSchema = z.object({
  SHOP_MLOPS_MODE: z.enum(['embedded', 'gcp']).default('embedded'),
  SHOP_MLOPS_DATA_DIR: z.string().min(1).default('.shop-mlops'),
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
  SHOP_MLOPS_ARTIFACT_BUCKET: z.string().min(1).optional(),
  SHOP_MLOPS_VERTEX_LOCATION: z.string().min(1).optional(),
  GOOGLE_CLOUD_REGION: z.string().min(1).optional(),
  SHOP_MLOPS_BIGQUERY_LOCATION: z.string().min(1).optional(),
  SHOP_MLOPS_SERVING_IMAGE: z.string().min(1).default(DEFAULT_SERVING_IMAGE),
});

/** The world from the environment (container steps, `pipeline run training`): SHOP_MLOPS_MODE and the gcp keys; every missing key named at once. */
export function trainingWorldFromEnv(env: NodeJS.ProcessEnv): TrainingWorld {
  const r = envSchema.safeParse(env);
  if (!r.success) throw new ShopMlopsError('CONFIG_INVALID', `training configuration: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = r.data;
  if (e.SHOP_MLOPS_MODE === 'embedded') return { mode: 'embedded', dataDir: e.SHOP_MLOPS_DATA_DIR };
  const location = e.SHOP_MLOPS_VERTEX_LOCATION ?? e.GOOGLE_CLOUD_REGION;
  const missing = [!e.GOOGLE_CLOUD_PROJECT && 'GOOGLE_CLOUD_PROJECT', !e.SHOP_MLOPS_ARTIFACT_BUCKET && 'SHOP_MLOPS_ARTIFACT_BUCKET', !location && 'SHOP_MLOPS_VERTEX_LOCATION (or GOOGLE_CLOUD_REGION)'].filter(Boolean);
  if (missing.length) throw new ShopMlopsError('CONFIG_INVALID', `training in gcp mode needs ${missing.join(', ')}`);
  return {
    mode: 'gcp',
    project: e.GOOGLE_CLOUD_PROJECT!,
    location: location!,
    bucket: e.SHOP_MLOPS_ARTIFACT_BUCKET!,
    servingImage: e.SHOP_MLOPS_SERVING_IMAGE,
    ...(e.SHOP_MLOPS_BIGQUERY_LOCATION ? { bigqueryLocation: e.SHOP_MLOPS_BIGQUERY_LOCATION } : {}),
  };
}

/** The world of a validated CLI configuration (the Vertex region and serving image come from the environment). */
export function trainingWorldFromConfig(config: AppConfig, env: NodeJS.ProcessEnv = process.env): TrainingWorld {
  if (config.mode === 'embedded') return { mode: 'embedded', dataDir: config.dataDir };
  return trainingWorldFromEnv({ ...env, SHOP_MLOPS_MODE: 'gcp', GOOGLE_CLOUD_PROJECT: config.gcpProject, SHOP_MLOPS_ARTIFACT_BUCKET: config.artifactBucket });
}

/**
 * Embedded: through the runtime's admin routes while it runs (it owns the DuckDB file), else the file opened read-only on
 * first use; writing scores reopens it read-write (one process may hold a DuckDB file one way only).
 */
function embeddedReader(dataDir: string, via: 'auto' | 'runtime' | 'direct'): FeatureReader & { predictions: PredictionWriter; close(): Promise<void> } {
  const file = path.resolve(paths(dataDir).warehouse);
  let direct: Promise<import('../adapters/embedded/duckdb-warehouse').DuckDbWarehouse> | undefined;
  let writable = false;
  let runtime: RuntimeInfo | null | undefined;
  let source = `duckdb:${file}`;
  const pick = async (): Promise<RuntimeInfo | null> => {
    if (runtime === undefined) {
      runtime = via === 'direct' ? null : await findRunningRuntime(dataDir);
      if (!runtime && via === 'runtime') throw new ShopMlopsError('UNAVAILABLE', `no runtime is running for ${dataDir}`);
      if (runtime) source = `duckdb:${file} (via runtime ${runtime.url})`;
    }
    return runtime;
  };
  const open = (readOnly: boolean) => {
    const { openDuckDbWarehouse } = require('../adapters/embedded/duckdb-warehouse') as typeof import('../adapters/embedded/duckdb-warehouse');
    return openDuckDbWarehouse({ path: file, readOnly }).catch((err: Error) => {
      throw new ShopMlopsError('UNAVAILABLE', `cannot open the warehouse ${file}${readOnly ? '' : ' for writing'}: ${err.message}`);
    });
  };
  const admin = () => require('../cli/store-client') as typeof import('../cli/store-client');
  return {
    dialect: 'duckdb',
    get source() {
      return source;
    },
    async query(sql) {
      const rt = await pick();
      if (rt) return (await admin().adminCall<{ rows: Row[] }>(rt, 'POST', '/admin/sql', { sql, timeoutMs: 3_600_000 })).rows; // extraction reads whole tables: an hour, not the interactive 30 s
      direct ??= open(true);
      return (await direct).query(sql);
    },
    predictions: {
      async replace(batches) {
        const rt = await pick();
        if (rt) {
          const out = [];
          for (const b of batches) out.push(...(await admin().adminCall<{ written: Awaited<ReturnType<PredictionWriter['replace']>> }>(rt, 'POST', '/admin/predictions', { batches: [b] })).written);
          return out;
        }
        if (!writable) {
          if (direct) await (await direct.catch(() => null))?.close();
          direct = open(false);
          writable = true;
        }
        return createDuckDbPredictionStore(await direct!).replace(batches);
      },
    },
    async close() {
      if (direct) await (await direct.catch(() => null))?.close();
      direct = undefined;
    },
  };
}

/** What createTrainingServices builds besides the steps' services: the run tracker, and the serving endpoints the rollout verbs and the demo drive. */
export type WorldServices = TrainingServices & { tracker: RunTracker; endpoints: Endpoints; close(): Promise<void> };

/** Builds the services of a world. Cloud clients are loaded only in gcp mode and connect on first use. */
export function createTrainingServices(world: TrainingWorld, log: Logger = silentLogger): WorldServices {
  if (world.mode === 'embedded') {
    const p = paths(path.resolve(world.dataDir));
    const artifacts = createFileArtifactStore(p.artifacts);
    const inProcess = world.warehouse;
    const features: FeatureReader & { predictions: PredictionWriter; close(): Promise<void> } = inProcess
      ? {
          dialect: 'duckdb',
          source: `duckdb:${path.resolve(p.warehouse)} (in process)`,
          query: (sql) => inProcess.query(sql),
          predictions: inProcess.transaction
            ? createDuckDbPredictionStore(inProcess as DuckDbTransactions)
            : { replace: () => Promise.reject(new ShopMlopsError('UNAVAILABLE', 'the in-process warehouse cannot write scores (no transactions)')) },
          close: async () => undefined,
        }
      : embeddedReader(world.dataDir, world.via ?? 'auto');
    const registries = createFileModelRegistries({ dir: p.registry, artifacts });
    const tracker = createFileRunTracker({ dir: p.runs, artifacts });
    // One fdatasync'd journal per (shop, model): the CLI, the demo and the runtime may all write it at once.
    const endpoints = createJournalEndpoints({ dir: p.endpoints });
    return {
      world: 'embedded',
      features,
      predictions: features.predictions,
      artifacts,
      registries,
      tracker,
      endpoints,
      async close() {
        await features.close();
        await registries.close();
        await tracker.close();
        await endpoints.close();
      },
    };
  }
  const { createBigQueryWarehouse } = require('../adapters/gcp/bigquery-warehouse') as typeof import('../adapters/gcp/bigquery-warehouse');
  const { createGcsArtifactStore } = require('../adapters/gcp/gcs-artifact-store') as typeof import('../adapters/gcp/gcs-artifact-store');
  const { createVertexModelRegistries } = require('../adapters/gcp/vertex-model-registry') as typeof import('../adapters/gcp/vertex-model-registry');
  const { createVertexRunTracker } = require('../adapters/gcp/vertex-run-tracker') as typeof import('../adapters/gcp/vertex-run-tracker');
  const { createBigQueryPredictionStore } = require('../adapters/gcp/bigquery-prediction-store') as typeof import('../adapters/gcp/bigquery-prediction-store');
  const { createVertexEndpoints, SERVING_ACCOUNT_ID } = require('../adapters/gcp/vertex-endpoints') as typeof import('../adapters/gcp/vertex-endpoints');
  const warehouse = createBigQueryWarehouse({ projectId: world.project, rawDataset: 'shop_raw', log, ...(world.bigqueryLocation ? { location: world.bigqueryLocation } : {}) });
  const vertex = world.clients?.vertex ? { clientOptions: world.clients.vertex } : {};
  const artifacts = createGcsArtifactStore({ bucket: world.bucket, log, ...(world.clients?.storage ? { storage: world.clients.storage } : {}) });
  const registries = createVertexModelRegistries({ project: world.project, location: world.location, artifacts, containerImageUri: world.servingImage, ...vertex });
  const tracker = createVertexRunTracker({ project: world.project, location: world.location, artifacts, ...vertex });
  // Endpoints per (shop, model) in the registry's region; the deployed containers run as the serving account (infra/serving.tf).
  const endpoints = createVertexEndpoints({ project: world.project, location: world.location, artifacts, serviceAccount: `${SERVING_ACCOUNT_ID}@${world.project}.iam.gserviceaccount.com`, ...vertex });
  return {
    world: 'gcp',
    features: { dialect: 'bigquery', source: `bigquery:${world.project}`, query: (sql) => warehouse.query(sql) },
    predictions: createBigQueryPredictionStore({ projectId: world.project, log, ...(world.bigqueryLocation ? { location: world.bigqueryLocation } : {}) }),
    artifacts,
    registries,
    tracker,
    endpoints,
    async close() {
      await warehouse.close();
      await registries.close();
      await tracker.close();
      await endpoints.close();
    },
  };
}
