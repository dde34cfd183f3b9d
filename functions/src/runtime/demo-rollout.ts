// The demo's serving stage: every champion deployed behind its endpoint, then a second training run whose registered challengers go out as 5 % canaries.
import type { Row } from '../ports/warehouse';
import { deployVersion, syncChampionAlias, traffic, type RolloutWho, type TrafficReport } from '../serving/rollout';
import { runTraining, trainingResultOf, type TrainingSummary } from '../training/run';
import { SCORED_MODELS } from '../training/score';
import { createTrainingServices } from '../training/services';
import type { DuckDbTransactions } from '../adapters/embedded/duckdb-prediction-store';

/** The canary share of a freshly trained challenger. */
export const DEMO_CANARY_PERCENT = 5;

/**
 * What the second run changes: the same snapshot, recommendations from basket pairs instead of customer histories, and
 * reorder points at a 98 % service level. Models it does not change retrain on the same data and tie, which registers them.
 */
export const RETRAIN_PARAMS = { service_level: 0.98 } as const;

export interface DemoRollout {
  /** The second training run (null when it did not run: a store the demo did not seed, or a first run that failed). */
  retraining: TrainingSummary | { ok: false; error: string } | null;
  /** Per model: what the demo deployed, or why there is no canary. */
  models: { model: string; champion: number | null; canary: number | null; note: string }[];
  /** Every model's endpoint after the demo. */
  traffic: TrafficReport[];
  /** Seconds of the serving stage (second run included). */
  seconds: number;
}

export interface DemoRolloutOptions {
  dataDir: string;
  shop: string;
  /** The runtime's open warehouse (the training reads and scores through it). */
  warehouse: { query(sql: string): Promise<Row[]> } & Partial<DuckDbTransactions>;
  /** Params of the first run; the second adds RETRAIN_PARAMS. Null: no second run. */
  retrainFrom: Record<string, unknown> | null;
  progress?: (line: string) => void;
}

export async function runDemoRollout(o: DemoRolloutOptions): Promise<DemoRollout> {
  const started = Date.now();
  const s = createTrainingServices({ mode: 'embedded', dataDir: o.dataDir, warehouse: o.warehouse });
  const who = (reason: string): RolloutWho => ({ actor: 'shop-mlops demo', reason });
  try {
    const models: DemoRollout['models'] = [];
    for (const model of SCORED_MODELS) {
      const key = { shop: o.shop, model };
      const state = await s.endpoints.getState(key);
      const champion = (await s.registries.forShop(o.shop).getVersion(model, 'champion'))?.version ?? null;
      if (!state.split && champion !== null) await deployVersion(s, key, champion, who('demo: the first champion serves every unit'));
      // Already serving (a restart): the endpoint's champion stays, and the registry's champion alias names it again.
      else if (state.split) await syncChampionAlias(s.registries, state);
      const served = (await s.endpoints.getState(key)).split?.champion.version ?? null;
      models.push({ model, champion: served, canary: null, note: served === null ? 'nothing registered to deploy' : '' });
    }
    let retraining: DemoRollout['retraining'] = null;
    if (o.retrainFrom) {
      const params = { ...o.retrainFrom, ...RETRAIN_PARAMS };
      o.progress?.(`demo: a second training run (${Object.entries(RETRAIN_PARAMS).map(([k, v]) => `${k}=${v}`).join(', ')}) for the canaries`);
      try {
        retraining = (await runTraining({ world: { mode: 'embedded', dataDir: o.dataDir, warehouse: o.warehouse }, params, progress: 'silent' })).summary;
      } catch (err) {
        retraining = trainingResultOf(err)?.summary ?? { ok: false, error: (err as Error).message };
      }
      for (const m of models) {
        const outcome = retraining && 'models' in retraining ? retraining.models.find((x) => x.model === m.model) : undefined;
        if (outcome?.version && m.champion !== null && outcome.version !== m.champion) {
          await deployVersion(s, { shop: o.shop, model: m.model }, outcome.version, who(`demo: canary of the second run's challenger (${outcome.verdict})`), DEMO_CANARY_PERCENT);
          m.canary = outcome.version;
          m.note = `second run: ${outcome.verdict}, v${outcome.version} at ${DEMO_CANARY_PERCENT} %`;
        } else m.note ||= `second run registered no new version${outcome ? ` (${outcome.verdict}${outcome.reason ? `: ${outcome.reason}` : ''})` : ''}`;
      }
    }
    const reports = await Promise.all(SCORED_MODELS.map((model) => traffic(s, { shop: o.shop, model })));
    return { retraining, models, traffic: reports, seconds: (Date.now() - started) / 1000 };
  } finally {
    await s.close();
  }
}
