// The pipeline's last step: each model's champion (after this run's registrations) scores the run's snapshot into shop_predictions.*.
import { p, type JsonObject } from '../pipeline';
import { kit } from './data-steps';
import { scoreVersions } from './score';

export const score = kit.step({
  description: "Scores the snapshot with each model's champion (customers, variants, products) and replaces those (shop, snapshot, model, version) rows in shop_predictions.",
  inputs: {
    shop: p.string(),
    snapshot_date: p.string(),
    rec_k: p.integer(),
    clv_horizon_days: p.integer(),
  },
  outputs: { scored: p.json() },
  async run({ inputs, services, metric, log }) {
    const report = await scoreVersions(services, { shop: inputs.shop, snapshotDate: inputs.snapshot_date, k: inputs.rec_k, clvHorizonDays: inputs.clv_horizon_days });
    for (const m of report.models) {
      if (m.skipped) log.warn(`${m.model} not scored`, { reason: m.skipped });
      for (const t of m.tables) metric(`rows.${t.table}`, t.inserted);
    }
    return { scored: report as unknown as JsonObject };
  },
});
