// `shop-mlops clv --csv FILE [--summary] [--unit day|week] [--horizon N] [--out OUT]`: fits BG/NBD + Gamma-Gamma and scores customers.
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { numberFlag } from '../flags';
import {
  DEFAULT_DRAWS,
  DEFAULT_MONTHLY_DISCOUNT,
  fitClv,
  formatDay,
  parseDay,
  predictClv,
  readSummaryCsv,
  readTransactionsCsv,
  summariseTransactions,
  type ClvCustomer,
  type ClvFit,
  type ClvPredictions,
  type SubmodelFit,
  type TimeUnit,
} from '../../models/clv';
import { parseVerbArgs } from '../flags';

export const USAGE = `usage: shop-mlops clv --csv FILE [--summary] [--unit day|week] [--horizon N] [--out OUT]
                   [--as-of DATE] [--discount RATE] [--draws N] [--seed S] [--json]
  FILE holds transactions customer_id,date,amount (dates YYYY-MM-DD, optionally with a time; other columns ignored),
  or with --summary one row per customer customer_id,frequency,recency,T[,monetary] in --unit (lifetimes' ID, x, t_x,
  zbar / monetary_value are accepted). Transactions are summarised up to --as-of (default: the last date in FILE).
  --unit day|week     time unit of the summary and of --horizon (default day)
  --horizon N         prediction horizon in --unit (default 365 days / 52 weeks)
  --discount RATE     discount rate per 30-day month for the CLV (default ${DEFAULT_MONTHLY_DISCOUNT})
  --draws N           parameter draws behind the CLV intervals (default ${DEFAULT_DRAWS}; 0 = none)
  --out OUT           CSV per customer: expected purchases over the horizon, P(alive), expected order value,
                      next order, CLV and its 95% interval
  --json              one JSON object {status, bgnbd, gammagamma} on stdout`;

const flagsSchema = z.object({
  csv: z.string().min(1, { message: '--csv FILE is required' }),
  summary: z.boolean(),
  unit: z.enum(['day', 'week'], { message: '--unit must be day or week' }),
  horizon: z.number({ message: '--horizon must be a number' }).positive({ message: '--horizon must be > 0' }).finite().optional(),
  out: z.string().min(1).optional(),
  asOf: z
    .string()
    .refine((s) => !Number.isNaN(parseDay(s)), { message: '--as-of must be a date (YYYY-MM-DD)' })
    .optional(),
  discount: z.number({ message: '--discount must be a number' }).min(0, { message: '--discount must be in [0, 1]' }).max(1, { message: '--discount must be in [0, 1]' }),
  draws: z.number({ message: '--draws must be a whole number' }).int({ message: '--draws must be a whole number' }).min(0).max(100_000),
  seed: z.string(),
});


export async function run(argv: string[], ctx: CliContext): Promise<number> {
  let values;
  try {
    ({ values } = parseVerbArgs(
      argv,
      {
        csv: { type: 'string' },
        summary: { type: 'boolean', default: false },
        unit: { type: 'string', default: 'day' },
        horizon: { type: 'string' },
        out: { type: 'string' },
        'as-of': { type: 'string' },
        discount: { type: 'string' },
        draws: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      USAGE,
      { min: 0, max: 0 },
    ));
  } catch (e) {
    ctx.err((e as Error).message);
    return 2;
  }
  if (values.help) {
    ctx.out(USAGE);
    return 0;
  }
  const parsed = flagsSchema.safeParse({
    csv: values.csv ?? '',
    summary: values.summary,
    unit: values.unit,
    horizon: numberFlag(values.horizon),
    out: values.out,
    asOf: values['as-of'],
    discount: numberFlag(values.discount) ?? DEFAULT_MONTHLY_DISCOUNT,
    draws: numberFlag(values.draws) ?? DEFAULT_DRAWS,
    seed: values.seed ?? 'clv',
  });
  if (!parsed.success) {
    ctx.err(`${parsed.error.issues.map((i) => i.message).join('\n')}\n${USAGE}`);
    return 2;
  }
  const f = parsed.data;
  if (!existsSync(f.csv)) {
    ctx.err(`no such file: ${f.csv}\n${USAGE}`);
    return 2;
  }
  const json = ctx.json || values.json;
  const progress = (s: string) => {
    if (!json) ctx.err(s);
  };
  const unit: TimeUnit = f.unit;
  const horizon = f.horizon ?? (unit === 'day' ? 365 : 52);

  progress(`clv: reading ${f.csv}`);
  let customers: ClvCustomer[];
  let asOf: string | undefined = f.asOf;
  if (f.summary) {
    customers = (await readSummaryCsv(createReadStream(f.csv), f.csv)).customers;
    progress(`clv: ${customers.length} customers (summary in ${unit}s)`);
  } else {
    const file = await readTransactionsCsv(createReadStream(f.csv), f.csv);
    const end = f.asOf !== undefined ? parseDay(f.asOf) : file.lastDay;
    asOf = formatDay(end);
    customers = summariseTransactions(file.transactions, { end, unit });
    progress(`clv: ${file.transactions.length} transactions ${formatDay(file.firstDay)} … ${formatDay(file.lastDay)}; ${customers.length} customers with a purchase by ${asOf}`);
  }
  const t0 = performance.now();
  const fit = fitClv(customers, { unit });
  progress(`clv: fitted BG/NBD on ${fit.bgnbd.customers} customers (${fit.diagnostics.groups} distinct profiles)${fit.gammagamma ? ` and Gamma-Gamma on ${fit.gammagamma.customers} repeat buyers` : ''} in ${((performance.now() - t0) / 1000).toFixed(2)} s`);

  let predictions: ClvPredictions | null = null;
  if (f.out !== undefined || !json) {
    const t1 = performance.now();
    predictions = predictClv(fit, customers, { horizon, monthlyDiscount: f.discount, draws: f.draws, seed: f.seed, ...(asOf !== undefined ? { asOf } : {}) });
    progress(`clv: scored ${customers.length} customers over ${horizon} ${unit}s (${predictions.draws} parameter draws) in ${((performance.now() - t1) / 1000).toFixed(2)} s`);
  }
  if (f.out !== undefined && predictions) {
    writeFileSync(f.out, predictionsCsv(customers, predictions));
    progress(`clv: wrote ${f.out} (${customers.length} rows)`);
  }

  if (json) ctx.out(JSON.stringify(jsonReport(fit, customers.length, horizon, f.out)));
  else ctx.out(readableReport(fit, predictions!, horizon));
  return 0;
}

function ciOf<P>(m: SubmodelFit<P>): Record<string, [number, number]> | null {
  if (!m.intervals) return null;
  return Object.fromEntries(Object.entries(m.intervals).map(([k, v]) => [k, [(v as { lower: number }).lower, (v as { upper: number }).upper]]));
}

function jsonReport(fit: ClvFit, customers: number, horizon: number, out: string | undefined): Record<string, unknown> {
  const bg = fit.bgnbd;
  const gg = fit.gammagamma;
  return {
    status: fit.status,
    bgnbd: { ...(bg.params ?? { r: null, alpha: null, a: null, b: null }), loglik: bg.logLik, ci: ciOf(bg) },
    gammagamma: gg ? { ...(gg.params ?? { p: null, q: null, gamma: null }), ci: ciOf(gg) } : null,
    reasons: fit.reasons,
    unit: fit.unit,
    customers,
    horizon,
    ...(out !== undefined ? { out } : {}),
  };
}

const fmt = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined ? '' : Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : String(v));

function paramRows<P>(m: SubmodelFit<P>): Record<string, string>[] {
  if (!m.params) return [];
  return m.paramOrder.map((k) => {
    const iv = m.intervals?.[k];
    return { parameter: k, estimate: fmt(m.params![k] as number, 5), '95% low': fmt(iv?.lower), '95% high': fmt(iv?.upper), 'width / estimate': fmt(iv?.relativeWidth, 3) };
  });
}

function readableReport(fit: ClvFit, p: ClvPredictions, horizon: number): string {
  const lines: string[] = [];
  lines.push(`status: ${fit.status}${fit.status === 'ok' ? '' : ' (read the numbers below as rough)'}`);
  for (const r of fit.reasons) lines.push(`  - ${r}`);
  lines.push('', `BG/NBD (${fit.bgnbd.customers} customers, log-likelihood ${fmt(fit.bgnbd.logLik, 9)}; alpha in ${fit.unit}s)`, formatTable(paramRows(fit.bgnbd)));
  if (fit.gammagamma) {
    lines.push('', `Gamma-Gamma (${fit.gammagamma.customers} repeat buyers with a positive mean value)`);
    lines.push(fit.gammagamma.params ? formatTable(paramRows(fit.gammagamma)) : '(not fitted)');
  }
  const cs = p.customers;
  const total = cs.reduce((s, c) => s + c.expectedPurchases, 0);
  const clvs = cs.filter((c) => c.clv !== null);
  lines.push('', `next ${horizon} ${fit.unit}s: ${fmt(total, 6)} expected repeat purchases from ${cs.length} customers; mean P(alive) ${fmt(cs.reduce((s, c) => s + c.pAlive, 0) / cs.length, 3)}`);
  if (clvs.length > 0) {
    lines.push(`discounted CLV (monthly rate ${p.monthlyDiscount}): total ${fmt(clvs.reduce((s, c) => s + c.clv!, 0), 7)}, mean ${fmt(clvs.reduce((s, c) => s + c.clv!, 0) / clvs.length, 5)}`);
    const top = [...clvs].sort((a, b) => b.clv! - a.clv!).slice(0, 5);
    lines.push('', 'top customers by CLV', formatTable(top.map((c) => ({ customer: c.id, 'expected purchases': fmt(c.expectedPurchases), 'P(alive)': fmt(c.pAlive, 3), 'order value': fmt(c.expectedOrderValue), clv: fmt(c.clv, 5), '95% interval': c.clvLow === null ? '' : `${fmt(c.clvLow)} … ${fmt(c.clvHigh)}` }))));
  }
  return lines.join('\n');
}

const CSV_HEADER = [
  'customer_id',
  'frequency',
  'recency',
  'T',
  'monetary',
  'expected_purchases',
  'expected_purchases_low',
  'expected_purchases_high',
  'p_alive',
  'p_purchase',
  'expected_order_value',
  'next_order_in',
  'next_order_date',
  'clv',
  'clv_low',
  'clv_high',
];

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function predictionsCsv(customers: readonly ClvCustomer[], p: ClvPredictions): string {
  const n = (v: number | null | undefined) => fmt(v, 10);
  const lines = [CSV_HEADER.join(',')];
  for (const [i, c] of customers.entries()) {
    const q = p.customers[i]!;
    lines.push(
      [
        csvCell(c.id),
        String(c.frequency),
        n(c.recency),
        n(c.T),
        n(c.monetary),
        n(q.expectedPurchases),
        n(q.expectedPurchasesLow),
        n(q.expectedPurchasesHigh),
        n(q.pAlive),
        n(q.pPurchase),
        n(q.expectedOrderValue),
        n(q.nextOrderIn),
        q.nextOrderDate ?? '',
        n(q.clv),
        n(q.clvLow),
        n(q.clvHigh),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
