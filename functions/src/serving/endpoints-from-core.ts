// The Endpoints port built from an adapter's few primitives: input validation and the operation table (deploy, split, ramp, swap with its health gate, switch back, undeploy) live here once.
import { ShopMlopsError } from '../core/errors';
import {
  deployInputSchema,
  endpointKeySchema,
  parseInput,
  rampInputSchema,
  setSplitInputSchema,
  swapInputSchema,
  switchBackInputSchema,
  undeployInputSchema,
  type EndpointKey,
  type EndpointState,
  type Endpoints,
  type RolloutRecord,
} from '../ports/endpoints';
import type { Change, Who } from './rollout-plan';

/** What an Endpoints adapter implements itself. */
export interface EndpointsCore {
  /** Deploys (and warms) the version if it is not deployed yet; no traffic moves. */
  deploy(k: EndpointKey, who: Who, version: number): Promise<EndpointState>;
  /** Plans the change from the state as read (rollout-plan.ts), applies it and records it. */
  apply(k: EndpointKey, who: Who, change: Change): Promise<EndpointState>;
  /** Whether a version just deployed for a blue-green swap answers healthy (`deployed` is the state after deploy). */
  healthy(target: EndpointKey & { version: number }, deployed: EndpointState): Promise<boolean>;
  getState(k: EndpointKey): Promise<EndpointState>;
  history(k: EndpointKey): Promise<RolloutRecord[]>;
  close(): Promise<void>;
}

export function endpointsFrom(core: EndpointsCore): Endpoints {
  return {
    async deploy(input) {
      const i = parseInput(deployInputSchema, input);
      return core.deploy(i, i, i.version);
    },
    async setSplit(input) {
      const i = parseInput(setSplitInputSchema, input);
      return core.apply(i, i, { action: 'split', split: i.split });
    },
    async ramp(input) {
      const i = parseInput(rampInputSchema, input);
      return core.apply(i, i, { action: 'ramp', policy: i.policy });
    },
    async swap(input) {
      const i = parseInput(swapInputSchema, input);
      const deployed = await core.deploy(i, i, i.version);
      if (!(await core.healthy(i, deployed))) throw new ShopMlopsError('UNAVAILABLE', `swap: version ${i.version} of ${i.model} on ${i.shop} is not healthy; traffic unchanged`);
      return core.apply(i, i, { action: 'swap', version: i.version });
    },
    async switchBack(input) {
      const i = parseInput(switchBackInputSchema, input);
      return core.apply(i, i, { action: 'switch_back' });
    },
    async undeploy(input) {
      const i = parseInput(undeployInputSchema, input);
      return core.apply(i, i, { action: 'undeploy', version: i.version });
    },
    getState: (key) => core.getState(parseInput(endpointKeySchema, key)),
    history: (key) => core.history(parseInput(endpointKeySchema, key)),
    close: () => core.close(),
  };
}
