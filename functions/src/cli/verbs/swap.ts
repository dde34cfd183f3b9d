// `shop-mlops swap MODEL --version V|ALIAS | --back [--shop S] [--who NAME] [--why TEXT]`: blue-green switch to a version, or the instant switch back.
import type { CliContext } from '../context';
import { parseVerbArgs, usageError } from '../flags';
import { swapBack, swapTo } from '../../serving/rollout';
import { WHO_OPTIONS, WHO_USAGE, flag, openConfiguredWorld, printResult, versionRef, whoFrom, withEndpoint, type OpenRolloutWorld } from './rollout-common';

const USAGE = `usage: shop-mlops swap MODEL (--version N|ALIAS | --back) [--shop S] [--who NAME] [--why TEXT] [--json]
  --version  blue-green: deploys and warms the version, checks its health, then makes it the champion in one atomic
             switch; the old champion stays warm
  --back     switches back to the split before the last swap at once
${WHO_USAGE}`;

export async function run(argv: string[], ctx: CliContext, open: OpenRolloutWorld = openConfiguredWorld): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, { ...WHO_OPTIONS, version: { type: 'string' }, back: { type: 'boolean' } }, USAGE, { min: 1, max: 1 });
  if (!!values.back === (values.version !== undefined)) throw usageError('give either --version or --back', USAGE);
  const version = values.back ? null : flag(versionRef, values.version, USAGE);
  const who = whoFrom(values, version === null ? 'switch back to the previous split' : `blue-green swap to version ${version}`);
  return withEndpoint(ctx, open, values.shop, positionals[0]!, async (s, key) => printResult(ctx, key, version === null ? await swapBack(s, key, who) : await swapTo(s, key, version, who)));
}
