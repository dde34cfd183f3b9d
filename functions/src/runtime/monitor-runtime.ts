// The embedded monitoring loop: the outcome join on DuckDB then the monitor pass (journal endpoints, file registry, DuckDB store), as scheduler jobs of the local runtime and as one call for the CLI.
import type { Clock } from '../core/clock';
import type { AppConfig } from '../core/config';
import { ShopMlopsError } from '../core/errors';
import { createLogger, silentLogger } from '../core/log';
import { createIngestMetrics } from '../core/metrics';
import { createPrivacyService } from '../core/privacy-service';
import { embeddedJournalDir, fileJournalStorage } from '../shopify/journal-storage';
import { DurableLog } from '../adapters/embedded/durable-log';
import { openDuckDbWarehouse } from '../adapters/embedded/duckdb-warehouse';
import { createFileArtifactStore } from '../adapters/embedded/file-artifact-store';
import { createFileModelRegistries } from '../adapters/embedded/file-model-registry';
import { createJournalEndpoints } from '../adapters/embedded/journal-endpoints';
import { createJournalPredictionLog } from '../adapters/embedded/journal-prediction-log';
import { createLoader } from './loader';
import { paths } from './local-runtime';
import type { Logger } from '../core/log';
import type { Endpoints } from '../ports/endpoints';
import type { MetricsSink } from '../ports/metrics-sink';
import type { ModelRegistries } from '../ports/model-registry';
import type { MonitoringStore, RequestRetrain } from '../ports/monitoring-store';
import type { DuckDbWarehouse } from '../adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../adapters/embedded/duckdb-monitoring-store';
import type { MonitoringPolicy } from '../monitoring/config';
import { assessRollouts, runMonitorPass, type MonitorReport } from '../monitoring/monitor-job';
import { createMonitorQueries, type MonitorQueries } from '../monitoring/monitor-queries';
import { runOutcomeJoin } from '../monitoring/outcomes-job';
import { dailyAt, every, type ScheduledJob } from './scheduler';
import { runDriftJob } from '../monitoring/drift-job';
import { runScheduledRetrain, runVelocityCheck } from '../monitoring/retrain';

export interface EmbeddedMonitorOptions {
  warehouse: DuckDbWarehouse;
  /** The monitoring store over `warehouse` (default: a new one); the runtime shares its own with the retrainer. */
  store?: MonitoringStore;
  endpoints: Endpoints;
  registries: ModelRegistries;
  sink: MetricsSink;
  policy: MonitoringPolicy;
  /** The shop's zone (outcome windows close on its data). */
  timezone: string;
  logger: Logger;
  /** Lands what is pending first (acknowledged webhooks, the prediction log's journal). */
  land?: () => Promise<void>;
  /** The retrainer's entry point: with it the jobs include nightly drift, the hourly velocity check and scheduled retraining. */
  requestRetrain?: RequestRetrain;
  /** Shops the app was uninstalled from: the monitor pass leaves them alone. */
  skipShop?: (shop: string) => Promise<boolean>;
}

/** What `POST /admin/monitor` and `shop-mlops monitor` answer. */
export interface MonitorPassResult extends MonitorReport {
  /** The outcome join's actions that did not succeed (empty when it ran clean). */
  outcomeJoinFailures: string[];
}

export interface EmbeddedMonitor {
  store: MonitoringStore;
  queries: MonitorQueries;
  /** Lands what is pending, runs the outcome join, then one monitor pass as of `now`. */
  pass(now: Date): Promise<MonitorPassResult>;
  /** Every rollout with its evidence and A/B verdict, acting on nothing. */
  rollouts(now: Date): Promise<MonitorReport>;
  /** The scheduler's jobs: the monitor pass every `policy.everyMinutes`; with a retrainer, drift nightly at `drift.hour` shop-local, the velocity check hourly, scheduled retraining (checked hourly). */
  jobs(clock: Clock): ScheduledJob[];
}

export function createEmbeddedMonitor(o: EmbeddedMonitorOptions): EmbeddedMonitor {
  const store = o.store ?? createDuckDbMonitoringStore(o.warehouse);
  const queries = createMonitorQueries((stmt) => o.warehouse.execute(stmt.sql, (stmt.params as unknown[] | undefined) ?? []), 'duckdb');
  const deps = { endpoints: o.endpoints, registries: o.registries, store, sink: o.sink, policy: o.policy, queries, logger: o.logger, ...(o.skipShop ? { skipShop: o.skipShop } : {}) };
  // One pass at a time, whoever asks (the scheduler, POST /admin/monitor): a second waits for the first, then sees its effect.
  let last: Promise<unknown> = Promise.resolve();
  const pass = (now: Date): Promise<MonitorPassResult> => {
    const run = last.then(() => onePass(now), () => onePass(now));
    last = run.catch(() => undefined);
    return run;
  };
  const onePass = async (now: Date): Promise<MonitorPassResult> => {
    await o.land?.();
    const join = await runOutcomeJoin(o.warehouse, { timezone: o.timezone });
    const outcomeJoinFailures = join.actions.filter((a) => a.status !== 'ok').map((a) => `${a.name}: ${a.error ?? a.status}`);
    if (outcomeJoinFailures.length) o.logger.warn('outcome join incomplete; the monitor pass reads what is there', { failures: outcomeJoinFailures });
    return { ...(await runMonitorPass(deps, now)), outcomeJoinFailures };
  };
  return {
    store,
    queries,
    pass,
    rollouts: (now) => assessRollouts(deps, now),
    jobs: (clock) => {
      const since = clock.now();
      const jobs: ScheduledJob[] = [{ name: 'monitor', due: every(o.policy.everyMinutes, { since }), run: (now) => pass(now) }];
      const requestRetrain = o.requestRetrain;
      if (!requestRetrain) return jobs;
      const retrainDeps = { warehouse: o.warehouse, store, policy: o.policy, requestRetrain, sink: o.sink, logger: o.logger };
      jobs.push(
        {
          name: 'drift',
          due: dailyAt(o.policy.drift.hour, o.timezone),
          run: async (now) => {
            await o.land?.();
            return runDriftJob({ warehouse: o.warehouse, store, sink: o.sink, registries: o.registries, policy: o.policy, timezone: o.timezone, requestRetrain, logger: o.logger }, now);
          },
        },
        { name: 'velocity', due: every(60, { since }), run: (now) => runVelocityCheck(retrainDeps, now) },
        { name: 'scheduled_retrain', due: every(60, { since }), run: (now) => runScheduledRetrain(retrainDeps, now) },
      );
      return jobs;
    },
  };
}

/** With no runtime running: opens the data directory's store, lands the acknowledged backlog and the prediction log's journal, and runs `fn` on its monitor. */
export async function withStoreMonitor<T>(config: AppConfig, fn: (m: EmbeddedMonitor) => Promise<T>): Promise<T> {
  const p = paths(config.dataDir);
  const log = await DurableLog.open({ dir: p.log });
  const logger = createLogger({ level: 'WARNING', component: 'monitor' });
  const warehouse = await openDuckDbWarehouse({ path: p.warehouse, readableDirs: [p.predictionLog] }).catch(async (err: Error) => {
    await log.close();
    throw new ShopMlopsError('UNAVAILABLE', `cannot open the warehouse in ${config.dataDir}: ${err.message}`);
  });
  const artifacts = createFileArtifactStore(p.artifacts);
  const registries = createFileModelRegistries({ dir: p.registry, artifacts });
  const endpoints = createJournalEndpoints({ dir: p.endpoints });
  const predictionLog = createJournalPredictionLog({ dir: p.predictionLog, warehouse, logger });
  try {
    const land = async () => {
      const privacy = createPrivacyService({ warehouse, artifacts, journals: fileJournalStorage(embeddedJournalDir(config.dataDir)), log: logger });
      const loader = await createLoader({ log, warehouse, privacy, metrics: createIngestMetrics(), logger: silentLogger, batchSize: config.loadBatchSize, lingerMs: 0 });
      loader.start();
      const drained = await loader.drain(600_000);
      await loader.stop();
      if (!drained) throw new ShopMlopsError('UNAVAILABLE', 'could not land the acknowledged backlog before the monitor pass');
      await predictionLog.drain();
    };
    // No one scrapes a CLI process: the series of a direct pass are not kept (the runtime's /metrics has them).
    const sink = { write: () => Promise.resolve() };
    return await fn(createEmbeddedMonitor({ warehouse, endpoints, registries, sink, policy: config.monitoringPolicy, timezone: config.shopTimezone, logger, land }));
  } finally {
    await predictionLog.close();
    await endpoints.close();
    await registries.close();
    await log.close();
    await warehouse.close();
  }
}
