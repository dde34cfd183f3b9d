// ModelRegistry on the Vertex AI Model Registry over REST: models:upload (parentModel + versionAliases), :mergeVersionAliases, GET model, :listVersions.
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import type { ArtifactStore } from '../../ports/artifact-store';
import {
  RESERVED_ALIASES,
  assertAlias,
  assertModelName,
  assertRegisterInput,
  assertVersionNumber,
  noSuchVersion,
  parseVersionRef,
  cachedRegistries,
  type ModelRegistries,
  type ModelRegistry,
  type ModelVersion,
} from '../../ports/model-registry';
import { artifactExists, type ParamValue } from '../../ports/run-tracker';
import { Code, grpcCode, timestampToIso, vertexError, vertexModelId, vertexShopKey, type VertexClientOptions } from './vertex-common';
import { createVertexRest, operationSchema, type VertexRest } from './vertex-rest';

/** google.cloud.aiplatform.v1.Model in JSON: the fields read here. */
const modelSchema = z.looseObject({
  name: z.string(),
  versionId: z.string().optional(),
  versionAliases: z.array(z.string()).optional(),
  artifactUri: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  versionDescription: z.string().optional(),
  createTime: z.string().optional(),
  versionCreateTime: z.string().optional(),
  versionUpdateTime: z.string().optional(),
});
type Model = z.infer<typeof modelSchema>;
const uploadResponseSchema = z.looseObject({ model: z.string().optional(), modelVersionId: z.string() });
const listVersionsSchema = z.object({ models: z.array(modelSchema).optional(), nextPageToken: z.string().optional() });

export interface VertexModelRegistryOptions {
  project: string;
  /** Region of the registry, e.g. 'us-central1'. */
  location: string;
  /** The GCS artifact store holding the versions' files (artifactUri = its gs:// uri of the key prefix). */
  artifacts: ArtifactStore;
  /**
   * Serving container recorded with every version (Vertex requires one for custom models even when nothing is
   * deployed; a prebuilt prediction image is the usual stand-in).
   */
  containerImageUri: string;
  /** A ready REST transport (tests, sharing); otherwise one is built from clientOptions (default: the regional endpoint, ADC). */
  client?: VertexRest;
  clientOptions?: VertexClientOptions;
  /** Extra labels on every version (keys and values: lowercase letters, digits, '_' and '-'). */
  labels?: Record<string, string>;
  /** The shop whose registry this is: its models are `vertexModelId(shop, model)`, labelled with the shop's key. */
  shop: string;
}

/** Label carrying the shop's key (vertexShopKey), so a console filter finds one shop's models. */
export const SHOP_LABEL = 'shop_mlops_shop';

/** Every shop's registry on one Vertex AI Model Registry (one client shared by all). */
export function createVertexModelRegistries(opts: Omit<VertexModelRegistryOptions, 'shop'>): ModelRegistries {
  const client = opts.client ?? createVertexRest({ location: opts.location, ...(opts.clientOptions ?? {}) });
  const registries = cachedRegistries((shop) => createVertexModelRegistry({ ...opts, client, shop }));
  return {
    forShop: (shop) => registries.forShop(shop),
    close: () => registries.close(),
  };
}

/** Label carrying the lineage to the training run (run ids are at most 63 characters, the label value limit). */
export const RUN_ID_LABEL = 'shop_mlops_run_id';
const MARKER = 'shop-mlops:';

/**
 * Vertex keeps no structured metrics on a custom model version (Model.metadata needs a schema YAML in GCS; labels
 * cannot hold decimals), so the version description carries them: the human description, then one line
 * `shop-mlops:{"metrics":{...},"params":{...}}`.
 */
export function encodeVersionDescription(description: string, metrics: Record<string, number>, params: Record<string, ParamValue>): string {
  return `${description ? description + '\n' : ''}${MARKER}${JSON.stringify({ metrics, params })}`;
}

export function decodeVersionDescription(text: string | null | undefined): { description: string; metrics: Record<string, number>; params: Record<string, ParamValue> } {
  const lines = (text ?? '').split('\n');
  const i = lines.findLastIndex((l) => l.startsWith(MARKER));
  let metrics: Record<string, number> = {};
  let params: Record<string, ParamValue> = {};
  if (i >= 0) {
    try {
      const j = JSON.parse(lines[i]!.slice(MARKER.length)) as { metrics?: Record<string, number>; params?: Record<string, ParamValue> };
      metrics = j.metrics ?? {};
      params = j.params ?? {};
    } catch {
      /* edited by hand: keep the text, drop the numbers */
    }
    lines.splice(i, 1);
  }
  return { description: lines.join('\n'), metrics, params };
}

export function createVertexModelRegistry(opts: VertexModelRegistryOptions): ModelRegistry {
  const client = opts.client ?? createVertexRest({ location: opts.location, ...(opts.clientOptions ?? {}) });
  const parent = `projects/${opts.project}/locations/${opts.location}`;
  const modelName = (model: string) => `${parent}/models/${vertexModelId(opts.shop, model)}`;
  const prefix = `${vertexShopKey(opts.shop)}-`;

  const toVersion = (m: Model): ModelVersion => {
    const d = decodeVersionDescription(m.versionDescription);
    const id = (m.name ?? '').slice((m.name ?? '').lastIndexOf('/') + 1);
    return {
      model: id.startsWith(prefix) ? id.slice(prefix.length) : id,
      version: Number(m.versionId),
      runId: m.labels?.[RUN_ID_LABEL] ?? '',
      artifactUri: m.artifactUri ?? '',
      metrics: d.metrics,
      params: d.params,
      aliases: (m.versionAliases ?? []).filter((a) => !RESERVED_ALIASES.has(a)).sort(),
      createdAt: timestampToIso(m.versionCreateTime) ?? timestampToIso(m.createTime) ?? '',
      description: d.description,
    };
  };

  /** getModel of `name@ref`; null on NOT_FOUND. */
  const getModel = async (name: string): Promise<Model | null> => {
    try {
      return await client.request('GET', name, { schema: modelSchema });
    } catch (err) {
      if (grpcCode(err) === Code.NOT_FOUND) return null;
      throw vertexError(err, `getModel ${name}`);
    }
  };

  return {
    async registerVersion(input) {
      assertRegisterInput(input);
      if (!(await artifactExists(opts.artifacts, input.artifactKey))) {
        throw new ShopMlopsError('BAD_REQUEST', `artifactKey: nothing stored under ${input.artifactKey} in the artifact store (write the model files first)`);
      }
      if (vertexModelId(opts.shop, input.model).length > 63) throw new ShopMlopsError('BAD_REQUEST', `model: ${JSON.stringify(input.model)} is too long for a Vertex model id with the shop's prefix (at most ${63 - prefix.length} characters)`);
      const model = {
        displayName: `${input.model} (${opts.shop})`,
        artifactUri: opts.artifacts.uri(input.artifactKey),
        containerSpec: { imageUri: opts.containerImageUri },
        versionAliases: [...(input.aliases ?? [])],
        versionDescription: encodeVersionDescription(input.description ?? '', input.metrics ?? {}, input.params ?? {}),
        labels: { ...(opts.labels ?? {}), [SHOP_LABEL]: vertexShopKey(opts.shop), [RUN_ID_LABEL]: input.runId },
      };
      // A new model is created with modelId; later versions name it as parentModel. Two first registrations racing:
      // the loser gets ALREADY_EXISTS and retries as a new version.
      let exists = (await getModel(modelName(input.model))) !== null;
      for (let attempt = 0; ; attempt++) {
        // POST v1/{parent}/models:upload, body "*": the request without the path's parent.
        const body = exists ? { parentModel: modelName(input.model), model } : { modelId: vertexModelId(opts.shop, input.model), model };
        try {
          const op = await client.request('POST', `${parent}/models`, { verb: 'upload', body, schema: operationSchema });
          const res = await client.wait(op, uploadResponseSchema);
          const version = await getModel(`${modelName(input.model)}@${res.modelVersionId}`);
          if (!version) throw new ShopMlopsError('UNAVAILABLE', `uploaded ${input.model} version ${res.modelVersionId} is not readable yet`);
          return toVersion(version);
        } catch (err) {
          const code = grpcCode(err);
          if (attempt < 2 && ((code === Code.ALREADY_EXISTS && !exists) || (code === Code.NOT_FOUND && exists))) {
            exists = !exists;
            continue;
          }
          throw vertexError(err, `uploadModel ${input.model}`);
        }
      }
    },

    async getVersion(model, ref) {
      assertModelName(model);
      const r = parseVersionRef(ref);
      if (!r) return null;
      const m = await getModel(`${modelName(model)}@${'version' in r ? r.version : r.alias}`);
      return m ? toVersion(m) : null;
    },

    async listVersions(model) {
      assertModelName(model);
      // GET v1/{name}:listVersions, page by page. One page is one read; several are not a snapshot (an alias moved
      // between two pages would show on two versions, or on none): the listing is read again until two agree.
      const readAll = async (): Promise<{ models: Model[]; pages: number }> => {
        const models: Model[] = [];
        let pageToken: string | undefined;
        let pages = 0;
        do {
          const page = await client.request('GET', modelName(model), { verb: 'listVersions', query: { pageSize: 100, pageToken }, schema: listVersionsSchema });
          models.push(...(page.models ?? []));
          pageToken = page.nextPageToken || undefined;
          pages++;
        } while (pageToken);
        return { models, pages };
      };
      const fingerprint = (ms: Model[]) => JSON.stringify(ms.map((m) => [m.versionId, m.versionUpdateTime, [...(m.versionAliases ?? [])].sort()]));
      try {
        let read = await readAll();
        for (let attempt = 0; read.pages > 1; attempt++) {
          if (attempt >= 20) throw new ShopMlopsError('UNAVAILABLE', `the versions of ${model} keep changing while they are listed; try again`);
          const again = await readAll();
          if (fingerprint(again.models) === fingerprint(read.models)) break;
          read = again;
        }
        return read.models.map(toVersion).sort((a, b) => a.version - b.version);
      } catch (err) {
        if (grpcCode(err) === Code.NOT_FOUND) return [];
        throw vertexError(err, `listModelVersions ${model}`);
      }
    },

    async setAlias(model, alias, version) {
      assertModelName(model);
      assertAlias(alias);
      assertVersionNumber(version);
      // One call: the service moves the alias off whichever version held it.
      try {
        const m = await client.request('POST', `${modelName(model)}@${version}`, { verb: 'mergeVersionAliases', body: { versionAliases: [alias] }, schema: modelSchema });
        return toVersion(m);
      } catch (err) {
        if (grpcCode(err) === Code.NOT_FOUND) throw noSuchVersion(model, version);
        throw vertexError(err, `mergeVersionAliases ${model}@${version}`);
      }
    },

    async deleteAlias(model, alias) {
      assertModelName(model);
      assertAlias(alias);
      let removed = false;
      // A mover may carry the alias to another version between the read and the removal: look again until it is gone.
      for (let attempt = 0; attempt < 5; attempt++) {
        const holder = await getModel(`${modelName(model)}@${alias}`);
        if (!holder) return removed;
        try {
          await client.request('POST', `${modelName(model)}@${holder.versionId}`, { verb: 'mergeVersionAliases', body: { versionAliases: [`-${alias}`] }, schema: modelSchema });
          removed = true;
        } catch (err) {
          if (grpcCode(err) !== Code.NOT_FOUND) throw vertexError(err, `mergeVersionAliases ${model}@${holder.versionId}`);
        }
      }
      throw new ShopMlopsError('UNAVAILABLE', `alias ${alias} of ${model} keeps moving; try again`);
    },

    async close() {
      /* nothing held open: each call is one HTTP request */
    },
  };
}
