// The training pipeline, defined once: extract → validate → per model (CLV, propensity, forecast, recommend) train → evaluate → compare → register (only if it does not lose) → score (the champions into shop_predictions).
import { p, when, type TaskHandle } from '../pipeline';
import { extract, kit, validate, DATASET_INPUTS } from './data-steps';
import { MODEL_OPTIONS, modelSteps } from './model-steps';
import { clvAdapter } from './models/clv';
import { forecastAdapter } from './models/forecast';
import { propensityAdapter } from './models/propensity';
import { recommendAdapter } from './models/recommend';
import type { ModelAdapter } from './models/types';
import { DEFAULTS } from './options';
import { score } from './score-step';
import { createTrainingServices, trainingWorldFromEnv } from './services';

/** The models the pipeline trains, in display order. */
export const MODELS: readonly ModelAdapter[] = [clvAdapter, propensityAdapter, forecastAdapter, recommendAdapter] as ModelAdapter[];

export const training = kit.pipeline({
  name: 'training',
  description: 'Trains CLV, repeat-purchase propensity, demand forecasts and recommendations from the feature tables; champion/challenger registration.',
  params: {
    snapshot_date: p.string({ default: '', description: 'feature snapshot YYYY-MM-DD; empty = the latest in shop_features.customer_rfm' }),
    shop: p.string({ default: '', description: 'shop domain; empty = the only shop in the warehouse' }),
    holdout_days: p.integer({ default: DEFAULTS.holdout_days, description: 'days before the snapshot held out for evaluation (CLV, forecast, recommend)' }),
    horizon: p.integer({ default: DEFAULTS.horizon, description: 'forecast horizon in days' }),
    lead_time: p.integer({ default: DEFAULTS.lead_time, description: 'replenishment lead time in days (reorder points)' }),
    service_level: p.number({ default: DEFAULTS.service_level, description: 'cycle service level of the reorder points' }),
    clv_horizon_days: p.integer({ default: DEFAULTS.clv_horizon_days, description: 'horizon of the CLV summary' }),
    rec_k: p.integer({ default: DEFAULTS.rec_k, description: 'recommendations per customer (NDCG@k)' }),
    rec_source: p.string({ default: DEFAULTS.rec_source, description: "'order_lines' (customer-level item-kNN) or 'co_purchase' (basket pairs)" }),
    history_days: p.integer({ default: DEFAULTS.history_days, description: 'days of demand and order lines extracted; 0 = all' }),
    propensity_train_snapshots: p.integer({ default: DEFAULTS.propensity_train_snapshots, description: 'most label snapshots the propensity model trains on' }),
    // What started the run (monitoring/retrain.ts): recorded with the run's params, read by no step.
    trigger: p.string({ default: 'manual', description: "what started the run: manual, velocity, drift, schedule or external" }),
    trigger_request_id: p.string({ default: '', description: 'the retraining request (shop_monitoring.retrain_requests) that started the run; empty when started by hand' }),
    trigger_models: p.string({ default: '', description: 'the models the request named, comma-separated (the run trains every model)' }),
  },
  // Container steps and `pipeline run training` build their services from the environment (SHOP_MLOPS_MODE and the gcp keys).
  services: ({ env, log }) => createTrainingServices(trainingWorldFromEnv(env), log),
  steps: (b) => {
    const ex = b.add('extract', extract, { snapshot_date: b.params.snapshot_date, shop: b.params.shop, history_days: b.params.history_days, propensity_train_snapshots: b.params.propensity_train_snapshots }, { retries: 2, resources: { cpu: 1, memoryGiB: 4 } });
    const datasets = Object.fromEntries(Object.values(DATASET_INPUTS).map((n) => [n, ex.outputs[n as keyof typeof ex.outputs]]));
    const va = b.add('validate', validate, { ...datasets, snapshot_date: ex.outputs.snapshot_date } as never, { resources: { cpu: 1, memoryGiB: 4 } });
    const options: Record<string, unknown> = { ...b.params, propensity_plan: ex.outputs.propensity_plan };
    const registered: TaskHandle[] = [];
    for (const m of MODELS) {
      const s = modelSteps(m);
      const pick = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, datasets[n]]));
      const opts = Object.fromEntries((MODEL_OPTIONS[m.name] ?? []).map((k) => [k, options[k]]));
      const common = { snapshot_date: ex.outputs.snapshot_date, ...opts };
      const tr = b.add(`train_${m.name}`, s.train, { ...pick(m.datasets.map((t) => DATASET_INPUTS[t])), ...common } as never, { after: [va], resources: { cpu: 2, memoryGiB: 8 } });
      const holdout = { model: (tr as TaskHandle).outputs['model'], ...pick(m.holdoutDatasets.map((t) => DATASET_INPUTS[t])), ...common };
      const ev = b.add(`evaluate_${m.name}`, s.evaluate, holdout as never, { resources: { cpu: 2, memoryGiB: 8 } }) as TaskHandle;
      const cmp = b.add(`compare_${m.name}`, s.compare, { ...holdout, evaluation: ev.outputs['evaluation'], shop: ex.outputs.shop } as never, { resources: { cpu: 2, memoryGiB: 8 } }) as TaskHandle;
      // A challenger is registered only when it does not lose to the champion on the holdout (compare's `promote`).
      const reg = b.add(`register_${m.name}`, s.register, { model: (tr as TaskHandle).outputs['model'], evaluation: ev.outputs['evaluation'], verdict: cmp.outputs['verdict'], snapshot_date: ex.outputs.snapshot_date, shop: ex.outputs.shop } as never, { when: when.eq(cmp.outputs['promote'] as never, true), retries: 1 }) as TaskHandle;
      registered.push(reg);
    }
    // After every register step, whether or not it ran: the champions (new or kept) score the snapshot.
    b.add('score', score, { shop: ex.outputs.shop, snapshot_date: ex.outputs.snapshot_date, rec_k: b.params.rec_k, clv_horizon_days: b.params.clv_horizon_days }, { after: registered, retries: 1, resources: { cpu: 2, memoryGiB: 8 } });
  },
});
