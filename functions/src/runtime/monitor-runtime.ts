// The embedded monitoring loop: the outcome join on DuckDB then the monitor pass (journal endpoints, file registry, DuckDB store), as scheduler jobs of the local runtime and as one call for the CLI.
import type { Clock } from '../core/clock';
import type { Logger } from '../core/log';
import type { Endpoints } from '../ports/endpoints';
import type { MetricsSink } from '../ports/metrics-sink';
import type { ModelRegistry } from '../ports/model-registry';
import type { MonitoringStore } from '../ports/monitoring-store';
import type { DuckDbWarehouse } from '../adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../adapters/embedded/duckdb-monitoring-store';
import type { MonitoringPolicy } from '../monitoring/config';
import { assessRollouts, runMonitorPass, type MonitorReport } from '../monitoring/monitor-job';
import { createMonitorQueries, type MonitorQueries } from '../monitoring/monitor-queries';
import { runOutcomeJoin } from '../monitoring/outcomes-job';
import { every, type ScheduledJob } from './scheduler';

export interface EmbeddedMonitorOptions {
  warehouse: DuckDbWarehouse;
  endpoints: Endpoints;
  registry: ModelRegistry;
  sink: MetricsSink;
  policy: MonitoringPolicy;
  /** The shop's zone (outcome windows close on its data). */
  timezone: string;
  logger: Logger;
  /** Lands what is pending first (acknowledged webhooks, the prediction log's journal). */
  land?: () => Promise<void>;
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
  /** The scheduler's jobs: the monitor pass every `policy.everyMinutes`. */
  jobs(clock: Clock): ScheduledJob[];
}

export function createEmbeddedMonitor(o: EmbeddedMonitorOptions): EmbeddedMonitor {
  const store = createDuckDbMonitoringStore(o.warehouse);
  const queries = createMonitorQueries((stmt) => o.warehouse.execute(stmt.sql, (stmt.params as unknown[] | undefined) ?? []), 'duckdb');
  const deps = { endpoints: o.endpoints, registry: o.registry, store, sink: o.sink, policy: o.policy, queries, logger: o.logger };
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
    jobs: (clock) => [{ name: 'monitor', due: every(o.policy.everyMinutes, { since: clock.now() }), run: (now) => pass(now) }],
  };
}
