// The embedded runtime's prediction serving: endpoints journal, registry, model cache, features, batch-score reads and the prediction log over the runtime's DuckDB, mounted at /api.
import { systemClock, type Clock } from '../core/clock';
import type { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/log';
import { createServingMetrics, type ServingMetrics } from '../core/metrics';
import type { ResolveCaller } from '../http/caller';
import { createPredictionRoutes } from '../http/prediction-routes';
import type { ArtifactStore } from '../ports/artifact-store';
import type { Endpoints } from '../ports/endpoints';
import type { ModelRegistries } from '../ports/model-registry';
import type { DuckDbWarehouse } from '../adapters/embedded/duckdb-warehouse';
import { createDuckDbPredictionStore } from '../adapters/embedded/duckdb-prediction-store';
import { createFileModelRegistries } from '../adapters/embedded/file-model-registry';
import { createJournalEndpoints, listEndpointKeys } from '../adapters/embedded/journal-endpoints';
import { createJournalPredictionLog, type JournalPredictionLog } from '../adapters/embedded/journal-prediction-log';
import { createModelCache, type ModelCache } from '../serving/model-cache';
import { createServingCore } from '../serving/serve';
import { createServingFeatures } from '../serving/serving-features';

export interface EmbeddedServingOptions {
  /** `<dataDir>/endpoints`, `<dataDir>/registry`, `<dataDir>/prediction-log` (local-runtime paths()). */
  paths: { endpoints: string; registry: string; predictionLog: string };
  warehouse: DuckDbWarehouse;
  artifacts: ArtifactStore;
  metricsRegistry: Registry;
  logger: Logger;
  budgetMs: number;
  resolveCaller: ResolveCaller;
  remoteAddress: (req: Request, env: unknown) => string | undefined;
  /** The runtime's clock: when predictions are served (the log's served_at), rollout rows and registry records are dated. */
  clock?: Clock;
}

export interface EmbeddedServing {
  routes: Hono;
  endpoints: Endpoints;
  /** The file registry the endpoints' versions come from (the monitor's rollout operations keep its champion alias in step). */
  registries: ModelRegistries;
  models: ModelCache;
  predictionLog: JournalPredictionLog;
  metrics: ServingMetrics;
  /**
   * Warms every endpoint in the journal (ServingCore.warm), one after another, for at most `timeoutMs`: the runtime
   * runs it before it listens. Resolves with how many were warmed and whether time ran out (the rest load on request).
   */
  warmDeployed(timeoutMs: number): Promise<{ endpoints: number; warmed: number; timedOut: boolean }>;
  close(): Promise<void>;
}

export function createEmbeddedServing(o: EmbeddedServingOptions): EmbeddedServing {
  const now = (): Date => (o.clock ?? systemClock).now();
  const registries = createFileModelRegistries({ dir: o.paths.registry, artifacts: o.artifacts, now });
  const models = createModelCache({ registries, artifacts: o.artifacts });
  const features = createServingFeatures({ query: (sql) => o.warehouse.query(sql) });
  // Deploying through this process warms the version (and the shop's features) before it gets traffic; versions
  // deployed from another process (the CLI shares the journal) are loaded when a request first sees them.
  const endpoints = createJournalEndpoints({
    dir: o.paths.endpoints,
    now,
    warm: async (t) => {
      await models.warm(t);
      await features.get(t.shop).catch(() => undefined);
    },
  });
  const predictionLog = createJournalPredictionLog({ dir: o.paths.predictionLog, warehouse: o.warehouse, logger: o.logger.child({ component: 'prediction-log' }) });
  const metrics = createServingMetrics(o.metricsRegistry, { logDropped: () => predictionLog.stats().dropped });
  const serving = createServingCore({
    endpoints,
    models,
    predictions: createDuckDbPredictionStore(o.warehouse),
    features,
    log: predictionLog,
    metrics,
    budgetMs: o.budgetMs,
    logger: o.logger.child({ component: 'serving' }),
    now,
  });
  const routes = createPredictionRoutes({ resolveCaller: o.resolveCaller, serving, logger: o.logger, metrics, remoteAddress: o.remoteAddress });
  return {
    routes,
    endpoints,
    registries,
    models,
    predictionLog,
    metrics,
    async warmDeployed(timeoutMs) {
      const keys = await listEndpointKeys(o.paths.endpoints);
      const until = performance.now() + timeoutMs;
      let warmed = 0;
      for (const key of keys) {
        const left = until - performance.now();
        if (left <= 0) break;
        let timer: NodeJS.Timeout | undefined;
        const done = await Promise.race([serving.warm(key).then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), left)))]);
        clearTimeout(timer);
        if (!done) break;
        warmed++;
      }
      return { endpoints: keys.length, warmed, timedOut: warmed < keys.length };
    },
    async close() {
      await predictionLog.close();
      await endpoints.close();
      await registries.close();
    },
  };
}
