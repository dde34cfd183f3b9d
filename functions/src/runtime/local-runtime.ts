// The embedded runtime: one process serving webhooks, health, metrics and admin routes over a durable log and DuckDB.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Hono } from 'hono';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import type { AppConfig } from '../core/config';
import { createLogger, type Logger } from '../core/log';
import { createIngestMetrics, type IngestMetrics } from '../core/metrics';
import { createWebhookVerifier } from '../core/verify';
import { createAcceptor } from '../core/ingest';
import { createPrivacyService } from '../core/privacy-service';
import { createWebhookApp } from '../http/webhook-app';
import { DurableLog } from '../adapters/embedded/durable-log';
import { createLogEventBus } from '../adapters/embedded/log-event-bus';
import { openDuckDbWarehouse, type DuckDbWarehouse, type WarehouseFaults } from '../adapters/embedded/duckdb-warehouse';
import { createFileArtifactStore } from '../adapters/embedded/file-artifact-store';
import type { ArtifactStore } from '../ports/artifact-store';
import { createLoader, type Loader } from './loader';
import { createBackpressure } from './backpressure';
import { mountAdminRoutes } from './admin-routes';
import { removeRuntimeInfo, writeRuntimeInfo } from './runtime-file';
import { runFeaturesJob } from './features-job';

export interface RuntimeOptions {
  config: AppConfig;
  logger?: Logger;
  /** Fault injection (tests): toggling failLoads simulates a warehouse outage. */
  faults?: WarehouseFaults;
}

export interface Runtime {
  url: string;
  port: number;
  adminToken: string;
  warehouse: DuckDbWarehouse;
  artifacts: ArtifactStore;
  loader: Loader;
  metrics: IngestMetrics;
  /** Stop accepting, land everything acknowledged, close the log and DuckDB. */
  close(): Promise<void>;
}

export const paths = (dataDir: string) => ({
  log: path.join(dataDir, 'log'),
  warehouse: path.join(dataDir, 'warehouse.duckdb'),
  artifacts: path.join(dataDir, 'artifacts'),
  runs: path.join(dataDir, 'runs'),
  registry: path.join(dataDir, 'registry'),
});

export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger({ level: config.logLevel, component: 'runtime' });
  const p = paths(config.dataDir);
  await fsp.mkdir(config.dataDir, { recursive: true });
  if (config.secretSource === 'development-default') {
    logger.warn('SHOPIFY_API_SECRET is not set: using the development default secret (embedded mode only)', { secretSource: config.secretSource });
  }

  const metrics = createIngestMetrics({ defaultMetrics: true });
  const log = await DurableLog.open({
    dir: p.log,
    onCommit: (records, _bytes, seconds) => {
      metrics.commitRecords.observe(records);
      metrics.commitSeconds.observe(seconds);
    },
  });
  const warehouse = await openDuckDbWarehouse({ path: p.warehouse, faults: opts.faults ?? { failLoads: false }, threads: 1 });
  const artifacts = createFileArtifactStore(p.artifacts);
  const privacy = createPrivacyService({ warehouse, artifacts, log: logger.child({ component: 'privacy' }) });
  const loader = await createLoader({ log, warehouse, privacy, metrics, logger: logger.child({ component: 'loader' }), batchSize: config.loadBatchSize, lingerMs: config.loadLingerMs, stallMs: config.loaderStallSeconds * 1000 });
  const backpressure = createBackpressure({ backlogBytes: () => loader.backlogBytes, maxBacklogBytes: config.maxBacklogBytes, dir: config.dataDir, minFreeDiskBytes: config.minFreeDiskBytes });
  const bus = createLogEventBus(log);
  const adminToken = randomBytes(24).toString('base64url');

  const app = new Hono<{ Bindings: HttpBindings }>();
  mountAdminRoutes(app as unknown as Hono, {
    token: adminToken,
    shopTimezone: config.shopTimezone,
    warehouse,
    loader,
    privacy,
    remoteAddress: (_req, env) => (env as HttpBindings | undefined)?.incoming?.socket?.remoteAddress,
  });
  createWebhookApp(
    {
      verifier: createWebhookVerifier({ apiSecret: config.shopifyApiSecret, apiKey: config.shopifyApiKey }),
      accept: createAcceptor({ bus, classifyOnAck: false }),
      metrics,
      log: logger,
      maxBodyBytes: config.maxBodyBytes,
      maxInFlight: config.maxInFlight,
      retryAfterSeconds: config.retryAfterSeconds,
      health: () => ({ mode: 'embedded', loader: loader.stats() }),
      backpressure: () => backpressure.check(),
      unhealthy: () => loader.stalled(),
    },
    app as unknown as Hono,
  );

  loader.start();
  const server = createAdaptorServer({ fetch: app.fetch, hostname: config.host }) as Server;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  await writeRuntimeInfo(config.dataDir, { pid: process.pid, url, port, adminToken, startedAt: new Date().toISOString() });
  logger.info('runtime listening', { url, dataDir: path.resolve(config.dataDir), mode: config.mode });

  // The feature build on a schedule (also on demand: `shop-mlops features`).
  let featuresRunning = false;
  const featuresTimer =
    config.featuresEveryMinutes > 0
      ? setInterval(() => {
          if (featuresRunning) return;
          featuresRunning = true;
          void loader
            .drain(600_000)
            .then(() => runFeaturesJob(warehouse, { timezone: config.shopTimezone }))
            .then((r) => logger.info('scheduled feature build', { snapshotDate: r.snapshotDate, ok: r.ok, seconds: r.seconds, failed: r.actions.filter((a) => a.status !== 'ok').map((a) => a.name) }))
            .catch((err: Error) => logger.warn('scheduled feature build did not run', { error: err.message }))
            .finally(() => (featuresRunning = false));
        }, config.featuresEveryMinutes * 60_000)
      : null;
  featuresTimer?.unref();

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down: draining acknowledged deliveries into the warehouse');
      if (featuresTimer) clearInterval(featuresTimer);
      backpressure.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
        setTimeout(() => server.closeAllConnections?.(), 5000).unref();
      });
      const drained = await loader.drain(30_000);
      if (!drained) logger.warn('shutdown before everything landed; the rest lands at next start', loader.stats());
      await loader.stop();
      await bus.close();
      await warehouse.close();
      await removeRuntimeInfo(config.dataDir);
      logger.info('stopped', loader.stats());
    })());

  return { url, port, adminToken, warehouse, artifacts, loader, metrics, close };
}
