// `shop-mlops deploy MODEL --version V|ALIAS [--canary PERCENT] [--shop S] [--who NAME] [--why TEXT]`: deploy a registered version behind the model's endpoint, optionally as a canary.
import { z } from 'zod';
import type { CliContext } from '../context';
import { parseVerbArgs, usageError } from '../flags';
import { deployVersion } from '../../serving/rollout';
import { WHO_OPTIONS, WHO_USAGE, flag, openConfiguredWorld, printResult, versionRef, whoFrom, withEndpoint, type OpenRolloutWorld } from './rollout-common';

const USAGE = `usage: shop-mlops deploy MODEL --version N|ALIAS [--canary PERCENT] [--shop S] [--who NAME] [--why TEXT] [--json]
  Deploys and warms a registered version. The endpoint's first version becomes its champion at 100 %; a later one is
  deployed with no traffic, or with --canary as the challenger at that share (taken from the champion).
  --canary P  the challenger's share in whole percents, 1..99 (then ramp it with \`promote\`)
${WHO_USAGE}`;

export async function run(argv: string[], ctx: CliContext, open: OpenRolloutWorld = openConfiguredWorld): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, { ...WHO_OPTIONS, version: { type: 'string' }, canary: { type: 'string' } }, USAGE, { min: 1, max: 1 });
  if (values.version === undefined) throw usageError('deploy needs --version', USAGE);
  const version = flag(versionRef, values.version, USAGE);
  const canary = values.canary === undefined ? undefined : flag(z.coerce.number({ error: '--canary must be a whole percent, 1..99' }).int('--canary must be a whole percent, 1..99').min(1, '--canary must be a whole percent, 1..99').max(99, '--canary must be a whole percent, 1..99'), values.canary, USAGE);
  const who = whoFrom(values, canary === undefined ? `deploy version ${version}` : `canary of version ${version} at ${canary} %`);
  return withEndpoint(ctx, open, values.shop, positionals[0]!, async (s, key) => printResult(ctx, key, await deployVersion(s, key, version, who, canary)));
}
