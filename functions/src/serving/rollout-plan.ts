// What each rollout operation does to an endpoint's state (pure): both Endpoints adapters plan with it, then apply and record.
import { ShopMlopsError } from '../core/errors';
import type { DeployedVersion, EndpointState, RolloutAction, RolloutRecord, Split } from '../ports/endpoints';

export type Change =
  | { action: 'deploy'; version: number; deployed: DeployedVersion }
  | { action: 'split'; split: Split }
  | { action: 'ramp'; policy: number[] }
  | { action: 'swap'; version: number }
  | { action: 'switch_back' }
  | { action: 'undeploy'; version: number };

const bad = (message: string) => new ShopMlopsError('BAD_REQUEST', message);
const name = (s: EndpointState) => `${s.model} on ${s.shop}`;
const splitVersions = (s: Split | null): number[] => (s ? [s.champion.version, ...(s.challenger ? [s.challenger.version] : [])] : []);

/** Versions of the split that carry traffic. */
export function versionsWithTraffic(split: Split | null): number[] {
  if (!split) return [];
  return [split.champion, split.challenger].filter((a) => a && a.percent > 0).map((a) => a!.version);
}

export function sameSplit(a: Split | null, b: Split | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function requireDeployed(state: EndpointState, versions: number[], what: string): void {
  const warm = new Set(state.deployed.map((d) => d.version));
  const missing = versions.filter((v) => !warm.has(v));
  if (missing.length) throw bad(`${what}: version ${missing.join(', ')} of ${name(state)} is not deployed (deploy it first)`);
}

/** The next step of a ramp policy above the challenger's share, capped by what the holdout leaves. */
export function nextRampPercent(split: Split, policy: readonly number[]): number | null {
  const cap = 100 - split.holdout;
  const cur = split.challenger?.percent ?? 0;
  return policy.map((p) => Math.min(p, cap)).find((p) => p > cur) ?? null;
}

/**
 * The state after a change; null when the change changes nothing (deploying a version already deployed). Throws
 * BAD_REQUEST (NOT_FOUND for an unknown version) when the change is not allowed; the state is then untouched.
 */
export function planChange(state: EndpointState, change: Change): EndpointState | null {
  const next: EndpointState = { ...state, deployed: [...state.deployed], revision: state.revision + 1 };
  switch (change.action) {
    case 'deploy': {
      if (state.deployed.some((d) => d.version === change.version)) return null;
      next.deployed.push(change.deployed);
      // The first version of an endpoint has nothing to share traffic with: it serves every unit.
      if (!state.split) next.split = { champion: { version: change.version, percent: 100 }, challenger: null, holdout: 0 };
      return next;
    }
    case 'split': {
      requireDeployed(state, splitVersions(change.split), 'split');
      if (sameSplit(state.split, change.split)) return null;
      next.split = change.split;
      return next;
    }
    case 'ramp': {
      const s = state.split;
      if (!s?.challenger) throw bad(`ramp: ${name(state)} has no challenger (set a split with one first)`);
      const to = nextRampPercent(s, change.policy);
      if (to === null) throw bad(`ramp: the challenger of ${name(state)} is at ${s.challenger.percent} %, the end of the policy ${change.policy.join(' → ')} (with ${s.holdout} % holdout); swap to promote it`);
      next.split = { champion: { version: s.champion.version, percent: 100 - s.holdout - to }, challenger: { version: s.challenger.version, percent: to }, holdout: s.holdout };
      return next;
    }
    case 'swap': {
      const s = state.split;
      if (!s) throw bad(`swap: ${name(state)} has no champion yet (deploy a version first)`);
      requireDeployed(state, [change.version], 'swap');
      if (s.champion.version === change.version) throw bad(`swap: version ${change.version} is already the champion of ${name(state)}`);
      const wasChallenger = s.challenger?.version === change.version;
      next.split = {
        champion: { version: change.version, percent: s.champion.percent + (wasChallenger ? s.challenger!.percent : 0) },
        challenger: wasChallenger ? null : s.challenger,
        holdout: s.holdout,
      };
      next.switchBackTo = s;
      return next;
    }
    case 'switch_back': {
      const back = state.switchBackTo;
      if (!back) throw bad(`switch back: ${name(state)} has no swap to undo`);
      requireDeployed(state, splitVersions(back), 'switch back');
      next.split = back;
      next.switchBackTo = state.split;
      return next;
    }
    case 'undeploy': {
      if (!state.deployed.some((d) => d.version === change.version)) throw new ShopMlopsError('NOT_FOUND', `undeploy: version ${change.version} of ${name(state)} is not deployed`);
      const s = state.split;
      if (s && s.champion.version === change.version) throw bad(`undeploy: version ${change.version} is the champion of ${name(state)} (swap another version in first)`);
      if (versionsWithTraffic(s).includes(change.version)) throw bad(`undeploy: version ${change.version} of ${name(state)} still has traffic (${s!.challenger!.percent} %); set its share to 0 first`);
      next.deployed = state.deployed.filter((d) => d.version !== change.version);
      if (s?.challenger?.version === change.version) next.split = { ...s, challenger: null };
      if (splitVersions(state.switchBackTo).includes(change.version)) next.switchBackTo = null;
      return next;
    }
  }
}

export interface Who {
  actor: string;
  reason: string;
}

/** The rollout-table row for a planned change. */
export function rolloutRecord(before: EndpointState, after: EndpointState, change: Change, who: Who, at: string): RolloutRecord {
  const action: RolloutAction = change.action;
  return {
    shop: after.shop,
    model: after.model,
    revision: after.revision,
    at,
    actor: who.actor,
    reason: who.reason,
    action,
    version: 'version' in change ? change.version : null,
    before: before.split,
    after: after.split,
    deployed: after.deployed.map((d) => d.version),
  };
}
