// Endpoints on Vertex AI over REST: one endpoint per (shop, model); :deployModel / PATCH endpoint (updateMask trafficSplit) / :undeployModel; rollout history in the ArtifactStore (GCS).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import type { ArtifactStore } from '../../ports/artifact-store';
import {
  emptyState,
  splitSchema,
  type DeployedVersion,
  type EndpointKey,
  type EndpointState,
  type Endpoints,
  type RolloutRecord,
  type Split,
} from '../../ports/endpoints';
import { planChange, rolloutRecord, type Change, type Who } from '../../serving/rollout-plan';
import { endpointsFrom } from '../../serving/endpoints-from-core';
import { Code, grpcCode, lastSegment, timestampToIso, vertexError, vertexModelId, type VertexClientOptions } from './vertex-common';
import { createVertexRest, operationSchema, type VertexRest } from './vertex-rest';

/** google.cloud.aiplatform.v1.Endpoint in JSON: the fields read here (trafficSplit values are int32: numbers). */
const endpointSchema = z.looseObject({
  name: z.string(),
  description: z.string().optional(),
  etag: z.string().optional(),
  trafficSplit: z.record(z.string(), z.number()).optional(),
  deployedModels: z.array(z.looseObject({ id: z.string().optional(), model: z.string().optional(), modelVersionId: z.string().optional(), createTime: z.string().optional() })).optional(),
});
type IEndpoint = z.infer<typeof endpointSchema>;

export interface VertexEndpointsOptions {
  project: string;
  location: string;
  /** Where the rollout history lives: one JSON object per change under `rollouts/<shop>/<model>/` (the GCS artifact store). */
  artifacts: ArtifactStore;
  /** A ready REST transport (tests, sharing); otherwise one is built from clientOptions (default: the regional endpoint, ADC). */
  client?: VertexRest;
  clientOptions?: VertexClientOptions;
  /** Machine each deployed version runs on (custom containers need dedicated resources). */
  machineType?: string;
  minReplicas?: number;
  maxReplicas?: number;
  /** Account the serving container runs as. */
  serviceAccount?: string;
  /** A blue-green swap switches only to a version that answers healthy. Default: the version is deployed on the endpoint. */
  healthy?: (target: { shop: string; model: string; version: number }) => Promise<boolean>;
  now?: () => Date;
}

/** Account id of the serving containers (infra/serving.tf); pass `<id>@<project>.iam.gserviceaccount.com` as serviceAccount. */
export const SERVING_ACCOUNT_ID = 'shop-mlops-serving';

/** Marks the line of the endpoint description that carries the rollout state (arms, holdout, switch-back split, revision). */
export const STATE_MARKER = 'shop-mlops-endpoint:';
const storedState = z.object({
  revision: z.number().int().min(0),
  split: splitSchema.nullable(),
  switchBackTo: splitSchema.nullable(),
  /** Versions whose deployment is recorded (a version Vertex serves but this list lacks was deployed by a call that did not finish). */
  recorded: z.array(z.number().int()).default([]),
});

/** Endpoint id for a (shop, model): readable prefix + a hash of both, `[a-z][a-z0-9-]*`, at most 63 characters. */
export function endpointId(shop: string, model: string): string {
  const h = createHash('sha256').update(`${shop}\n${model}`).digest('hex').slice(0, 16);
  return `sm-${model.replace(/_/g, '-').slice(0, 30).replace(/-+$/, '')}-${h}`;
}

/** A label value (lowercase letters, digits, '_' and '-', at most 63 characters). */
const labelValue = (s: string): string => s.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 63);

/**
 * The Vertex traffic split mirroring ours. Holdout units never reach a model (the app answers them with the fallback),
 * so Vertex's percentages are of the units that do: the model arms scaled to 100 by largest remainder. Empty when no
 * model arm has traffic (Vertex: an empty map means the endpoint takes no traffic).
 */
export function vertexTrafficSplit(split: Split | null, deployed: DeployedVersion[]): Record<string, number> {
  if (!split) return {};
  const arms = [split.champion, split.challenger].filter((a): a is NonNullable<typeof a> => !!a && a.percent > 0);
  const total = arms.reduce((s, a) => s + a.percent, 0);
  if (!total) return {};
  const raw = arms.map((a) => (a.percent * 100) / total);
  const out = raw.map(Math.floor);
  let left = 100 - out.reduce((s, v) => s + v, 0);
  for (const i of raw.map((r, i) => i).sort((a, b) => raw[b]! - out[b]! - (raw[a]! - out[a]!) || a - b)) if (left-- > 0) out[i]!++;
  const map: Record<string, number> = {};
  arms.forEach((a, i) => {
    const id = deployed.find((d) => d.version === a.version)?.deployedModelId;
    if (!id) throw new ShopMlopsError('INTERNAL', `version ${a.version} has no DeployedModel on the endpoint`);
    if (out[i]) map[id] = out[i]!;
  });
  return map;
}

export function createVertexEndpoints(opts: VertexEndpointsOptions): Endpoints {
  const client = opts.client ?? createVertexRest({ location: opts.location, ...(opts.clientOptions ?? {}) });
  const now = opts.now ?? (() => new Date());
  const parent = `projects/${opts.project}/locations/${opts.location}`;
  const nameOf = (k: EndpointKey) => `${parent}/endpoints/${endpointId(k.shop, k.model)}`;
  const historyPrefix = (k: EndpointKey) => `rollouts/${k.shop}/${k.model}/`;

  const encodeDescription = (k: EndpointKey, s: Pick<EndpointState, 'revision' | 'split' | 'switchBackTo' | 'deployed'>) =>
    `Serving ${k.model} for ${k.shop} (shop-mlops).\n${STATE_MARKER}${JSON.stringify({ revision: s.revision, split: s.split, switchBackTo: s.switchBackTo, recorded: s.deployed.map((d) => d.version) })}`;

  const toState = (k: EndpointKey, ep: IEndpoint | null): EndpointState => readState(k, ep).state;
  /** The state as read; `derived` when its split is not recorded but inferred from Vertex's traffic. */
  const readState = (k: EndpointKey, ep: IEndpoint | null): { state: EndpointState; recorded: number[]; derived: boolean } => {
    if (!ep) return { state: emptyState(k), recorded: [], derived: false };
    const deployed: DeployedVersion[] = (ep.deployedModels ?? [])
      .filter((d) => lastSegment(d.model).split('@')[0] === vertexModelId(k.shop, k.model))
      .map((d) => ({ version: Number(d.modelVersionId), deployedAt: timestampToIso(d.createTime) ?? '', deployedModelId: d.id ?? null }))
      .sort((a, b) => (a.deployedAt < b.deployedAt ? -1 : a.deployedAt > b.deployedAt ? 1 : a.version - b.version));
    const line = (ep.description ?? '').split('\n').find((l) => l.startsWith(STATE_MARKER));
    let parsed: z.infer<typeof storedState> | null = null;
    try {
      const r = storedState.safeParse(line ? JSON.parse(line.slice(STATE_MARKER.length)) : null);
      if (r.success) parsed = r.data;
    } catch {
      /* edited by hand: derive from the traffic below */
    }
    parsed ??= { revision: 0, split: null, switchBackTo: null, recorded: [] };
    let derived = false;
    if (!parsed.split) {
      // Traffic but no recorded split (a crash between the first deployModel and the state update, or a hand edit):
      // the model with the most traffic is the champion.
      const byTraffic = Object.entries(ep.trafficSplit ?? {}).sort((a, b) => Number(b[1]) - Number(a[1]));
      const v = byTraffic.length ? deployed.find((d) => d.deployedModelId === byTraffic[0]![0])?.version : undefined;
      if (v) {
        parsed = { ...parsed, split: { champion: { version: v, percent: 100 }, challenger: null, holdout: 0 } };
        derived = true;
      }
    }
    const { recorded, ...rest } = parsed;
    return { state: { shop: k.shop, model: k.model, deployed, ...rest }, recorded, derived };
  };

  const getEndpoint = async (k: EndpointKey): Promise<IEndpoint | null> => {
    try {
      return await client.request('GET', nameOf(k), { schema: endpointSchema });
    } catch (err) {
      if (grpcCode(err) === Code.NOT_FOUND) return null;
      throw vertexError(err, `getEndpoint ${nameOf(k)}`);
    }
  };

  const ensureEndpoint = async (k: EndpointKey): Promise<IEndpoint> => {
    const ep = await getEndpoint(k);
    if (ep) return ep;
    try {
      // POST v1/{parent}/endpoints, body "endpoint"; endpointId is a query parameter.
      const op = await client.request('POST', `${parent}/endpoints`, {
        query: { endpointId: endpointId(k.shop, k.model) },
        body: {
          displayName: `${k.model} @ ${k.shop}`.slice(0, 128),
          description: encodeDescription(k, emptyState(k)),
          labels: { shop_mlops: 'serving', shop_mlops_model: labelValue(k.model), shop_mlops_shop: labelValue(k.shop) },
        },
        schema: operationSchema,
      });
      await client.wait(op);
    } catch (err) {
      if (grpcCode(err) !== Code.ALREADY_EXISTS) throw vertexError(err, `createEndpoint ${nameOf(k)}`);
    }
    const created = await getEndpoint(k);
    if (!created) throw new ShopMlopsError('UNAVAILABLE', `endpoint ${nameOf(k)} is not readable after its creation`);
    return created;
  };

  /**
   * Replaces the traffic split and the state line in one PATCH v1/{endpoint.name} (body "endpoint", the FieldMask as
   * the `updateMask` query parameter in its JSON form: camelCase paths, comma-separated); the etag makes it a compare-and-swap.
   */
  const writeState = async (k: EndpointKey, ep: IEndpoint, next: EndpointState): Promise<void> => {
    await client.request('PATCH', ep.name, {
      query: { updateMask: 'trafficSplit,description' },
      body: { name: ep.name, ...(ep.etag ? { etag: ep.etag } : {}), trafficSplit: vertexTrafficSplit(next.split, next.deployed), description: encodeDescription(k, next) },
      schema: endpointSchema,
    });
  };

  const record = async (before: EndpointState, after: EndpointState, change: Change, who: Who): Promise<void> => {
    const rec = rolloutRecord(before, after, change, who, now().toISOString());
    try {
      await opts.artifacts.put(`${historyPrefix(after)}${String(rec.revision).padStart(8, '0')}.json`, JSON.stringify(rec), { contentType: 'application/json' });
    } catch (err) {
      throw new ShopMlopsError('UNAVAILABLE', `revision ${rec.revision} of ${after.model} on ${after.shop} is applied but its rollout record could not be written: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  };

  /** Plans from the endpoint as read, applies, records; a concurrent writer (etag mismatch) makes it read and plan again. */
  const mutate = async (
    k: EndpointKey,
    who: Who,
    makeChange: (s: EndpointState) => Change,
    apply: (ep: IEndpoint, next: EndpointState, state: EndpointState) => Promise<void>,
    /** What the plan starts from, when it is not the endpoint as read (a deployment Vertex made but the state does not record yet). */
    startFrom: (s: EndpointState) => EndpointState = (s) => s,
  ): Promise<EndpointState> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const ep = await getEndpoint(k);
      const read = toState(k, ep);
      const state = startFrom(read);
      const change = makeChange(read);
      const next = planChange(state, change);
      if (!next) return state;
      try {
        await apply(ep!, next, state);
      } catch (err) {
        if (grpcCode(err) === Code.ABORTED) continue;
        throw vertexError(err, `${change.action} on ${nameOf(k)}`);
      }
      await record(state, next, change, who);
      return toState(k, await getEndpoint(k));
    }
    throw new ShopMlopsError('UNAVAILABLE', `endpoint ${nameOf(k)} keeps changing under this writer; try again`);
  };

  const deploy = async (k: EndpointKey, who: Who, version: number): Promise<EndpointState> => {
    const ep = await ensureEndpoint(k);
    const { state, recorded, derived } = readState(k, ep);
    const onVertex = state.deployed.some((d) => d.version === version);
    if (onVertex && recorded.includes(version)) return state;
    // Deployed by a call that failed before recording it: only the record is missing.
    if (!onVertex) await deployModel(k, ep, version, state.split === null);
    // Record the deployment (and, for the first version, the champion) in the endpoint's state line and the history.
    return mutate(
      k,
      who,
      (read) => {
        const d = read.deployed.find((x) => x.version === version);
        if (!d) throw new ShopMlopsError('UNAVAILABLE', `deployModel ${k.model}@${version} finished but the version is not on ${ep.name}`);
        return { action: 'deploy', version, deployed: d };
      },
      (fresh, next) => writeState(k, fresh, next),
      (read) => ({ ...read, deployed: read.deployed.filter((x) => x.version !== version), split: state.split === null || derived ? null : read.split }),
    );
  };

  const deployModel = async (k: EndpointKey, ep: IEndpoint, version: number, first: boolean): Promise<void> => {
    try {
      // POST v1/{endpoint}:deployModel, body "*": the request without the path's endpoint.
      const op = await client.request('POST', ep.name, {
        verb: 'deployModel',
        body: {
          deployedModel: {
          model: `${parent}/models/${vertexModelId(k.shop, k.model)}@${version}`,
            displayName: `${k.model}-v${version}`.slice(0, 128),
            dedicatedResources: { machineSpec: { machineType: opts.machineType ?? 'n1-standard-2' }, minReplicaCount: opts.minReplicas ?? 1, maxReplicaCount: opts.maxReplicas ?? Math.max(opts.minReplicas ?? 1, 2) },
            ...(opts.serviceAccount ? { serviceAccount: opts.serviceAccount } : {}),
          },
          // "0" is the model being deployed: the first version of an endpoint takes all of its traffic; later ones none.
          trafficSplit: first ? { '0': 100 } : {},
        },
        schema: operationSchema,
      });
      await client.wait(op);
    } catch (err) {
      throw vertexError(err, `deployModel ${k.model}@${version} on ${ep.name}`);
    }
  };

  /** Takes the version out of the split and the state first (Vertex refuses to undeploy a model with traffic), then
   * undeploys it. Should that fail, the version is served but unrecorded: a later deploy records it without redeploying. */
  const undeployApply = (k: EndpointKey, version: number) => async (ep: IEndpoint, next: EndpointState, state: EndpointState) => {
    const id = state.deployed.find((d) => d.version === version)!.deployedModelId!;
    await writeState(k, ep, next);
    const op = await client.request('POST', ep.name, { verb: 'undeployModel', body: { deployedModelId: id }, schema: operationSchema });
    await client.wait(op);
  };

  return endpointsFrom({
    deploy,
    apply: (k, who, change) => mutate(k, who, () => change, change.action === 'undeploy' ? undeployApply(k, change.version) : (ep, next) => writeState(k, ep, next)),
    healthy: async (target, deployed) => (opts.healthy ? opts.healthy(target) : deployed.deployed.some((d) => d.version === target.version)),
    getState: async (k) => toState(k, await getEndpoint(k)),
    async history(k) {
      const items = await opts.artifacts.list(historyPrefix(k));
      const records = await Promise.all(items.map(async (it) => JSON.parse((await opts.artifacts.get(it.key))?.toString('utf8') ?? 'null') as RolloutRecord | null));
      return records.filter((r): r is RolloutRecord => !!r).sort((a, b) => a.revision - b.revision);
    },
    async close() {
      /* nothing held open: each call is one HTTP request */
    },
  });
}
