// CLV in the training pipeline: production fit from customer_rfm (customersFromRfm), evaluation fit on the order lines before the holdout cut, holdout = repeat purchase days after the cut.
import { ShopMlopsError } from '../../core/errors';
import { clvFitFromJson, clvFitToJson, customersFromRfm, fitClv, formatDay, parseDay, predictClv, purchaseDaysBetween, summariseTransactions, type ClvCustomer, type ClvFit, type Transaction } from '../../models/clv';
import type { OrderLineRow } from '../datasets';
import { ARTIFACT_FORMAT, finiteMetrics, type ModelAdapter, type ModelArtifact, type Score, type TrainingData } from './types';

export interface ClvHoldout {
  /** Last calibration day (snapshot − holdout days). */
  cut: string;
  snapshot: string;
  days: number;
  /** Calibration summaries of the customers with a purchase on or before the cut (days). */
  customers: ClvCustomer[];
  /** Their purchase days in (cut, snapshot], in the same order. */
  actual: number[];
}

/**
 * One transaction per included order with a customer: its day and value (the product lines' net revenue). Purchase days are
 * the days with such an order, as in customer_rfm (which values an order by its subtotal; the holdout only counts days).
 */
export function orderTransactions(lines: readonly OrderLineRow[]): Transaction[] {
  const byOrder = new Map<string, Transaction>();
  for (const l of lines) {
    if (l.customer_id === null) continue;
    let t = byOrder.get(l.order_id);
    if (!t) byOrder.set(l.order_id, (t = { customerId: l.customer_id, day: parseDay(l.order_date), amount: 0 }));
    if (!l.is_non_product) t.amount += Math.max(0, l.net_revenue);
  }
  return [...byOrder.values()];
}

export function clvHoldout(lines: readonly OrderLineRow[], snapshot: string, holdoutDays: number): ClvHoldout {
  const snap = parseDay(snapshot);
  const cutDay = snap - holdoutDays;
  const tx = orderTransactions(lines);
  const customers = summariseTransactions(tx, { end: cutDay, unit: 'day' });
  const after = purchaseDaysBetween(tx, cutDay, snap);
  return { cut: formatDay(cutDay), snapshot, days: holdoutDays, customers, actual: customers.map((c) => after.get(c.id) ?? 0) };
}

/** Per-customer errors of E[Y(holdout days) | x, t_x, T] against the purchase days that happened, and of the naive rate x/T. */
export function scoreClvFit(fit: ClvFit, h: ClvHoldout): Score {
  if (h.customers.length === 0) return { primary: null, metrics: {} };
  const pred = predictClv(fit, h.customers, { horizon: h.days, draws: 0 });
  let abs = 0;
  let sq = 0;
  let predicted = 0;
  let actual = 0;
  let naiveAbs = 0;
  pred.customers.forEach((p, i) => {
    const a = h.actual[i]!;
    const c = h.customers[i]!;
    const e = p.expectedPurchases - a;
    abs += Math.abs(e);
    sq += e * e;
    predicted += p.expectedPurchases;
    actual += a;
    naiveAbs += Math.abs((c.T > 0 ? (c.frequency / c.T) * h.days : 0) - a);
  });
  const n = h.customers.length;
  const mae = abs / n;
  return {
    primary: Number.isFinite(mae) ? mae : null,
    metrics: finiteMetrics({ 'clv.holdout_mae': mae, 'clv.holdout_rmse': Math.sqrt(sq / n), 'clv.holdout_predicted_total': predicted, 'clv.holdout_actual_total': actual, 'clv.holdout_naive_mae': naiveAbs / n, 'clv.holdout_customers': n }),
  };
}

const asJson = (fit: ClvFit): unknown => JSON.parse(clvFitToJson(fit));

export const clvAdapter: ModelAdapter<ClvHoldout> = {
  name: 'clv',
  datasets: ['shop_features.customer_rfm', 'shop_staging.order_lines'],
  holdoutDatasets: ['shop_staging.order_lines'],
  primary: { metric: 'clv.holdout_mae', better: 'lower', description: 'mean absolute error of each customer’s predicted repeat purchase days over the holdout' },

  train(data: TrainingData, o): ModelArtifact {
    const rfm = (data.customerRfm ?? []).filter((r) => r.snapshot_date === o.snapshot);
    if (rfm.length === 0) throw new ShopMlopsError('UNPROCESSABLE', `customer_rfm has no rows for snapshot ${o.snapshot}`);
    const t0 = performance.now();
    const fit = fitClv(customersFromRfm(rfm), { unit: 'day' });
    const fitSeconds = (performance.now() - t0) / 1000;
    const h = clvHoldout(data.orderLines ?? [], o.snapshot, o.holdoutDays);
    if (h.customers.length === 0) throw new ShopMlopsError('UNPROCESSABLE', `no customer bought on or before the holdout cut ${h.cut}`);
    const evalFit = fitClv(h.customers, { unit: 'day' });
    const customers = customersFromRfm(rfm);
    const pred = predictClv(fit, customers, { horizon: o.clvHorizonDays, draws: 0 });
    const clvs = pred.customers.map((p) => p.clv).filter((v): v is number => v !== null && Number.isFinite(v));
    const bg = fit.bgnbd.params;
    const gg = fit.gammagamma?.params;
    return {
      format: ARTIFACT_FORMAT,
      model: 'clv',
      snapshotDate: o.snapshot,
      trained: true,
      production: asJson(fit),
      evaluation: { trainedThrough: h.cut, model: asJson(evalFit) },
      summary: finiteMetrics({
        'clv.customers': fit.diagnostics.customers,
        'clv.repeat_buyers': fit.diagnostics.repeatBuyers,
        'clv.status_ok': fit.status === 'ok' ? 1 : 0,
        'clv.evaluation_status_ok': evalFit.status === 'ok' ? 1 : 0,
        'clv.r': bg?.r,
        'clv.alpha': bg?.alpha,
        'clv.a': bg?.a,
        'clv.b': bg?.b,
        'clv.loglik': fit.bgnbd.logLik,
        'clv.gg_p': gg?.p,
        'clv.gg_q': gg?.q,
        'clv.gg_gamma': gg?.gamma,
        [`clv.mean_clv_${o.clvHorizonDays}d`]: clvs.length ? clvs.reduce((s, v) => s + v, 0) / clvs.length : undefined,
        'clv.fit_seconds': fitSeconds,
      }),
      notes: [...fit.reasons.map((r) => `production fit: ${r}`), ...evalFit.reasons.map((r) => `evaluation fit: ${r}`)],
    };
  },

  holdout: (data, o) => clvHoldout(data.orderLines ?? [], o.snapshot, o.holdoutDays),
  holdoutFrom: (h) => formatDay(parseDay(h.cut) + 1),
  score(artifact, h) {
    if (!artifact.trained || !artifact.evaluation) return { primary: null, metrics: {} };
    return scoreClvFit(clvFitFromJson(artifact.evaluation.model), h);
  },
};
