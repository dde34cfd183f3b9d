// The dashboard's JSON routes in the `api` function (/api/dashboard/*, behind storefrontAuth: App Bridge session tokens only): Vertex registry, endpoints and experiment runs, the BigQuery monitoring store and dashboard reads.
import type { Hono } from 'hono';
import type { AppConfig } from '../../core/config';
import type { Logger } from '../../core/log';
import { createDashboardReads } from '../../dashboard/dashboard-queries';
import { createDashboardRoutes } from '../../http/dashboard-routes';
import type { ResolveCaller } from '../../http/caller';
import type { ArtifactStore } from '../../ports/artifact-store';
import type { ModelRegistries } from '../../ports/model-registry';
import type { Warehouse } from '../../ports/warehouse';
import { SCORED_MODELS } from '../../training/score';
import { createBigQueryMonitoringStore } from './bigquery-monitoring-store';
import { createVertexRunTracker } from './vertex-run-tracker';
import { createVertexEndpoints } from './vertex-endpoints';

export function cloudDashboardRoutes(
  config: Pick<AppConfig, 'gcpProject' | 'rawDataset' | 'monitoringPolicy'>,
  d: { location: string; resolveCaller: ResolveCaller; warehouse: Pick<Warehouse, 'query'>; artifacts: ArtifactStore; registries: ModelRegistries; log: Logger },
): Hono {
  const project = config.gcpProject!;
  return createDashboardRoutes({
    resolveCaller: d.resolveCaller,
    models: SCORED_MODELS,
    registries: d.registries,
    runs: createVertexRunTracker({ project, location: d.location, artifacts: d.artifacts }),
    endpoints: createVertexEndpoints({ project, location: d.location, artifacts: d.artifacts }),
    monitoring: createBigQueryMonitoringStore({ projectId: project, log: d.log }),
    reads: createDashboardReads((sql) => d.warehouse.query(sql), 'bigquery', { rawDataset: config.rawDataset }),
    thresholds: Object.fromEntries(Object.entries(config.monitoringPolicy.models).map(([m, p]) => [m, { metric: p.metric, threshold: p.threshold }])),
    now: () => new Date(),
    logger: d.log.child({ component: 'dashboard' }),
  });
}
