// `shop-mlops recommend --csv FILE --k K --out OUT`: item-kNN recommendations for every customer of a purchases CSV.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { readItemList, readPurchasesCsv } from '../../models/recommend/purchases-csv';
import { trainRecommender } from '../../models/recommend/model';
import { readUciCatalog } from '../../models/recommend/catalog-csv';
import { distinctRecommended, recommendAll } from '../../models/recommend/recommender';
import { formatScore, writeRecommendationsCsv } from '../../models/recommend/recommendations-csv';
import { parseVerbArgs, usageError } from '../flags';

export const USAGE = `usage: shop-mlops recommend --csv FILE [--k K] --out OUT [--out-of-stock FILE] [--json]
  FILE is the UCI Online Retail layout (InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country)
  or customer_id,item_id,date. UCI rows without CustomerID, C invoices and negative quantities (returns) and
  non-product codes (POST, DOT, M, BANK CHARGES, ...) are left out of the purchase history; in the UCI layout each
  StockCode's Description, price and first sale are its catalog entry (content similarity for items bought rarely).
  OUT gets customer_id,rank,item_id,score,source: the top K (default 10) items per customer of FILE, never one the
  customer already bought nor one listed in --out-of-stock (item ids, one per line or an item_id column).
  source is 'similar' (score = summed similarity to the customer's past items, recency-weighted) or 'popular'
  (fallback when there is no history or too few similar items; score = share of customers who bought it).`;

const flagsSchema = z.object({
  csv: z.string({ error: '--csv FILE is required' }).min(1, '--csv FILE is required'),
  k: z.coerce.number({ error: '--k must be a number' }).int('--k must be an integer').min(1, '--k must be at least 1').max(1000, '--k must be at most 1000'),
  out: z.string({ error: '--out OUT is required' }).min(1, '--out OUT is required'),
  outOfStock: z.string().min(1).optional(),
});


export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseVerbArgs(
    argv,
    {
      csv: { type: 'string' },
      k: { type: 'string' },
      out: { type: 'string' },
      'out-of-stock': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    USAGE,
    { min: 0, max: 0 },
  );
  if (values.help) {
    ctx.out(USAGE);
    return 0;
  }
  const json = ctx.json || values.json;
  const parsed = flagsSchema.safeParse({ csv: values.csv, k: values.k ?? '10', out: values.out, outOfStock: values['out-of-stock'] });
  if (!parsed.success) throw usageError(parsed.error.issues.map((i) => i.message).join('; '), USAGE);
  const flags = parsed.data;
  for (const [flag, file] of [['--csv', flags.csv], ['--out-of-stock', flags.outOfStock]] as const) {
    if (file !== undefined && (!existsSync(file) || !statSync(file).isFile())) throw new ShopMlopsError('BAD_REQUEST', `${flag} ${file}: no such file`);
  }
  const progress = (s: string) => {
    if (!json) ctx.err(s);
  };
  const t0 = performance.now();
  const lap = (() => {
    let last = t0;
    return () => {
      const now = performance.now();
      const s = (now - last) / 1000;
      last = now;
      return s;
    };
  })();

  progress(`reading ${flags.csv} …`);
  const { interactions, report } = await readPurchasesCsv(createReadStream(flags.csv), { onProgress: (n) => progress(`  ${n.toLocaleString('en-US')} records`) });
  const outOfStock = flags.outOfStock === undefined ? [] : await readItemList(createReadStream(flags.outOfStock));
  const readSeconds = lap();
  progress(`${report.records} records → ${report.purchases} purchases by ${report.customers} customers; training …`);
  // The UCI layout also describes the catalog (Description, UnitPrice, first sale): content similarity for sparse items.
  const catalog = report.layout === 'uci' ? await readUciCatalog(createReadStream(flags.csv)) : undefined;
  const model = trainRecommender(interactions, {}, catalog);
  const trainSeconds = lap();
  progress(`${model.items.length} items, ${model.neighbours.items.length} neighbour links; recommending top ${flags.k} …`);
  const batch = recommendAll(model, interactions, { k: flags.k, outOfStock });
  const recommendSeconds = lap();
  const rows = await writeRecommendationsCsv(flags.out, batch, model, interactions.customerIds);
  const writeSeconds = lap();
  const totalSeconds = (performance.now() - t0) / 1000;
  const distinct = distinctRecommended(batch, model.items.length);
  const coverage = model.items.length > 0 ? distinct / model.items.length : 0;
  const summary = {
    verb: 'recommend',
    file: flags.csv,
    out: flags.out,
    k: flags.k,
    layout: report.layout,
    counts: {
      records: report.records,
      purchases: report.purchases,
      orders: report.orders,
      customers: report.customers,
      items: model.items.length,
      dropped: report.dropped,
      outOfStock: outOfStock.length,
      customersWithoutHistory: batch.noHistory,
      customersWithPopularityFill: batch.filledFromPopularity,
      rowsWritten: rows,
      distinctItemsRecommended: distinct,
    },
    coverage,
    timings: { readSeconds, trainSeconds, recommendSeconds, writeSeconds, totalSeconds },
    dates: { first: report.firstDate, last: report.lastDate },
    params: model.params,
  };
  if (json) {
    ctx.out(JSON.stringify(summary));
    return 0;
  }
  const d = report.dropped;
  ctx.out(`recommend: ${flags.csv} (${report.layout}) → ${flags.out}, top ${flags.k} per customer in ${totalSeconds.toFixed(2)} s`);
  ctx.out(
    formatTable(
      [
        ['records', report.records],
        ['purchases kept', report.purchases],
        ['dropped: guest rows (no customer)', d.guest],
        ['dropped: returns (C invoices, quantity < 0)', d.returns],
        ['dropped: zero quantity', d.zeroQuantity],
        ['dropped: non-product codes', d.nonProduct],
        ['customers', report.customers],
        ['customers with no purchase history (popularity only)', batch.noHistory],
        ['customers with popularity fill', batch.filledFromPopularity],
        ['items in the catalogue', model.items.length],
        ['items out of stock (excluded)', outOfStock.length],
        ['rows written', rows],
        ['catalogue coverage', `${(coverage * 100).toFixed(1)} % (${distinct} items)`],
        ['seconds: read / train / recommend / write', [readSeconds, trainSeconds, recommendSeconds, writeSeconds].map((s) => s.toFixed(2)).join(' / ')],
      ].map(([what, value]) => ({ what, value })),
    ),
  );
  const preview = [];
  for (let r = 0; r < Math.min(3, batch.customers); r++)
    for (let q = 0; q < Math.min(3, batch.k); q++) {
      const i = batch.items[r * batch.k + q]!;
      if (i < 0) break;
      preview.push({ customer_id: interactions.customerIds[r], rank: q + 1, item_id: model.items[i], score: formatScore(batch.scores[r * batch.k + q]!), source: batch.source[r * batch.k + q] === 0 ? 'similar' : 'popular' });
    }
  if (preview.length > 0) ctx.out(`\nfirst customers (top 3 each):\n${formatTable(preview)}`);
  return 0;
}
