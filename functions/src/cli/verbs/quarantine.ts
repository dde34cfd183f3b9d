// `shop-mlops quarantine [list [--all] | replay [--id ID ...]]`: inspect and replay quarantined deliveries.
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { adminCall, findRunningRuntime, withDirectWarehouse } from '../store-client';
import { replayQuarantine, type ReplayOutcome } from '../../core/quarantine-replay';
import { createPrivacyService } from '../../core/privacy-service';
import { createFileArtifactStore } from '../../adapters/embedded/file-artifact-store';
import { createLogger } from '../../core/log';
import { paths } from '../../runtime/local-runtime';
import type { StoredQuarantine } from '../../ports/warehouse';
import { parseVerbArgs } from '../flags';

const USAGE = 'usage: shop-mlops quarantine [list [--all] | replay [--id ID ...]]';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const [sub = 'list', ...rest] = argv;
  const { values } = parseVerbArgs(rest, { id: { type: 'string', multiple: true }, all: { type: 'boolean' } }, USAGE, { min: 0, max: 0 });
  const info = await findRunningRuntime(ctx.config.dataDir);
  if (sub === 'list') {
    const items = info
      ? (await adminCall<{ items: StoredQuarantine[] }>(info, 'GET', `/admin/quarantine${values.all ? '?all=1' : ''}`)).items
      : await withDirectWarehouse(ctx.config, (w) => w.listQuarantine({ includeReplayed: !!values.all }), true);
    ctx.out(ctx.json ? JSON.stringify(items) : formatTable(items as unknown as Record<string, unknown>[], ['quarantine_id', 'topic', 'shop', 'webhook_id', 'reason', 'quarantined_at', 'replayed_at']));
    return 0;
  }
  if (sub === 'replay') {
    const ids = values.id ?? [];
    const outcomes = info
      ? (await adminCall<{ outcomes: ReplayOutcome[] }>(info, 'POST', '/admin/quarantine/replay', ids.length ? { ids } : {})).outcomes
      : await withDirectWarehouse(ctx.config, (w) =>
          replayQuarantine(w, { ids, privacy: createPrivacyService({ warehouse: w, artifacts: createFileArtifactStore(paths(ctx.config.dataDir).artifacts), log: createLogger({ level: 'WARNING' }) }) }),
        );
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
