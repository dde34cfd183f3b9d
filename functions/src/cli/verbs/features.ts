// `shop-mlops features [--snapshot DATE] [--timezone TZ] [--full-refresh] [--project DIR] [--json]`: build the feature tables on DuckDB.
import * as path from 'node:path';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { adminCall, findRunningRuntime } from '../store-client';
import { runFeaturesOnStore } from '../../runtime/features-job';
import type { ActionReport, RunReport } from '../../features/runner';
import { parseVerbArgs } from '../flags';

const USAGE = 'usage: shop-mlops features [--snapshot YYYY-MM-DD] [--timezone TZ] [--full-refresh] [--project DIR] [--json]';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseVerbArgs(argv, { snapshot: { type: 'string' }, timezone: { type: 'string' }, 'full-refresh': { type: 'boolean' }, project: { type: 'string' } }, USAGE, { min: 0, max: 0 });
  const opts = { snapshotDate: values.snapshot, timezone: values.timezone, fullRefresh: !!values['full-refresh'], projectDir: values.project ? path.resolve(values.project) : undefined };
  const progress = ctx.json ? undefined : (a: ActionReport, i: number, n: number) => ctx.err(`[${i + 1}/${n}] ${a.status.padEnd(7)} ${a.name} ${a.seconds.toFixed(2)} s${a.rows !== undefined ? `, ${a.rows} rows` : ''}`);
  const info = await findRunningRuntime(ctx.config.dataDir);
  // Through the running runtime (it owns the database and knows the shop's zone), or directly on the file (landing any backlog first).
  const report = info ? (await adminCall<{ report: RunReport }>(info, 'POST', '/admin/features', opts)).report : await runFeaturesOnStore(ctx.config, { ...opts, timezone: opts.timezone ?? ctx.config.shopTimezone, onProgress: progress });
  if (ctx.json) ctx.out(JSON.stringify(report));
  else {
    if (info) for (const [i, a] of report.actions.entries()) progress?.(a, i, report.actions.length);
    ctx.out(`features for snapshot ${report.snapshotDate} (${report.timezone}) in ${report.seconds.toFixed(1)} s`);
    ctx.out(formatTable(report.actions.map((a) => ({ action: a.name, type: a.type, status: a.status, mode: a.mode ?? '', rows: a.rows ?? '', seconds: a.seconds.toFixed(2) }))));
    for (const a of report.actions.filter((x) => x.status === 'failed')) ctx.err(`\nFAILED ${a.name}: ${a.error}${a.sql ? `\n--- SQL ---\n${a.sql}` : ''}`);
  }
  return report.ok ? 0 : 1;
}
