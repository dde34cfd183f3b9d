// Port: serving endpoints per (shop, model): deployed versions, the traffic split (champion / challenger / holdout) and the rollout history.
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import { MODEL_NAME, SHOP_DOMAIN } from './model-registry';

export type ArmName = 'champion' | 'challenger' | 'holdout';

export { SHOP_DOMAIN };

const percent = z.number().int().min(0).max(100);
const version = z.number().int().positive();
const armSchema = z.strictObject({ version, percent });

/**
 * A split of an endpoint's units, in whole percents summing to 100: the champion, an optional challenger (a different
 * version) and the holdout, which gets no model (the fallback experience), so lift is measured against "no model".
 */
export const splitSchema = z
  .strictObject({ champion: armSchema, challenger: armSchema.nullable().default(null), holdout: percent.default(0) })
  .superRefine((s, ctx) => {
    const sum = s.champion.percent + (s.challenger?.percent ?? 0) + s.holdout;
    if (sum !== 100) ctx.addIssue({ code: 'custom', message: `champion + challenger + holdout must be 100, got ${sum}`, path: [] });
    if (s.challenger && s.challenger.version === s.champion.version) ctx.addIssue({ code: 'custom', message: `challenger and champion are both version ${s.champion.version}`, path: ['challenger', 'version'] });
  });

export type Split = z.output<typeof splitSchema>;
export type SplitInput = z.input<typeof splitSchema>;

/** The default ramp: the challenger's share goes 5 → 25 → 50 → 100 percent of the units, one step per call. */
export const DEFAULT_RAMP = [5, 25, 50, 100] as const;

const endpointKey = z.strictObject({
  shop: z.string().regex(SHOP_DOMAIN, 'must be a shop domain like example.myshopify.com'),
  model: z.string().regex(MODEL_NAME, "must be 1-63 characters of a-z, 0-9, '_' and '-'"),
});
/** Who made a change and why (recorded in the rollout history). */
const who = z.strictObject({ actor: z.string().trim().min(1).max(200), reason: z.string().trim().min(1).max(1000) });

export const endpointKeySchema = endpointKey;
export const deployInputSchema = endpointKey.extend({ ...who.shape, version });
export const setSplitInputSchema = endpointKey.extend({ ...who.shape, split: splitSchema });
export const rampInputSchema = endpointKey.extend({
  ...who.shape,
  policy: z
    .array(percent.min(1))
    .min(1)
    .refine((p) => p.every((v, i) => i === 0 || v > p[i - 1]!), 'policy steps must increase')
    .default([...DEFAULT_RAMP]),
});
export const swapInputSchema = deployInputSchema;
export const switchBackInputSchema = endpointKey.extend(who.shape);
export const undeployInputSchema = deployInputSchema;

export type EndpointKey = z.infer<typeof endpointKey>;
export type DeployInput = z.input<typeof deployInputSchema>;
export type SetSplitInput = z.input<typeof setSplitInputSchema>;
export type RampInput = z.input<typeof rampInputSchema>;
export type SwapInput = z.input<typeof swapInputSchema>;
export type SwitchBackInput = z.input<typeof switchBackInputSchema>;
export type UndeployInput = z.input<typeof undeployInputSchema>;

export interface DeployedVersion {
  version: number;
  deployedAt: string;
  /** Where it runs: the Vertex DeployedModel id; null embedded (served in-process). */
  deployedModelId: string | null;
}

export interface EndpointState {
  shop: string;
  model: string;
  /** Warm versions, oldest deployment first. */
  deployed: DeployedVersion[];
  /** Null until the first version is deployed. */
  split: Split | null;
  /** The split before the last blue-green swap (its versions stay warm): what switchBack restores. */
  switchBackTo: Split | null;
  /** Changes applied so far (0 for an endpoint never touched); the rollout history holds one record per revision. */
  revision: number;
}

export type RolloutAction = 'deploy' | 'split' | 'ramp' | 'swap' | 'switch_back' | 'undeploy';

/** One row of the rollout table. */
export interface RolloutRecord {
  shop: string;
  model: string;
  revision: number;
  at: string;
  actor: string;
  reason: string;
  action: RolloutAction;
  /** The version deployed, swapped in or undeployed; null for split, ramp and switch back. */
  version: number | null;
  before: Split | null;
  after: Split | null;
  /** Warm versions after the change. */
  deployed: number[];
}

export interface Endpoints {
  /** Deploys and warms a version with no traffic (the first version of an endpoint becomes its champion at 100 %). A version already deployed: no change. */
  deploy(input: DeployInput): Promise<EndpointState>;
  /** Replaces the split; every version in it must be deployed. */
  setSplit(input: SetSplitInput): Promise<EndpointState>;
  /** Moves the challenger to the next policy step above its share (capped by the holdout), taking units from the champion only. */
  ramp(input: RampInput): Promise<EndpointState>;
  /**
   * Blue-green: deploys and warms the version if needed, checks its health, then makes it the champion in one atomic
   * switch (it takes the champion's share, and the challenger's too when it was the challenger); the old champion
   * stays warm and switchBack restores the previous split at once.
   */
  swap(input: SwapInput): Promise<EndpointState>;
  /** Restores the split before the last swap (its versions are still warm). */
  switchBack(input: SwitchBackInput): Promise<EndpointState>;
  /** Removes a warm version; refused while it has traffic or is the champion. */
  undeploy(input: UndeployInput): Promise<EndpointState>;
  /** The current state (an empty state at revision 0 for an endpoint never touched). */
  getState(key: EndpointKey): Promise<EndpointState>;
  /** The rollout table: every change, oldest first. */
  history(key: EndpointKey): Promise<RolloutRecord[]>;
  close(): Promise<void>;
}

/** Validates a port input with its schema; every problem in one BAD_REQUEST. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`);
  throw new ShopMlopsError('BAD_REQUEST', problems.join('; '), { details: { problems } });
}

export const emptyState = (key: EndpointKey): EndpointState => ({ shop: key.shop, model: key.model, deployed: [], split: null, switchBackTo: null, revision: 0 });
