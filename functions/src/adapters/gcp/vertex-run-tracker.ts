// RunTracker on Vertex AI Experiments (Metadata service, over REST), laid out as the Vertex SDK does: Experiment and ExperimentRun contexts.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import type { ArtifactStore } from '../../ports/artifact-store';
import {
  RUN_ID,
  assertMetrics,
  assertParams,
  assertStartInput,
  assertStep,
  resolveArtifact,
  byNewest,
  defaultRunName,
  runEnded,
  runIdOf,
  type ParamValue,
  type RunArtifact,
  type RunHandle,
  type RunRecord,
  type RunStatus,
  type RunTracker,
} from '../../ports/run-tracker';
import { Code, asObject, grpcCode, lastSegment, timestampToIso, vertexError, type Json, type VertexClientOptions } from './vertex-common';
import { createVertexRest, operationSchema, type VertexRest } from './vertex-rest';

const json: z.ZodType<Json> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(json), z.record(z.string(), json)]));
/** google.cloud.aiplatform.v1.Context in JSON (metadata: a Struct, plain JSON); sent back whole on update. */
const contextSchema = z.looseObject({
  name: z.string(),
  displayName: z.string().optional(),
  schemaTitle: z.string().optional(),
  metadata: z.record(z.string(), json).optional(),
  parentContexts: z.array(z.string()).optional(),
  createTime: z.string().optional(),
  etag: z.string().optional(),
});
type IContext = z.infer<typeof contextSchema>;
const executionSchema = z.looseObject({ name: z.string(), state: z.string().optional(), etag: z.string().optional() });
type IExecution = z.infer<typeof executionSchema>;
const artifactSchema = z.looseObject({ name: z.string() });
const listContextsSchema = z.object({ contexts: z.array(contextSchema).optional(), nextPageToken: z.string().optional() });

export interface VertexRunTrackerOptions {
  project: string;
  location: string;
  /** Metadata store id; the Vertex SDK and console use 'default'. */
  metadataStore?: string;
  /** Where run artifacts live (GCS); artifacts are recorded with its gs:// uris. */
  artifacts: ArtifactStore;
  /** A ready REST transport (tests, sharing); otherwise one is built from clientOptions (default: the regional endpoint, ADC). */
  client?: VertexRest;
  clientOptions?: VertexClientOptions;
  now?: () => Date;
  randomHex4?: () => string;
}

/** Schema titles and metadata keys as the Vertex SDK (google-cloud-aiplatform, metadata/constants.py) writes them. */
export const SCHEMA = {
  experiment: 'system.Experiment',
  experimentRun: 'system.ExperimentRun',
  execution: 'system.ContainerExecution',
  artifact: 'system.Artifact',
  version: '0.0.1',
} as const;
export const SDK_KEYS = { params: '_params', metrics: '_metrics', state: '_state' } as const;
/** The SDK marks experiments with this metadata (the console filters on it). */
const EXPERIMENT_METADATA = { experiment_deleted: false };

/** Run context metadata → RunRecord; tolerant of runs written by the Vertex SDK (no snapshot, string metrics, other states). */
export function runFromContext(ctx: IContext): RunRecord {
  const md = asObject(ctx.metadata);
  const state = String(md[SDK_KEYS.state] ?? 'RUNNING');
  const status: RunStatus = state === 'COMPLETE' || state === 'CACHED' ? 'COMPLETE' : state === 'FAILED' || state === 'CANCELLED' ? 'FAILED' : 'RUNNING';
  const params: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(asObject(md[SDK_KEYS.params]))) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params[k] = v;
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(asObject(md[SDK_KEYS.metrics]))) if (typeof v === 'number') metrics[k] = v;
  const snap = asObject(md['data_snapshot']);
  const code = asObject(md['code_version']);
  const steps: Record<string, number> = {};
  for (const [k, v] of Object.entries(asObject(md['step_seconds']))) if (typeof v === 'number') steps[k] = v;
  const rows: Record<string, number> = {};
  for (const [k, v] of Object.entries(asObject(snap['rows']))) if (typeof v === 'number') rows[k] = v;
  const artifacts: RunArtifact[] = (Array.isArray(md['artifacts']) ? md['artifacts'] : []).map(asObject).map((a) => ({ name: String(a['name'] ?? ''), key: typeof a['key'] === 'string' ? a['key'] : null, uri: String(a['uri'] ?? '') }));
  return {
    id: lastSegment(ctx.name),
    experiment: typeof md['experiment'] === 'string' ? md['experiment'] : lastSegment(ctx.parentContexts?.[0]),
    name: ctx.displayName ?? '',
    status,
    startedAt: typeof md['started_at'] === 'string' ? md['started_at'] : (timestampToIso(ctx.createTime) ?? ''),
    endedAt: typeof md['ended_at'] === 'string' ? md['ended_at'] : null,
    params,
    metrics,
    dataSnapshot: { rows, contentHash: String(snap['content_hash'] ?? ''), ...(typeof snap['source'] === 'string' ? { source: snap['source'] } : {}) },
    codeVersion: {
      packageVersion: String(code['package_version'] ?? ''),
      gitCommit: typeof code['git_commit'] === 'string' ? code['git_commit'] : null,
      ...(typeof code['git_dirty'] === 'boolean' ? { gitDirty: code['git_dirty'] } : {}),
    },
    stepSeconds: steps,
    artifacts,
  };
}

export function createVertexRunTracker(opts: VertexRunTrackerOptions): RunTracker {
  const client = opts.client ?? createVertexRest({ location: opts.location, ...(opts.clientOptions ?? {}) });
  const now = opts.now ?? (() => new Date());
  const hex4 = opts.randomHex4 ?? (() => randomBytes(2).toString('hex'));
  const location = `projects/${opts.project}/locations/${opts.location}`;
  const store = `${location}/metadataStores/${opts.metadataStore ?? 'default'}`;
  const contextName = (id: string) => `${store}/contexts/${id}`;

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw vertexError(err, what);
    }
  };
  const getContext = async (name: string): Promise<IContext | null> => {
    try {
      return await client.request('GET', name, { schema: contextSchema });
    } catch (err) {
      if (grpcCode(err) === Code.NOT_FOUND) return null;
      throw vertexError(err, `getContext ${name}`);
    }
  };

  /** Like the SDK's ensure_default_metadata_store_exists; memoised, forgotten on failure so the next call retries. */
  let storeReady: Promise<void> | null = null;
  const ensureStore = () =>
    (storeReady ??= (async () => {
      try {
        await client.request('GET', store);
      } catch (err) {
        if (grpcCode(err) !== Code.NOT_FOUND) throw vertexError(err, `getMetadataStore ${store}`);
        try {
          const op = await client.request('POST', `${location}/metadataStores`, { query: { metadataStoreId: lastSegment(store) }, body: {}, schema: operationSchema });
          await client.wait(op);
        } catch (e) {
          if (grpcCode(e) !== Code.ALREADY_EXISTS) throw vertexError(e, `createMetadataStore ${store}`);
        }
      }
    })().catch((err: unknown) => {
      storeReady = null;
      throw err;
    }));

  /** Experiment.get_or_create: the experiment context, created with the SDK's schema and metadata when missing. */
  const experiments = new Map<string, Promise<IContext>>();
  const ensureExperiment = (experiment: string): Promise<IContext> => {
    let p = experiments.get(experiment);
    if (!p) {
      p = (async () => {
        const name = contextName(experiment);
        let ctx = await getContext(name);
        if (!ctx) {
          try {
            ctx = await client.request('POST', `${store}/contexts`, {
              query: { contextId: experiment },
              body: { displayName: experiment, schemaTitle: SCHEMA.experiment, schemaVersion: SCHEMA.version, metadata: EXPERIMENT_METADATA },
              schema: contextSchema,
            });
          } catch (err) {
            if (grpcCode(err) !== Code.ALREADY_EXISTS) throw vertexError(err, `createContext ${name}`);
            ctx = await getContext(name);
            if (!ctx) throw new ShopMlopsError('UNAVAILABLE', `experiment ${experiment} exists but cannot be read`);
          }
        }
        if (ctx.schemaTitle !== SCHEMA.experiment) throw new ShopMlopsError('BAD_REQUEST', `experiment: context ${experiment} exists with schema ${ctx.schemaTitle}, not ${SCHEMA.experiment}`);
        return ctx;
      })();
      experiments.set(experiment, p);
      p.catch(() => experiments.delete(experiment));
    }
    return p;
  };

  return {
    async startRun(input) {
      assertStartInput(input);
      await ensureStore();
      const experimentCtx = await ensureExperiment(input.experiment);
      const startedAt = now();
      const metadataOf = (id: string): Record<string, Json> => ({
        [SDK_KEYS.params]: { ...(input.params ?? {}) },
        [SDK_KEYS.metrics]: {},
        [SDK_KEYS.state]: 'RUNNING',
        experiment: input.experiment,
        run_id: id,
        started_at: startedAt.toISOString(),
        data_snapshot: { rows: input.dataSnapshot.rows, content_hash: input.dataSnapshot.contentHash, ...(input.dataSnapshot.source ? { source: input.dataSnapshot.source } : {}) },
        code_version: {
          package_version: input.codeVersion.packageVersion,
          git_commit: input.codeVersion.gitCommit,
          ...(input.codeVersion.gitDirty === undefined ? {} : { git_dirty: input.codeVersion.gitDirty }),
        },
        step_seconds: {},
        artifacts: [],
      });

      // ExperimentRun.create: context id `<experiment>-<run name>`, display name = run name.
      let ctx: IContext | undefined;
      let id = '';
      for (let attempt = 0; !ctx; attempt++) {
        const name = input.name ?? defaultRunName(startedAt, hex4());
        id = runIdOf(input.experiment, name);
        try {
          ctx = await client.request('POST', `${store}/contexts`, {
            query: { contextId: id },
            body: { displayName: name, schemaTitle: SCHEMA.experimentRun, schemaVersion: SCHEMA.version, metadata: metadataOf(id) },
            schema: contextSchema,
          });
        } catch (err) {
          if (grpcCode(err) !== Code.ALREADY_EXISTS) throw vertexError(err, `createContext ${id}`);
          if (input.name !== undefined) throw new ShopMlopsError('BAD_REQUEST', `run ${id} already exists; pick another name`);
          if (attempt >= 20) throw new ShopMlopsError('INTERNAL', `could not find a free run name for ${input.experiment}`);
        }
      }
      const runCtxName = ctx.name;
      await call('addContextChildren', () => client.request('POST', experimentCtx.name, { verb: 'addContextChildren', body: { childContexts: [runCtxName] } }));
      // aiplatform.start_execution inside a run: an execution associated with the run context; artifacts are its outputs.
      let execution: IExecution = await call(`createExecution ${id}`, () =>
        client.request('POST', `${store}/executions`, {
          query: { executionId: id },
          body: { displayName: `${ctx.displayName}-train`, schemaTitle: SCHEMA.execution, schemaVersion: SCHEMA.version, state: 'RUNNING', metadata: { experiment: input.experiment, run_id: id } },
          schema: executionSchema,
        }),
      );
      const executionName = execution.name;
      await call('addContextArtifactsAndExecutions', () => client.request('POST', runCtxName, { verb: 'addContextArtifactsAndExecutions', body: { executions: [executionName] } }));

      let current: IContext = ctx;
      let ended = false;
      let queue: Promise<unknown> = Promise.resolve();
      /**
       * The SDK's resource.update(): merge one level deep into the metadata and send the whole context back with its
       * etag. Updates from this handle run one at a time; a concurrent writer elsewhere makes the etag stale, and then
       * the context is read again and the change re-applied.
       */
      const update = (patch: (md: Record<string, Json>) => void, opts2: { closing?: boolean } = {}): Promise<void> => {
        if (ended) return Promise.reject(runEnded(id));
        if (opts2.closing) ended = true;
        const p = queue.then(async () => {
          for (let attempt = 0; ; attempt++) {
            const md = { ...asObject(current.metadata) };
            patch(md);
            try {
              // PATCH v1/{context.name}, body "context": sent whole with its etag (a stale one is ABORTED).
              current = await client.request('PATCH', current.name, { body: { ...current, metadata: md }, schema: contextSchema });
              return;
            } catch (err) {
              const code = grpcCode(err);
              if (attempt < 5 && (code === Code.ABORTED || code === Code.FAILED_PRECONDITION)) {
                const fresh = await getContext(runCtxName);
                if (!fresh) throw new ShopMlopsError('NOT_FOUND', `run ${id} was deleted`);
                current = fresh;
                continue;
              }
              throw vertexError(err, `updateContext ${id}`);
            }
          }
        });
        queue = p.catch(() => undefined);
        return p;
      };
      const merge = (key: string, values: Record<string, Json>) => (md: Record<string, Json>) => {
        md[key] = { ...asObject(md[key]), ...values };
      };

      const handle: RunHandle = {
        id,
        experiment: input.experiment,
        async logParams(params) {
          assertParams(params);
          await update(merge(SDK_KEYS.params, params));
        },
        async logMetrics(metrics) {
          assertMetrics(metrics);
          await update(merge(SDK_KEYS.metrics, metrics));
        },
        async logStepDuration(step, seconds) {
          assertStep(step, seconds);
          await update(merge('step_seconds', { [step]: seconds }));
        },
        async logArtifact(input) {
          if (ended) throw runEnded(id);
          const artifact = await resolveArtifact(opts.artifacts, input);
          const { name, key, uri } = artifact;
          const a = await call(`createArtifact ${name}`, () =>
            client.request('POST', `${store}/artifacts`, { body: { displayName: name, uri, schemaTitle: SCHEMA.artifact, schemaVersion: SCHEMA.version, state: 'LIVE', metadata: { key, run_id: id } }, schema: artifactSchema }),
          );
          const artifactName = a.name;
          // Execution.assign_output_artifacts wrapped by the run: attribute to the run context, then an OUTPUT event.
          await call('addContextArtifactsAndExecutions', () => client.request('POST', runCtxName, { verb: 'addContextArtifactsAndExecutions', body: { artifacts: [artifactName] } }));
          await call('addExecutionEvents', () => client.request('POST', executionName, { verb: 'addExecutionEvents', body: { events: [{ artifact: artifactName, type: 'OUTPUT' }] } }));
          await update((md) => {
            const list = (Array.isArray(md['artifacts']) ? md['artifacts'] : []).filter((x) => asObject(x)['name'] !== name);
            md['artifacts'] = [...list, { name, key, uri, resource: artifactName }];
          });
          return artifact;
        },
        async end(status = 'COMPLETE') {
          const at = now().toISOString();
          await update(
            (md) => {
              md[SDK_KEYS.state] = status;
              md['ended_at'] = at;
            },
            { closing: true },
          );
          // Execution.__exit__: the execution's state follows the run's.
          execution = await call(`updateExecution ${id}`, () => client.request('PATCH', executionName, { body: { ...execution, state: status }, schema: executionSchema }));
          return runFromContext(current);
        },
      };
      return handle;
    },

    async getRun(id) {
      if (!RUN_ID.test(id)) return null;
      const ctx = await getContext(contextName(id));
      return ctx && ctx.schemaTitle === SCHEMA.experimentRun ? runFromContext(ctx) : null;
    },

    async listRuns(o = {}) {
      // metadata_utils._make_filter_string(schema_title=..., parent_contexts=[experiment])
      const filter = `schema_title="${SCHEMA.experimentRun}"${o.experiment ? ` AND parent_contexts:"${contextName(o.experiment)}"` : ''}`;
      try {
        const contexts: IContext[] = [];
        let pageToken: string | undefined;
        do {
          const page = await client.request('GET', `${store}/contexts`, { query: { filter, pageToken }, schema: listContextsSchema });
          contexts.push(...(page.contexts ?? []));
          pageToken = page.nextPageToken || undefined;
        } while (pageToken);
        return contexts.map(runFromContext).filter((r) => !o.experiment || r.experiment === o.experiment).sort(byNewest);
      } catch (err) {
        if (grpcCode(err) === Code.NOT_FOUND) return [];
        throw vertexError(err, 'listContexts');
      }
    },

    async close() {
      /* nothing held open: each call is one HTTP request */
    },
  };
}
