// The catalog a UCI Online Retail CSV implies: per StockCode its Description as title, latest price, price band, first sale.
import { csvRecords, type CsvSource } from '../../simulator/csv-records';
import { isNonProductCode } from '../../simulator/replay-csv';
import { priceBands, titleTokens, type CatalogItem } from './catalog';
import { parsePurchaseDate } from './purchases-csv';

export interface UciCatalogItem extends CatalogItem {
  price: number | null;
  createdAt: number;
}

/**
 * Products of a UCI-layout CSV as shop_features.product_attributes holds them after a replay: title = the latest
 * non-empty Description (what the replay writes as the line title), price = the latest positive UnitPrice, price band =
 * the percent-rank fifth of the shop's prices, created_at = first sale. Only rows strictly before `beforeMs` count (a catalog as it
 * stood at that time); non-product codes are left out, guests' and cancelled rows are not (they still show the product).
 */
export async function readUciCatalog(source: CsvSource, opts: { beforeMs?: number } = {}): Promise<UciCatalogItem[]> {
  const before = opts.beforeMs ?? Infinity;
  const byCode = new Map<string, { title: string; price: number | null; createdAt: number; seen: number }>();
  let cols: Record<string, number> | null = null;
  let lastDateText = '';
  let lastDateMs = NaN;
  for await (const rec of csvRecords(source)) {
    if (cols === null) {
      const names = rec.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
      cols = Object.fromEntries(['StockCode', 'Description', 'UnitPrice', 'InvoiceDate'].map((n) => [n, names.indexOf(n)]));
      if (Object.values(cols).some((i) => i < 0)) throw new RangeError(`not the UCI layout: ${names.join(',')}`);
      continue;
    }
    const code = rec[cols['StockCode']!]?.trim();
    const dateText = rec[cols['InvoiceDate']!]?.trim() ?? '';
    if (!code || isNonProductCode(code)) continue;
    if (dateText !== lastDateText) {
      lastDateText = dateText;
      lastDateMs = parsePurchaseDate(dateText) ?? NaN;
    }
    const t = lastDateMs;
    if (!(t < before)) continue;
    const title = (rec[cols['Description']!] ?? '').trim();
    const price = Number(rec[cols['UnitPrice']!]);
    const cur = byCode.get(code);
    if (!cur) byCode.set(code, { title, price: price > 0 ? price : null, createdAt: t, seen: t });
    else {
      if (t >= cur.seen) {
        if (title) cur.title = title;
        if (price > 0) cur.price = price;
        cur.seen = t;
      }
      if (t < cur.createdAt) cur.createdAt = t;
    }
  }
  const entries = [...byCode.entries()];
  const bands = priceBands(entries.map(([, e]) => e.price));
  return entries.map(([item, e], i) => ({ item, title: e.title || null, titleTokens: titleTokens(e.title), priceBand: bands[i] ?? null, price: e.price, createdAt: e.createdAt }));
}
