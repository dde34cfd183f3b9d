// `shop-mlops monitor [--json]`: one monitor pass now (outcome join, live precision, guardrails, then roll back or promote where the evidence says so), through the running runtime or on the store directly.
import type { CliContext } from '../context';
import { parseVerbArgs } from '../flags';
import { adminCall, findRunningRuntime } from '../store-client';
import { systemClock } from '../../core/clock';
import { ShopMlopsError } from '../../core/errors';
import { withStoreMonitor, type MonitorPassResult } from '../../runtime/monitor-runtime';
import { formatRollouts } from './rollouts';

const USAGE = `usage: shop-mlops monitor [--json]
  One monitor pass now: lands what is pending, joins served predictions with later orders, then for each endpoint with
  a challenger rolls it back (precision and its interval's upper bound below the threshold on enough outcomes, or a
  guardrail worse with always-valid evidence) or promotes it one ramp step (held long enough, lower bound at or above
  the threshold). Every decision goes to shop_monitoring.decisions; \`rollouts\` shows the same evidence without acting.`;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  parseVerbArgs(argv, {}, USAGE, { min: 0, max: 0 });
  if (ctx.config.mode !== 'embedded') throw new ShopMlopsError('BAD_REQUEST', 'monitor runs on the embedded store; in the cloud the `monitor` function runs it hourly');
  const info = await findRunningRuntime(ctx.config.dataDir);
  const report = info ? (await adminCall<{ report: MonitorPassResult }>(info, 'POST', '/admin/monitor')).report : await withStoreMonitor(ctx.config, (m) => m.pass(systemClock.now()));
  if (ctx.json) ctx.out(JSON.stringify(report));
  else {
    ctx.out(formatRollouts(report, { acted: true }));
    const acted = report.endpoints.filter((e) => e.acted);
    ctx.out(acted.length ? `\n${acted.map((e) => `${e.decision.action === 'rollback' ? 'rolled back' : 'promoted'} ${e.model} v${e.challenger} on ${e.shop}: ${e.did ?? ''}`).join('\n')}` : '\nno change');
    for (const f of report.outcomeJoinFailures) ctx.err(`outcome join: ${f}`);
  }
  return report.outcomeJoinFailures.length ? 1 : 0;
}
