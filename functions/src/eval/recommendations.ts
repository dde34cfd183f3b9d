// Recommendation evaluation on UCI Online Retail: temporal holdout (train < 2011-09-01), item-kNN vs popularity at k = 10.
import { createReadStream, existsSync } from 'node:fs';
import * as path from 'node:path';
import { ShopMlopsError } from '../core/errors';
import { temporalHoldout, evaluateOnHoldout } from '../models/recommend/holdout';
import type { RankingMetrics } from '../models/recommend/metrics';
import { DEFAULT_PARAMS, type RecommenderParams } from '../models/recommend/model';
import { readPurchasesCsv } from '../models/recommend/purchases-csv';
import { tuneOnHoldout, type TuningResult } from '../models/recommend/tune';
import type { EvalRow, EvalSection } from './types';

export const UCI_FILE = 'online_retail/online_retail_uci_2010-12_2011-12.csv';
export const K = 10;
/** Test split: train on invoices before this instant, test on the later ones. */
export const TEST_START = Date.UTC(2011, 8, 1);
/** Validation split inside the training period: train before VALIDATION_START, validate until TEST_START. */
export const VALIDATION_START = Date.UTC(2011, 5, 1);
export const TARGET_RATIO = 1.8;
export const STRETCH_RATIO = 2;

export interface RecommendationsEvalOptions {
  /** Re-run the validation grid search (about half a minute) instead of using DEFAULT_PARAMS, its recorded winner. */
  tune?: boolean;
}

function row(model: string, baseline: boolean, m: RankingMetrics): EvalRow {
  return { model, baseline, metrics: { [`precision@${K}`]: m.precision, [`recall@${K}`]: m.recall, [`ndcg@${K}`]: m.ndcg, coverage: m.coverage, customers: m.customers } };
}

const fmt = (m: RankingMetrics) => `precision ${m.precision.toFixed(4)}, recall ${m.recall.toFixed(4)}, NDCG ${m.ndcg.toFixed(4)}, coverage ${(m.coverage * 100).toFixed(1)} %`;

/** The UCI file under dataDir (the shared data folder, or the online_retail folder itself). */
export function uciFile(dataDir: string): string {
  for (const f of [path.join(dataDir, UCI_FILE), path.join(dataDir, path.basename(UCI_FILE))]) if (existsSync(f)) return f;
  throw new ShopMlopsError('BAD_REQUEST', `no ${UCI_FILE} under ${dataDir}`);
}

/**
 * Item-kNN vs popularity on the UCI temporal holdout. Cleaning: rows without CustomerID, C invoices, Quantity ≤ 0 and
 * non-product codes dropped. Evaluated customers bought before and after 2011-09-01; a hit is a test item they had not
 * bought before. Popularity = distinct training customers per item, own purchases excluded the same way.
 */
export async function evaluateRecommendations(dataDir: string, opts: RecommendationsEvalOptions = {}): Promise<EvalSection> {
  const file = uciFile(dataDir);
  const t0 = performance.now();
  const { interactions, report } = await readPurchasesCsv(createReadStream(file));

  // Hyper-parameters come from the validation window only (June–August 2011, trained on invoices before June).
  const validation = temporalHoldout(interactions, VALIDATION_START, TEST_START);
  let tuning: TuningResult | null = null;
  let params: RecommenderParams = DEFAULT_PARAMS;
  if (opts.tune) {
    tuning = tuneOnHoldout(validation, K);
    params = { ...DEFAULT_PARAMS, ...tuning.best.params };
  }
  const onValidation = evaluateOnHoldout(validation, K, params);

  const test = temporalHoldout(interactions, TEST_START);
  const r = evaluateOnHoldout(test, K, params);
  const ratio = r.popularity.precision > 0 ? r.model.precision / r.popularity.precision : Infinity;
  const seconds = (performance.now() - t0) / 1000;
  const p = params;
  return {
    task: 'recommendations',
    dataset: 'UCI Online Retail (train < 2011-09-01, test 2011-09-01 .. 2011-12-09)',
    rows: [row('item-kNN (co-purchase, shrunk cosine)', false, r.model), row('popularity', true, r.popularity)],
    checks: [
      { name: `precision@${K} ≥ ${TARGET_RATIO}× popularity`, pass: ratio >= TARGET_RATIO, detail: `${r.model.precision.toFixed(4)} vs ${r.popularity.precision.toFixed(4)} = ${ratio.toFixed(2)}×` },
      { name: `stretch: precision@${K} ≥ ${STRETCH_RATIO}× popularity`, pass: ratio >= STRETCH_RATIO, detail: `${ratio.toFixed(2)}×` },
    ],
    notes: [
      `${report.records} rows → ${report.purchases} purchase lines kept (dropped: ${report.dropped.guest} without CustomerID, ${report.dropped.returns} returns (C invoices or Quantity < 0), ${report.dropped.zeroQuantity} zero quantity, ${report.dropped.nonProduct} non-product codes)`,
      `${r.model.customers} customers evaluated (purchases on both sides of 2011-09-01), ${r.model.customersWithRelevant} of them bought at least one item new to them; precision averages over all, recall and NDCG over the latter`,
      `catalogue = ${r.trained.items.length} items bought before 2011-09-01; coverage = distinct items in the evaluated top-${K} lists / catalogue`,
      `params: unit=${p.unit}, maxUnitItems=${p.maxUnitItems}, unitWeighting=${p.unitWeighting}, shrinkage=${p.shrinkage}, alpha=${p.alpha}, neighbours=${p.neighbours}, halfLifeDays=${p.halfLifeDays}`,
      tuning
        ? `params chosen now by grid search (${tuning.trials.length} combinations) on the validation split (train < 2011-06-01, validate June–August 2011): best precision@${K} ${tuning.best.metrics.precision.toFixed(4)}`
        : `params = DEFAULT_PARAMS, the winner of the grid search on the validation split (train < 2011-06-01, validate June–August 2011); evaluateRecommendations(dir, {tune: true}) re-runs it`,
      `validation: model ${fmt(onValidation.model)}; popularity ${fmt(onValidation.popularity)} (${(onValidation.model.precision / onValidation.popularity.precision).toFixed(2)}×, ${onValidation.model.customers} customers)`,
      `test: model ${fmt(r.model)}; popularity ${fmt(r.popularity)}`,
      `training on ${r.trained.stats.lines} lines took ${r.seconds.toFixed(2)} s; whole evaluation ${seconds.toFixed(1)} s`,
    ],
  };
}

/** `npx tsx functions/src/eval/recommendations.ts [DATA_DIR] [--tune]`: prints the section (with --tune, re-runs the grid). */
if (require.main === module) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--')) ?? path.resolve(__dirname, '../../../../shared/data');
  evaluateRecommendations(dir, { tune: args.includes('--tune') }).then(
    (s) => {
      console.log(`${s.task}: ${s.dataset}`);
      for (const r of s.rows) console.log(`  ${r.model.padEnd(40)} ${Object.entries(r.metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`).join('  ')}`);
      for (const c of s.checks) console.log(`  ${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`);
      for (const n of s.notes) console.log(`  - ${n}`);
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}
