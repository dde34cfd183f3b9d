// Rollout operations the CLI verbs and the demo share: deploy (with a canary), promote along the ramp, roll back, blue-green swap and back; each keeps the registry's champion alias on the endpoint's champion arm.
import { ShopMlopsError } from '../core/errors';
import { DEFAULT_RAMP, type EndpointKey, type EndpointState, type Endpoints, type RolloutRecord, type Split } from '../ports/endpoints';
import type { ModelRegistries, ModelRegistry } from '../ports/model-registry';
import { nextRampPercent } from './rollout-plan';

export interface RolloutServices {
  endpoints: Endpoints;
  /** Every shop's registry: a rollout on (shop, model) reads and moves that shop's aliases only. */
  registries: ModelRegistries;
}

/** Who made a change and why: the rollout table's actor and reason. */
export interface RolloutWho {
  actor: string;
  reason: string;
}

export interface RolloutResult {
  state: EndpointState;
  /** The registry's champion alias after the change (moved onto the endpoint's champion arm when they differed). */
  registryChampion: number | null;
  /** What the operation did, in words (for people). */
  did: string;
}

const bad = (message: string) => new ShopMlopsError('BAD_REQUEST', message);
const label = (k: EndpointKey) => `${k.model} on ${k.shop}`;

/** A version number, or the version an alias (`champion`, `challenger`, ...) names in the registry; NOT_FOUND when neither exists. */
export async function resolveVersion(registry: ModelRegistry, model: string, ref: number | string): Promise<number> {
  const v = await registry.getVersion(model, ref);
  if (!v) throw new ShopMlopsError('NOT_FOUND', `model ${model} has no version ${JSON.stringify(String(ref))} in the registry (\`shop-mlops runs\`, \`train\`)`);
  return v.version;
}

/**
 * The one rule between the registry and the endpoint: once a model is deployed, the endpoint's champion arm is what
 * serves, and after every rollout operation the registry's `champion` alias names that version. Training still moves
 * `champion` and `challenger` onto a version that did not lose offline; deploying that version as a canary moves
 * `champion` back to the served champion until the canary is promoted (ramp to 100 → swap) or swapped in.
 */
export async function syncChampionAlias(registries: ModelRegistries, state: EndpointState): Promise<number | null> {
  const registry = registries.forShop(state.shop);
  if (!state.split) return (await registry.getVersion(state.model, 'champion'))?.version ?? null;
  const want = state.split.champion.version;
  const now = await registry.getVersion(state.model, 'champion');
  if (now?.version !== want) await registry.setAlias(state.model, 'champion', want);
  return want;
}

const done = async (s: RolloutServices, state: EndpointState, did: string): Promise<RolloutResult> => ({ state, registryChampion: await syncChampionAlias(s.registries, state), did });

/**
 * Deploys a version (a number or an alias) and warms it. The first version of an endpoint becomes its champion at 100 %;
 * with `canary` a later version becomes the challenger at that share, taken from the champion (the holdout is kept).
 */
export async function deployVersion(s: RolloutServices, key: EndpointKey, ref: number | string, who: RolloutWho, canary?: number): Promise<RolloutResult> {
  const version = await resolveVersion(s.registries.forShop(key.shop), key.model, ref);
  const before = await s.endpoints.getState(key);
  if (canary !== undefined && !before.split) throw bad(`deploy: ${label(key)} has no champion yet; deploy a version without --canary first (it takes 100 %)`);
  if (canary !== undefined && before.split!.champion.version === version) throw bad(`deploy: version ${version} is the champion of ${label(key)}; a canary needs another version`);
  const deployed = await s.endpoints.deploy({ ...key, ...who, version });
  if (canary === undefined) {
    const first = !before.split && deployed.split?.champion.version === version;
    return done(s, deployed, first ? `deployed v${version} as the champion at 100 %` : deployed.revision === before.revision ? `v${version} was already deployed; nothing changed` : `deployed v${version} warm, with no traffic`);
  }
  const cur = deployed.split!;
  const room = 100 - cur.holdout;
  if (canary >= room) throw bad(`deploy: a ${canary} % canary leaves the champion nothing (${cur.holdout} % holdout); use swap to switch all traffic`);
  const split: Split = { champion: { version: cur.champion.version, percent: room - canary }, challenger: { version, percent: canary }, holdout: cur.holdout };
  const state = await s.endpoints.setSplit({ ...key, ...who, split });
  return done(s, state, `v${version} is the challenger at ${canary} % (champion v${cur.champion.version} at ${room - canary} %)`);
}

/**
 * The next step of the ramp (5 → 25 → 50 → 100 % of the units, taken from the champion only). The last step is a
 * blue-green swap: the challenger becomes the champion of every model unit and the old champion stays warm, so
 * `swapBack` restores the split before it at once.
 */
export async function promote(s: RolloutServices, key: EndpointKey, who: RolloutWho, policy: readonly number[] = DEFAULT_RAMP): Promise<RolloutResult> {
  const split = (await s.endpoints.getState(key)).split;
  if (!split?.challenger) throw bad(`promote: ${label(key)} has no challenger (deploy one with --canary first)`);
  const next = nextRampPercent(split, policy);
  const c = split.challenger.version;
  if (next === null || next >= 100 - split.holdout) {
    const state = await s.endpoints.swap({ ...key, ...who, version: c });
    return done(s, state, `v${c} is the champion now (the ramp's last step); v${split.champion.version} stays warm for \`swap --back\``);
  }
  const state = await s.endpoints.ramp({ ...key, ...who, policy: [...policy] });
  return done(s, state, `v${c} ramped from ${split.challenger.percent} % to ${state.split!.challenger!.percent} %`);
}

/** Sends the challenger's units back to the champion at once (the challenger stays deployed at 0 %). */
export async function rollback(s: RolloutServices, key: EndpointKey, who: RolloutWho): Promise<RolloutResult> {
  const split = (await s.endpoints.getState(key)).split;
  if (!split?.challenger || split.challenger.percent === 0) throw bad(`rollback: ${label(key)} has no challenger traffic to roll back (to undo a swap: swap ${key.model} --back)`);
  const next: Split = { champion: { version: split.champion.version, percent: split.champion.percent + split.challenger.percent }, challenger: { version: split.challenger.version, percent: 0 }, holdout: split.holdout };
  const state = await s.endpoints.setSplit({ ...key, ...who, split: next });
  return done(s, state, `v${split.challenger.version} rolled back from ${split.challenger.percent} % to 0 %; champion v${split.champion.version} at ${next.champion.percent} %`);
}

/** Blue-green: warms the version, checks its health, switches the champion's traffic to it atomically; the old champion stays warm. */
export async function swapTo(s: RolloutServices, key: EndpointKey, ref: number | string, who: RolloutWho): Promise<RolloutResult> {
  const version = await resolveVersion(s.registries.forShop(key.shop), key.model, ref);
  const before = (await s.endpoints.getState(key)).split;
  const state = await s.endpoints.swap({ ...key, ...who, version });
  return done(s, state, `swapped to v${version}${before ? `; v${before.champion.version} stays warm for \`swap --back\`` : ''}`);
}

/** The instant switch back: the split before the last swap (its versions are still warm). */
export async function swapBack(s: RolloutServices, key: EndpointKey, who: RolloutWho): Promise<RolloutResult> {
  const state = await s.endpoints.switchBack({ ...key, ...who });
  return done(s, state, `switched back to champion v${state.split!.champion.version}`);
}

export interface TrafficReport {
  state: EndpointState;
  history: RolloutRecord[];
  /** The registry's aliases, to compare with the arms. */
  aliases: { champion: number | null; challenger: number | null };
}

export async function traffic(s: RolloutServices, key: EndpointKey): Promise<TrafficReport> {
  const [state, history, champion, challenger] = await Promise.all([s.endpoints.getState(key), s.endpoints.history(key), s.registries.forShop(key.shop).getVersion(key.model, 'champion'), s.registries.forShop(key.shop).getVersion(key.model, 'challenger')]);
  return { state, history, aliases: { champion: champion?.version ?? null, challenger: challenger?.version ?? null } };
}

/** A split in words: `v1 95 % · v2 5 % · holdout 0 %`. */
export function formatSplit(split: Split | null): string {
  if (!split) return 'not deployed';
  const parts = [`v${split.champion.version} ${split.champion.percent} %`];
  if (split.challenger) parts.push(`v${split.challenger.version} ${split.challenger.percent} %`);
  if (split.holdout) parts.push(`holdout ${split.holdout} %`);
  return parts.join(' · ');
}
