// The per-model chain of steps, built from a ModelAdapter: train → evaluate (holdout) → compare (with the registry's champion on the same holdout) → register (challenger and champion, only when it does not lose).
import { ShopMlopsError } from '../core/errors';
import { a, p, type InputArtifact, type IoMap, type JsonObject, type ParamSpec, type StepContext, type StepDefinition } from '../pipeline';
import { RUN_ID } from '../ports/run-tracker';
import { parseDataset, type DatasetTable } from './datasets';
import { decide, type ChampionSide } from './compare';
import { DATASET_INPUTS, kit, readRaw } from './data-steps';
import { ARTIFACT_FORMAT, notTrained, type ModelAdapter, type ModelArtifact, type TrainingData } from './models/types';
import { trainingOptions, type OptionName } from './options';
import type { TrainingServices } from './services';

/** Which pipeline parameters each model's steps read. */
export const MODEL_OPTIONS: Record<string, readonly OptionName[]> = {
  clv: ['holdout_days', 'clv_horizon_days'],
  propensity: ['propensity_plan'],
  forecast: ['holdout_days', 'horizon', 'lead_time', 'service_level'],
  recommend: ['holdout_days', 'rec_k', 'rec_source'],
};

const OPTION_SPECS: Record<OptionName, ParamSpec> = {
  holdout_days: p.integer(),
  horizon: p.integer(),
  lead_time: p.integer(),
  service_level: p.number(),
  clv_horizon_days: p.integer(),
  rec_k: p.integer(),
  rec_source: p.string(),
  history_days: p.integer(),
  propensity_train_snapshots: p.integer(),
  propensity_plan: p.json(),
};

/** The evaluation a step hands on (a JSON parameter). */
export interface EvaluationOutput {
  model: string;
  metric: string;
  better: 'lower' | 'higher';
  /** Primary metric on the holdout; null when nothing could be scored. */
  score: number | null;
  holdoutFrom: string;
  metrics: Record<string, number>;
}

/** Where a version's files live in the ArtifactStore. */
export const versionKey = (model: string, runId: string) => `models/${model}/${runId}`;

type Ctx = StepContext<IoMap, IoMap, TrainingServices>;
const inputsOf = (ctx: Ctx) => ctx.inputs as unknown as Record<string, unknown>;
const artifactIn = (ctx: Ctx, name: string) => inputsOf(ctx)[name] as InputArtifact;

async function loadData(ctx: Ctx, tables: readonly DatasetTable[], snapshot: string): Promise<TrainingData> {
  const data: TrainingData = { snapshot };
  for (const t of tables) {
    const rows = parseDataset(t, await readRaw(artifactIn(ctx, DATASET_INPUTS[t]), t));
    if (t === 'shop_features.customer_rfm') data.customerRfm = rows as TrainingData['customerRfm'];
    else if (t === 'shop_features.customer_labels') data.customerLabels = rows as TrainingData['customerLabels'];
    else if (t === 'shop_features.variant_daily_demand') data.demand = rows as TrainingData['demand'];
    else if (t === 'shop_features.co_purchase') data.coPurchase = rows as TrainingData['coPurchase'];
    else if (t === 'shop_features.product_attributes') data.productAttributes = rows as TrainingData['productAttributes'];
    else data.orderLines = rows as TrainingData['orderLines'];
  }
  return data;
}

function datasetInputs(tables: readonly DatasetTable[]): IoMap {
  return Object.fromEntries(tables.map((t) => [DATASET_INPUTS[t], a.dataset()]));
}

function optionInputs(model: string): IoMap {
  return Object.fromEntries((MODEL_OPTIONS[model] ?? []).map((k) => [k, OPTION_SPECS[k]]));
}

export function parseArtifact(value: unknown, where: string): ModelArtifact {
  const x = value as ModelArtifact;
  if (!x || typeof x !== 'object' || x.format !== ARTIFACT_FORMAT || typeof x.trained !== 'boolean') throw new ShopMlopsError('UNPROCESSABLE', `${where} is not a ${ARTIFACT_FORMAT} model artifact`);
  return x;
}

export interface ModelSteps {
  train: StepDefinition<IoMap, IoMap, TrainingServices>;
  evaluate: StepDefinition<IoMap, IoMap, TrainingServices>;
  compare: StepDefinition<IoMap, IoMap, TrainingServices>;
  register: StepDefinition<IoMap, IoMap, TrainingServices>;
}

export function modelSteps(adapter: ModelAdapter): ModelSteps {
  const name = adapter.name;
  const options = optionInputs(name);
  const holdoutInputs = { model: a.model(), ...datasetInputs(adapter.holdoutDatasets), snapshot_date: p.string(), ...options };

  const train = kit.step({
    description: `Trains the ${name} model on the datasets (production fit up to the snapshot, evaluation fit before the holdout).`,
    inputs: { ...datasetInputs(adapter.datasets), snapshot_date: p.string(), ...options } as IoMap,
    outputs: { model: a.model(), trained: p.boolean() } as IoMap,
    async run(ctx) {
      const inputs = inputsOf(ctx);
      const snapshot = String(inputs['snapshot_date']);
      const o = trainingOptions(snapshot, inputs);
      const data = await loadData(ctx, adapter.datasets, snapshot);
      let artifact: ModelArtifact;
      try {
        artifact = adapter.train(data, o);
      } catch (err) {
        // Data the model cannot use (too few rows, one class, no history) leaves the model untrained; anything else fails the run.
        if (!(err instanceof ShopMlopsError && err.code === 'UNPROCESSABLE')) throw err;
        ctx.log.warn(`${name} not trained`, { reason: err.message });
        artifact = notTrained(name, snapshot, err.message);
      }
      const out = (ctx.outputs as Record<string, import('../pipeline').OutputArtifact>)['model']!;
      await out.writeJson(artifact);
      out.metadata['model'] = name;
      out.metadata['trained'] = artifact.trained;
      out.metadata['snapshot_date'] = snapshot;
      if (artifact.reason) out.metadata['reason'] = artifact.reason;
      for (const [k, v] of Object.entries(artifact.summary)) ctx.metric(k, v);
      return { trained: artifact.trained } as never;
    },
  });

  const evaluate = kit.step({
    description: `Scores the ${name} evaluation fit on the holdout (${adapter.primary.description}).`,
    inputs: holdoutInputs as IoMap,
    outputs: { metrics: a.metrics(), evaluation: p.json() } as IoMap,
    async run(ctx) {
      const inputs = inputsOf(ctx);
      const snapshot = String(inputs['snapshot_date']);
      const o = trainingOptions(snapshot, inputs);
      const artifact = parseArtifact(await artifactIn(ctx, 'model').readJson(), `${name} model`);
      const h = adapter.holdout(await loadData(ctx, adapter.holdoutDatasets, snapshot), o);
      const s = adapter.score(artifact, h, o);
      for (const [k, v] of Object.entries(s.metrics)) ctx.metric(k, v);
      const ev: EvaluationOutput = { model: name, metric: adapter.primary.metric, better: adapter.primary.better, score: s.primary, holdoutFrom: adapter.holdoutFrom(h), metrics: s.metrics };
      return { evaluation: ev as unknown as JsonObject } as never;
    },
  });

  const compare = kit.step({
    description: `Scores the registry's ${name} champion on the same holdout and decides whether the challenger does not lose.`,
    inputs: { ...holdoutInputs, evaluation: p.json(), shop: p.string() } as IoMap,
    outputs: { verdict: p.string(), promote: p.boolean(), champion_version: p.integer(), reason: p.string() } as IoMap,
    async run(ctx) {
      const inputs = inputsOf(ctx);
      const ev = inputs['evaluation'] as unknown as EvaluationOutput;
      const { registries, artifacts } = ctx.services;
      const current = await registries.forShop(String(inputs['shop'])).getVersion(name, 'champion');
      let champion: ChampionSide | null = null;
      if (current) {
        const key = typeof current.params['artifact_key'] === 'string' ? current.params['artifact_key'] : versionKey(name, current.runId);
        const stored = await artifacts.get(`${key}/model.json`);
        if (stored === null) {
          // A champion whose files are gone cannot serve either: the challenger replaces it.
          ctx.log.warn(`${name} champion v${current.version} has no model.json under ${key}; treating it as absent`);
        } else {
          const art = parseArtifact(JSON.parse(stored.toString('utf8')), `${name} champion v${current.version} (${key}/model.json)`);
          const snapshot = String(inputs['snapshot_date']);
          const o = trainingOptions(snapshot, inputs);
          const h = adapter.holdout(await loadData(ctx, adapter.holdoutDatasets, snapshot), o);
          const through = art.evaluation?.trainedThrough;
          const comparable = !!through && through < ev.holdoutFrom;
          const s = comparable ? adapter.score(art, h, o) : { primary: null, metrics: {} };
          if (s.primary !== null) ctx.metric(`${adapter.primary.metric}.champion`, s.primary);
          champion = {
            version: current.version,
            score: s.primary,
            comparable,
            ...(comparable ? {} : { note: through ? `was evaluated on data through ${through}, which overlaps this holdout (from ${ev.holdoutFrom})` : 'has no evaluation fit' }),
          };
        }
      }
      const d = decide(adapter.primary.metric, adapter.primary.better, ev.score, champion);
      ctx.log.info(`${name}: ${d.verdict}`, { reason: d.reason });
      return { verdict: d.verdict, promote: d.promote, champion_version: champion?.version ?? 0, reason: d.reason } as never;
    },
  });

  const register = kit.step({
    description: `Registers the trained ${name} model, which did not lose to the champion, as a new version with the aliases 'challenger' and 'champion' (files in the ArtifactStore, lineage to the run).`,
    inputs: { model: a.model(), evaluation: p.json(), verdict: p.string(), snapshot_date: p.string(), shop: p.string() } as IoMap,
    outputs: { version: p.integer(), artifact_uri: p.string() } as IoMap,
    async run(ctx) {
      const inputs = inputsOf(ctx);
      const artifact = parseArtifact(await artifactIn(ctx, 'model').readJson(), `${name} model`);
      if (!artifact.trained) return { version: 0, artifact_uri: '' } as never;
      const runId = ctx.run.id;
      if (!RUN_ID.test(runId)) throw new ShopMlopsError('BAD_REQUEST', `run id ${JSON.stringify(runId)} cannot be a registry lineage (<experiment>-<name>, at most 63 characters)`);
      const { registries, artifacts } = ctx.services;
      // The shop's own registry: its versions and aliases never reach another shop.
      const registry = registries.forShop(String(inputs['shop']));
      // Idempotent: a retried step finds the version this run registered.
      const existing = (await registry.listVersions(name)).find((v) => v.runId === runId);
      if (existing) return { version: existing.version, artifact_uri: existing.artifactUri } as never;
      const ev = inputs['evaluation'] as unknown as EvaluationOutput;
      const key = versionKey(name, runId);
      await artifacts.put(`${key}/model.json`, JSON.stringify(artifact), { contentType: 'application/json' });
      await artifacts.put(`${key}/evaluation.json`, JSON.stringify(ev, null, 2) + '\n', { contentType: 'application/json' });
      const v = await registry.registerVersion({
        model: name,
        runId,
        artifactKey: key,
        metrics: { ...artifact.summary, ...ev.metrics },
        params: {
          snapshot_date: String(inputs['snapshot_date']),
          trained_through: artifact.evaluation?.trainedThrough ?? '',
          primary_metric: ev.metric,
          verdict: String(inputs['verdict']),
          artifact_key: key,
        },
        // Runs only when the challenger does not lose: it takes both aliases in one atomic registration.
        aliases: ['challenger', 'champion'],
        description: `${name} trained on features through ${String(inputs['snapshot_date'])}; ${ev.metric} = ${ev.score ?? 'n/a'} on the holdout from ${ev.holdoutFrom}`,
      });
      ctx.metric(`${name}.version`, v.version);
      return { version: v.version, artifact_uri: v.artifactUri } as never;
    },
  });

  return { train, evaluate, compare, register };
}
