// `shop-mlops rollouts [--json]`: each endpoint with a challenger: its split, live precision with interval and n, the A/B analysis (SRM, guardrails) and what the monitor would decide; changes nothing.
import type { CliContext } from '../context';
import { parseVerbArgs } from '../flags';
import { formatTable } from '../table';
import { adminCall, findRunningRuntime } from '../store-client';
import { formatSplit } from '../../serving/rollout';
import type { EndpointReport, MonitorReport } from '../../monitoring/monitor-job';
import type { ProportionEvidence } from '../../ports/monitoring-store';
import { systemClock } from '../../core/clock';
import { ShopMlopsError } from '../../core/errors';
import { withStoreMonitor } from '../../runtime/monitor-runtime';

const USAGE = `usage: shop-mlops rollouts [--json]
  Every endpoint with a challenger: the split, the challenger's live precision (interval, labelled outcomes) against
  its threshold and the champion's, the A/B analysis (sample-ratio mismatch, conversion and revenue per exposure with
  always-valid intervals) and the monitor's verdict. Reads only (\`shop-mlops monitor\` acts).`;

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
export const formatProportion = (p: ProportionEvidence | null): string => (p ? `${f3(p.value)} [${f3(p.low)}, ${f3(p.high)}] n=${p.trials}` : 'no outcomes');

export function formatRollouts(r: MonitorReport, o: { acted?: boolean } = {}): string {
  if (!r.endpoints.length) return `no rollout under way (no endpoint has a challenger) as of ${r.at}`;
  const rows = r.endpoints.map((e: EndpointReport) => ({
    shop: e.shop,
    model: e.model,
    split: formatSplit(e.split),
    [`v${e.challenger} ${e.precision?.metric ?? 'precision'}`]: formatProportion(e.precision),
    champion: formatProportion(e.championPrecision),
    'A/B': e.ab.verdict,
    decision: e.decision.action === 'hold' ? `hold (${e.decision.reason})` : e.decision.action,
    ...(o.acted ? { now: e.acted ? formatSplit(e.after) : '' } : {}),
  }));
  const why = r.endpoints.map((e) => `${e.model} on ${e.shop}: ${e.decision.why}\n  A/B: ${e.ab.why}${e.ab.srm ? ` (SRM p = ${e.ab.srm.pValue.toPrecision(3)})` : ''}`);
  return [`as of ${r.at}`, formatTable(rows), '', ...why].join('\n');
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  parseVerbArgs(argv, {}, USAGE, { min: 0, max: 0 });
  if (ctx.config.mode !== 'embedded') throw new ShopMlopsError('BAD_REQUEST', 'rollouts reads the embedded store; in the cloud the `monitor` function runs hourly and its decisions are in shop_monitoring.decisions');
  const info = await findRunningRuntime(ctx.config.dataDir);
  const report = info ? (await adminCall<{ report: MonitorReport }>(info, 'GET', '/admin/rollouts')).report : await withStoreMonitor(ctx.config, (m) => m.rollouts(systemClock.now()));
  ctx.out(ctx.json ? JSON.stringify(report) : formatRollouts(report));
  return 0;
}
