// `shop-mlops quarantine [list [--all] | replay [--id ID ...]]`: inspect and replay quarantined deliveries (embedded: the store; gcp mode: BigQuery's shop_raw.quarantine).
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { adminCall, findRunningRuntime, withDirectWarehouse } from '../store-client';
import { replayQuarantine, type ReplayOutcome } from '../../core/quarantine-replay';
import { createPrivacyService } from '../../core/privacy-service';
import { embeddedJournalDir, fileJournalStorage } from '../../shopify/journal-storage';
import { createFileArtifactStore } from '../../adapters/embedded/file-artifact-store';
import { createLogger } from '../../core/log';
import { paths } from '../../runtime/local-runtime';
import type { StoredQuarantine, Warehouse } from '../../ports/warehouse';
import { parseVerbArgs } from '../flags';

const USAGE = 'usage: shop-mlops quarantine [list [--all] | replay [--id ID ...]]';

type Privacy = ReturnType<typeof createPrivacyService>;

/**
 * gcp mode: the BigQuery warehouse over the project's raw dataset, and a replayed privacy request acted on as the
 * privacy worker would (BigQuery + the artifact bucket). Loaded lazily: the embedded CLI never loads a Google client.
 */
async function withCloudWarehouse<T>(ctx: CliContext, fn: (w: Warehouse, privacy: Privacy) => Promise<T>): Promise<T> {
  const { createBigQueryWarehouse } = require('../../adapters/gcp/bigquery-warehouse') as typeof import('../../adapters/gcp/bigquery-warehouse');
  const { createGcsArtifactStore } = require('../../adapters/gcp/gcs-artifact-store') as typeof import('../../adapters/gcp/gcs-artifact-store');
  const log = createLogger({ level: 'WARNING' });
  const warehouse = createBigQueryWarehouse({ projectId: ctx.config.gcpProject!, rawDataset: ctx.config.rawDataset, log });
  const { createGcsJournalStorage } = require('../../adapters/gcp/gcs-journal-storage') as typeof import('../../adapters/gcp/gcs-journal-storage');
  const privacy = createPrivacyService({ warehouse, artifacts: createGcsArtifactStore({ bucket: ctx.config.artifactBucket!, log }), journals: createGcsJournalStorage({ bucket: ctx.config.artifactBucket! }), log });
  try {
    return await fn(warehouse, privacy);
  } finally {
    await warehouse.close();
  }
}

async function list(ctx: CliContext, all: boolean): Promise<StoredQuarantine[]> {
  if (ctx.config.mode === 'gcp') return withCloudWarehouse(ctx, (w) => w.listQuarantine({ includeReplayed: all }));
  const info = await findRunningRuntime(ctx.config.dataDir);
  return info
    ? (await adminCall<{ items: StoredQuarantine[] }>(info, 'GET', `/admin/quarantine${all ? '?all=1' : ''}`)).items
    : withDirectWarehouse(ctx.config, (w) => w.listQuarantine({ includeReplayed: all }), true);
}

async function replay(ctx: CliContext, ids: string[]): Promise<ReplayOutcome[]> {
  if (ctx.config.mode === 'gcp') return withCloudWarehouse(ctx, (w, privacy) => replayQuarantine(w, { ids, privacy }));
  const info = await findRunningRuntime(ctx.config.dataDir);
  return info
    ? (await adminCall<{ outcomes: ReplayOutcome[] }>(info, 'POST', '/admin/quarantine/replay', ids.length ? { ids } : {})).outcomes
    : withDirectWarehouse(ctx.config, (w) =>
        replayQuarantine(w, { ids, privacy: createPrivacyService({ warehouse: w, artifacts: createFileArtifactStore(paths(ctx.config.dataDir).artifacts), journals: fileJournalStorage(embeddedJournalDir(ctx.config.dataDir)), log: createLogger({ level: 'WARNING' }) }) }),
      );
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const [sub = 'list', ...rest] = argv;
  const { values } = parseVerbArgs(rest, { id: { type: 'string', multiple: true }, all: { type: 'boolean' } }, USAGE, { min: 0, max: 0 });
  if (sub === 'list') {
    const items = await list(ctx, !!values.all);
    ctx.out(ctx.json ? JSON.stringify(items) : formatTable(items as unknown as Record<string, unknown>[], ['quarantine_id', 'topic', 'shop', 'webhook_id', 'reason', 'quarantined_at', 'replayed_at']));
    return 0;
  }
  if (sub === 'replay') {
    const outcomes = await replay(ctx, values.id ?? []);
    if (ctx.json) ctx.out(JSON.stringify(outcomes));
    else {
      ctx.out(formatTable(outcomes as unknown as Record<string, unknown>[], ['quarantineId', 'topic', 'webhookId', 'result', 'reason']));
      const landed = outcomes.filter((o) => o.result === 'landed').length;
      ctx.out(`${landed} landed, ${outcomes.filter((o) => o.result === 'duplicate').length} already present, ${outcomes.filter((o) => o.result === 'still_quarantined').length} still quarantined`);
    }
    return 0;
  }
  ctx.err(USAGE);
  return 2;
}
