// CLV evaluation on CDNOW_sample: BG/NBD fitted on the 39 calibration weeks, scored on the 39 holdout weeks, against the naive rate.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ShopMlopsError } from '../core/errors';
import { fitClv, parseDay, predictClv, purchaseDaysBetween, summariseTransactions, type Transaction } from '../models/clv';
import { parseCdnow } from '../simulator/cdnow';
import type { EvalRow, EvalSection } from './types';

export const CDNOW_SAMPLE = 'cdnow/CDNOW_sample.txt';
/** Calibration: 1997-01-01 .. 1997-09-30 (39 weeks); holdout: 1997-10-01 .. 1998-06-30 (weeks 40–78, 39 weeks). */
export const CALIBRATION_END = '1997-09-30';
export const HOLDOUT_END = '1998-06-30';
export const HOLDOUT_WEEKS = 39;
/** Fader, Hardie & Lee (2005) on the same 39 weeks. */
export const PUBLISHED = { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259, logLik: -9582.43 };

/** CDNOW_sample.txt under dataDir (the shared data folder, or the cdnow folder itself). */
export function cdnowSampleFile(dataDir: string): string {
  for (const f of [path.join(dataDir, CDNOW_SAMPLE), path.join(dataDir, path.basename(CDNOW_SAMPLE))]) if (existsSync(f)) return f;
  throw new ShopMlopsError('BAD_REQUEST', `no ${CDNOW_SAMPLE} under ${dataDir}`);
}

interface Errors {
  mae: number;
  rmse: number;
  predictedTotal: number;
  actualTotal: number;
}

function errors(predicted: number[], actual: number[]): Errors {
  let abs = 0;
  let sq = 0;
  let p = 0;
  let a = 0;
  for (let i = 0; i < predicted.length; i++) {
    const e = predicted[i]! - actual[i]!;
    abs += Math.abs(e);
    sq += e * e;
    p += predicted[i]!;
    a += actual[i]!;
  }
  const n = predicted.length;
  return { mae: abs / n, rmse: Math.sqrt(sq / n), predictedTotal: p, actualTotal: a };
}

function row(model: string, baseline: boolean, e: Errors): EvalRow {
  return { model, baseline, metrics: { mae: e.mae, rmse: e.rmse, predicted_total: e.predictedTotal, actual_total: e.actualTotal, total_error_pct: (100 * (e.predictedTotal - e.actualTotal)) / e.actualTotal } };
}

/**
 * Repeat purchase days in the 39 holdout weeks per customer (the model's own definition of a purchase: distinct days), predicted
 * by BG/NBD's E[Y(39) | x, t_x, T] and by the naive rate x / T × 39, both from the calibration summary in weeks.
 */
export async function evaluateClv(dataDir: string): Promise<EvalSection> {
  const file = cdnowSampleFile(dataDir);
  const t0 = performance.now();
  const transactions: Transaction[] = parseCdnow(readFileSync(file, 'utf8')).map((t) => ({ customerId: t.customerId, day: parseDay(t.date), amount: Number(t.dollars) }));
  const calEnd = parseDay(CALIBRATION_END);
  const holdEnd = parseDay(HOLDOUT_END);
  const customers = summariseTransactions(transactions, { end: calEnd, unit: 'week' });
  const fit = fitClv(customers, { unit: 'week' });
  const pred = predictClv(fit, customers, { horizon: HOLDOUT_WEEKS, draws: 0 });
  const holdout = purchaseDaysBetween(transactions, calEnd, holdEnd);
  const actual = customers.map((c) => holdout.get(c.id) ?? 0);
  const model = errors(
    pred.customers.map((p) => p.expectedPurchases),
    actual,
  );
  const naive = errors(
    customers.map((c) => (c.T > 0 ? (c.frequency / c.T) * HOLDOUT_WEEKS : 0)),
    actual,
  );
  const bg = fit.bgnbd.params!;
  const relErr = (k: 'r' | 'alpha' | 'a' | 'b') => Math.abs(bg[k] / PUBLISHED[k] - 1);
  const worstRel = Math.max(relErr('r'), relErr('alpha'), relErr('a'), relErr('b'));
  const gg = fit.gammagamma?.params;
  const seconds = (performance.now() - t0) / 1000;
  const totalErr = (e: Errors) => `${e.predictedTotal.toFixed(1)} predicted vs ${e.actualTotal} actual (${((100 * (e.predictedTotal - e.actualTotal)) / e.actualTotal).toFixed(1)} %)`;
  return {
    task: 'clv',
    dataset: `CDNOW_sample (${customers.length} customers; calibration 1997-01-01 .. ${CALIBRATION_END}, holdout .. ${HOLDOUT_END}, ${HOLDOUT_WEEKS} weeks)`,
    rows: [row('BG/NBD E[Y(39) | x, t_x, T]', false, model), row('naive x / T × 39', true, naive)],
    checks: [
      { name: 'BG/NBD beats naive on per-customer MAE', pass: model.mae < naive.mae, detail: `MAE ${model.mae.toFixed(4)} vs ${naive.mae.toFixed(4)} (${((1 - model.mae / naive.mae) * 100).toFixed(1)} % lower)` },
      {
        name: 'BG/NBD beats naive on the holdout total',
        pass: Math.abs(model.predictedTotal - model.actualTotal) < Math.abs(naive.predictedTotal - naive.actualTotal),
        detail: `BG/NBD ${totalErr(model)}; naive ${totalErr(naive)}`,
      },
      {
        name: 'calibration fit reproduces Fader, Hardie & Lee (2005) within 0.1 % (log-likelihood ± 0.05)',
        pass: worstRel < 1e-3 && Math.abs(fit.bgnbd.logLik! - PUBLISHED.logLik) <= 0.05,
        detail: `r ${bg.r.toFixed(4)}, alpha ${bg.alpha.toFixed(4)}, a ${bg.a.toFixed(4)}, b ${bg.b.toFixed(4)}, LL ${fit.bgnbd.logLik!.toFixed(2)} (largest relative difference ${(worstRel * 100).toFixed(3)} %)`,
      },
      { name: 'fit status ok on the full sample', pass: fit.status === 'ok', detail: fit.status === 'ok' ? 'every parameter interval within the bound' : fit.reasons.join('; ') },
    ],
    notes: [
      `a purchase = a purchase day (same-day transactions merged), in calibration (x) and holdout alike; ${transactions.length} transactions`,
      `summary built from the transactions (unrounded weeks); BG/NBD r=${bg.r.toFixed(4)} alpha=${bg.alpha.toFixed(4)} a=${bg.a.toFixed(4)} b=${bg.b.toFixed(4)}${gg ? `; Gamma-Gamma p=${gg.p.toFixed(3)} q=${gg.q.toFixed(3)} gamma=${gg.gamma.toFixed(3)} on ${fit.gammagamma!.customers} repeat buyers` : ''}`,
      `fit and scoring took ${seconds.toFixed(2)} s`,
    ],
  };
}
