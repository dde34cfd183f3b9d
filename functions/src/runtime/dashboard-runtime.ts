// The dashboard on the local runtime: the page at / (static, from hosting/ and node_modules) and its JSON routes at /admin/dashboard (behind the admin routes' loopback + token check), over the runtime's own ports.
import type { Hono } from 'hono';
import type { AppConfig } from '../core/config';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/log';
import type { ArtifactStore } from '../ports/artifact-store';
import type { MonitoringStore } from '../ports/monitoring-store';
import { createDashboardRoutes } from '../http/dashboard-routes';
import { createDashboardReads } from '../dashboard/dashboard-queries';
import { mountDashboardStatic } from '../dashboard/dashboard-static';
import { createFileRunTracker } from '../adapters/embedded/file-run-tracker';
import type { DuckDbWarehouse } from '../adapters/embedded/duckdb-warehouse';
import { SCORED_MODELS } from '../training/score';
import { localAdminCaller } from './local-admin-caller';
import type { Loader } from './loader';
import type { EmbeddedServing } from './serving-runtime';

export interface LocalDashboardDeps {
  config: Pick<AppConfig, 'monitoringPolicy'>;
  adminToken: string;
  remoteAddress: (req: Request, env: unknown) => string | undefined;
  warehouse: DuckDbWarehouse;
  artifacts: ArtifactStore;
  /** `<dataDir>/runs`: the training runs' journals. */
  runsDir: string;
  serving: EmbeddedServing;
  monitoringStore: MonitoringStore;
  loader: Loader;
  clock: Clock;
  logger: Logger;
}

/** Mount after mountAdminRoutes: its /admin/* middleware (loopback + admin token) guards /admin/dashboard too. */
export function mountLocalDashboard(app: Hono, d: LocalDashboardDeps): void {
  mountDashboardStatic(app);
  const thresholds = Object.fromEntries(Object.entries(d.config.monitoringPolicy.models).map(([m, p]) => [m, { metric: p.metric, threshold: p.threshold }]));
  app.route(
    '/admin/dashboard',
    createDashboardRoutes({
      resolveCaller: localAdminCaller(d.adminToken),
      remoteAddress: d.remoteAddress,
      listsAllShops: true,
      models: SCORED_MODELS,
      registries: d.serving.registries,
      runs: createFileRunTracker({ dir: d.runsDir, artifacts: d.artifacts }),
      endpoints: d.serving.endpoints,
      monitoring: d.monitoringStore,
      reads: createDashboardReads((sql) => d.warehouse.query(sql), 'duckdb'),
      thresholds,
      backlog: async () => {
        const at = await d.loader.oldestUnlandedAt();
        return { bytes: d.loader.backlogBytes, oldestSeconds: at === null ? null : Math.max(0, (Date.now() - Date.parse(at)) / 1000) };
      },
      now: () => d.clock.now(),
      logger: d.logger.child({ component: 'dashboard' }),
    }),
  );
}
