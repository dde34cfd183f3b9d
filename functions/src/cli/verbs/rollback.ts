// `shop-mlops rollback MODEL [--shop S] [--who NAME] [--why TEXT]`: the challenger's traffic to 0 at once; the champion serves every model unit again.
import type { CliContext } from '../context';
import { parseVerbArgs } from '../flags';
import { rollback } from '../../serving/rollout';
import { WHO_OPTIONS, WHO_USAGE, openConfiguredWorld, printResult, whoFrom, withEndpoint, type OpenRolloutWorld } from './rollout-common';

const USAGE = `usage: shop-mlops rollback MODEL [--shop S] [--who NAME] [--why TEXT] [--json]
  Sends the challenger's units back to the champion in one recorded change (the challenger stays deployed at 0 %).
  To undo a blue-green swap use \`swap MODEL --back\`.
${WHO_USAGE}`;

export async function run(argv: string[], ctx: CliContext, open: OpenRolloutWorld = openConfiguredWorld): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, WHO_OPTIONS, USAGE, { min: 1, max: 1 });
  const who = whoFrom(values, 'roll back the challenger');
  return withEndpoint(ctx, open, values.shop, positionals[0]!, async (s, key) => printResult(ctx, key, await rollback(s, key, who)));
}
