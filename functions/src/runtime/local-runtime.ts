// The embedded runtime: one process serving webhooks, health, metrics and admin routes over a durable log and DuckDB.
import { tuneHeapGrowth } from '../serving/heap-tuning';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import { Hono, type Context } from 'hono';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { isLoopbackHost, type AppConfig } from '../core/config';
import { ShopMlopsError } from '../core/errors';
import { webhookSecrets } from '../core/webhook-secrets';
import { createLogger, type Logger } from '../core/log';
import { createIngestMetrics, createMonitoringMetrics, createQueueMetrics, type IngestMetrics } from '../core/metrics';
import type { MetricsSink } from '../ports/metrics-sink';
import { createPromMetricsSink } from '../adapters/embedded/prom-metrics-sink';
import { createWebhookVerifier } from '../core/verify';
import { createAcceptor } from '../core/ingest';
import { createPrivacyService } from '../core/privacy-service';
import { embeddedJournalDir, fileJournalStorage } from '../shopify/journal-storage';
import { createWebhookApp } from '../http/webhook-app';
import { allowedHosts, hostAllowlist } from '../http/host-allowlist';
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
import { holdPrivateUmask, preparePrivateDataDir } from './data-dir';
import { createEmbeddedServing, type EmbeddedServing } from './serving-runtime';
import { createEmbeddedMonitor, type EmbeddedMonitor } from './monitor-runtime';
import { createScheduler, type Scheduler } from './scheduler';
import { systemClock, type Clock } from '../core/clock';
import { isLocalAdminRequest, localAdminCaller } from './local-admin-caller';
import type { ResolveCaller } from '../http/caller';
import { storefrontAuthFromConfig, type StorefrontEnv } from '../http/storefront-auth';
import { createDuckDbMonitoringStore } from '../adapters/embedded/duckdb-monitoring-store';
import { createRetrainer, type Retrainer } from '../monitoring/retrain';
import { createEmbeddedStarter } from '../monitoring/retrain-start-embedded';
import { mountEmbeddedFlowAction } from './flow-action-runtime';
import { createEmbeddedShopify, type EmbeddedShopify } from '../shopify/embedded-shopify';
import { mountLocalDashboard } from './dashboard-runtime';

export interface RuntimeOptions {
  config: AppConfig;
  logger?: Logger;
  /** Fault injection (tests): toggling failLoads simulates a warehouse outage. */
  faults?: WarehouseFaults;
  /** What the scheduled jobs read "now" from (tests and the simulator drive a manual clock). */
  clock?: Clock;
}

export interface Runtime {
  url: string;
  port: number;
  adminToken: string;
  /** The shop's time zone (config.shopTimezone): the demo, the scheduled feature builds and the monitor all use it. */
  shopTimezone: string;
  warehouse: DuckDbWarehouse;
  artifacts: ArtifactStore;
  loader: Loader;
  metrics: IngestMetrics;
  /** Prediction routes (/api): endpoints, loaded models, the prediction log. */
  serving: EmbeddedServing;
  /** Where the monitoring jobs write their series (gauges and counters served on /metrics). */
  monitoringSink: MetricsSink;
  /** The monitoring loop (outcome join + monitor pass) and the scheduler that runs it. */
  monitor: EmbeddedMonitor;
  scheduler: Scheduler;
  /** Retraining requests (velocity, drift, schedule, POST /admin/retrain): coalesced, the training pipeline in this process. */
  retrainer: Retrainer;
  /** Shopify: sessions, install/uninstall, the metafields write-back, Flow triggers. */
  shopify: EmbeddedShopify;
  /** Stop accepting, land everything acknowledged, close the log and DuckDB. */
  close(): Promise<void>;
}

export const paths = (dataDir: string) => ({
  log: path.join(dataDir, 'log'),
  warehouse: path.join(dataDir, 'warehouse.duckdb'),
  artifacts: path.join(dataDir, 'artifacts'),
  runs: path.join(dataDir, 'runs'),
  registry: path.join(dataDir, 'registry'),
  endpoints: path.join(dataDir, 'endpoints'),
  predictionLog: path.join(dataDir, 'prediction-log'),
});

export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  // Everything under the data directory is the owner's only: 0700 directories, 0600 files (until close).
  const releaseUmask = holdPrivateUmask();
  try {
    return await start(opts, releaseUmask);
  } catch (err) {
    releaseUmask();
    throw err;
  }
}

async function start(opts: RuntimeOptions, releaseUmask: () => void): Promise<Runtime> {
  const { config } = opts;
  tuneHeapGrowth(config.heapGrowingPercent);
  const logger = opts.logger ?? createLogger({ level: config.logLevel, component: 'runtime' });
  const p = paths(config.dataDir);
  await preparePrivateDataDir(config.dataDir);
  if (config.secretSource === 'development' && !isLoopbackHost(config.host)) {
    throw new ShopMlopsError('CONFIG_INVALID', `SHOPIFY_API_SECRET is required to bind ${config.host}: the development secret is for loopback hosts only`);
  }
  const secrets = await webhookSecrets(config);
  if (secrets.source === 'development') {
    logger.warn('SHOPIFY_API_SECRET is not set: using this data directory\'s random development secret (loopback only)', { secretSource: secrets.source, file: 'dev-secret' });
  }
  if (secrets.previous.length) logger.info('accepting previous secrets while rotating', { previous: secrets.previous.map((_, i) => `previous[${i}]`) });

  const metrics = createIngestMetrics({ defaultMetrics: true });
  const log = await DurableLog.open({
    dir: p.log,
    onCommit: (records, _bytes, seconds) => {
      metrics.commitRecords.observe(records);
      metrics.commitSeconds.observe(seconds);
    },
  });
  // Until the runtime is listening, a failure releases what was opened (the log's lock above all), so a retry can open it.
  const opened: (() => Promise<void>)[] = [() => log.close()];
  try {
    return await serve(opts, releaseUmask, logger, secrets, metrics, log, opened);
  } catch (err) {
    for (const close of opened.reverse()) await close().catch(() => undefined);
    throw err;
  }
}

/** Longest the runtime waits for its endpoints to warm before it listens (the rest load on their first request). */
const WARM_TIMEOUT_MS = 15_000;

async function serve(
  opts: RuntimeOptions,
  releaseUmask: () => void,
  logger: Logger,
  secrets: Awaited<ReturnType<typeof webhookSecrets>>,
  metrics: IngestMetrics,
  log: DurableLog,
  opened: (() => Promise<void>)[],
): Promise<Runtime> {
  const { config } = opts;
  const p = paths(config.dataDir);
  const warehouse = await openDuckDbWarehouse({ path: p.warehouse, faults: opts.faults ?? { failLoads: false }, threads: 1, readableDirs: [p.predictionLog], ...(config.warehouseMemoryLimit ? { memoryLimit: config.warehouseMemoryLimit } : {}) });
  opened.push(() => warehouse.close());
  const artifacts = createFileArtifactStore(p.artifacts);
  const privacy = createPrivacyService({ warehouse, artifacts, journals: fileJournalStorage(embeddedJournalDir(config.dataDir)), log: logger.child({ component: 'privacy' }) });
  // One monitoring store for the retrainer's claims, the monitor's decisions and drift, and the Flow triggers.
  const monitoringStore = createDuckDbMonitoringStore(warehouse);
  // Shopify: offline tokens, install/uninstall, the metafields write-back, Flow triggers (functions/src/shopify/).
  const shopify = createEmbeddedShopify({ dataDir: config.dataDir, apiKey: config.shopifyApiKey, apiSecret: secrets.current, adminOrigin: config.shopifyAdminOrigin, execute: warehouse.execute, monitoringStore, logger });
  const loader = await createLoader({ log, warehouse, privacy, onLanded: (events) => shopify.onLanded(events), metrics, logger: logger.child({ component: 'loader' }), batchSize: config.loadBatchSize, lingerMs: config.loadLingerMs, stallMs: config.loaderStallSeconds * 1000, privacyRetry: { everyMs: config.privacyRetryMinutes * 60_000, artifacts, exportTtlDays: config.privacyExportTtlDays } });
  // Scraped on /metrics: the age of the oldest unlanded delivery, and the quarantine waiting for a replay.
  createQueueMetrics(metrics.registry, {
    queueLagSeconds: async () => {
      const at = await loader.oldestUnlandedAt();
      return at === null ? 0 : Math.max(0, (Date.now() - Date.parse(at)) / 1000);
    },
    quarantineRecords: () => warehouse.countQuarantine(),
  });
  const monitoringSink = createPromMetricsSink(createMonitoringMetrics(metrics.registry));
  const backpressure = createBackpressure({ backlogBytes: () => loader.backlogBytes, maxBacklogBytes: config.maxBacklogBytes, dir: config.dataDir, minFreeDiskBytes: config.minFreeDiskBytes });
  const bus = createLogEventBus(log);
  const adminToken = randomBytes(24).toString('base64url');

  const app = new Hono<{ Bindings: HttpBindings }>();
  // Every route (webhooks, admin, healthz, metrics, 404s) first checks Host: a DNS-rebound page cannot reach the runtime.
  let isAllowedHost: (host: string | undefined) => boolean = () => false; // set once the port is known
  app.use('*', hostAllowlist((host) => isAllowedHost(host)));
  const remoteAddress = (_req: Request, env: unknown) => (env as HttpBindings | undefined)?.incoming?.socket?.remoteAddress;
  // Prediction routes: the storefront (App Proxy) and the admin app (session token) through the same storefrontAuth
  // the `api` function mounts, with this runtime's secrets; the operator (loopback + admin token) as local_admin.
  const storefront = storefrontAuthFromConfig({ ...config, shopifyApiSecretPrevious: secrets.previous }, secrets.current, { log: logger.child({ component: 'storefront-auth' }), isKnownShop: (shop) => shopify.isServedShop(shop) });
  const localAdmin = localAdminCaller(adminToken);
  const resolveCaller: ResolveCaller = (req, ctx) => (ctx.caller ? Promise.resolve(ctx.caller) : localAdmin(req, ctx));
  const clock = opts.clock ?? systemClock;
  const serving = createEmbeddedServing({ paths: p, warehouse, artifacts, metricsRegistry: metrics.registry, logger, budgetMs: config.servingBudgetMs, resolveCaller, remoteAddress, clock });
  opened.push(() => serving.close());
  app.use('/api/*', (c, next) => (isLocalAdminRequest(c.req.raw, adminToken) ? next() : storefront.middleware(c as unknown as Context<StorefrontEnv>, next)));
  app.route('/api', serving.routes);
  const retrainer = createRetrainer({
    store: monitoringStore,
    start: shopify.gateTraining(createEmbeddedStarter({ dataDir: config.dataDir, warehouse, clock, logger })),
    policy: config.monitoringPolicy,
    clock,
    sink: monitoringSink,
    logger: logger.child({ component: 'retrain' }),
  });
  const monitor = createEmbeddedMonitor({
    warehouse,
    store: monitoringStore,
    endpoints: serving.endpoints,
    registries: serving.registries,
    sink: monitoringSink,
    policy: config.monitoringPolicy,
    timezone: config.shopTimezone,
    logger: logger.child({ component: 'monitor' }),
    land: async () => {
      await loader.drain(600_000);
      await serving.predictionLog.drain();
    },
    requestRetrain: retrainer.request,
    skipShop: (shop) => shopify.isUninstalled(shop),
  });
  // On the runtime's clock: the monitor pass every policy.everyMinutes (`shop-mlops monitor` runs one now), drift nightly
  // at policy.drift.hour shop-local, the velocity check and scheduled retraining hourly.
  const scheduler = createScheduler({ clock, jobs: shopify.withFlowTriggers(monitor.jobs(clock)), logger: logger.child({ component: 'scheduler' }) });
  mountAdminRoutes(app as unknown as Hono, {
    token: adminToken,
    shopTimezone: config.shopTimezone,
    adminSqlTimeoutMs: config.adminSqlTimeoutMs,
    warehouse,
    loader,
    privacy,
    remoteAddress,
    monitor: { pass: (now) => shopify.afterMonitorPass(monitor.pass(now)), rollouts: (now) => monitor.rollouts(now), clock },
    requestRetrain: retrainer.request,
  });
  const flowActions = await mountEmbeddedFlowAction(app as unknown as Hono, { dataDir: config.dataDir, secrets, warehouse, requestRetrain: retrainer.request, clock, logger });
  shopify.mount(app as unknown as Hono);
  mountLocalDashboard(app as unknown as Hono, { config, adminToken, remoteAddress, warehouse, artifacts, runsDir: p.runs, serving, monitoringStore, loader, clock, logger });
  createWebhookApp(
    {
      verifier: createWebhookVerifier({ apiSecret: secrets.current, previousSecrets: secrets.previous, log: logger }),
      accept: createAcceptor({ bus, classifyOnAck: false }),
      metrics,
      log: logger,
      maxBodyBytes: config.maxBodyBytes,
      bodyTimeoutMs: config.bodyTimeoutMs,
      maxInFlight: config.maxInFlight,
      retryAfterSeconds: config.retryAfterSeconds,
      health: () => ({ mode: 'embedded', loader: loader.stats() }),
      backpressure: () => backpressure.check(),
      unhealthy: () => loader.stalled(),
    },
    app as unknown as Hono,
  );

  loader.start();
  opened.push(() => loader.stop());
  // Deadlines against slow clients: headers within headersTimeoutMs, the whole request within headers + body time
  // (Node checks them every second; the body deadline proper is the handler's, which answers 408 JSON).
  const server = createAdaptorServer({
    fetch: app.fetch,
    hostname: config.host,
    serverOptions: { headersTimeout: config.headersTimeoutMs, requestTimeout: config.headersTimeoutMs + config.bodyTimeoutMs + 1000, connectionsCheckingInterval: 1000 },
  }) as Server;
  server.keepAliveTimeout = 65_000;
  // Node's headers deadline starts at a request's first byte: a connection that sends nothing gets the same deadline.
  server.on('connection', (socket: Socket) => socket.setTimeout(config.headersTimeoutMs));
  server.prependListener('request', (req: IncomingMessage) => req.socket.setTimeout(0));
  // Deployed versions, features and CLV answers loaded before the first request: started cold under traffic, each
  // request timed out into a per-request batch read until the loads landed (p99 2.8 s for the first 3 s at 2,000/s).
  const warm = await serving.warmDeployed(WARM_TIMEOUT_MS);
  logger.info('serving warmed', warm);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  isAllowedHost = allowedHosts(config.host, port, config.allowedHosts);
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
  scheduler.start();

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down: draining acknowledged deliveries into the warehouse');
      if (featuresTimer) clearInterval(featuresTimer);
      await scheduler.stop(); // a pass under way finishes before the warehouse closes
      backpressure.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
        setTimeout(() => server.closeAllConnections?.(), 5000).unref();
      });
      const drained = await loader.drain(30_000);
      if (!drained) logger.warn('shutdown before everything landed; the rest lands at next start', loader.stats());
      await loader.stop();
      await flowActions.idle(); // Flow actions being handed to the retrainer
      await retrainer.idle(); // a training run in progress ends before DuckDB closes
      await bus.close();
      await serving.close(); // the prediction log drains into DuckDB before it closes
      await warehouse.close();
      await removeRuntimeInfo(config.dataDir);
      releaseUmask();
      logger.info('stopped', loader.stats());
    })());

  return { url, port, adminToken, shopTimezone: config.shopTimezone, warehouse, artifacts, loader, metrics, serving, monitoringSink, monitor, scheduler, retrainer, shopify, close };
}
