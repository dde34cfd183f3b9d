// Runs the feature build against the embedded store: inside the runtime (after the backlog lands) or on the file directly.
import type { AppConfig } from '../core/config';
import { ShopMlopsError } from '../core/errors';
import { createLogger, silentLogger } from '../core/log';
import { createIngestMetrics } from '../core/metrics';
import { createPrivacyService } from '../core/privacy-service';
import { embeddedJournalDir, fileJournalStorage } from '../shopify/journal-storage';
import { DurableLog } from '../adapters/embedded/durable-log';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../adapters/embedded/duckdb-warehouse';
import { createFileArtifactStore } from '../adapters/embedded/file-artifact-store';
import { runFeatures, type ActionReport, type RunReport } from '../features/runner';
import { defaultSnapshotDate } from '../features/snapshot';
import { createLoader } from './loader';
import { paths } from './local-runtime';

export interface FeaturesJobOptions {
  snapshotDate?: string | undefined;
  timezone?: string | undefined;
  fullRefresh?: boolean;
  /** Dataform project directory (default: the repository's dataform/). */
  projectDir?: string | undefined;
  onProgress?: ((a: ActionReport, i: number, n: number) => void) | undefined;
}

export async function runFeaturesJob(w: DuckDbWarehouse, o: FeaturesJobOptions): Promise<RunReport> {
  const timezone = o.timezone ?? 'UTC';
  const snapshotDate = o.snapshotDate ?? (await defaultSnapshotDate(w, timezone));
  if (!snapshotDate) throw new ShopMlopsError('UNPROCESSABLE', 'no orders have landed yet: nothing to build features from (send some with `npx shop-mlops simulate`)');
  return runFeatures({ warehouse: w, snapshotDate, timezone, ...(o.projectDir ? { projectDir: o.projectDir } : {}), ...(o.fullRefresh ? { fullRefresh: true } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
}

/** With no runtime running: land whatever was acknowledged but not yet loaded, then build. */
export async function runFeaturesOnStore(config: AppConfig, o: FeaturesJobOptions): Promise<RunReport> {
  const p = paths(config.dataDir);
  const log = await DurableLog.open({ dir: p.log });
  const warehouse = await openDuckDbWarehouse({ path: p.warehouse });
  try {
    const privacy = createPrivacyService({ warehouse, artifacts: createFileArtifactStore(p.artifacts), journals: fileJournalStorage(embeddedJournalDir(config.dataDir)), log: createLogger({ level: 'WARNING' }) });
    const loader = await createLoader({ log, warehouse, privacy, metrics: createIngestMetrics(), logger: silentLogger, batchSize: config.loadBatchSize, lingerMs: 0 });
    loader.start();
    const drained = await loader.drain(600_000);
    await loader.stop();
    if (!drained) throw new ShopMlopsError('UNAVAILABLE', 'could not land the acknowledged backlog before building features');
    return await runFeaturesJob(warehouse, o);
  } finally {
    await log.close();
    await warehouse.close();
  }
}
