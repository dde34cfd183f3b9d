// `shop-mlops promote MODEL [--shop S] [--who NAME] [--why TEXT]`: the challenger's next ramp step (5 → 25 → 50 → 100 %); at 100 it becomes the champion.
import type { CliContext } from '../context';
import { parseVerbArgs } from '../flags';
import { promote } from '../../serving/rollout';
import { WHO_OPTIONS, WHO_USAGE, openConfiguredWorld, printResult, whoFrom, withEndpoint, type OpenRolloutWorld } from './rollout-common';

const USAGE = `usage: shop-mlops promote MODEL [--shop S] [--who NAME] [--why TEXT] [--json]
  Moves the challenger to the next step of the ramp 5 → 25 → 50 → 100 % of the units, taking them from the champion only.
  The last step is a blue-green swap: the challenger becomes the champion (endpoint and the registry's champion alias)
  and the old champion stays warm for \`swap MODEL --back\`.
${WHO_USAGE}`;

export async function run(argv: string[], ctx: CliContext, open: OpenRolloutWorld = openConfiguredWorld): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, WHO_OPTIONS, USAGE, { min: 1, max: 1 });
  const who = whoFrom(values, 'promote the challenger one ramp step');
  return withEndpoint(ctx, open, values.shop, positionals[0]!, async (s, key) => printResult(ctx, key, await promote(s, key, who)));
}
