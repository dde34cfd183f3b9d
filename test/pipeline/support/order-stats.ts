// A small real pipeline for the framework's tests, shaped like the training pipeline: extract (DuckDB) → validate → train ×2 → evaluate → compare → register (conditional).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openDuckDbWarehouse } from '../../../functions/src/adapters/embedded/duckdb-warehouse';
import { ShopMlopsError } from '../../../functions/src/core/errors';
import { Prng } from '../../../functions/src/simulator/prng';
import { a, createPipelineKit, p, when } from '../../../functions/src/pipeline';

export interface OrderRow {
  order_id: string;
  customer_id: string;
  day: string;
  amount: number;
}

export interface Model {
  kind: 'mean' | 'median';
  value: number;
}

export interface Champion extends Model {
  mae: number;
  runId: string;
}

/** Services the steps receive: how to open the warehouse (the real training pipeline would choose DuckDB or BigQuery here). */
export interface StatsServices {
  openWarehouse(dbPath: string): ReturnType<typeof openDuckDbWarehouse>;
}

const kit = createPipelineKit<StatsServices>();

const parseLines = (text: string): OrderRow[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as OrderRow);
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const split = (rows: OrderRow[], lastDay: string, holdoutDays: number) => {
  const cutoff = addDays(lastDay, -holdoutDays);
  return { train: rows.filter((r) => r.day <= cutoff), test: rows.filter((r) => r.day > cutoff) };
};
export const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
export const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const mae = (xs: number[], predicted: number) => mean(xs.map((x) => Math.abs(x - predicted)));

export const extract = kit.step({
  description: 'Reads the orders table from DuckDB into a JSON-lines dataset.',
  inputs: { db_path: p.string(), table: p.string({ default: 'shop.orders' }) },
  outputs: { dataset: a.dataset(), rows: p.integer(), last_day: p.string() },
  async run({ inputs, outputs, services, progress }) {
    if (!/^[a-z_]+\.[a-z_]+$/.test(inputs.table)) throw new ShopMlopsError('BAD_REQUEST', `table must be schema.name, got ${inputs.table}`);
    const w = await services.openWarehouse(inputs.db_path);
    try {
      const rows = await w.query(`SELECT order_id, customer_id, strftime(day, '%Y-%m-%d') AS day, amount FROM ${inputs.table} ORDER BY day, order_id`);
      progress(rows.length, rows.length);
      await outputs.dataset.write(rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'application/x-ndjson');
      outputs.dataset.metadata['rows'] = rows.length;
      return { rows: rows.length, last_day: String(rows.at(-1)?.['day'] ?? '') };
    } finally {
      await w.close();
    }
  },
});

export const validate = kit.step({
  description: 'Checks every row against the schema; fails naming the first bad line.',
  inputs: { dataset: a.dataset(), min_rows: p.integer({ default: 10 }) },
  outputs: { valid_rows: p.integer() },
  async run({ inputs, metric }) {
    const lines = (await inputs.dataset.readText()).split('\n').filter(Boolean);
    lines.forEach((l, i) => {
      const r = JSON.parse(l) as Record<string, unknown>;
      const bad = (field: string, why: string) => new ShopMlopsError('UNPROCESSABLE', `dataset line ${i + 1}: ${field} ${why} (got ${JSON.stringify(r[field])})`);
      if (typeof r['order_id'] !== 'string' || !r['order_id']) throw bad('order_id', 'must be a non-empty string');
      if (typeof r['day'] !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(r['day'])) throw bad('day', 'must be YYYY-MM-DD');
      if (typeof r['amount'] !== 'number' || !Number.isFinite(r['amount']) || r['amount'] < 0) throw bad('amount', 'must be a number ≥ 0');
    });
    if (lines.length < inputs.min_rows) throw new ShopMlopsError('UNPROCESSABLE', `dataset has ${lines.length} rows, fewer than min_rows ${inputs.min_rows}`);
    metric('valid_rows', lines.length);
    return { valid_rows: lines.length };
  },
});

const trainer = (kind: Model['kind'], fit: (xs: number[]) => number) =>
  kit.step({
    description: `Fits the ${kind} order amount on the days before the holdout.`,
    inputs: { dataset: a.dataset(), last_day: p.string(), holdout_days: p.integer() },
    outputs: { model: a.model(), train_rows: p.integer() },
    async run({ inputs, outputs, metric }) {
      const { train } = split(parseLines(await inputs.dataset.readText()), inputs.last_day, inputs.holdout_days);
      if (!train.length) throw new ShopMlopsError('UNPROCESSABLE', 'no training rows before the holdout');
      const model: Model = { kind, value: fit(train.map((r) => r.amount)) };
      await outputs.model.writeJson(model);
      outputs.model.metadata['kind'] = kind;
      metric('train_rows', train.length);
      return { train_rows: train.length };
    },
  });

export const trainMean = trainer('mean', mean);
export const trainMedian = trainer('median', median);

export const evaluate = kit.step({
  description: 'Mean absolute error of each model on the holdout days; the best one is the challenger.',
  inputs: { dataset: a.dataset(), mean_model: a.model(), median_model: a.model(), last_day: p.string(), holdout_days: p.integer() },
  outputs: { best_model: a.model(), best_kind: p.string(), best_mae: p.number(), metrics: a.metrics() },
  async run({ inputs, outputs, metric }) {
    const { test } = split(parseLines(await inputs.dataset.readText()), inputs.last_day, inputs.holdout_days);
    const amounts = test.map((r) => r.amount);
    const models = [await inputs.mean_model.readJson<Model>(), await inputs.median_model.readJson<Model>()];
    const scored = models.map((m) => ({ m, mae: mae(amounts, m.value) }));
    for (const s of scored) metric(`mae_${s.m.kind}`, s.mae);
    const best = scored.reduce((x, y) => (y.mae < x.mae ? y : x));
    await outputs.best_model.writeJson(best.m);
    metric('test_rows', test.length);
    return { best_kind: best.m.kind, best_mae: best.mae };
  },
});

export const compare = kit.step({
  description: "Compares the challenger's error with the registered champion's.",
  inputs: { best_mae: p.number(), registry_dir: p.string() },
  outputs: { verdict: p.string(), champion_mae: p.number() },
  run({ inputs }) {
    const file = path.join(inputs.registry_dir, 'champion.json');
    if (!existsSync(file)) return { verdict: 'win', champion_mae: -1 };
    const champion = JSON.parse(readFileSync(file, 'utf8')) as Champion;
    const diff = inputs.best_mae - champion.mae;
    return { verdict: Math.abs(diff) <= 1e-9 ? 'tie' : diff < 0 ? 'win' : 'lose', champion_mae: champion.mae };
  },
});

export const register = kit.step({
  description: 'Makes the challenger the champion (writes champion.json).',
  inputs: { model: a.model(), best_mae: p.number(), registry_dir: p.string() },
  outputs: { champion_path: p.string() },
  async run({ inputs, run }) {
    const model = await inputs.model.readJson<Model>();
    const champion: Champion = { ...model, mae: inputs.best_mae, runId: run.id };
    mkdirSync(inputs.registry_dir, { recursive: true });
    const file = path.join(inputs.registry_dir, 'champion.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(champion, null, 2));
    renameSync(`${file}.tmp`, file);
    return { champion_path: file };
  },
});

export const orderStats = kit.pipeline({
  name: 'order-stats',
  description: 'Test pipeline: order amount models from DuckDB, champion/challenger registration.',
  params: {
    db_path: p.string(),
    registry_dir: p.string(),
    holdout_days: p.integer({ default: 14 }),
    min_rows: p.integer({ default: 10 }),
  },
  services: () => ({ openWarehouse: (dbPath: string) => openDuckDbWarehouse({ path: dbPath, readOnly: true }) }),
  steps: (b) => {
    const ex = b.add('extract', extract, { db_path: b.params.db_path });
    const va = b.add('validate', validate, { dataset: ex.outputs.dataset, min_rows: b.params.min_rows });
    const common = { dataset: ex.outputs.dataset, last_day: ex.outputs.last_day, holdout_days: b.params.holdout_days };
    const tm = b.add('train_mean', trainMean, common, { after: [va] });
    const td = b.add('train_median', trainMedian, common, { after: [va] });
    const ev = b.add('evaluate', evaluate, { ...common, mean_model: tm.outputs.model, median_model: td.outputs.model });
    const cmp = b.add('compare', compare, { best_mae: ev.outputs.best_mae, registry_dir: b.params.registry_dir });
    b.add('register', register, { model: ev.outputs.best_model, best_mae: ev.outputs.best_mae, registry_dir: b.params.registry_dir }, { when: when.ne(cmp.outputs.verdict, 'lose') });
  },
});

/** Seeded orders over `days` days; `badLine` (1-based, in day/id order) gets a negative amount. */
export function makeOrders(seed: number, days = 60, opts: { badLine?: number } = {}): OrderRow[] {
  const rng = new Prng(seed);
  const rows: OrderRow[] = [];
  for (let d = 0; d < days; d++) {
    const day = addDays('2026-01-01', d);
    const n = 1 + rng.int(4);
    for (let i = 0; i < n; i++) rows.push({ order_id: `o${String(d).padStart(3, '0')}-${i}`, customer_id: `c${rng.int(20)}`, day, amount: Math.round(rng.gamma(2, 0.04) * 100) / 100 });
  }
  rows.sort((x, y) => (x.day === y.day ? x.order_id.localeCompare(y.order_id) : x.day.localeCompare(y.day)));
  if (opts.badLine) rows[opts.badLine - 1]!.amount = -1;
  return rows;
}

/** Writes the orders into a DuckDB file as shop.orders (then closes it, so steps can open it read-only). */
export async function writeOrdersDb(file: string, rows: OrderRow[]): Promise<void> {
  const w = await openDuckDbWarehouse({ path: file });
  try {
    await w.execute('CREATE SCHEMA IF NOT EXISTS shop');
    await w.execute('CREATE OR REPLACE TABLE shop.orders (order_id VARCHAR, customer_id VARCHAR, day DATE, amount DOUBLE)');
    // Ids, days and amounts are generated here (no quotes), so one literal INSERT is safe and fast.
    await w.execute(`INSERT INTO shop.orders VALUES ${rows.map((r) => `('${r.order_id}', '${r.customer_id}', DATE '${r.day}', ${r.amount})`).join(', ')}`);
  } finally {
    await w.close();
  }
}

/** The expected results, computed here directly from the rows. */
export function expectedResults(rows: OrderRow[], holdoutDays: number) {
  const lastDay = rows.at(-1)!.day;
  const { train, test } = split(rows, lastDay, holdoutDays);
  const amounts = test.map((r) => r.amount);
  const m = mean(train.map((r) => r.amount));
  const md = median(train.map((r) => r.amount));
  const maeMean = mae(amounts, m);
  const maeMedian = mae(amounts, md);
  return { lastDay, trainRows: train.length, testRows: test.length, mean: m, median: md, maeMean, maeMedian, bestKind: maeMedian < maeMean ? 'median' : 'mean', bestMae: Math.min(maeMean, maeMedian) };
}
