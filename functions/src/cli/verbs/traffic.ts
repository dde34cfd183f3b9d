// `shop-mlops traffic [MODEL] [--shop S] [--json]`: an endpoint's split, its deployed versions and the rollout history (every model's split without MODEL).
import type { CliContext } from '../context';
import { parseVerbArgs } from '../flags';
import { formatTable } from '../table';
import { formatSplit, traffic, type TrafficReport } from '../../serving/rollout';
import { SCORED_MODELS } from '../../training/score';
import { WHO_OPTIONS, openConfiguredWorld, withEndpoint, type OpenRolloutWorld } from './rollout-common';

const USAGE = `usage: shop-mlops traffic [MODEL] [--shop S] [--json]
  MODEL: the split (arms, versions, percents), the deployed versions, the split \`swap --back\` restores and the rollout
  history (who, why, before → after). Without MODEL: one line per model (${SCORED_MODELS.join(', ')}).
  --shop S   the shop domain (default: the only shop in the store)`;

const ver = (v: number | null | undefined) => (v === null || v === undefined ? '' : `v${v}`);

/** One line per model: the split, what is warm, and the registry's champion (the same version as the champion arm after every rollout verb). */
export function formatTrafficSummary(reports: TrafficReport[]): string {
  return formatTable(
    reports.map((r) => {
      const s = r.state.split;
      return {
        model: r.state.model,
        champion: s ? `v${s.champion.version} ${s.champion.percent} %` : 'not deployed',
        challenger: s?.challenger ? `v${s.challenger.version} ${s.challenger.percent} %` : '',
        holdout: s ? `${s.holdout} %` : '',
        deployed: r.state.deployed.map((d) => `v${d.version}`).join(' '),
        revision: r.state.revision,
        'registry champion': ver(r.aliases.champion),
      };
    }),
  );
}

export function formatTrafficReport(r: TrafficReport): string {
  const s = r.state;
  const arms = s.split
    ? [
        { arm: 'champion', version: `v${s.split.champion.version}`, percent: s.split.champion.percent },
        ...(s.split.challenger ? [{ arm: 'challenger', version: `v${s.split.challenger.version}`, percent: s.split.challenger.percent }] : []),
        { arm: 'holdout', version: '(no model)', percent: s.split.holdout },
      ]
    : [];
  const history = r.history.map((h) => ({ rev: h.revision, at: h.at.replace('T', ' ').slice(0, 19), actor: h.actor, action: h.action, version: ver(h.version), before: formatSplit(h.before), after: formatSplit(h.after), why: h.reason }));
  return [
    `${s.model} on ${s.shop}: revision ${s.revision}; registry champion ${ver(r.aliases.champion) || 'none'}, challenger ${ver(r.aliases.challenger) || 'none'}`,
    '',
    s.split ? formatTable(arms) : 'not deployed',
    '',
    `deployed (warm): ${s.deployed.map((d) => `v${d.version} since ${d.deployedAt.slice(0, 19).replace('T', ' ')}`).join(', ') || 'none'}`,
    ...(s.switchBackTo ? [`swap --back restores: ${formatSplit(s.switchBackTo)}`] : []),
    '',
    'rollout history',
    formatTable(history),
  ].join('\n');
}

const asJson = (r: TrafficReport) => ({ ...r.state, aliases: r.aliases, history: r.history });

export async function run(argv: string[], ctx: CliContext, open: OpenRolloutWorld = openConfiguredWorld): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, { shop: WHO_OPTIONS.shop }, USAGE, { min: 0, max: 1 });
  const model = positionals[0];
  if (model) {
    const r = await withEndpoint(ctx, open, values.shop, model, (s, key) => traffic(s, key));
    ctx.out(ctx.json ? JSON.stringify(asJson(r)) : formatTrafficReport(r));
    return 0;
  }
  const reports = await withEndpoint(ctx, open, values.shop, SCORED_MODELS[0]!, (s, key) => Promise.all(SCORED_MODELS.map((m) => traffic(s, { shop: key.shop, model: m }))));
  ctx.out(ctx.json ? JSON.stringify(reports.map(asJson)) : `${reports[0]!.state.shop}\n${formatTrafficSummary(reports)}`);
  return 0;
}
