// What the rollout verbs (deploy, traffic, promote, rollback, swap) share: --shop/--who/--why, the world's services, the shop default and the result line.
import { userInfo } from 'node:os';
import { z } from 'zod';
import type { CliContext } from '../context';
import { usageError } from '../flags';
import { endpointKeySchema, parseInput, type EndpointKey } from '../../ports/endpoints';
import { parseVersionRef } from '../../ports/model-registry';
import { formatSplit, type RolloutResult, type RolloutServices, type RolloutWho } from '../../serving/rollout';
import { resolveShop } from '../../training/score';
import { createTrainingServices, trainingWorldFromConfig, type FeatureReader } from '../../training/services';

/** The services a rollout verb uses; tests pass their own world's (e.g. gcp against the in-process Vertex fake). */
export type RolloutWorld = RolloutServices & { features: FeatureReader; close(): Promise<void> };
export type OpenRolloutWorld = (ctx: CliContext) => RolloutWorld;

/** Embedded: the journal endpoints and file registry under the data dir (shops from DuckDB, through the runtime while it runs); gcp: Vertex AI and BigQuery. */
export const openConfiguredWorld: OpenRolloutWorld = (ctx) => createTrainingServices(trainingWorldFromConfig(ctx.config));

export const WHO_OPTIONS = {
  shop: { type: 'string' },
  who: { type: 'string' },
  why: { type: 'string' },
} as const;
export const WHO_USAGE = `  --shop S    the shop domain (default: the only shop in the store)
  --who NAME  recorded as the actor (default: the OS user)
  --why TEXT  recorded as the reason`;

/** A version flag: a number or a registry alias. */
export const versionRef = z.string().transform((v, ctx): number | string => {
  const ref = parseVersionRef(v);
  if (ref) return 'version' in ref ? ref.version : ref.alias;
  ctx.addIssue({ code: 'custom', message: '--version must be a version number or a registry alias (champion, challenger, ...)' });
  return z.NEVER;
});

/** Parses a flag with its schema; a failure is a usage error. */
export function flag<S extends z.ZodType>(schema: S, value: unknown, usage: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw usageError(r.error.issues[0]!.message, usage);
  return r.data;
}

function osUser(): string {
  try {
    return userInfo().username || process.env['USER'] || 'unknown';
  } catch {
    return process.env['USER'] || 'unknown';
  }
}

/** Who (the OS user, or --who) and why (--why, else the verb's default text). */
export function whoFrom(values: { who?: string | undefined; why?: string | undefined }, defaultWhy: string): RolloutWho {
  return { actor: values.who?.trim() || osUser(), reason: values.why?.trim() || defaultWhy };
}

/** Opens the world, resolves the shop (--shop, else the only one), runs the verb's action, closes. */
export async function withEndpoint<T>(ctx: CliContext, open: OpenRolloutWorld, shop: string | undefined, model: string, act: (s: RolloutWorld, key: EndpointKey) => Promise<T>): Promise<T> {
  const s = open(ctx);
  try {
    const key = parseInput(endpointKeySchema, { shop: await resolveShop(s.features, shop), model });
    return await act(s, key);
  } finally {
    await s.close();
  }
}

/** One line for people, or the result as JSON (the state, the registry's champion, what was done). */
export function printResult(ctx: CliContext, key: EndpointKey, r: RolloutResult): number {
  if (ctx.json) ctx.out(JSON.stringify({ shop: key.shop, model: key.model, did: r.did, split: r.state.split, deployed: r.state.deployed, switchBackTo: r.state.switchBackTo, revision: r.state.revision, registryChampion: r.registryChampion }));
  else ctx.out(`${key.model} on ${key.shop}: ${r.did}\n  traffic now: ${formatSplit(r.state.split)} (revision ${r.state.revision}; registry champion v${r.registryChampion})`);
  return 0;
}
